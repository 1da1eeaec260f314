from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from clients.models import Appointment, Client
from continuity.audit import queries_per_record
from tests.factories import PASSWORD, AppointmentFactory, ClientFactory

pytestmark = pytest.mark.django_db


def test_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get(reverse("caseload"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_sign_in_with_email_and_password_lands_on_caseload(client, cast):
    response = client.post(
        reverse("login"), {"username": cast.therapist.email, "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("caseload")
    assert b"Ava" in response.content


def test_wrong_password_is_refused_without_saying_which_part_was_wrong(client, cast):
    response = client.post(reverse("login"), {"username": cast.therapist.email, "password": "no"})
    assert response.status_code == 200
    assert b"Please enter a correct email and password" in response.content
    unknown = client.post(reverse("login"), {"username": "nobody@example.com", "password": "no"})
    assert unknown.content.count(b"Please enter a correct") == 1


@pytest.mark.parametrize(
    ("who", "sees", "never_sees"),
    [
        ("therapist", "Ava", ["Ben", "Cara"]),
        ("colleague", "Ben", ["Ava", "Cara"]),
        ("outsider", "Cara", ["Ava", "Ben"]),
    ],
)
def test_each_therapist_sees_only_their_own_clients(client, cast, who, sees, never_sees):
    client.force_login(getattr(cast, who))
    for status in ["active", "all"]:
        html = client.get(reverse("caseload"), {"status": status}).content.decode()
        assert sees in html
        for name in never_sees:
            assert name not in html


def test_status_filter(client, cast):
    ClientFactory(primary_therapist=cast.therapist, preferred_name="Pat", status="paused")
    client.force_login(cast.therapist)
    assert "Pat" not in client.get(reverse("caseload")).content.decode()
    assert "Pat" in client.get(reverse("caseload"), {"status": "paused"}).content.decode()
    assert "Ava" not in client.get(reverse("caseload"), {"status": "paused"}).content.decode()
    # An unknown filter falls back to the default rather than failing.
    assert client.get(reverse("caseload"), {"status": "<script>"}).status_code == 200


def test_caseload_shows_last_and_next_session(client, cast):
    now = timezone.now()
    AppointmentFactory(
        client=cast.client,
        starts_at=now - dt.timedelta(days=6),
        status=Appointment.Status.ATTENDED,
    )
    AppointmentFactory(client=cast.client, starts_at=now - dt.timedelta(days=2), status="missed")
    upcoming = AppointmentFactory(client=cast.client, starts_at=now + dt.timedelta(days=1))
    client.force_login(cast.therapist)
    row = client.get(reverse("caseload")).context["clients"][0]
    assert row.last_session_at == now - dt.timedelta(days=6)
    assert row.next_session_at == upcoming.starts_at


def test_caseload_query_count_does_not_grow_with_caseload(
    client, cast, django_assert_max_num_queries
):
    for _ in range(25):
        c = ClientFactory(primary_therapist=cast.therapist)
        AppointmentFactory(client=c)
    client.force_login(cast.therapist)
    # session, user, the user's practice (page header), clients, signals, moods, moments,
    # failing deliveries
    with django_assert_max_num_queries(8 + queries_per_record()):  # + the audit row
        response = client.get(reverse("caseload"))
    assert len(response.context["clients"]) == 26
    assert Client.objects.count() == 28  # the colleagues' stay off the page


def test_sign_out_is_a_post_and_ends_the_session(client, cast):
    client.force_login(cast.therapist)
    client.post(reverse("logout"))
    assert client.get(reverse("caseload")).status_code == 302


def test_caseload_puts_urgent_clients_first_and_says_why(client, cast):
    from clients.models import Signal

    late = ClientFactory(primary_therapist=cast.therapist, preferred_name="Zed")
    Signal.objects.create(client=late, kind="hard_time", severity="urgent")
    client.force_login(cast.therapist)
    response = client.get(reverse("caseload"))
    assert [c.preferred_name for c in response.context["clients"]] == ["Zed", "Ava"]
    assert "Asked for support" in response.content.decode()
    only = client.get(reverse("caseload"), {"status": "attention"})
    assert [c.preferred_name for c in only.context["clients"]] == ["Zed"]


def test_caseload_ranks_everyone_but_draws_one_page(client, cast, settings):
    from clients.models import Signal

    settings.CASELOAD_PAGE_SIZE = 5
    made = [
        ClientFactory(primary_therapist=cast.therapist, preferred_name=f"C{i}") for i in range(7)
    ]
    last = made[-1]  # alphabetically last, but the only urgent one: first on page 1
    Signal.objects.create(client=last, kind="hard_time", severity="urgent")
    client.force_login(cast.therapist)
    first = client.get(reverse("caseload"))
    assert first.context["clients"][0] == last
    assert len(first.context["rows"]) == 5 and "Clients 1–5 of 8" in first.content.decode()
    second = client.get(reverse("caseload"), {"page": 2})
    assert len(second.context["rows"]) == 3 and last not in second.context["clients"]
    assert client.get(reverse("caseload"), {"page": "x"}).context["page"].number == 1
