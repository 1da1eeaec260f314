from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from clients.links import link_issue, link_lookup
from clients.models import ClientLink
from notes.models import Delivery
from notes.services import delivery_send, note_create

pytestmark = pytest.mark.django_db
State = Delivery.State


@pytest.fixture
def sent_note(cast, reachable):
    note = note_create(therapist=cast.therapist, client=reachable, body="Held in mind today.")
    delivery_send(delivery_id=note.deliveries.get(channel="in_app").pk)
    return note


def test_tokens_are_stored_only_as_hashes(cast):
    link, token = link_issue(client=cast.client)
    assert len(token) >= 32
    assert token not in link.token_hash
    assert not ClientLink.objects.filter(token_hash=token).exists()
    assert link_lookup(token) == link


def test_opening_a_link_consumes_nothing_and_shows_crisis_resources(client, cast, sent_note):
    _, token = link_issue(client=sent_note.client)
    url = reverse("portal:open", args=[token])
    for _ in range(2):  # a mail scanner's GET, then the client's own
        response = client.get(url)
        assert response.status_code == 200
        assert b"Open your notes" in response.content
        assert b"988" in response.content
        assert b"Held in mind" not in response.content
        assert response["Referrer-Policy"] == "same-origin"


def test_posting_from_the_link_page_shows_the_notes_and_records_reading(client, cast, sent_note):
    _, token = link_issue(client=sent_note.client)
    response = client.post(reverse("portal:open", args=[token]), follow=True)
    assert b"Held in mind today." in response.content
    assert b"988" in response.content
    assert response["Referrer-Policy"] == "same-origin"
    in_app = sent_note.deliveries.get(channel="in_app")
    assert in_app.state == State.READ and in_app.read_at is not None
    # Another client's notes never show.
    assert sent_note.client.pk == client.session["portal_client_id"]


def test_scheduled_notes_are_not_shown_before_they_are_sent(client, cast, reachable):
    later = timezone.now() + dt.timedelta(days=1)
    note_create(therapist=cast.therapist, client=reachable, body="Tomorrow's note", send_at=later)
    _, token = link_issue(client=reachable)
    response = client.post(reverse("portal:open", args=[token]), follow=True)
    assert b"Tomorrow" not in response.content
    assert b"No notes yet" in response.content


@pytest.mark.parametrize("problem", ["unknown", "expired", "revoked"])
def test_a_dead_link_says_so_and_still_shows_crisis_resources(client, cast, problem):
    link, token = link_issue(client=cast.client)
    if problem == "unknown":
        token = "x" * 32
    elif problem == "expired":
        ClientLink.objects.filter(pk=link.pk).update(expires_at=timezone.now())
    else:
        ClientLink.objects.filter(pk=link.pk).update(revoked_at=timezone.now())
    for method in (client.get, client.post):
        response = method(reverse("portal:open", args=[token]))
        assert response.status_code == 404
        assert b"no longer works" in response.content
        assert b"988" in response.content
    assert "portal_client_id" not in client.session


def test_notes_page_without_a_session_is_refused(client):
    response = client.get(reverse("portal:notes"))
    assert response.status_code == 403
    assert b"988" in response.content
