"""Reachability checks for /healthz. Messages name no hosts or credentials."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import connection

from continuity.celery import app
from continuity.models import Heartbeat

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Report:
    database: bool
    broker: bool
    scheduler_seen_at: str | None

    @property
    def healthy(self) -> bool:
        return self.database and self.broker


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception as exc:
        logger.warning("health: database unreachable (%s)", type(exc).__name__)
        return False


def broker_ok(timeout: float = 3.0) -> bool:
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=timeout)
            # Opening a channel makes the transport touch the broker for real.
            conn.default_channel  # noqa: B018
            return True
    except Exception as exc:
        logger.warning("health: broker unreachable (%s)", type(exc).__name__)
        return False


def scheduler_seen_at() -> str | None:
    try:
        beat = Heartbeat.objects.filter(name="scheduler").first()
    except Exception:
        return None
    return beat.seen_at.isoformat() if beat else None


def check() -> Report:
    db = database_ok()
    return Report(
        database=db,
        broker=broker_ok(),
        scheduler_seen_at=scheduler_seen_at() if db else None,
    )
