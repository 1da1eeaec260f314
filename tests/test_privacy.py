"""Privacy by construction: a whole round (a note composed on the dashboard, delivered by a
real worker by email, SMS and on the private page; the client checks in with words of risk;
the therapist is alerted) leaves no clinical text, name, email or phone number in any Celery
message or any log line. What reaches the client's inbox and phone, being discreet, holds no
words of the note either."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
from celery.signals import before_task_publish
from django.test import Client as Browser
from django.urls import reverse

from clients.links import link_issue
from clients.models import Channel, CheckIn, Signal
from notes.models import Delivery
from notes.services import note_create
from tests.factories import ClientFactory, ConsentFactory
from tests.helpers import wait_for

NOTE = "Remember the grounding we practised after the custody hearing"
CHECK_IN = "Since the custody hearing I want to die, honestly"
NAME = "Xiomara"
EMAIL = "xiomara.quist@example.net"
PHONE = "+12025550187"
SECRETS = [
    NOTE,
    CHECK_IN,
    "custody hearing",
    "grounding",
    "want to die",
    NAME,
    EMAIL,
    "xiomara.quist",
    PHONE,
    "2025550187",
    "555-0187",
]


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if ours(record):
            self.lines.append(self.format(record))


def ours(record: logging.LogRecord) -> bool:
    # The fake SMTP server (aiosmtpd) logs what it receives: the recipient's side, not ours.
    return not record.name.startswith("mail.log")


@pytest.fixture
def published() -> Iterator[list[str]]:
    """Every task message published: body, headers (argsrepr, kwargsrepr) and properties."""
    messages: list[str] = []

    def capture(sender=None, body=None, headers=None, properties=None, **_):
        messages.append(json.dumps([sender, body, headers, properties], default=repr))

    before_task_publish.connect(capture, weak=False)
    yield messages
    before_task_publish.disconnect(capture)


@pytest.fixture
def every_log_line(caplog) -> Iterator[Records]:
    """All records at DEBUG: the root logger and any logger that does not propagate to it.

    Taken after the worker has started, since Celery re-arranges the root logger's handlers
    then. Loggers the settings hold at a level (the Twilio SDK) stay there, as in production
    with LOG_LEVEL=DEBUG.
    """
    handler = Records()
    caplog.set_level(logging.DEBUG)
    loggers = [logging.getLogger()] + [
        logger
        for logger in logging.Logger.manager.loggerDict.values()
        if isinstance(logger, logging.Logger) and not logger.propagate
    ]
    for logger in loggers:
        logger.addHandler(handler)
    yield handler
    for logger in loggers:
        logger.removeHandler(handler)


def leaks(texts: list[str]) -> list[tuple[str, str]]:
    return [
        (secret, text) for text in texts for secret in SECRETS if secret.lower() in text.lower()
    ]


def test_a_whole_round_leaves_no_clinical_text_or_contact_details_behind(
    celery_worker, cast, smtp, twilio_api, published, every_log_line, caplog
):
    therapist = cast.therapist
    therapist.alert_phone = "+12025550100"
    therapist.save()
    xiomara = ClientFactory(
        primary_therapist=therapist,
        preferred_name=NAME,
        email=EMAIL,
        phone=PHONE,
        discreet=True,
        time_zone="America/New_York",
    )
    for channel in (Channel.EMAIL, Channel.SMS, Channel.IN_APP):
        ConsentFactory(client=xiomara, channel=channel)

    # The therapist writes on the dashboard; the worker delivers on every channel.
    dashboard = Browser()
    dashboard.force_login(therapist)
    prefix = f"c{xiomara.pk}"  # the composer's form prefix, one per client on a page
    response = dashboard.post(
        reverse("compose", args=[xiomara.pk]),
        {"prefix": prefix, f"{prefix}-body": NOTE, f"{prefix}-when": "now", "action": "send"},
    )
    assert response.status_code == 302, response.content.decode()
    # Her preferred channel is email; the same words by text go through the service.
    note_create(therapist=therapist, client=xiomara, body=NOTE, channels_=[Channel.SMS])
    deliveries = Delivery.objects.filter(note__client=xiomara)
    assert wait_for(
        lambda: set(deliveries.values_list("state", flat=True)) == {Delivery.State.SENT}
    )
    assert sorted(deliveries.values_list("channel", flat=True)) == ["email", "in_app", "sms"]

    # The client opens their link, reads, and checks in with words of risk.
    portal = Browser()
    _, token = link_issue(client=xiomara)
    portal.post(reverse("portal:open", args=[token]))
    assert NOTE in portal.get(reverse("portal:notes")).content.decode()
    response = portal.post(reverse("portal:check-in"), {"mood": 1, "text": CHECK_IN})
    assert response.status_code == 200
    assert CheckIn.objects.get(client=xiomara).text == CHECK_IN

    # The therapist is alerted by the worker, by email and text.
    signal = Signal.objects.get(client=xiomara, severity=Signal.Severity.URGENT)
    assert wait_for(lambda: Signal.objects.get(pk=signal.pk).alerted_at is not None)

    # What was captured is the whole round.
    tasks = {json.loads(message)[0] for message in published}
    assert {"notes.tasks.deliver", "clients.tasks.alert_therapist"} <= tasks
    assert len(every_log_line.lines) > 5
    assert leaks(published) == []
    assert leaks(every_log_line.lines) == []
    assert leaks([caplog.handler.format(r) for r in caplog.records if ours(r)]) == []

    # The discreet client's inbox and phone got a link, no words of the note.
    to_client = [m for m in smtp.messages if EMAIL in m["To"]]
    assert len(to_client) == 1
    for part in to_client[0].walk():
        payload = part.get_payload(decode=True)
        if payload:
            assert "grounding" not in payload.decode()
    assert "grounding" not in to_client[0]["Subject"]
    to_phone = [m.form["Body"] for m in twilio_api.messages if m.form["To"] == PHONE]
    assert len(to_phone) == 1 and "/c/" in to_phone[0]
    assert "grounding" not in to_phone[0]
    # Nor do the therapist's alerts say who or what.
    alerts = [m for m in smtp.messages if therapist.email in m["To"]]
    assert len(alerts) == 1
    assert leaks([alerts[0].as_string()]) == []
    assert leaks([m.form["Body"] for m in twilio_api.messages if m.form["To"] != PHONE]) == []
