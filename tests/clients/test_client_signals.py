from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from clients import signals
from clients.models import CheckIn, Signal
from clients.tasks import alert_sweep, alert_therapist
from notes.services import delivery_send, note_create
from tests.helpers import wait_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def shown_note(cast, reachable):
    note = note_create(therapist=cast.therapist, client=reachable, body="Thinking of you.")
    delivery_send(delivery_id=note.deliveries.get(channel="in_app").pk)
    return note


# --- "I'm having a hard time" -----------------------------------------------------------


def test_hard_time_shows_crisis_resources_and_is_honest_about_when(portal, reachable):
    response = portal.post(reverse("portal:hard-time"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "988" in html
    assert reachable.primary_therapist.availability_statement in html
    assert "not watched around the clock" in html
    signal = Signal.objects.get(client=reachable)
    assert (signal.kind, signal.severity) == (Signal.Kind.HARD_TIME, Signal.Severity.URGENT)


def test_pressing_again_soon_does_not_alert_twice(portal, reachable):
    portal.post(reverse("portal:hard-time"))
    portal.post(reverse("portal:hard-time"))
    assert Signal.objects.filter(client=reachable, kind=Signal.Kind.HARD_TIME).count() == 1


def test_hard_time_without_a_session_still_shows_help_and_records_nothing(client):
    response = client.post(reverse("portal:hard-time"))
    assert response.status_code == 200
    assert b"988" in response.content
    assert not Signal.objects.exists()


def test_every_client_page_has_the_button_and_the_crisis_line(portal, shown_note):
    for url in [reverse("portal:notes"), reverse("portal:hard-time")]:
        html = portal.get(url).content.decode()
        assert "I&#x27;m having a hard time" in html or "I'm having a hard time" in html
        assert "988" in html


def test_the_alert_reaches_the_therapist_through_a_real_worker_without_client_details(
    celery_worker, cast, reachable, smtp
):
    signal = signals.hard_time(client=reachable)
    assert wait_for(lambda: smtp.count() == 1)
    message = smtp.messages[0]
    assert message["To"] == cast.therapist.email
    text = message.as_string()
    assert reachable.preferred_name not in text and reachable.email not in text
    assert wait_for(lambda: Signal.objects.get(pk=signal.pk).alerted_at is not None)
    assert alert_therapist(signal.pk) == "already alerted"


def test_unalerted_urgent_signals_are_swept_up(cast, reachable, monkeypatch):
    published = []
    monkeypatch.setattr(alert_therapist, "delay", published.append)
    old = Signal.objects.create(
        client=reachable, kind=Signal.Kind.HARD_TIME, severity=Signal.Severity.URGENT
    )
    Signal.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(minutes=5))
    Signal.objects.create(
        client=reachable, kind=Signal.Kind.CHECK_IN, severity=Signal.Severity.INFO
    )
    assert alert_sweep() == 1
    assert published == [old.pk]


# --- Check-ins --------------------------------------------------------------------------


def test_check_in_saves_mood_and_encrypted_text(portal, reachable):
    portal.post(reverse("portal:check-in"), {"mood": "6", "text": "A long week."})
    check_in = CheckIn.objects.get(client=reachable)
    assert (check_in.mood, check_in.text) == (6, "A long week.")
    signal = Signal.objects.get(client=reachable)
    assert (signal.kind, signal.check_in) == (Signal.Kind.CHECK_IN, check_in)


@pytest.mark.parametrize(
    ("mood", "text", "field"),
    [("11", "", "mood"), ("-1", "", "mood"), ("", "", "mood"), ("x", "", "mood"),
     ("5", "y" * 501, "text")],
)  # fmt: skip
def test_bad_check_ins_are_refused_and_nothing_is_saved(cast, reachable, mood, text, field):
    with pytest.raises(ValidationError) as caught:
        signals.check_in_record(client=reachable, mood=mood, text=text)
    assert field in caught.value.message_dict
    assert not CheckIn.objects.exists() and not Signal.objects.exists()


def test_a_few_check_ins_a_day_then_a_friendly_no(portal, reachable, settings):
    settings.CHECK_INS_PER_DAY = 2
    for _ in range(3):
        response = portal.post(reverse("portal:check-in"), {"mood": "5"}, follow=True)
    assert CheckIn.objects.filter(client=reachable).count() == 2
    assert "checked in a few times today" in response.content.decode()


@pytest.mark.parametrize(
    "text",
    ["I want to die", "honestly I'd be BETTER   OFF DEAD", "thinking about suicide",
     "I can’t go on"],
)  # fmt: skip
def test_risk_language_is_urgent_and_shows_crisis_resources(portal, reachable, text):
    response = portal.post(reverse("portal:check-in"), {"mood": "2", "text": text})
    assert response.status_code == 200
    assert b"988" in response.content
    signal = Signal.objects.get(client=reachable)
    assert (signal.kind, signal.severity) == (Signal.Kind.RISK_LANGUAGE, Signal.Severity.URGENT)


@pytest.mark.parametrize("text", ["I died laughing at the film", "dyed my hair", "killer week"])
def test_ordinary_words_are_not_risk_language(text):
    assert not signals.has_risk_language(text)


# --- Reactions --------------------------------------------------------------------------


def test_one_tap_reactions_are_recorded_once(portal, reachable, shown_note):
    url = reverse("portal:react", args=[shown_note.pk])
    for _ in range(2):
        portal.post(url, {"reaction": "helped"})
    portal.post(url, {"reaction": "received"})
    reactions = Signal.objects.filter(note=shown_note, kind=Signal.Kind.REACTION)
    assert sorted(reactions.values_list("reaction", flat=True)) == ["helped", "received"]
    assert 'aria-pressed="true"' in portal.get(reverse("portal:notes")).content.decode()


def test_a_client_cannot_react_to_someone_elses_note(portal, cast, shown_note):
    foreign = note_create(
        therapist=cast.colleague,
        client=_with_consent(cast.other_client),
        body="Not yours",
        channels_=["in_app"],
    )
    response = portal.post(reverse("portal:react", args=[foreign.pk]), {"reaction": "helped"})
    assert response.status_code == 404
    assert not Signal.objects.filter(note=foreign).exists()


def test_unknown_reaction_is_refused(portal, shown_note):
    portal.post(reverse("portal:react", args=[shown_note.pk]), {"reaction": "love"})
    assert not Signal.objects.filter(note=shown_note).exists()


def test_client_actions_need_the_client_session(client, shown_note):
    for url, data in [
        (reverse("portal:react", args=[shown_note.pk]), {"reaction": "helped"}),
        (reverse("portal:check-in"), {"mood": "5"}),
    ]:
        response = client.post(url, data)
        assert response.status_code == 403
        assert b"988" in response.content
    assert not Signal.objects.exists()


def _with_consent(client):
    from clients.models import Channel
    from tests.factories import ConsentFactory

    ConsentFactory(client=client, channel=Channel.IN_APP)
    return client


def test_the_alert_also_goes_by_sms_when_the_therapist_gave_a_number(
    cast, reachable, smtp, twilio_api
):
    cast.therapist.alert_phone = "+12025550188"
    cast.therapist.save()
    signal = Signal.objects.create(
        client=reachable, kind=Signal.Kind.HARD_TIME, severity=Signal.Severity.URGENT
    )
    assert alert_therapist(signal.pk) == "alerted"
    assert smtp.count() == 1
    sent = twilio_api.messages[0].form
    assert sent["To"] == "+12025550188"
    assert reachable.preferred_name not in sent["Body"]


def test_the_therapist_invites_a_questionnaire_by_note(portal, cast, reachable):
    from notes.services import questionnaire_invite

    note = questionnaire_invite(therapist=cast.therapist, client=reachable, code="phq9")
    delivery_send(delivery_id=note.deliveries.get(channel="in_app").pk)
    html = portal.get(reverse("portal:notes")).content.decode()
    assert reverse("portal:questionnaire", args=["phq9"]) in html
    assert "Fill in the PHQ-9" in html
    with pytest.raises(ValidationError):
        questionnaire_invite(therapist=cast.therapist, client=reachable, code="bdi")
