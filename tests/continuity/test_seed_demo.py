from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from clients import questionnaires
from clients.models import (
    Appointment,
    CheckIn,
    Client,
    Consent,
    Moment,
    QuestionnaireResponse,
    Signal,
)
from clients.signals import has_risk_language
from clients.tasks import alert_sweep
from continuity import demo
from continuity.models import Practice, Therapist
from continuity.selectors import caseload_attention
from notes.models import Delivery, Note, NoteTemplate

pytestmark = pytest.mark.django_db


def test_seed_builds_a_realistic_practice_and_is_idempotent(capsys):
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert f"{demo.DEMO_THERAPIST_EMAIL} / {demo.DEMO_PASSWORD}" in out
    counts = (Client.objects.count(), Appointment.objects.count(), Moment.objects.count())
    assert Practice.objects.count() == 1
    assert Therapist.objects.count() == 2
    assert counts[0] == 30
    assert counts[1] > 30 * 5  # about 90 days of weekly or fortnightly sessions each
    assert counts[2] > 0
    assert Consent.objects.filter(withdrawn_at__isnull=True).count() >= 30

    call_command("seed_demo")
    assert (Client.objects.count(), Appointment.objects.count(), Moment.objects.count()) == counts


def test_if_empty_leaves_a_database_with_data_alone(cast, capsys):
    call_command("seed_demo", "--if-empty")
    assert "not empty" in capsys.readouterr().out
    assert not Practice.objects.filter(name=demo.DEMO_PRACTICE).exists()


def test_seed_is_refused_outside_development(settings):
    settings.DEVELOPMENT = False
    with pytest.raises(CommandError, match="refused outside development"):
        call_command("seed_demo")
    assert not Practice.objects.exists()


def test_demo_therapist_signs_in_and_sees_own_caseload_not_the_colleagues(client):
    demo.seed()
    assert client.login(username=demo.DEMO_THERAPIST_EMAIL, password=demo.DEMO_PASSWORD)
    response = client.get(reverse("caseload"), {"status": "all"})
    shown = {c.pk for c in response.context["clients"]}
    mine = set(
        Client.objects.filter(primary_therapist__email=demo.DEMO_THERAPIST_EMAIL).values_list(
            "pk", flat=True
        )
    )
    assert shown == mine and len(mine) == 18
    colleague_names = Client.objects.filter(
        primary_therapist__email=demo.DEMO_COLLEAGUE_EMAIL
    ).values_list("preferred_name", flat=True)
    html = response.content.decode()
    assert not any(f"<td>{name}</td>" in html for name in colleague_names)
    # The admin works for the demo therapist, scoped the same way.
    admin_page = client.get(reverse("admin:clients_client_changelist"))
    assert admin_page.status_code == 200
    assert admin_page.context["cl"].result_count == 18


def _activity_counts() -> tuple[int, ...]:
    models = (Signal, CheckIn, QuestionnaireResponse, Note, Delivery, NoteTemplate, Moment)
    return tuple(model.objects.count() for model in models)


def test_demo_caseload_needs_attention_in_order_and_seeding_twice_adds_nothing():
    call_command("seed_demo")
    counts = _activity_counts()
    therapist = Therapist.objects.get(email=demo.DEMO_THERAPIST_EMAIL)

    rows = caseload_attention(therapist=therapist)
    codes = [{reason.code for reason in row.reasons} for row in rows]
    assert any(code.startswith("urgent:") for code in codes[0])
    urgent = {code for found in codes for code in found if code.startswith("urgent:")}
    assert urgent == {"urgent:hard_time", "urgent:risk_language"}
    assert all(row.reasons[0].words for row in rows if row.reasons)
    assert any("mood_drop" in found or "deterioration" in found for found in codes)
    assert any("failing" in found for found in codes)
    assert any("moment" in found for found in codes)
    # Heaviest reason first, all the way down.
    weights = [row.reasons[0].weight if row.reasons else 0 for row in rows]
    assert weights == sorted(weights, reverse=True)
    # The colleague's clients have their own activity, and none of it shows here.
    theirs = Signal.objects.exclude(client__primary_therapist=therapist)
    assert theirs.exists()
    assert not {row.client.pk for row in rows} & set(theirs.values_list("client_id", flat=True))

    call_command("seed_demo")
    assert _activity_counts() == counts


def test_demo_activity_is_consistent_and_wakes_no_worker():
    demo.seed()
    now = timezone.now()
    # Urgent demo signals count as alerted: the alert sweeper has nothing to send.
    assert not Signal.objects.filter(severity=Signal.Severity.URGENT, alerted_at__isnull=True)
    assert alert_sweep() == 0
    # A check-in is urgent exactly when its text matches the configured risk phrases.
    for signal in Signal.objects.filter(check_in__isnull=False).select_related("check_in"):
        risky = signal.kind == Signal.Kind.RISK_LANGUAGE
        assert has_risk_language(signal.check_in.text) == risky
    # Questionnaire totals and bands agree with their answers.
    for response in QuestionnaireResponse.objects.all():
        answers = json.loads(response.answers)
        assert sum(answers) == response.total
        assert response.severity == questionnaires.severity(questionnaires.PHQ9, response.total)
    assert Signal.objects.filter(kind=Signal.Kind.DETERIORATION).count() == 1
    # Only the scheduled note waits, and not before its time; nothing is queued.
    pending = Delivery.objects.filter(state__in=Delivery.PENDING)
    assert pending.exists() and not pending.filter(state=Delivery.State.QUEUED).exists()
    assert all(delivery.due_at > now for delivery in pending)
    # Every delivery went over a channel the client consented to.
    for delivery in Delivery.objects.select_related("note__client"):
        assert delivery.note.client.consents.filter(
            channel=delivery.channel, withdrawn_at__isnull=True
        ).exists()
    for template in NoteTemplate.objects.all():
        assert "{first_name}" in template.body and "?" not in template.body
