from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from continuity.models import Heartbeat


@shared_task(name="continuity.tasks.heartbeat")
def heartbeat() -> None:
    """Sent by beat, run by a worker: proves the scheduler and a worker both run."""
    Heartbeat.objects.update_or_create(name="scheduler", defaults={"seen_at": timezone.now()})
