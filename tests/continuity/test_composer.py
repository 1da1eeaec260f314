"""The composer: templates, send now / at a time / on a moment, preview, hints, edit, cancel."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from clients.models import Channel
from notes.models import Delivery, Note, NoteTemplate
from tests.factories import ConsentFactory, MomentFactory

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")


@pytest.fixture
def signed_in(client, cast, reachable):
    client.force_login(cast.therapist)
    return client


def form(client_obj, **fields) -> dict:
    prefix = f"c{client_obj.pk}"
    data = {"prefix": prefix, f"{prefix}-when": "now"}
    data.update({f"{prefix}-{name}": value for name, value in fields.items() if name != "action"})
    if "action" in fields:
        data["action"] = fields["action"]
    return data


def compose(signed_in, who, **fields):
    return signed_in.post(reverse("compose", args=[who.pk]), form(who, **fields))


def wall(days: int, hour: int = 10) -> dt.datetime:
    """A wall-clock reading ``days`` ahead, as the datetime-local picker sends it."""
    return (timezone.now().astimezone(NEW_YORK) + dt.timedelta(days=days)).replace(
        hour=hour, minute=0, second=0, microsecond=0, tzinfo=None
    )


def test_send_now_queues_the_deliveries_and_returns_to_the_client(signed_in, reachable):
    response = compose(signed_in, reachable, body="Thinking of you this week.", action="send")
    assert response.status_code == 302
    assert response["Location"] == reverse("client_detail", args=[reachable.pk]) + "#scheduled"
    note = Note.objects.get()
    assert note.body == "Thinking of you this week." and note.send_at is None
    assert {d.state for d in note.deliveries.all()} == {Delivery.State.QUEUED}


def test_send_at_a_time_means_the_clients_own_clock(signed_in, reachable):
    when = wall(2)
    response = compose(
        signed_in,
        reachable,
        body="Hello.",
        when="at",
        send_at=when.strftime("%Y-%m-%dT%H:%M"),
        action="send",
    )
    assert response.status_code == 302
    note = Note.objects.get()
    assert note.send_at == when.replace(tzinfo=NEW_YORK)
    assert {d.state for d in note.deliveries.all()} == {Delivery.State.SCHEDULED}


def test_send_on_a_moment(signed_in, cast, reachable, settings):
    moment = MomentFactory(client=reachable, date=timezone.localdate() + dt.timedelta(days=3))
    compose(signed_in, reachable, body="Good luck.", when="moment", moment=moment.pk)
    note = Note.objects.get()
    assert note.moment == moment
    local = note.send_at.astimezone(NEW_YORK)
    assert (local.date(), local.hour) == (moment.date, settings.NOTE_MOMENT_LOCAL_HOUR)


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"body": "   "}, "body", "Write a few words"),
        ({"body": "x" * 601}, "body", "Keep it under 600"),
        ({"body": "Hi", "when": "at"}, "send_at", "Choose the date and time"),
        ({"body": "Hi", "when": "at", "send_at": "2001-01-01T10:00"}, "send_at", "already passed"),
        ({"body": "Hi", "when": "at", "send_at": "2099-01-01T10:00"}, "send_at", "at most"),
        ({"body": "Hi", "when": "at", "send_at": "tomorrow"}, "send_at", "valid date"),
        ({"body": "Hi", "when": "moment"}, "moment", "Choose the moment"),
        ({"body": "Hi", "when": "someday"}, "when", "valid choice"),
    ],
)
def test_bad_input_is_refused_with_the_reason_and_nothing_saved(
    signed_in, reachable, fields, field, words
):
    response = compose(signed_in, reachable, action="send", **fields)
    assert response.status_code == 400
    assert words in str(response.context["composer"]["form"].errors[field])
    assert not Note.objects.exists()


def test_a_client_without_consent_gets_a_clear_error(signed_in, cast, make_reachable):
    from tests.factories import ClientFactory

    nobody = ClientFactory(primary_therapist=cast.therapist)
    response = compose(signed_in, nobody, body="Hello.", action="send")
    assert response.status_code == 400
    assert "not consented" in response.content.decode() or "not agreed" in (
        response.content.decode()
    )
    assert not Note.objects.exists()


def test_insert_a_template_fills_in_the_first_name(signed_in, cast, reachable):
    template = NoteTemplate.objects.create(
        therapist=cast.therapist, title="Thinking", body="{first_name}, thinking of you."
    )
    response = compose(signed_in, reachable, body="", template=template.pk, action="insert")
    assert response.status_code == 200
    body = response.context["composer"]["form"]["body"].value()
    assert body == f"{reachable.preferred_name}, thinking of you."
    assert not Note.objects.exists()
    response = compose(signed_in, reachable, body="Hello.", template=template.pk, action="insert")
    assert response.context["composer"]["form"]["body"].value() == (
        f"Hello.\n\n{reachable.preferred_name}, thinking of you."
    )


def test_only_my_own_templates_can_be_inserted(signed_in, cast, reachable):
    theirs = NoteTemplate.objects.create(therapist=cast.colleague, title="T", body="Secret words")
    response = compose(signed_in, reachable, body="", template=theirs.pk, action="insert")
    assert response.status_code == 400
    assert "Secret words" not in response.content.decode()


def test_preview_shows_each_channel_counts_and_hints(signed_in, cast, reachable, settings):
    settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN = "AC" + "0" * 32, "token"
    settings.TWILIO_FROM_NUMBER = "+15005550006"
    ConsentFactory(client=reachable, channel=Channel.SMS)
    reachable.preferred_channel, reachable.discreet = Channel.SMS, False
    reachable.save()
    body = "How are you doing? You should rest."
    response = signed_in.post(
        reverse("compose_preview", args=[reachable.pk]),
        {"prefix": f"c{reachable.pk}", f"c{reachable.pk}-body": body},
        **HTMX,
    )
    page = response.content.decode()
    assert f"{len(body)} / 600 characters" in page
    assert "SMS: 1 message (GSM-7)" in page
    assert 'data-hint="demands_answer"' in page and 'data-hint="advice"' in page
    assert f"a note from {cast.therapist.display_name}: {body}" in page  # the text itself
    assert "your-private-link-appears-here" in page
    assert not Note.objects.exists()


def test_preview_of_a_discreet_client_holds_no_words_of_the_note(signed_in, reachable):
    reachable.discreet = True
    reachable.save()
    response = compose(signed_in, reachable, body="A private thought.", action="preview")
    draft = response.context["composer"]["draft"]
    email = next(p for p in draft.previews if p.channel == "email")
    assert "A private thought." not in email.text + email.subject
    assert "(discreet: no words of the note)" in response.content.decode()


def test_preview_counts_a_long_sms_in_segments(signed_in, reachable, settings):
    settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN = "AC" + "0" * 32, "token"
    settings.TWILIO_FROM_NUMBER = "+15005550006"
    ConsentFactory(client=reachable, channel=Channel.SMS)
    reachable.preferred_channel, reachable.discreet = Channel.SMS, False
    reachable.save()
    response = compose(signed_in, reachable, body="word " * 100, action="preview")
    sms = response.context["composer"]["draft"].sms
    assert sms.segments == 1 and "too long for two text messages" in sms.remark  # link only


def test_inline_compose_from_the_caseload_answers_with_the_fragment(signed_in, reachable):
    url = reverse("compose", args=[reachable.pk]) + "?origin=caseload"
    fragment = signed_in.get(url, **HTMX).content.decode()
    assert fragment.lstrip().startswith("<section") and "<html" not in fragment
    data = form(reachable, body="Thinking of you.", action="send")
    data["origin"] = "caseload"
    response = signed_in.post(reverse("compose", args=[reachable.pk]), data, **HTMX)
    assert response.status_code == 200 and "Note sent on its way." in response.content.decode()
    assert Note.objects.count() == 1


def test_the_client_page_composer_is_a_plain_post_the_caseload_one_swaps_itself(
    signed_in, reachable
):
    page = signed_in.get(reverse("client_detail", args=[reachable.pk])).content.decode()
    inline = signed_in.get(
        reverse("compose", args=[reachable.pk]) + "?origin=caseload", **HTMX
    ).content.decode()
    swap = f'hx-target="#composer-{reachable.pk}"'
    assert swap not in page and swap in inline


def scheduled_note(signed_in, reachable, days=2) -> Note:
    compose(
        signed_in,
        reachable,
        body="Hello.",
        when="at",
        send_at=wall(days).strftime("%Y-%m-%dT%H:%M"),
        action="send",
    )
    return Note.objects.latest("pk")


def test_a_scheduled_note_can_be_rewritten_and_moved(signed_in, reachable):
    note = scheduled_note(signed_in, reachable)
    edit = reverse("note_edit", args=[note.pk])
    form_page = signed_in.get(edit)
    assert form_page.context["composer"]["form"]["body"].value() == "Hello."
    later = wall(5, hour=9)
    response = signed_in.post(
        edit,
        form(
            reachable,
            body="Hello again.",
            when="at",
            send_at=later.strftime("%Y-%m-%dT%H:%M"),
            action="send",
        ),
    )
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.body == "Hello again." and note.send_at == later.replace(tzinfo=NEW_YORK)
    assert {d.due_at for d in note.deliveries.all()} == {note.send_at}


def test_rescheduling_to_now_sends_it(signed_in, reachable):
    note = scheduled_note(signed_in, reachable)
    signed_in.post(reverse("note_edit", args=[note.pk]), form(reachable, body="Now then."))
    assert {d.state for d in note.deliveries.all()} == {Delivery.State.QUEUED}


def test_a_note_on_its_way_can_no_longer_be_edited(signed_in, reachable):
    note = scheduled_note(signed_in, reachable)
    note.deliveries.update(state=Delivery.State.SENDING)
    response = signed_in.post(
        reverse("note_edit", args=[note.pk]), form(reachable, body="Changed.")
    )
    assert response.status_code == 400 and "already started" in response.content.decode()
    note.refresh_from_db()
    assert note.body == "Hello."


def test_cancel_a_scheduled_note(signed_in, reachable):
    note = scheduled_note(signed_in, reachable)
    response = signed_in.post(reverse("note_cancel", args=[note.pk]), follow=True)
    assert "Note cancelled" in response.content.decode()
    assert {d.state for d in note.deliveries.all()} == {Delivery.State.CANCELLED}
    page = signed_in.get(reverse("client_detail", args=[reachable.pk])).content.decode()
    assert "Nothing scheduled." in page
