"""The client page: the whole thread, acknowledging signals, a fresh link, moments, scoping."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from clients.links import link_lookup
from clients.models import CheckIn, ClientLink, Moment, Signal
from continuity.selectors import caseload_attention
from notes.models import Delivery, Note, NoteTemplate
from tests.factories import AppointmentFactory, MomentFactory

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def urgent_signal(client, **fields) -> Signal:
    return Signal.objects.create(
        client=client, kind=Signal.Kind.HARD_TIME, severity=Signal.Severity.URGENT, **fields
    )


def someone_elses(cast, whose: str):
    """A client, note, moment and template of the colleague or the other practice's therapist."""
    therapist = getattr(cast, whose)
    other = cast.other_client if whose == "colleague" else cast.outsider_client
    note = Note.objects.create(therapist=therapist, client=other, body="Not yours.")
    Delivery.objects.create(note=note, channel="email", due_at=timezone.now() + dt.timedelta(1))
    moment = MomentFactory(client=other)
    template = NoteTemplate.objects.create(therapist=therapist, title="Theirs", body="Hi")
    return other, note, moment, template


@pytest.mark.parametrize("whose", ["colleague", "outsider"])
def test_anything_of_another_therapist_is_a_404_everywhere(client, cast, whose):
    other, note, moment, template = someone_elses(cast, whose)
    signal = urgent_signal(other)
    client.force_login(cast.therapist)
    requests = [
        ("get", reverse("client_detail", args=[other.pk]), {}),
        ("post", reverse("acknowledge", args=[other.pk]), {}),
        ("post", reverse("fresh_link", args=[other.pk]), {}),
        ("post", reverse("moment_add", args=[other.pk]), {"label": "x", "date": "2030-01-01"}),
        ("post", reverse("moment_delete", args=[other.pk, moment.pk]), {}),
        ("post", reverse("moment_delete", args=[cast.client.pk, moment.pk]), {}),
        ("get", reverse("compose", args=[other.pk]), {}),
        ("post", reverse("compose", args=[other.pk]), {f"c{other.pk}-body": "Hello"}),
        ("post", reverse("compose_preview", args=[other.pk]), {}),
        ("get", reverse("note_edit", args=[note.pk]), {}),
        ("post", reverse("note_edit", args=[note.pk]), {}),
        ("post", reverse("note_cancel", args=[note.pk]), {}),
        ("get", reverse("template_edit", args=[template.pk]), {}),
        ("post", reverse("template_edit", args=[template.pk]), {"title": "t", "body": "b"}),
        ("post", reverse("template_delete", args=[template.pk]), {}),
    ]
    for method, url, data in requests:
        for headers in ({}, HTMX):
            response = getattr(client, method)(url, data, **headers)
            assert response.status_code == 404, (method, url, headers)
            assert b"Not yours" not in response.content
    signal.refresh_from_db()
    note.refresh_from_db()
    assert signal.acknowledged_at is None and note.cancelled_at is None
    assert Moment.objects.filter(pk=moment.pk).exists()
    assert NoteTemplate.objects.get(pk=template.pk).title == "Theirs"
    assert not ClientLink.objects.filter(client=other).exists()


def test_signed_out_visitors_are_sent_to_sign_in(client, cast):
    for url in (
        reverse("client_detail", args=[cast.client.pk]),
        reverse("compose", args=[cast.client.pk]),
        reverse("templates"),
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_client_page_shows_the_whole_thread(client, cast, reachable):
    now = timezone.now()
    AppointmentFactory(client=reachable, starts_at=now - dt.timedelta(days=7), status="attended")
    note = Note.objects.create(therapist=cast.therapist, client=reachable, body="Go gently.")
    Delivery.objects.create(
        note=note, channel="email", due_at=now, state="failed", reason="Mail server refused."
    )
    Delivery.objects.create(note=note, channel="in_app", due_at=now, state="read", read_at=now)
    Signal.objects.create(
        client=reachable, kind="reaction", severity="info", note=note, reaction="thank_you"
    )
    check_in = CheckIn.objects.create(client=reachable, mood=4, text="Long week.")
    Signal.objects.create(client=reachable, kind="check_in", severity="info", check_in=check_in)
    MomentFactory(client=reachable, label="job interview")
    client.force_login(cast.therapist)
    page = client.get(reverse("client_detail", args=[reachable.pk])).content.decode()
    for words in (
        "Session · attended",
        "Go gently.",
        "Mail server refused.",
        "read",
        "Reacted “Thank you”",
        "mood 4/10",
        "Long week.",
        "job interview",
        "Email: <strong>agreed</strong>",
        '<svg class="spark"',
    ):
        assert words in page, words
    assert "{#" not in page and "{%" not in page  # no template syntax leaks as text


def test_acknowledging_one_signal_records_who_and_when_and_clears_attention(client, cast):
    first, second = urgent_signal(cast.client), urgent_signal(cast.client)
    client.force_login(cast.therapist)
    response = client.post(reverse("acknowledge", args=[cast.client.pk]), {"signal": first.pk})
    assert response.status_code == 302
    assert response["Location"].endswith(f"/clients/{cast.client.pk}/#open-signals")
    first.refresh_from_db(), second.refresh_from_db()
    assert first.acknowledged_by == cast.therapist and first.acknowledged_at is not None
    assert second.acknowledged_at is None
    client.post(reverse("acknowledge", args=[cast.client.pk]))  # no ids: all of them
    second.refresh_from_db()
    assert second.acknowledged_by == cast.therapist
    (row,) = [r for r in caseload_attention(therapist=cast.therapist) if r.client == cast.client]
    assert not any(reason.code.startswith("urgent") for reason in row.reasons)


def test_acknowledging_again_keeps_the_first_who_and_when(client, cast):
    signal = urgent_signal(cast.client)
    client.force_login(cast.therapist)
    client.post(reverse("acknowledge", args=[cast.client.pk]), {"signal": signal.pk})
    signal.refresh_from_db()
    first_at = signal.acknowledged_at
    client.post(reverse("acknowledge", args=[cast.client.pk]), {"signal": signal.pk})
    signal.refresh_from_db()
    assert signal.acknowledged_at == first_at


def test_acknowledging_with_htmx_returns_the_section(client, cast):
    signal = urgent_signal(cast.client)
    client.force_login(cast.therapist)
    response = client.post(
        reverse("acknowledge", args=[cast.client.pk]), {"signal": signal.pk}, **HTMX
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="open-signals"') and "Nothing waiting" in body


def test_a_signal_of_another_client_cannot_be_acknowledged_through_mine(client, cast):
    theirs = urgent_signal(cast.other_client)
    client.force_login(cast.therapist)
    client.post(reverse("acknowledge", args=[cast.client.pk]), {"signal": theirs.pk})
    theirs.refresh_from_db()
    assert theirs.acknowledged_at is None


@pytest.mark.parametrize("headers", [{}, HTMX])
def test_fresh_link_is_shown_once_and_opens_the_clients_page(client, cast, headers):
    client.force_login(cast.therapist)
    response = client.post(reverse("fresh_link", args=[cast.client.pk]), **headers)
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    url = response.context["fresh_link"]
    token = url.rstrip("/").rsplit("/", 1)[-1]
    assert link_lookup(token).client == cast.client
    assert url in response.content.decode()
    again = client.get(reverse("client_detail", args=[cast.client.pk])).content.decode()
    assert url not in again


def test_moment_in_two_fields(client, cast):
    client.force_login(cast.therapist)
    day = timezone.localdate() + dt.timedelta(days=2)
    response = client.post(
        reverse("moment_add", args=[cast.client.pk]),
        {"label": "job interview", "date": day.isoformat()},
    )
    assert response.status_code == 302
    moment = Moment.objects.get(client=cast.client)
    assert (moment.label, moment.date, moment.created_by) == ("job interview", day, cast.therapist)
    client.post(reverse("moment_delete", args=[cast.client.pk, moment.pk]))
    assert not Moment.objects.exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"label": "", "date": "2030-01-01"}, "label"),
        ({"label": "interview", "date": "next thursday"}, "date"),
        ({"label": "x" * 121, "date": "2030-01-01"}, "label"),
    ],
)
def test_bad_moment_is_refused_with_the_reason_and_nothing_saved(client, cast, data, field):
    client.force_login(cast.therapist)
    response = client.post(reverse("moment_add", args=[cast.client.pk]), data)
    assert response.status_code == 400
    assert response.context["moment_form"].errors[field]
    assert not Moment.objects.exists()


def test_a_moment_today_prompts_for_a_note_on_the_caseload(client, cast):
    MomentFactory(client=cast.client, date=timezone.now().astimezone(cast.client.time_zone).date())
    client.force_login(cast.therapist)
    page = client.get(reverse("caseload")).content.decode()
    assert "A moment that matters today: a good day for a note" in page
    assert reverse("compose", args=[cast.client.pk]) in page


def test_times_show_in_the_therapists_own_zone(client, cast):
    cast.therapist.time_zone = "Europe/London"
    cast.therapist.save()
    starts = dt.datetime(2031, 1, 15, 14, 30, tzinfo=dt.UTC)  # winter: London is UTC
    AppointmentFactory(client=cast.client, starts_at=starts)
    client.force_login(cast.therapist)
    assert "Wed 15 Jan, 14:30" in client.get(reverse("caseload")).content.decode()
    cast.therapist.time_zone = "Asia/Tokyo"
    cast.therapist.save()
    assert "Wed 15 Jan, 23:30" in client.get(reverse("caseload")).content.decode()
