"""Baseline tasks for bench/delivery.py: the cost of Celery itself, with nothing to do."""

from __future__ import annotations

import time
from pathlib import Path

from celery import shared_task


@shared_task(name="bench.noop")
def noop() -> None:
    return None


@shared_task(name="bench.mark")
def mark(path: str) -> None:
    Path(path).write_text(repr(time.time()))
