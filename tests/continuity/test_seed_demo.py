from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from clients.models import Appointment, Client, Consent, Moment
from continuity import demo
from continuity.models import Practice, Therapist

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
