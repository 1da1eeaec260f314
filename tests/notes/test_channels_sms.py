"""The SMS channel, through the official Twilio SDK, against a loopback fake of Twilio's API."""

from __future__ import annotations

import logging
import socket

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from clients.models import Channel
from notes import channels
from notes.channels.base import DeliveryError
from notes.channels.sms import TOO_LONG, BaseUrlHttpClient, SmsChannel
from notes.models import Delivery
from notes.services import delivery_send, note_create
from notes.sms_segments import segment_count
from tests.factories import ConsentFactory
from tests.fakes import twilio_api as fake_twilio

pytestmark = pytest.mark.django_db

PHONE = "+12025550143"
SHORT = "Thinking of you before Tuesday. Go gently."


@pytest.fixture
def texter(cast):
    """The therapist's client, reachable by SMS, not discreet, no quiet hours."""
    client = cast.client
    client.phone = PHONE
    client.discreet = False
    client.save()
    ConsentFactory(client=client, channel=Channel.SMS)
    return client


def sms_delivery(therapist, client, body: str = SHORT) -> Delivery:
    note = note_create(therapist=therapist, client=client, body=body, channels_=[Channel.SMS])
    return note.deliveries.get()


def test_the_registry_holds_the_sms_channel():
    channel = channels.get("sms")
    assert isinstance(channel, SmsChannel)
    assert channel.intrusive is True


# --- What is sent ------------------------------------------------------------------------


def test_a_short_note_goes_as_written_through_the_sdk(twilio_api, cast, texter, settings):
    delivery = sms_delivery(cast.therapist, texter)

    outcome = SmsChannel().send(delivery)

    (sent,) = twilio_api.messages
    assert outcome.provider_message_id == sent.sid
    assert sent.sid.startswith("SM") and len(sent.sid) == 34
    assert outcome.remark == ""
    assert sent.form["To"] == PHONE
    assert sent.form["From"] == fake_twilio.FROM_NUMBER
    assert "MessagingServiceSid" not in sent.form
    assert sent.form["Body"].startswith("Ava, a note from Maya: " + SHORT)
    assert settings.SITE_URL.rstrip("/") + "/c/" in sent.form["Body"]
    assert sent.form["StatusCallback"] == settings.SITE_URL.rstrip("/") + reverse(
        "webhooks:twilio-status"
    )
    assert sent.form["StatusCallback"].endswith("/webhooks/twilio/status/")


def test_sending_logs_neither_the_number_nor_the_text(twilio_api, cast, texter, caplog):
    caplog.set_level(logging.DEBUG)
    SmsChannel().send(sms_delivery(cast.therapist, texter))
    assert twilio_api.messages
    for secret in (PHONE, "2025550143", SHORT, "Ava"):
        assert secret not in caplog.text


def test_a_number_entered_in_national_format_is_sent_in_e164(twilio_api, cast, texter):
    texter.phone = "(202) 555-0143"
    texter.save()
    texter.refresh_from_db()
    SmsChannel().send(sms_delivery(cast.therapist, texter))
    assert twilio_api.messages[0].form["To"] == PHONE


def test_a_discreet_client_gets_only_the_link(twilio_api, cast, texter):
    texter.discreet = True
    texter.save()

    outcome = SmsChannel().send(sms_delivery(cast.therapist, texter))

    body = twilio_api.messages[0].form["Body"]
    assert body.startswith("Riverside has left you a note: http")
    assert SHORT not in body
    assert "Maya" not in body
    assert outcome.remark == ""  # discreet by choice, not a fallback


def test_a_note_too_long_for_two_segments_goes_as_a_link_with_a_remark(twilio_api, cast, texter):
    body = "You did something brave this week. " * 10  # 350 GSM-7 characters
    outcome = SmsChannel().send(sms_delivery(cast.therapist, texter, body))

    sent = twilio_api.messages[0].form["Body"]
    assert sent.startswith("Riverside has left you a note: http")
    assert "brave" not in sent
    assert outcome.remark == TOO_LONG


def test_ucs2_text_counts_its_own_shorter_segments(twilio_api, cast, texter):
    # 120 characters fit in one GSM-7 segment, but one emoji makes the text UCS-2 (67 a part).
    body = "See you on Tuesday, we’ll pick up where we left off. " * 2 + "😊"
    assert segment_count(body)[0] == "UCS-2"
    outcome = SmsChannel().send(sms_delivery(cast.therapist, texter, body))

    assert "Tuesday" not in twilio_api.messages[0].form["Body"]
    assert outcome.remark == TOO_LONG


def test_a_messaging_service_is_used_when_configured(twilio_api, cast, texter, settings):
    settings.TWILIO_FROM_NUMBER = ""
    settings.TWILIO_MESSAGING_SERVICE_SID = "MG" + "ab" * 16

    SmsChannel().send(sms_delivery(cast.therapist, texter))

    form = twilio_api.messages[0].form
    assert form["MessagingServiceSid"] == settings.TWILIO_MESSAGING_SERVICE_SID
    assert "From" not in form


def test_the_base_url_replaces_only_twilios_host():
    default = BaseUrlHttpClient("https://api.twilio.com")
    moved = BaseUrlHttpClient("http://127.0.0.1:9999/")
    url = "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json"

    assert default.rebase(url) == url
    assert moved.rebase(url) == "http://127.0.0.1:9999/2010-04-01/Accounts/AC1/Messages.json"
    assert moved.rebase("https://api.twilio.com.example/x") == "https://api.twilio.com.example/x"
    assert moved.timeout == 10.0


# --- Provider errors ---------------------------------------------------------------------


@pytest.mark.parametrize("status", [500, 503, 429])
def test_server_errors_and_rate_limits_are_transient(twilio_api, cast, texter, status):
    twilio_api.fail_next(status=status)

    with pytest.raises(DeliveryError) as caught:
        SmsChannel().send(sms_delivery(cast.therapist, texter))

    assert caught.value.permanent is False
    assert f"HTTP {status}" in caught.value.reason
    assert [r.status for r in twilio_api.requests] == [status]


def test_a_refused_number_is_permanent_and_the_reason_holds_no_personal_data(
    twilio_api, cast, texter
):
    twilio_api.fail_next(status=400, code=21211, message=f"The 'To' number {PHONE} is invalid.")

    with pytest.raises(DeliveryError) as caught:
        SmsChannel().send(sms_delivery(cast.therapist, texter))

    reason = caught.value.reason
    assert caught.value.permanent is True
    assert reason == "SMS provider refused the message (Twilio error 21211)."
    for secret in (PHONE, "2025550143", SHORT, "Ava", "Maya"):
        assert secret not in reason


def test_wrong_credentials_are_a_permanent_refusal(twilio_api, cast, texter, settings):
    settings.TWILIO_AUTH_TOKEN = "not-the-token"

    with pytest.raises(DeliveryError) as caught:
        SmsChannel().send(sms_delivery(cast.therapist, texter))

    assert caught.value.permanent is True
    assert "20003" in caught.value.reason
    assert twilio_api.requests == []  # refused before the fake looked at the message


def test_an_unreachable_provider_is_transient(twilio_api, cast, texter, settings):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    settings.TWILIO_API_BASE_URL = f"http://127.0.0.1:{closed_port}"

    with pytest.raises(DeliveryError) as caught:
        SmsChannel().send(sms_delivery(cast.therapist, texter))

    assert caught.value.permanent is False
    assert caught.value.reason == "SMS provider unreachable (ConnectionError)."


# --- Availability ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "missing",
    [
        {"TWILIO_ACCOUNT_SID": ""},
        {"TWILIO_AUTH_TOKEN": ""},
        {"TWILIO_FROM_NUMBER": "", "TWILIO_MESSAGING_SERVICE_SID": ""},
    ],
)
def test_unavailable_until_configured(twilio_api, cast, texter, settings, missing):
    assert SmsChannel().unavailable_reason() is None
    for name, value in missing.items():
        setattr(settings, name, value)

    assert "not set up" in SmsChannel().unavailable_reason()
    with pytest.raises(ValidationError) as caught:
        sms_delivery(cast.therapist, texter)
    assert caught.value.message_dict["channels"] == [
        "SMS: SMS is not set up for this practice (no SMS provider configured)."
    ]
    assert twilio_api.requests == []


def test_a_client_without_a_mobile_number_cannot_be_texted(cast):
    cast.client.phone = ""
    assert SmsChannel().contact_missing(cast.client) == "No mobile number on file."
    cast.client.phone = PHONE
    assert SmsChannel().contact_missing(cast.client) is None


# --- Through the delivery service --------------------------------------------------------


def test_a_due_sms_delivery_ends_sent_with_twilios_message_sid(twilio_api, cast, texter):
    delivery = sms_delivery(cast.therapist, texter)
    assert delivery.state == Delivery.State.QUEUED

    assert delivery_send(delivery_id=delivery.pk) == Delivery.State.SENT

    delivery.refresh_from_db()
    (sent,) = twilio_api.messages
    assert delivery.state == Delivery.State.SENT
    assert delivery.provider_message_id == sent.sid
    assert delivery.reason == ""


def test_a_long_note_through_the_service_records_the_remark(twilio_api, cast, texter):
    delivery = sms_delivery(cast.therapist, texter, "Breathe. " * 60)

    delivery_send(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.SENT
    assert delivery.reason == TOO_LONG


def test_a_provider_outage_through_the_service_is_retried(twilio_api, cast, texter):
    from notes.services import Retry

    twilio_api.fail_next(status=500)
    delivery = sms_delivery(cast.therapist, texter)

    with pytest.raises(Retry):
        delivery_send(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.SCHEDULED
    assert "HTTP 500" in delivery.last_error
