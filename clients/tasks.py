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
    return "alerted"


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
