"""Real processes for reliability tests and benchmarks: a private redis-server, Celery workers
and beat as subprocesses, all on loopback ports of their own.

Nothing here stops or touches the machine's shared Redis.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from django.db import connection
from kombu import pools as kombu_pools

from continuity.celery import app as celery_app
from tests.fakes.smtp import free_port
from tests.helpers import wait_for

ROOT = Path(__file__).resolve().parents[1]
REDIS_SERVER = shutil.which("redis-server")


class RedisServer:
    """A private redis-server: no persistence unless asked, its own port and folder."""

    def __init__(self, folder: Path, *, appendonly: bool = False) -> None:
        self.folder = folder
        self.port = free_port()
        self.appendonly = appendonly
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        args = [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        args += ["--appendonly", "yes" if self.appendonly else "no", "--dir", str(self.folder)]
        log = open(self.folder / "redis.log", "ab")  # noqa: SIM115 - lives as long as the process
        self.process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
        if not wait_for(self.ping, timeout=15):
            raise RuntimeError("private redis-server did not start")

    def ping(self) -> bool:
        import redis

        try:
            return redis.Redis(port=self.port, socket_connect_timeout=0.5).ping()
        except redis.RedisError:
            return False

    def stop(self, sig: int = signal.SIGKILL) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(timeout=15)
        self.process = None


def database_url() -> str:
    """The URL of the database this test run uses, for worker processes to share it."""
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


# Short timings so crash recovery is seen within seconds (production values are in settings).
FAST_RECOVERY = {
    "CELERY_VISIBILITY_TIMEOUT": "10",
    "CELERY_TASK_TIME_LIMIT": "3",
    "DELIVERY_LEASE_SECONDS": "5",
    "DELIVERY_REQUEUE_AFTER_SECONDS": "3",
    "DELIVERY_RETRY_COUNTDOWN_MAX": "2",
    "DELIVERY_RETRY_BASE_SECONDS": "0.2",
    "SWEEP_INTERVAL_SECONDS": "1",
}


class Cluster:
    """Workers and a beat process against one broker, one database and one mail server."""

    def __init__(
        self,
        folder: Path,
        *,
        broker_url: str,
        email_url: str,
        timings: dict[str, str] | None = None,
        **extra: str,
    ) -> None:
        self.folder = folder
        self.env = {
            **os.environ,
            **(FAST_RECOVERY if timings is None else timings),
            "DATABASE_URL": database_url(),
            "REDIS_URL": broker_url,
            "EMAIL_URL": email_url,
            "DEBUG": "false",
            **extra,
        }
        self.queue = celery_app.conf.task_default_queue
        self.workers: list[subprocess.Popen] = []
        self.beats: list[subprocess.Popen] = []
        self._count = 0

    def _spawn(self, args: list[str], name: str) -> subprocess.Popen:
        log = open(self.folder / f"{name}.log", "ab")  # noqa: SIM115
        return subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "celery", "-A", "continuity", *args],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so a kill takes the pool too
        )

    def start_worker(self, concurrency: int = 2, *extra_args: str) -> subprocess.Popen:
        self._count += 1
        name = f"worker{self._count}"
        worker = self._spawn(
            [
                "worker",
                "--pool=prefork",
                f"--concurrency={concurrency}",
                f"--queues={self.queue},celery",
                f"--hostname={name}@%h",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                *extra_args,
            ],
            name,
        )
        self.workers.append(worker)
        return worker

    def start_beat(self) -> subprocess.Popen:
        name = f"beat{len(self.beats) + 1}"
        beat = self._spawn(
            ["beat", "--loglevel=INFO", f"--schedule={self.folder / (name + '-schedule')}"], name
        )
        self.beats.append(beat)
        return beat

    @staticmethod
    def kill(process: subprocess.Popen, sig: int = signal.SIGKILL) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=30)

    def stop(self) -> None:
        for process in [*self.workers, *self.beats]:
            if process.poll() is None:
                self.kill(process, signal.SIGTERM)
            if process.poll() is None:
                self.kill(process)

    def logs(self) -> str:
        return "\n".join(
            f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}"
            for p in sorted(self.folder.glob("*.log"))
        )


@contextlib.contextmanager
def publishing_to(url: str) -> Iterator[None]:
    """Points this process's Celery publisher at another broker for the duration."""
    conf = celery_app.conf
    saved = conf.broker_url, conf.broker_transport_options

    def reset_pools() -> None:
        # kombu keeps connection and producer pools per broker URL, process-wide: drop them
        # all so nothing published later reaches for a closed one.
        kombu_pools.reset()
        celery_app._pool = None
        celery_app.amqp._producer_pool = None

    reset_pools()
    conf.broker_url = url
    conf.broker_transport_options = {
        "visibility_timeout": 10,
        "socket_connect_timeout": 1,
        "socket_timeout": 5,
    }
    try:
        yield
    finally:
        reset_pools()
        conf.broker_url, conf.broker_transport_options = saved
