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
    cookie = client.cookies["continuity_client"]
    assert cookie["httponly"] and cookie["path"] == "/c/"


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
    assert "continuity_client" not in client.cookies


def test_notes_page_without_a_session_is_refused(client):
    response = client.get(reverse("portal:notes"))
    assert response.status_code == 403
    assert b"988" in response.content


@pytest.fixture
def signed_in(client, sent_note):
    _, token = link_issue(client=sent_note.client)
    client.post(reverse("portal:open", args=[token]))
    return client


def test_sign_out_on_this_device(signed_in):
    response = signed_in.post(reverse("portal:sign-out"))
    assert b"signed out" in response.content and b"988" in response.content
    assert signed_in.get(reverse("portal:notes")).status_code == 403


def test_an_idle_session_ends(signed_in, settings):
    from clients.models import ClientSession

    ClientSession.objects.update(
        last_seen_at=timezone.now() - dt.timedelta(minutes=settings.CLIENT_SESSION_IDLE_MINUTES + 1)
    )
    assert signed_in.get(reverse("portal:notes")).status_code == 403


def test_a_session_has_a_fixed_lifetime_even_when_active(signed_in, settings):
    from clients.models import ClientSession

    ClientSession.objects.update(
        created_at=timezone.now() - dt.timedelta(hours=settings.CLIENT_SESSION_MAX_HOURS, seconds=1)
    )
    assert signed_in.get(reverse("portal:notes")).status_code == 403


def test_the_therapist_revokes_links_and_sessions(signed_in, sent_note):
    from clients.links import links_revoke

    _, token = link_issue(client=sent_note.client)
    assert links_revoke(client=sent_note.client) == 2
    assert signed_in.get(reverse("portal:notes")).status_code == 403
    assert signed_in.get(reverse("portal:open", args=[token])).status_code == 404


def test_a_forged_cookie_gets_nowhere(client, sent_note):
    client.cookies["continuity_client"] = "x" * 43
    assert client.get(reverse("portal:notes")).status_code == 403


def test_client_link_command_prints_a_working_link(client, sent_note, capsys):
    from django.core.management import call_command

    call_command("client_link", str(sent_note.client.pk))
    url = capsys.readouterr().out.strip()
    path = "/c/" + url.split("/c/", 1)[1]
    assert client.get(path).status_code == 200


def test_error_pages_a_client_can_reach_show_the_crisis_line(client, settings):
    settings.DEBUG = False
    response = client.get("/c/notes/999/react/")  # GET on a POST-only page of a missing note
    assert response.status_code in (403, 404, 405)
    missing = client.get("/c/does/not/exist/")
    assert missing.status_code == 404
    assert b"988" in missing.content
    assert b"988" not in client.get("/no-such-staff-page/").content


def test_an_expired_link_can_ask_for_a_fresh_one_once_an_hour(
    client, cast, reachable, smtp, monkeypatch
):
    from clients.tasks import send_fresh_link

    sent = []
    monkeypatch.setattr(send_fresh_link, "delay", sent.append)
    link, token = link_issue(client=reachable)
    ClientLink.objects.filter(pk=link.pk).update(expires_at=timezone.now())
    page = client.get(reverse("portal:open", args=[token]))
    assert b"Send me a fresh link" in page.content
    for _ in range(3):
        answer = client.post(reverse("portal:fresh-link", args=[token]))
        assert b"If we have a way to reach you" in answer.content
    assert sent == [reachable.pk]
    # The task sends it, discreetly, by the client's consented email; the new link works.
    assert send_fresh_link(reachable.pk) == "email"
    text = smtp.messages[0].get_body(("plain",)).get_content()
    new_path = "/c/" + text.split("/c/", 1)[1].split()[0]
    assert client.get(new_path).status_code == 200
    assert reachable.preferred_name not in smtp.messages[0].as_string()


@pytest.mark.parametrize("problem", ["unknown", "revoked", "discharged"])
def test_no_fresh_link_for_unknown_revoked_or_discharged_but_the_same_answer(
    client, cast, reachable, problem, monkeypatch
):
    from clients.tasks import send_fresh_link

    sent = []
    monkeypatch.setattr(send_fresh_link, "delay", sent.append)
    link, token = link_issue(client=reachable)
    if problem == "unknown":
        token = "y" * 32
    elif problem == "revoked":
        ClientLink.objects.filter(pk=link.pk).update(revoked_at=timezone.now())
    else:
        type(reachable).objects.filter(pk=reachable.pk).update(status="discharged")
    answer = client.post(reverse("portal:fresh-link", args=[token]))
    assert answer.status_code == 200
    assert b"If we have a way to reach you" in answer.content
    assert sent == []


def test_a_link_opens_the_notes_once(client, sent_note, monkeypatch):
    from clients.tasks import send_fresh_link

    _, token = link_issue(client=sent_note.client)
    url = reverse("portal:open", args=[token])
    assert client.get(url).status_code == 200  # looking uses nothing up
    assert client.post(url).status_code == 302
    other_device = type(client)()
    assert other_device.get(url).status_code == 404
    replay = other_device.post(url)
    assert replay.status_code == 404 and b"no longer works" in replay.content
    assert "continuity_client" not in other_device.cookies
    # A used link may still ask for a fresh one.
    sent = []
    monkeypatch.setattr(send_fresh_link, "delay", sent.append)
    other_device.post(reverse("portal:fresh-link", args=[token]))
    assert sent == [sent_note.client.pk]
