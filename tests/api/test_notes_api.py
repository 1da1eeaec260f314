"""Notes, deliveries and templates over the API: the same services as the dashboard, scoped to
the caller, with every write refused whole (400/404, nothing saved) when anything is wrong."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.urls import reverse
from django.utils import timezone

from clients.models import Channel, Client
from continuity.audit import queries_per_record
from notes import services
from notes.models import Delivery, Note, NoteTemplate
from tests.factories import ClientFactory, ConsentFactory, MomentFactory

pytestmark = pytest.mark.django_db
State = Delivery.State
ERROR_KEYS = {"code", "message", "fields"}
NOT_FOUND = {"code": "not_found", "message": "Not found.", "fields": {}}
DELIVERY_KEYS = {
    "id",
    "channel",
    "state",
    "due_at",
    "sent_at",
    "delivered_at",
    "read_at",
    "failed_at",
    "cancelled_at",
    "skipped_at",
    "reason",
    "attempts",
}


def about(response, field: str) -> bool:
    """Whether a 400 names ``field`` (or an item of it, "channels.0")."""
    fields = response.data["fields"]
    return any(name == field or name.startswith(f"{field}.") for name in fields)


def iso(when: dt.datetime) -> str:
    return when.isoformat()


def later(**delta) -> dt.datetime:
    return timezone.now() + dt.timedelta(**(delta or {"days": 2}))


def schedule(therapist, client, body="Thinking of you.", **kwargs) -> Note:
    return services.note_create(
        therapist=therapist, client=client, body=body, send_at=later(), **kwargs
    )


@pytest.fixture
def theirs(cast):
    """A scheduled note and a template for the colleague and for the outsider."""
    out = {}
    for who, client in (("colleague", cast.other_client), ("outsider", cast.outsider_client)):
        therapist = getattr(cast, who)
        ConsentFactory(client=client, channel=Channel.EMAIL)
        note = schedule(therapist, client, body=f"{who}'s private words")
        template = services.template_save(therapist=therapist, title="Mine", body="Their words")
        moment = MomentFactory(client=client)
        out[who] = {"note": note, "template": template, "moment": moment, "client": client}
    return out


def snapshot() -> tuple:
    notes = list(Note.objects.order_by("pk").values_list("pk", "body", "send_at", "cancelled_at"))
    deliveries = list(Delivery.objects.order_by("pk").values_list("pk", "state", "due_at"))
    templates = list(NoteTemplate.objects.order_by("pk").values_list("pk", "title", "body"))
    return notes, deliveries, templates


# --- Creating ---------------------------------------------------------------------------------


def test_a_note_now_is_queued_on_each_channel_and_published_after_commit(
    api, cast, reachable, monkeypatch, django_capture_on_commit_callbacks
):
    published: list[int] = []
    monkeypatch.setattr("notes.services.enqueue", published.extend)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            reverse("api-notes"), {"client": reachable.pk, "body": "  Thinking of you.  "}
        )
    assert response.status_code == 201, response.data
    note = response.data
    assert note["body"] == "Thinking of you." and note["client"] == reachable.pk
    assert note["send_at"] is None and note["cancelled_at"] is None
    rows = {d["channel"]: d for d in note["deliveries"]}
    assert set(rows) == {"email", "in_app"}
    assert all(set(d) == DELIVERY_KEYS and d["state"] == "queued" for d in rows.values())
    assert sorted(published) == sorted(d["id"] for d in rows.values())
    assert Note.objects.get().therapist == cast.therapist


def test_a_scheduled_note_waits_and_quiet_hours_hold_back_only_intrusive_channels(
    api, reachable, monkeypatch, django_capture_on_commit_callbacks
):
    published: list[int] = []
    monkeypatch.setattr("notes.services.enqueue", published.extend)
    reachable.quiet_hours_start, reachable.quiet_hours_end = dt.time(21), dt.time(8)
    reachable.save()
    day = timezone.localdate() + dt.timedelta(days=3)
    send_at = dt.datetime.combine(day, dt.time(23, 30), tzinfo=reachable.time_zone)  # New York
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            reverse("api-notes"), {"client": reachable.pk, "body": "Hi", "send_at": iso(send_at)}
        )
    assert response.status_code == 201, response.data
    assert dt.datetime.fromisoformat(response.data["send_at"]) == send_at
    rows = {d["channel"]: d for d in response.data["deliveries"]}
    assert {d["state"] for d in rows.values()} == {"scheduled"}
    assert dt.datetime.fromisoformat(rows["in_app"]["due_at"]) == send_at
    email = dt.datetime.fromisoformat(rows["email"]["due_at"]).astimezone(reachable.time_zone)
    assert (email.date(), email.time()) == (day + dt.timedelta(days=1), dt.time(8))
    assert published == []  # the sweeper hands them over when due


def test_a_note_on_a_moment_and_on_chosen_channels(api, reachable, settings):
    settings.NOTE_MOMENT_LOCAL_HOUR = 9
    moment = MomentFactory(client=reachable, date=timezone.localdate() + dt.timedelta(days=4))
    response = api.post(
        reverse("api-notes"),
        {"client": reachable.pk, "body": "Good luck", "moment": moment.pk, "channels": ["email"]},
    )
    assert response.status_code == 201, response.data
    assert response.data["moment"] == moment.pk
    [email] = response.data["deliveries"]
    local = dt.datetime.fromisoformat(email["due_at"]).astimezone(reachable.time_zone)
    assert email["channel"] == "email" and (local.date(), local.hour) == (moment.date, 9)


def _my_other_moment(cast) -> int:
    """A moment of another of my own clients."""
    return MomentFactory(client=ClientFactory(primary_therapist=cast.therapist)).pk


def _no_consent(cast, reachable):
    return {"client": ClientFactory(primary_therapist=cast.therapist).pk}


def _status(status):
    def change(cast, reachable):
        reachable.status = status
        reachable.save()
        return {}

    return change


BAD_CREATES = {
    "empty body": ({"body": ""}, "body"),
    "blank body": ({"body": "  \n "}, "body"),
    "over-long body": ({"body": "x" * 601}, "body"),
    "naive time": ({"send_at": "2030-01-01T09:00:00"}, "send_at"),
    "not a time": ({"send_at": "tomorrow"}, "send_at"),
    "date only": ({"send_at": "2030-01-01"}, "send_at"),
    "past time": ({"send_at": iso(later(hours=-1))}, "send_at"),
    "absurd future": ({"send_at": iso(later(days=800))}, "send_at"),
    "no consent": (_no_consent, "channels"),
    "channel without consent": ({"channels": ["sms"]}, "channels"),
    "unknown channel": ({"channels": ["pigeon"]}, "channels"),
    "no channels": ({"channels": []}, "channels"),
    "channels not a list": ({"channels": "email"}, "channels"),
    "discharged client": (_status(Client.Status.DISCHARGED), "client"),
    "paused client": (_status(Client.Status.PAUSED), "client"),
    "unknown field": ({"subject": "Hi"}, "subject"),
    "client not an id": ({"client": "Ava"}, "client"),
    "body not text": ({"body": ["Hi"]}, "body"),
    "moment not an id": ({"moment": "birthday"}, "moment"),
    "no client": ({"client": None}, "client"),
    "no such client": ({"client": 999_999}, "client"),
    "huge client id": ({"client": 10**30}, "client"),
    "colleague's client": (lambda cast, r: {"client": cast.other_client.pk}, "client"),
    "outsider's client": (lambda cast, r: {"client": cast.outsider_client.pk}, "client"),
    "colleague's moment": (
        lambda cast, r: {"moment": MomentFactory(client=cast.other_client).pk},
        "moment",
    ),
    "another client's moment": (lambda cast, r: {"moment": _my_other_moment(cast)}, "moment"),
}


@pytest.mark.parametrize(("change", "field"), BAD_CREATES.values(), ids=BAD_CREATES.keys())
def test_bad_input_to_create_is_a_400_on_its_field_and_nothing_is_saved(
    api, cast, reachable, change, field
):
    body = {"client": reachable.pk, "body": "Hello"}
    body.update(change(cast, reachable) if callable(change) else change)
    response = api.post(reverse("api-notes"), body)
    assert response.status_code == 400, response.data
    assert response.data["code"] == "invalid" and about(response, field), response.data
    assert not Note.objects.exists() and not Delivery.objects.exists()


def test_a_client_that_is_not_mine_reads_exactly_like_one_that_does_not_exist(api, cast):
    answers = [
        api.post(reverse("api-notes"), {"client": pk, "body": "Hi"}).data
        for pk in (cast.other_client.pk, cast.outsider_client.pk, 999_999)
    ]
    assert answers[0] == answers[1] == answers[2]
    assert answers[0]["fields"] == {"client": ["Unknown client."]}


def test_the_body_never_reaches_the_logs(api, cast, reachable, caplog):
    secret = "Thinking of you after the hospital visit."
    with caplog.at_level(logging.DEBUG):
        created = api.post(reverse("api-notes"), {"client": reachable.pk, "body": secret})
        api.post(reverse("api-notes"), {"client": reachable.pk, "body": secret, "colour": 1})
        api.post(reverse("api-note-preview"), {"client": reachable.pk, "body": secret})
        api.get(reverse("api-note", args=[created.data["id"]]))
    assert created.status_code == 201
    assert "hospital" not in caplog.text


# --- Reading ----------------------------------------------------------------------------------


def test_list_shows_my_notes_newest_first_with_their_deliveries(api, cast, reachable, theirs):
    first = schedule(cast.therapist, reachable, body="First")
    second = services.note_create(therapist=cast.therapist, client=reachable, body="Second")
    results = api.get(reverse("api-notes")).data["results"]
    assert [n["id"] for n in results] == [second.pk, first.pk]
    assert {d["state"] for d in results[0]["deliveries"]} == {"queued"}
    assert {d["state"] for d in results[1]["deliveries"]} == {"scheduled"}


def test_list_filters_by_client_delivery_state_and_creation_time(api, cast, reachable, theirs):
    sent = services.note_create(therapist=cast.therapist, client=reachable, body="Now")
    sent.deliveries.filter(channel="email").update(state=State.SENT, sent_at=timezone.now())
    waiting = schedule(cast.therapist, reachable)
    other = ClientFactory(primary_therapist=cast.therapist)
    ConsentFactory(client=other, channel=Channel.EMAIL)
    elsewhere = schedule(cast.therapist, other)
    old = schedule(cast.therapist, reachable)
    Note.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=30))

    def ids(**query) -> set[int]:
        response = api.get(reverse("api-notes"), query)
        assert response.status_code == 200, response.data
        return {n["id"] for n in response.data["results"]}

    assert ids(client=other.pk) == {elsewhere.pk}
    assert ids(client=theirs["colleague"]["client"].pk) == set()
    assert ids(state="sent") == {sent.pk}
    assert ids(state="queued") == {sent.pk}  # its private-page delivery is still queued
    assert ids(state="scheduled") == {waiting.pk, elsewhere.pk, old.pk}
    week_ago = iso(timezone.now() - dt.timedelta(days=7))
    assert ids(created_after=week_ago) == {sent.pk, waiting.pk, elsewhere.pk}
    assert ids(created_before=week_ago) == {old.pk}


@pytest.mark.parametrize(
    "query",
    [{"state": "lost"}, {"client": "Ava"}, {"created_after": "2030-01-01T09:00:00"}],
    ids=["unknown state", "client not an id", "naive time"],
)
def test_bad_list_filters_are_a_400(api, query):
    response = api.get(reverse("api-notes"), query)
    assert response.status_code == 400 and set(response.data) == ERROR_KEYS
    assert set(query) <= set(response.data["fields"]), response.data


def test_retrieve_a_note(api, cast, reachable):
    note = schedule(cast.therapist, reachable, body="Still here.")
    data = api.get(reverse("api-note", args=[note.pk])).data
    assert data["body"] == "Still here." and len(data["deliveries"]) == 2
    assert data["send_at"].endswith("Z") or data["send_at"][-6] in "+-"


def test_deliveries_list_filter_and_retrieve(api, cast, reachable, theirs):
    first = schedule(cast.therapist, reachable)
    second = services.note_create(therapist=cast.therapist, client=reachable, body="Now")
    mine = set(Delivery.objects.filter(note__therapist=cast.therapist).values_list("id", flat=True))

    def ids(**query) -> set[int]:
        response = api.get(reverse("api-deliveries"), query)
        assert response.status_code == 200, response.data
        return {d["id"] for d in response.data["results"]}

    assert ids() == mine and len(mine) == 4
    assert ids(note=first.pk) == set(first.deliveries.values_list("id", flat=True))
    assert ids(client=reachable.pk) == mine
    assert ids(client=theirs["colleague"]["client"].pk) == set()
    assert ids(note=theirs["outsider"]["note"].pk) == set()
    assert ids(channel="email", state="queued") == {second.deliveries.get(channel="email").pk}
    assert api.get(reverse("api-deliveries"), {"channel": "pigeon"}).status_code == 400

    delivery = first.deliveries.get(channel="email")
    data = api.get(reverse("api-delivery", args=[delivery.pk])).data
    assert data["note"] == first.pk and data["client"] == reachable.pk
    assert data["state"] == "scheduled" and set(data) == DELIVERY_KEYS | {"note", "client"}
    assert "body" not in data


# --- Editing and cancelling -------------------------------------------------------------------


def test_edit_the_words_only_keeps_the_time(api, cast, reachable):
    note = schedule(cast.therapist, reachable)
    due = dict(note.deliveries.values_list("channel", "due_at"))
    response = api.patch(reverse("api-note", args=[note.pk]), {"body": " Kinder words. "})
    assert response.status_code == 200, response.data
    assert response.data["body"] == "Kinder words."
    assert dt.datetime.fromisoformat(response.data["send_at"]) == note.send_at
    assert dict(note.deliveries.values_list("channel", "due_at")) == due


def test_edit_the_time_moves_every_delivery(api, cast, reachable):
    note = schedule(cast.therapist, reachable, body="Same words")
    new = later(days=5)
    response = api.patch(reverse("api-note", args=[note.pk]), {"send_at": iso(new)})
    assert response.status_code == 200, response.data
    assert response.data["body"] == "Same words"
    assert {dt.datetime.fromisoformat(d["due_at"]) for d in response.data["deliveries"]} == {new}


def test_edit_onto_a_moment_and_back_to_now(api, cast, reachable, settings):
    settings.NOTE_MOMENT_LOCAL_HOUR = 9
    note = schedule(cast.therapist, reachable)
    moment = MomentFactory(client=reachable, date=timezone.localdate() + dt.timedelta(days=4))
    response = api.patch(reverse("api-note", args=[note.pk]), {"moment": moment.pk})
    assert response.status_code == 200, response.data
    assert response.data["moment"] == moment.pk
    response = api.patch(reverse("api-note", args=[note.pk]), {"send_at": None})
    assert response.data["moment"] is None and response.data["send_at"] is None
    assert {d["state"] for d in response.data["deliveries"]} == {"queued"}


def test_a_note_on_its_way_cannot_be_edited(api, cast, reachable):
    note = services.note_create(therapist=cast.therapist, client=reachable, body="Gone")
    before = snapshot()
    response = api.patch(reverse("api-note", args=[note.pk]), {"body": "Changed my mind"})
    assert response.status_code == 400 and response.data["code"] == "invalid"
    assert "on its way" in str(response.data["fields"])
    assert snapshot() == before


BAD_EDITS = {
    "empty body": ({"body": ""}, "body"),
    "over-long body": ({"body": "x" * 601}, "body"),
    "naive time": ({"send_at": "2030-01-01T09:00:00"}, "send_at"),
    "past time": ({"send_at": iso(later(hours=-1))}, "send_at"),
    "absurd future": ({"send_at": iso(later(days=800))}, "send_at"),
    "unknown field": ({"client": 1}, "client"),
    "wrong type": ({"send_at": 12}, "send_at"),
    "colleague's moment": (
        lambda cast: {"moment": MomentFactory(client=cast.other_client).pk},
        "moment",
    ),
    "another client's moment": (lambda cast: {"moment": _my_other_moment(cast)}, "moment"),
}


@pytest.mark.parametrize(("change", "field"), BAD_EDITS.values(), ids=BAD_EDITS.keys())
def test_bad_input_to_edit_is_a_400_and_nothing_changes(api, cast, reachable, change, field):
    note = schedule(cast.therapist, reachable)
    before = snapshot()
    body = change(cast) if callable(change) else change
    response = api.patch(reverse("api-note", args=[note.pk]), body)
    assert response.status_code == 400, response.data
    assert field in response.data["fields"], response.data
    assert snapshot() == before


def test_cancel_stops_what_has_not_gone_and_says_how_much(api, cast, reachable):
    note = schedule(cast.therapist, reachable)
    note.deliveries.filter(channel="in_app").update(state=State.SENDING)
    response = api.post(reverse("api-note-cancel", args=[note.pk]))
    assert response.status_code == 200, response.data
    assert response.data["cancelled"] == 1
    assert response.data["note"]["cancelled_at"] is not None
    states = {d["channel"]: d["state"] for d in response.data["note"]["deliveries"]}
    assert states == {"email": "cancelled", "in_app": "sending"}
    again = api.post(reverse("api-note-cancel", args=[note.pk]))
    assert again.status_code == 200 and again.data["cancelled"] == 0


def test_cancel_takes_no_input(api, cast, reachable):
    note = schedule(cast.therapist, reachable)
    response = api.post(reverse("api-note-cancel", args=[note.pk]), {"reason": "oops"})
    assert response.status_code == 400 and "reason" in response.data["fields"]
    assert not Delivery.objects.filter(state=State.CANCELLED).exists()


# --- Preview ----------------------------------------------------------------------------------


def test_preview_shows_each_channel_sms_segments_and_hints_and_saves_nothing(
    api, cast, reachable, settings
):
    settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN = "AC" + "0" * 32, "token"
    settings.TWILIO_FROM_NUMBER = "+15005550006"
    ConsentFactory(client=reachable, channel=Channel.SMS)
    reachable.preferred_channel, reachable.discreet = Channel.SMS, False
    reachable.save()
    body = "How are you doing? You should rest."
    response = api.post(reverse("api-note-preview"), {"client": reachable.pk, "body": body})
    assert response.status_code == 200, response.data
    draft = response.data
    assert (draft["length"], draft["limit"], draft["too_long"]) == (len(body), 600, False)
    assert [h["code"] for h in draft["hints"]] == ["demands_answer", "advice"]
    assert all(h["words"] for h in draft["hints"]) and draft["problems"] == []
    previews = {p["channel"]: p for p in draft["previews"]}
    assert set(previews) == {"sms", "in_app"}
    sms = previews["sms"]
    assert f"a note from {cast.therapist.display_name}: {body}" in sms["text"]
    assert (sms["encoding"], sms["segments"]) == ("GSM-7", 1)
    assert previews["in_app"]["text"] == body and previews["in_app"]["segments"] is None
    assert not Note.objects.exists() and not Delivery.objects.exists()


def test_preview_says_what_stands_in_the_way_and_when_it_is_too_long(api, cast):
    bare = ClientFactory(primary_therapist=cast.therapist)  # no consent to anything
    response = api.post(reverse("api-note-preview"), {"client": bare.pk, "body": "x" * 700})
    assert response.status_code == 200, response.data
    assert response.data["too_long"] is True and response.data["problems"]


BAD_PREVIEWS = {
    "colleague's client": {"client": "colleague", "body": "Hi"},
    "outsider's client": {"client": "outsider", "body": "Hi"},
    "no such client": {"client": 999_999, "body": "Hi"},
    "unknown field": {"client": "mine", "body": "Hi", "send_at": "2030-01-01T09:00:00Z"},
    "no body": {"client": "mine"},
    "body not text": {"client": "mine", "body": ["Hi"]},
}


@pytest.mark.parametrize("body", BAD_PREVIEWS.values(), ids=BAD_PREVIEWS.keys())
def test_bad_preview_input_is_a_400(api, cast, body):
    ids = {"colleague": cast.other_client.pk, "outsider": cast.outsider_client.pk}
    ids["mine"] = cast.client.pk
    body = {**body, "client": ids.get(body["client"], body["client"])}
    response = api.post(reverse("api-note-preview"), body)
    assert response.status_code == 400 and set(response.data) == ERROR_KEYS, response.data


# --- Templates --------------------------------------------------------------------------------


def test_templates_create_list_retrieve_edit_and_delete(api, cast, theirs):
    response = api.post(reverse("api-templates"), {"title": " Warm ", "body": "Hi {first_name}."})
    assert response.status_code == 201, response.data
    pk = response.data["id"]
    assert (response.data["title"], response.data["body"]) == ("Warm", "Hi {first_name}.")
    api.post(reverse("api-templates"), {"title": "After a hard week", "body": "Thinking of you."})
    listed = api.get(reverse("api-templates")).data["results"]
    assert [t["title"] for t in listed] == ["After a hard week", "Warm"]
    assert api.get(reverse("api-template", args=[pk])).data["body"] == "Hi {first_name}."
    response = api.patch(reverse("api-template", args=[pk]), {"body": "Hello {first_name}."})
    assert response.status_code == 200, response.data
    assert (response.data["title"], response.data["body"]) == ("Warm", "Hello {first_name}.")
    assert api.delete(reverse("api-template", args=[pk])).status_code == 204
    assert not NoteTemplate.objects.filter(pk=pk).exists()
    assert api.get(reverse("api-template", args=[pk])).data == NOT_FOUND


BAD_TEMPLATES = {
    "empty title": ({"title": "", "body": "Hi"}, "title"),
    "empty body": ({"title": "T", "body": "   "}, "body"),
    "over-long title": ({"title": "x" * 81, "body": "Hi"}, "title"),
    "over-long body": ({"title": "T", "body": "x" * 601}, "body"),
    "unknown field": ({"title": "T", "body": "Hi", "channel": "sms"}, "channel"),
    "wrong type": ({"title": {"en": "T"}, "body": "Hi"}, "title"),
    "missing body": ({"title": "T"}, "body"),
}


@pytest.mark.parametrize(("body", "field"), BAD_TEMPLATES.values(), ids=BAD_TEMPLATES.keys())
def test_bad_template_input_is_a_400_and_nothing_is_saved(api, cast, body, field):
    response = api.post(reverse("api-templates"), body)
    assert response.status_code == 400 and field in response.data["fields"], response.data
    assert not NoteTemplate.objects.exists()


def test_a_title_i_already_use_is_refused_but_a_colleagues_is_not(api, cast, theirs):
    services.template_save(therapist=cast.therapist, title="Warm", body="Hi")
    other = services.template_save(therapist=cast.therapist, title="Kind", body="Hi")
    response = api.post(reverse("api-templates"), {"title": "Warm", "body": "Again"})
    assert response.status_code == 400 and response.data["fields"], response.data
    response = api.patch(reverse("api-template", args=[other.pk]), {"title": "Warm"})
    assert response.status_code == 400
    assert NoteTemplate.objects.get(pk=other.pk).title == "Kind"
    # The colleague and the outsider both have one called "Mine"; that is no clash for me.
    assert api.post(reverse("api-templates"), {"title": "Mine", "body": "Hi"}).status_code == 201


# --- Scoping ----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["colleague", "outsider"])
def test_anothers_notes_deliveries_and_templates_are_404_and_untouched(api, cast, theirs, who):
    note, template = theirs[who]["note"], theirs[who]["template"]
    delivery = note.deliveries.first()
    before = snapshot()
    calls = [
        ("get", reverse("api-note", args=[note.pk]), None),
        ("patch", reverse("api-note", args=[note.pk]), {"body": "Overwritten"}),
        ("patch", reverse("api-note", args=[note.pk]), {"body": ""}),  # 404 before validation
        ("post", reverse("api-note-cancel", args=[note.pk]), None),
        ("get", reverse("api-delivery", args=[delivery.pk]), None),
        ("get", reverse("api-template", args=[template.pk]), None),
        ("patch", reverse("api-template", args=[template.pk]), {"title": "Overwritten"}),
        ("delete", reverse("api-template", args=[template.pk]), None),
    ]
    for method, url, body in calls:
        response = getattr(api, method)(url, body)
        assert (response.status_code, response.data) == (404, NOT_FOUND), (method, url)
    assert snapshot() == before


def test_anothers_things_never_show_in_my_lists(api, cast, theirs):
    for name in ("api-notes", "api-deliveries", "api-templates"):
        response = api.get(reverse(name))
        assert response.status_code == 200 and response.data["results"] == [], name
    moment = theirs["colleague"]["moment"]
    response = api.post(
        reverse("api-notes"), {"client": cast.client.pk, "body": "Hi", "moment": moment.pk}
    )
    assert response.data["fields"] == {"moment": ["Unknown moment."]}


def test_ids_that_do_not_exist_are_the_same_404(api):
    for name in ("api-note", "api-delivery", "api-template"):
        assert api.get(reverse(name, args=[999_999])).data == NOT_FOUND
        assert api.get(reverse(name, args=[10**30])).data == NOT_FOUND


def test_every_endpoint_wants_a_token(anonymous, cast, reachable):
    note = schedule(cast.therapist, reachable)
    template = services.template_save(therapist=cast.therapist, title="T", body="Hi")
    before = snapshot()
    calls = [
        ("get", reverse("api-notes")),
        ("post", reverse("api-notes")),
        ("post", reverse("api-note-preview")),
        ("get", reverse("api-note", args=[note.pk])),
        ("patch", reverse("api-note", args=[note.pk])),
        ("post", reverse("api-note-cancel", args=[note.pk])),
        ("get", reverse("api-deliveries")),
        ("get", reverse("api-delivery", args=[note.deliveries.first().pk])),
        ("get", reverse("api-templates")),
        ("post", reverse("api-templates")),
        ("get", reverse("api-template", args=[template.pk])),
        ("patch", reverse("api-template", args=[template.pk])),
        ("delete", reverse("api-template", args=[template.pk])),
    ]
    for method, url in calls:
        response = getattr(anonymous, method)(url, {"client": reachable.pk, "body": "Hi"})
        assert response.status_code == 401 and set(response.data) == ERROR_KEYS, (method, url)
    assert snapshot() == before


# --- Query budgets ----------------------------------------------------------------------------


def _notes(cast, client, n: int) -> None:
    for i in range(n):
        schedule(cast.therapist, client, body=f"Note {i}")
        services.template_save(therapist=cast.therapist, title=f"Template {i}", body="Hi")


# Token and user (2), the page's count, the page, and for notes one more for their deliveries;
# plus the audit row (continuity.audit).
BUDGETS = {"api-notes": 5, "api-deliveries": 4, "api-templates": 4}


@pytest.mark.parametrize("name", BUDGETS)
@pytest.mark.parametrize("count", [3, 30])
def test_lists_cost_the_same_few_queries_however_long(
    api, cast, reachable, django_assert_max_num_queries, name, count
):
    _notes(cast, reachable, count)
    with django_assert_max_num_queries(BUDGETS[name] + queries_per_record()):
        response = api.get(reverse(name))
    assert response.status_code == 200 and response.data["count"] >= count
