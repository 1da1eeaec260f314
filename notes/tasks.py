"""Thin Celery tasks: ids in, a service call, nothing clinical in any message or log."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from notes import services


@shared_task(name="notes.tasks.deliver", bind=True, max_retries=None)
def deliver(self, delivery_id: int) -> str:
    try:
        return services.delivery_send(delivery_id=delivery_id)
    except services.Retry as retry:
        # The row already says 'scheduled' at its new due time, so the sweeper sends it even if
        # this message is lost. Short delays also get a countdown for a prompt retry; longer
        # ones are left to the sweeper (no long countdowns on Redis).
        if retry.delay <= settings.DELIVERY_RETRY_COUNTDOWN_MAX:
            deliver.apply_async((delivery_id,), countdown=retry.delay)
        return "retry"


@shared_task(name="notes.tasks.sweep")
def sweep() -> dict[str, int]:
    return services.sweep()
