from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from clients import services as client_services
from clients.models import Channel, Client
from notes.channels.email import message_id
from notes.models import Delivery
from notes.services import Retry, delivery_send, note_create

pytestmark = pytest.mark.django_db
State = Delivery.State


def email_delivery(cast, client, body="I was thinking about what you said on Tuesday."):
    note = note_create(therapist=cast.therapist, client=client, body=body)
    return note.deliveries.get(channel="email")


def test_email_goes_out_once_through_real_smtp(cast, reachable, smtp):
    reachable.discreet = False
    reachable.save()
    delivery = email_delivery(cast, reachable)
    assert delivery_send(delivery_id=delivery.pk) == State.SENT
    assert delivery_send(delivery_id=delivery.pk) == ""  # already taken: nothing happens
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == (State.SENT, 1)
    assert delivery.provider_message_id == message_id(delivery)
    assert smtp.by_message_id[message_id(delivery)] == 1
    message = smtp.messages[0]
    text = message.get_body(("plain",)).get_content()
    assert "what you said on Tuesday" in text
    assert "988" in text  # crisis resources travel with every note
    assert "/c/" in text  # and the private link
    assert message["To"] == reachable.email


def test_discreet_email_carries_no_clinical_text(cast, reachable, smtp):
    delivery = email_delivery(cast, reachable)
    delivery_send(delivery_id=delivery.pk)
    message = smtp.messages[0]
    whole = message.as_string()
    assert "Tuesday" not in whole
    assert cast.therapist.display_name not in whole
    assert message["Subject"] == f"{reachable.practice.short_name} has left you a note"


def test_in_app_delivery_is_visible_at_once(cast, reachable, smtp):
    note = note_create(therapist=cast.therapist, client=reachable, body="Hi")
    in_app = note.deliveries.get(channel="in_app")
    assert delivery_send(delivery_id=in_app.pk) == State.SENT
    assert smtp.count() == 0


def test_transient_errors_are_retried_then_sent_once(cast, reachable, smtp):
    smtp.fail_next("451 4.3.0 Try again later", times=2)
    delivery = email_delivery(cast, reachable)
    for attempt in (1, 2):
        with pytest.raises(Retry):
            delivery_send(delivery_id=delivery.pk)
        delivery.refresh_from_db()
        assert delivery.state == State.SCHEDULED and delivery.attempts == attempt
        assert "451" in delivery.last_error
        # Not before its backoff: a worker that gets the id early does nothing.
        assert delivery_send(delivery_id=delivery.pk) == ""
        Delivery.objects.filter(pk=delivery.pk).update(due_at=timezone.now())
    assert delivery_send(delivery_id=delivery.pk) == State.SENT
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == (State.SENT, 3)
    assert smtp.count() == 1


def test_permanent_error_fails_with_reason_and_no_retry(cast, reachable, smtp):
    smtp.fail_next("550 5.1.1 Mailbox unavailable")
    delivery = email_delivery(cast, reachable)
    assert delivery_send(delivery_id=delivery.pk) == State.FAILED
    delivery.refresh_from_db()
    assert delivery.state == State.FAILED and delivery.attempts == 1
    assert "550" in delivery.reason
    assert smtp.count() == 0


def test_unreachable_mail_server_is_transient_and_gives_up_after_the_limit(
    cast, reachable, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2
    settings.DELIVERY_MAX_ATTEMPTS = 3
    delivery = email_delivery(cast, reachable)
    for _ in range(2):
        with pytest.raises(Retry):
            delivery_send(delivery_id=delivery.pk)
        Delivery.objects.filter(pk=delivery.pk).update(due_at=timezone.now())
    assert delivery_send(delivery_id=delivery.pk) == State.FAILED
    delivery.refresh_from_db()
    assert delivery.reason == "Gave up after 3 attempts."
    assert "unreachable" in delivery.last_error


def test_consent_withdrawn_after_scheduling_skips_and_sends_nothing(cast, reachable, smtp):
    delivery = email_delivery(cast, reachable)
    client_services.consent_withdraw(client=reachable, channel=Channel.EMAIL)
    assert delivery_send(delivery_id=delivery.pk) == State.SKIPPED
    delivery.refresh_from_db()
    assert "withdrawn" in delivery.reason
    assert smtp.count() == 0


@pytest.mark.parametrize("status", [Client.Status.PAUSED, Client.Status.DISCHARGED])
def test_client_paused_or_discharged_after_scheduling_is_skipped(cast, reachable, smtp, status):
    delivery = email_delivery(cast, reachable)
    Client.objects.filter(pk=reachable.pk).update(status=status)
    assert delivery_send(delivery_id=delivery.pk) == State.SKIPPED
    assert smtp.count() == 0


def test_email_address_removed_after_scheduling_fails_visibly(cast, reachable, smtp):
    delivery = email_delivery(cast, reachable)
    Client.objects.filter(pk=reachable.pk).update(email="", preferred_channel="in_app")
    assert delivery_send(delivery_id=delivery.pk) == State.FAILED
    delivery.refresh_from_db()
    assert delivery.reason == "No email address on file."


def test_quiet_hours_that_began_since_scheduling_hold_it_without_spending_an_attempt(
    cast, reachable, smtp
):
    delivery = email_delivery(cast, reachable)
    local_now = timezone.now().astimezone(reachable.time_zone)
    start = (local_now - dt.timedelta(hours=1)).time().replace(second=0, microsecond=0)
    end = (local_now + dt.timedelta(hours=2)).time().replace(second=0, microsecond=0)
    Client.objects.filter(pk=reachable.pk).update(quiet_hours_start=start, quiet_hours_end=end)
    assert delivery_send(delivery_id=delivery.pk) == State.SCHEDULED
    delivery.refresh_from_db()
    assert delivery.attempts == 0
    assert delivery.due_at.astimezone(reachable.time_zone).time() == end
    assert smtp.count() == 0


def test_cancelled_note_is_not_sent_even_if_a_worker_already_has_the_id(cast, reachable, smtp):
    delivery = email_delivery(cast, reachable)
    from notes.services import note_cancel

    note_cancel(therapist=cast.therapist, note_id=delivery.note_id)
    assert delivery_send(delivery_id=delivery.pk) == ""
    assert smtp.count() == 0


def test_sending_takes_a_fixed_small_number_of_queries(
    cast, reachable, smtp, django_assert_num_queries
):
    reachable.discreet = False
    reachable.save()
    note = note_create(therapist=cast.therapist, client=reachable, body="Hi")
    ids = dict(note.deliveries.values_list("channel", "id"))
    # claim, fetch (with consent), finish
    with django_assert_num_queries(3):
        delivery_send(delivery_id=ids["in_app"])
    # ... and the private link for the message
    with django_assert_num_queries(4):
        delivery_send(delivery_id=ids["email"])
    assert "Hi" in smtp.messages[0].get_body(("plain",)).get_content()
