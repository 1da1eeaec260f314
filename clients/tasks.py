"""Alerts to therapists. Messages carry ids; the email names no client and no clinical text."""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from clients.models import Signal

logger = logging.getLogger(__name__)


@shared_task(
    name="clients.tasks.alert_therapist",
    autoretry_for=(OSError,),
    retry_backoff=2,
    retry_backoff_max=60,  # every countdown well under the broker's visibility timeout
    max_retries=8,
)
def alert_therapist(signal_id: int) -> str:
    """Emails the client's therapist that an urgent signal is waiting. At most once per
    signal when it succeeds; a crash between sending and recording may repeat it, which is
    the safer mistake for an alert."""
    signal = (
        Signal.objects.select_related("client__primary_therapist")
        .filter(pk=signal_id, alerted_at__isnull=True)
        .first()
    )
    if signal is None:
        return "already alerted"
    therapist = signal.client.primary_therapist
    context = {"url": settings.SITE_URL.rstrip("/") + reverse("caseload")}
    send_mail(
        subject=render_to_string("clients/messages/alert_subject.txt", context).strip(),
        message=render_to_string("clients/messages/alert.txt", context),
        from_email=None,
        recipient_list=[therapist.email],
    )
    Signal.objects.filter(pk=signal_id).update(alerted_at=timezone.now())
    logger.info("signal %s: therapist %s alerted", signal_id, therapist.pk)
    if therapist.alert_phone:
        _alert_by_sms(therapist, context)
    return "alerted"


def _alert_by_sms(therapist, context: dict) -> None:
    """A text as well, when the therapist gave a number and SMS is set up. Best effort: the
    email has gone and the signal is recorded whatever happens here."""
    from notes.channels.base import DeliveryError
    from notes.channels.sms import SmsChannel, send_text

    if SmsChannel().unavailable_reason():
        return
    text = render_to_string("clients/messages/alert_sms.txt", context).strip()
    try:
        send_text(therapist.alert_phone.as_e164, text)
    except DeliveryError as exc:
        logger.warning("sms alert to therapist %s failed: %s", therapist.pk, exc.reason)


@shared_task(name="clients.tasks.alert_sweep")
def alert_sweep() -> int:
    """Re-sends alerts for urgent signals left unalerted (a broker outage when they were
    raised). Older than a minute, so a fresh signal's own task goes first; younger than a
    day, so an alert that can never be sent is not retried for ever."""
    now = timezone.now()
    ids = list(
        Signal.objects.filter(
            severity=Signal.Severity.URGENT,
            alerted_at__isnull=True,
            created_at__lt=now - dt.timedelta(minutes=1),
            created_at__gte=now - dt.timedelta(days=1),
        ).values_list("id", flat=True)[:500]
    )
    for signal_id in ids:
        alert_therapist.delay(signal_id)
    return len(ids)


@shared_task(name="clients.tasks.send_fresh_link", autoretry_for=(OSError,), max_retries=5,
             retry_backoff=2, retry_backoff_max=60)  # fmt: skip
def send_fresh_link(client_id: int) -> str:
    """Sends a fresh private link by the client's consented email or SMS, discreetly."""
    from clients.links import link_issue, link_url
    from clients.models import Channel, Client, Consent
    from notes.channels import get as channel

    client = Client.objects.select_related("practice").filter(pk=client_id).first()
    if client is None:
        return "no client"
    consented = set(
        Consent.objects.filter(client=client, withdrawn_at__isnull=True).values_list(
            "channel", flat=True
        )
    )
    for name in (client.preferred_channel, Channel.EMAIL, Channel.SMS):
        ch = channel(name)
        if name == Channel.IN_APP or name not in consented:
            continue
        if ch.unavailable_reason() or ch.contact_missing(client):
            continue
        _, token = link_issue(client=client, requested=True)
        context = {"practice_name": client.practice.short_name, "link": link_url(token)}
        text = render_to_string("clients/messages/fresh_link.txt", context).strip()
        if name == Channel.EMAIL:
            send_mail(
                subject=f"{client.practice.short_name}: your link",
                message=text,
                from_email=None,
                recipient_list=[client.email],
            )
        else:
            from notes.channels.sms import send_text

            send_text(client.phone.as_e164, text)
        logger.info("client %s: fresh link sent by %s", client_id, name)
        return name
    return "no channel"
