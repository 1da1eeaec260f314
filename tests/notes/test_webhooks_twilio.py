"""Twilio's status callbacks and inbound texts, signed the way Twilio signs them."""

from __future__ import annotations

import logging

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from twilio.request_validator import RequestValidator

from clients.models import Channel, Consent
from clients.services import SMS_START_TEXT_VERSION as START_TEXT_VERSION
from notes.models import Delivery, Note
from notes.services import delivery_send, note_create
from notes.webhooks import EMPTY_TWIML
from tests.factories import ClientFactory, ConsentFactory
from tests.fakes import twilio_api as fake_twilio

pytestmark = pytest.mark.django_db

PHONE = "+12025550143"
OTHER_PHONE = "+12025550199"
# The public address Twilio calls; Django's test client talks to "testserver" instead, as a
# server behind a proxy would see an internal host.
PUBLIC = "https://continuity.example.org"
SID = "SM" + "5" * 32


@pytest.fixture
def twilio_api(settings):
    with fake_twilio.serving(settings) as fake:
        settings.SITE_URL = PUBLIC
        yield fake


def signed_post(client, name: str, params: dict, *, token: str, base: str = PUBLIC):
    path = reverse(f"webhooks:{name}")
    signature = RequestValidator(token).compute_signature(base + path, params)
    return client.post(path, params, headers={"X-Twilio-Signature": signature})


# --- Status callbacks --------------------------------------------------------------------


@pytest.fixture
def sent(cast):
    note = Note.objects.create(therapist=cast.therapist, client=cast.client, body="Go gently.")
    return Delivery.objects.create(
        note=note,
        channel=Channel.SMS,
        state=Delivery.State.SENT,
        due_at=timezone.now(),
        sent_at=timezone.now(),
        provider_message_id=SID,
    )


def status(message_status: str, **extra) -> dict:
    return {
        "AccountSid": fake_twilio.ACCOUNT_SID,
        "MessageSid": SID,
        "SmsSid": SID,
        "MessageStatus": message_status,
        "SmsStatus": message_status,
        "To": PHONE,
        "From": fake_twilio.FROM_NUMBER,
        "ApiVersion": "2010-04-01",
        **extra,
    }


def test_delivered_marks_the_delivery_delivered(client, twilio_api, sent):
    response = signed_post(
        client, "twilio-status", status("delivered"), token=twilio_api.auth_token
    )

    assert response.status_code == 204
    sent.refresh_from_db()
    assert sent.state == Delivery.State.DELIVERED
    assert sent.delivered_at is not None


@pytest.mark.parametrize("message_status", ["failed", "undelivered"])
def test_failed_and_undelivered_mark_it_failed_with_the_twilio_code(
    client, twilio_api, sent, message_status
):
    params = status(message_status, ErrorCode="30006")

    response = signed_post(client, "twilio-status", params, token=twilio_api.auth_token)

    assert response.status_code == 204
    sent.refresh_from_db()
    assert sent.state == Delivery.State.FAILED
    assert sent.reason == "Carrier could not deliver the text (Twilio error 30006)."


@pytest.mark.parametrize("message_status", ["queued", "sending", "sent", "accepted"])
def test_progress_reports_change_nothing(client, twilio_api, sent, message_status):
    response = signed_post(
        client, "twilio-status", status(message_status), token=twilio_api.auth_token
    )

    assert response.status_code == 204
    sent.refresh_from_db()
    assert sent.state == Delivery.State.SENT


def test_callbacks_need_no_csrf_token(twilio_api, sent):
    strict = Client(enforce_csrf_checks=True)
    response = signed_post(
        strict, "twilio-status", status("delivered"), token=twilio_api.auth_token
    )
    assert response.status_code == 204


def test_an_unknown_message_is_answered_the_same(client, twilio_api, sent):
    params = status("delivered", MessageSid="SM" + "9" * 32)

    response = signed_post(client, "twilio-status", params, token=twilio_api.auth_token)

    assert response.status_code == 204
    sent.refresh_from_db()
    assert sent.state == Delivery.State.SENT


@pytest.mark.parametrize(
    "headers",
    [{}, {"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"}],
    ids=["missing", "forged"],
)
def test_an_unsigned_or_forged_callback_is_refused_and_not_logged(
    client, twilio_api, sent, caplog, headers
):
    caplog.set_level(logging.INFO)

    response = client.post(reverse("webhooks:twilio-status"), status("delivered"), headers=headers)

    assert response.status_code == 403
    sent.refresh_from_db()
    assert sent.state == Delivery.State.SENT
    assert "invalid signature" in caplog.text
    assert PHONE not in caplog.text and SID not in caplog.text


def test_a_signature_for_another_token_is_refused(client, twilio_api, sent):
    response = signed_post(client, "twilio-status", status("delivered"), token="someone-else")
    assert response.status_code == 403


def test_the_signature_is_checked_against_the_public_url(client, twilio_api, sent):
    # Signed for the host Django sees, not the public one Twilio called: refused.
    response = signed_post(
        client,
        "twilio-status",
        status("delivered"),
        token=twilio_api.auth_token,
        base="http://testserver",
    )
    assert response.status_code == 403


def test_a_tampered_payload_is_refused(client, twilio_api, sent):
    path = reverse("webhooks:twilio-status")
    signature = RequestValidator(twilio_api.auth_token).compute_signature(
        PUBLIC + path, status("failed")
    )

    response = client.post(path, status("delivered"), headers={"X-Twilio-Signature": signature})

    assert response.status_code == 403


def test_without_an_auth_token_every_callback_is_refused(client, twilio_api, sent, settings):
    settings.TWILIO_AUTH_TOKEN = ""
    response = signed_post(client, "twilio-status", status("delivered"), token="")
    assert response.status_code == 403


@pytest.mark.parametrize("name", ["twilio-status", "twilio-inbound"])
def test_only_post_is_allowed(client, twilio_api, name):
    assert client.get(reverse(f"webhooks:{name}")).status_code == 405


def test_the_routes_are_under_webhooks():
    assert reverse("webhooks:twilio-status") == "/webhooks/twilio/status/"
    assert reverse("webhooks:twilio-inbound") == "/webhooks/twilio/inbound/"


# --- Inbound texts: STOP and START -------------------------------------------------------


@pytest.fixture
def texter(cast):
    cast.client.phone = PHONE
    cast.client.save()
    ConsentFactory(client=cast.client, channel=Channel.SMS)
    ConsentFactory(client=cast.client, channel=Channel.EMAIL)
    return cast.client


def inbound(body: str, phone: str = PHONE) -> dict:
    return {
        "AccountSid": fake_twilio.ACCOUNT_SID,
        "MessageSid": "SM" + "7" * 32,
        "From": phone,
        "To": fake_twilio.FROM_NUMBER,
        "Body": body,
        "NumMedia": "0",
        "ApiVersion": "2010-04-01",
    }


def sms_consents(client) -> list[Consent]:
    return list(Consent.objects.filter(client=client, channel=Channel.SMS).order_by("granted_at"))


def active_sms(client) -> bool:
    return Consent.objects.filter(
        client=client, channel=Channel.SMS, withdrawn_at__isnull=True
    ).exists()


@pytest.mark.parametrize("body", ["STOP", " stop ", "Unsubscribe", "optout\n", "QUIT"])
def test_stop_withdraws_sms_consent_and_keeps_the_history(client, twilio_api, texter, body):
    response = signed_post(client, "twilio-inbound", inbound(body), token=twilio_api.auth_token)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
    assert response.content.decode() == EMPTY_TWIML
    (consent,) = sms_consents(texter)
    assert consent.withdrawn_at is not None
    # Other channels are the client's to withdraw separately.
    assert Consent.objects.get(client=texter, channel=Channel.EMAIL).withdrawn_at is None


def test_a_custom_keyword_counts_when_twilio_names_it_an_opt_out(client, twilio_api, texter):
    params = {**inbound("ARRET"), "OptOutType": "STOP"}
    signed_post(client, "twilio-inbound", params, token=twilio_api.auth_token)
    assert not active_sms(texter)

    params = {**inbound("Reprendre"), "OptOutType": "START"}
    signed_post(client, "twilio-inbound", params, token=twilio_api.auth_token)
    assert active_sms(texter)


def test_stop_reaches_every_client_with_that_number(client, twilio_api, texter, cast):
    sibling = ClientFactory(primary_therapist=cast.colleague, phone=PHONE)
    ConsentFactory(client=sibling, channel=Channel.SMS)
    stranger = ClientFactory(primary_therapist=cast.therapist, phone=OTHER_PHONE)
    ConsentFactory(client=stranger, channel=Channel.SMS)

    signed_post(client, "twilio-inbound", inbound("STOP"), token=twilio_api.auth_token)

    assert not active_sms(texter)
    assert not active_sms(sibling)
    assert active_sms(stranger)


def test_start_after_stop_opens_a_new_consent_row(client, twilio_api, texter):
    signed_post(client, "twilio-inbound", inbound("STOP"), token=twilio_api.auth_token)
    response = signed_post(client, "twilio-inbound", inbound("start"), token=twilio_api.auth_token)

    assert response.status_code == 200
    old, new = sms_consents(texter)
    assert old.withdrawn_at is not None
    assert new.withdrawn_at is None
    assert new.text_version == START_TEXT_VERSION


def test_start_while_consent_is_active_changes_nothing(client, twilio_api, texter):
    response = signed_post(client, "twilio-inbound", inbound("YES"), token=twilio_api.auth_token)

    assert response.status_code == 200
    (consent,) = sms_consents(texter)
    assert consent.withdrawn_at is None
    assert consent.text_version != START_TEXT_VERSION


def test_start_never_creates_consent_a_client_did_not_give(client, twilio_api, cast):
    cast.client.phone = PHONE
    cast.client.save()

    signed_post(client, "twilio-inbound", inbound("START"), token=twilio_api.auth_token)

    assert sms_consents(cast.client) == []


@pytest.mark.parametrize("body", ["Thank you, that helped", "stop it", "please STOP", ""])
def test_any_other_text_changes_nothing_and_is_not_logged(client, twilio_api, texter, caplog, body):
    caplog.set_level(logging.INFO)

    response = signed_post(client, "twilio-inbound", inbound(body), token=twilio_api.auth_token)

    assert response.status_code == 200
    assert response.content.decode() == EMPTY_TWIML
    assert active_sms(texter)
    assert "inbound sms ignored" in caplog.text
    assert PHONE not in caplog.text
    if body:
        assert body not in caplog.text


def test_a_forged_stop_is_refused(client, twilio_api, texter):
    response = client.post(
        reverse("webhooks:twilio-inbound"), inbound("STOP"), headers={"X-Twilio-Signature": "x"}
    )

    assert response.status_code == 403
    assert active_sms(texter)


# --- End to end: STOP after scheduling skips the text ------------------------------------


def test_stop_after_a_note_was_scheduled_means_it_is_skipped(client, twilio_api, texter, cast):
    note = note_create(
        therapist=cast.therapist, client=texter, body="Go gently.", channels_=[Channel.SMS]
    )
    delivery = note.deliveries.get()
    assert delivery.state == Delivery.State.QUEUED

    response = signed_post(client, "twilio-inbound", inbound("STOP"), token=twilio_api.auth_token)
    assert response.status_code == 200

    assert delivery_send(delivery_id=delivery.pk) == Delivery.State.SKIPPED
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.SKIPPED
    assert "withdrawn" in delivery.reason
    assert twilio_api.requests == []
