from __future__ import annotations

from continuity.models import Heartbeat
from continuity.tasks import heartbeat
from tests.helpers import wait_for


def test_a_real_worker_runs_tasks_from_the_configured_broker(celery_worker):
    heartbeat.delay()
    assert wait_for(lambda: Heartbeat.objects.filter(name="scheduler").exists())


def test_celery_is_configured_for_reliability():
    from continuity.celery import app

    conf = app.conf
    assert conf.task_acks_late and conf.task_reject_on_worker_lost
    assert conf.worker_prefetch_multiplier == 1
    assert conf.accept_content == ["json"] and conf.task_serializer == "json"
    if conf.broker_url.startswith("redis"):
        visibility = conf.broker_transport_options["visibility_timeout"]
        assert conf.task_time_limit < visibility
