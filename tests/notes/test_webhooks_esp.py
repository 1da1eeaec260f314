"""Email providers' delivery reports through django-anymail, as Postmark posts them.

The payloads are Postmark's documented tracking webhook bodies (Delivery, Bounce, Open),
posted with HTTP basic auth to anymail's real view; nothing is patched.
"""

from __future__ import annotations

import base64
import json
import logging

import pytest
from django.urls import reverse
from django.utils import timezone

from clients.models import Channel
from notes.models import Delivery, Note

pytestmark = pytest.mark.django_db

SECRET = "postmark:a-test-webhook-secret"
MESSAGE_ID = "883953f4-6105-42a2-a16a-77a8eac79483"
UNKNOWN_ID = "2706ee8a-737c-4285-b032-ccd317af53ed"
RECIPIENT = "ava.private@example.org"
SUBJECT = "A note from Maya"
BODY = "Thinking of you before the interview."


@pytest.fixture(autouse=True)
def webhook_secret(settings):
    settings.ANYMAIL = {**settings.ANYMAIL, "WEBHOOK_SECRET": [SECRET]}


@pytest.fixture
def sent(cast):
    note = Note.objects.create(therapist=cast.therapist, client=cast.client, body=BODY)
    return Delivery.objects.create(
        note=note,
        channel=Channel.EMAIL,
        state=Delivery.State.SENT,
        due_at=timezone.now(),
        sent_at=timezone.now(),
        provider_message_id=MESSAGE_ID,
    )


def delivered(message_id: str = MESSAGE_ID) -> dict:
    return {
        "RecordType": "Delivery",
        "ServerID": 23,
        "MessageStream": "outbound",
        "MessageID": message_id,
        "Recipient": RECIPIENT,
        "Tag": "",
        "DeliveredAt": "2030-08-01T13:28:10.2735393-04:00",
        "Details": f"smtp;250 2.0.0 OK, delivered to {RECIPIENT}",
        "Metadata": {},
    }


def bounced(bounce_type: str = "HardBounce", message_id: str = MESSAGE_ID) -> dict:
    return {
        "RecordType": "Bounce",
        "ID": 901542550,
        "Type": bounce_type,
        "TypeCode": 1,
        "Name": "Hard bounce",
        "Tag": "",
        "MessageID": message_id,
        "ServerID": 23,
        "MessageStream": "outbound",
        "Description": "The server was unable to deliver your message (ex: unknown user).",
        "Details": f"smtp;550 5.1.1 <{RECIPIENT}>: Recipient address rejected: User unknown",
        "Email": RECIPIENT,
        "From": "notes@continuity.example.org",
        "BouncedAt": "2030-08-01T13:29:50.3963933-04:00",
        "DumpAvailable": True,
        "Inactive": True,
        "CanActivate": True,
        "Subject": SUBJECT,
        "Content": BODY,
        "Metadata": {},
    }


def opened() -> dict:
    return {
        "RecordType": "Open",
        "MessageStream": "outbound",
        "FirstOpen": True,
        "Client": {"Name": "Gmail", "Company": "Google", "Family": "Gmail"},
        "OS": {"Name": "unknown", "Company": "unknown", "Family": "unknown"},
        "Platform": "Unknown",
        "UserAgent": "Mozilla/5.0",
        "ReadSeconds": 0,
        "Geo": {},
        "MessageID": MESSAGE_ID,
        "ReceivedAt": "2030-08-01T13:30:41.2493688-04:00",
        "Recipient": RECIPIENT,
        "Metadata": {},
    }


def post(client, payload: dict, *, secret: str | None = SECRET):
    headers = {}
    if secret is not None:
        headers["Authorization"] = "Basic " + base64.b64encode(secret.encode()).decode()
    return client.post(
        reverse("webhooks:anymail:postmark_tracking_webhook"),
        json.dumps(payload),
        content_type="application/json",
        headers=headers,
    )


def test_the_webhook_lives_under_webhooks_anymail():
    assert reverse("webhooks:anymail:postmark_tracking_webhook") == (
        "/webhooks/anymail/postmark/tracking/"
    )


def test_delivered_marks_the_delivery_delivered(client, sent):
    assert post(client, delivered()).status_code == 200
    sent.refresh_from_db()
    assert sent.state == Delivery.State.DELIVERED and sent.delivered_at is not None


def test_a_hard_bounce_marks_it_failed_with_a_reason_free_of_the_address(client, sent):
    assert post(client, bounced()).status_code == 200
    sent.refresh_from_db()
    assert sent.state == Delivery.State.FAILED and sent.failed_at is not None
    assert sent.reason == (
        "The email provider (Postmark) could not deliver it: the receiving mail server refused it."
    )
    assert RECIPIENT not in sent.reason and "550" not in sent.reason


def test_a_rejected_address_names_the_normalised_reason(client, sent):
    assert post(client, bounced("BadEmailAddress")).status_code == 200
    sent.refresh_from_db()
    assert sent.state == Delivery.State.FAILED
    assert sent.reason.endswith("the address does not exist.")


def test_a_late_delivered_report_does_not_undo_a_bounce(client, sent):
    post(client, bounced())
    post(client, delivered())
    sent.refresh_from_db()
    assert sent.state == Delivery.State.FAILED


@pytest.mark.parametrize("payload", [opened(), bounced("Transient")], ids=["opened", "deferred"])
def test_opens_and_deferrals_change_nothing(client, sent, payload):
    assert post(client, payload).status_code == 200
    sent.refresh_from_db()
    assert sent.state == Delivery.State.SENT and sent.reason == ""


def test_an_unknown_message_id_is_ignored(client, sent):
    assert post(client, bounced(message_id=UNKNOWN_ID)).status_code == 200
    assert post(client, delivered(message_id=UNKNOWN_ID)).status_code == 200
    sent.refresh_from_db()
    assert sent.state == Delivery.State.SENT


def test_only_email_deliveries_are_matched(client, sent):
    sent.channel = Channel.SMS
    sent.save()
    assert post(client, bounced()).status_code == 200
    sent.refresh_from_db()
    assert sent.state == Delivery.State.SENT


@pytest.mark.parametrize(
    "secret",
    ["postmark:wrong-secret", "postmark:", "", None],
    ids=["wrong", "no-pw", "empty", "none"],
)
def test_a_bad_or_missing_secret_is_refused_and_logged_without_the_payload(
    client, sent, caplog, secret
):
    caplog.set_level(logging.DEBUG)
    response = post(client, bounced(), secret=secret)
    assert response.status_code == 403
    sent.refresh_from_db()
    assert sent.state == Delivery.State.SENT
    assert "missing or invalid secret" in caplog.text
    for private in (RECIPIENT, SUBJECT, BODY, MESSAGE_ID, "a-test-webhook-secret"):
        assert private not in caplog.text


def test_accepted_reports_log_no_payload(client, sent, caplog):
    caplog.set_level(logging.DEBUG)
    post(client, delivered())
    post(client, bounced(message_id=UNKNOWN_ID))
    assert "Postmark tracking event delivered: recorded" in caplog.text
    assert "Postmark tracking event bounced: ignored" in caplog.text
    for private in (RECIPIENT, SUBJECT, BODY, MESSAGE_ID, UNKNOWN_ID):
        assert private not in caplog.text
