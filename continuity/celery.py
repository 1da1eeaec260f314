"""The Celery application. Configuration lives in settings (namespace CELERY)."""

from __future__ import annotations

import os
from pathlib import Path

from celery import Celery
from celery.signals import task_postrun, task_prerun
from kombu.transport import TRANSPORT_ALIASES

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "continuity.settings")
# "filesystem://" is the embedded broker with atomic writes (continuity/broker.py).
TRANSPORT_ALIASES["filesystem"] = "continuity.broker:Transport"

app = Celery("continuity")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def ensure_broker_folders() -> None:
    """The filesystem transport needs its folders to exist before anything is published."""
    options = app.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "control_folder", "processed_folder"):
        if options.get(key):
            Path(options[key]).mkdir(parents=True, exist_ok=True)


@task_prerun.connect
@task_postrun.connect
def _close_old_connections(**_: object) -> None:
    """What Django does around a request: drop connections that are broken or too old."""
    from django.db import close_old_connections

    close_old_connections()
