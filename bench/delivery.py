"""Delivery throughput and sweeper latency, measured side by side on one machine.

    .venv/bin/python bench/delivery.py            # both brokers, prints a table
    .venv/bin/python bench/delivery.py --notes 300 --quick

For each broker (the embedded filesystem transport with SQLite; a private redis-server with
PostgreSQL when DATABASE_URL points at a server, else SQLite) it starts one Celery worker
(prefork, 2 processes, the production settings) and a real SMTP server on loopback, then:

1. no-op rate: N trivial tasks through the same broker and worker;
2. delivery rate: N notes x (email + in-app) deliveries, published and sent end to end
   (claim, re-checks, private link, SMTP, state write);
3. sweeper latency: notes due across one minute, picked up by beat's sweeper every 15 s;
   due-to-sent p50/p99.

The ratio delivery/no-op is the target (>= 0.5). Timings are not asserted anywhere.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Worker processes: delivery is I/O-bound (database commits, SMTP), so more processes than
# cores; the no-op baseline runs with the same number. Override with BENCH_CONCURRENCY.
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "8"))
sys.path.insert(0, str(ROOT))

from bench.common import fresh_postgres  # noqa: E402


def child(broker: str, notes: int, latency_notes: int, spread: float) -> dict:
    folder = Path(tempfile.mkdtemp(prefix=f"bench-{broker}-"))
    base_db = os.environ.get("DATABASE_URL", "")
    redis = None
    if broker == "redis":
        os.environ["DJANGO_SETTINGS_MODULE"] = "continuity.settings"
        from tests.processes import RedisServer

        redis = RedisServer(folder)
        redis.start()
        os.environ["REDIS_URL"] = redis.url
    else:
        os.environ.pop("REDIS_URL", None)
        # Its own queue folder, shared with the worker it starts; `make run` is not disturbed.
        os.environ["BROKER_DIR"] = str(folder / "broker")
    if broker == "redis" and base_db.startswith("postgres"):
        db_url = fresh_postgres(base_db, "continuity_bench")
    else:
        db_url = f"sqlite:///{folder / 'bench.sqlite3'}"
    os.environ["DATABASE_URL"] = db_url
    os.environ["DEBUG"] = "false"  # as in production: no query log kept per connection
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "continuity.settings")

    from tests.fakes.smtp import SmtpServer

    with SmtpServer() as smtp:
        os.environ["EMAIL_URL"] = smtp.url
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        result = _measure(folder, smtp, notes, latency_notes, spread, broker)
    if redis:
        redis.stop()
    result["database"] = "postgresql" if db_url.startswith("postgres") else "sqlite"
    return result


def _measure(folder: Path, smtp, notes: int, latency_notes: int, spread: float, broker) -> dict:
    import datetime as dt

    from django.conf import settings
    from django.utils import timezone

    from clients import services as client_services
    from clients.models import Channel
    from continuity.models import Practice, Therapist
    from notes import services
    from notes.models import Delivery
    from tests.processes import Cluster

    practice = Practice.objects.create(name="Bench", short_name="Bench")
    therapist = Therapist.objects.create_user(
        "bench@example.com", "bench-password-1", display_name="Bench", practice=practice
    )
    clients = []
    for n in range(notes):
        c = client_services.client_create(
            therapist=therapist,
            preferred_name=f"B{n}",
            email=f"b{n}@example.com",
            preferred_channel=Channel.EMAIL,
        )
        for ch in (Channel.EMAIL, Channel.IN_APP):
            # Recorded as given earlier: no welcome notes in the measurements.
            client_services.consent_grant(
                client=c, channel=ch, text_version="bench", at=timezone.now()
            )
        clients.append(c)

    cluster = Cluster(
        folder,
        broker_url=settings.CELERY_BROKER_URL,
        email_url=os.environ["EMAIL_URL"],
        timings={},
    )
    out: dict = {"broker": broker}
    try:
        worker = cluster.start_worker(CONCURRENCY, "--include=bench.tasks")
        _warm_up(folder)

        # 1. The no-op baseline.
        from bench.tasks import mark, noop

        count = notes * 2
        marker = folder / "mark"
        cpu = _group_cpu_seconds(worker.pid)
        start = time.time()
        with noop.app.producer_or_acquire() as producer:
            for _ in range(count):
                noop.apply_async(producer=producer)
            mark.apply_async((str(marker),), producer=producer)
        _wait(lambda: marker.exists(), 600)
        out["noop_per_s"] = count / (float(marker.read_text()) - start)
        out["noop_cpu_ms"] = (_group_cpu_seconds(worker.pid) - cpu) / count * 1000

        # 2. Deliveries end to end: rows accepted first, then published and timed.
        real_enqueue = services.enqueue
        services.enqueue = lambda ids: None
        created = time.perf_counter()
        ids: list[int] = []
        for c in clients:
            note = services.note_create(therapist=therapist, client=c, body="Thinking of you.")
            ids.extend(note.deliveries.values_list("id", flat=True))
        out["note_create_ms"] = (time.perf_counter() - created) / len(clients) * 1000
        services.enqueue = real_enqueue
        cpu = _group_cpu_seconds(worker.pid)
        start = time.perf_counter()
        services.enqueue(ids)
        # Every delivery in this database is the benchmark's: count by state, cheaply.
        sent = Delivery.objects.filter(state=Delivery.State.SENT)
        _wait(lambda: sent.count() >= len(ids), 600)
        seconds = time.perf_counter() - start
        out["delivery_cpu_ms"] = (_group_cpu_seconds(worker.pid) - cpu) / len(ids) * 1000
        out["deliveries_per_s"] = len(ids) / seconds
        out["ratio"] = out["deliveries_per_s"] / out["noop_per_s"]
        out["smtp_messages"] = smtp.handler.count()
        out["doubles"] = sum(1 for v in smtp.handler.by_message_id.values() if v > 1)

        # The duplicate window: after the provider accepted, the one conditional UPDATE that
        # records 'sent'. Timed here on the same database, row by row.
        windows = []
        for pk in ids[:500]:
            Delivery.objects.filter(pk=pk).update(state=Delivery.State.SENDING)
            t = time.perf_counter()
            Delivery.objects.filter(pk=pk, state=Delivery.State.SENDING).update(
                state=Delivery.State.SENT, sent_at=timezone.now(), lease_until=None
            )
            windows.append((time.perf_counter() - t) * 1000)
        windows.sort()
        out["window_p50_ms"] = statistics.median(windows)
        out["window_p99_ms"] = windows[int(len(windows) * 0.99)]

        # 3. Sweeper latency: notes due across `spread` seconds, beat sweeping every 15 s.
        cluster.start_beat()
        services.enqueue = lambda ids: None
        base = timezone.now() + dt.timedelta(seconds=20)
        later: list[int] = []
        for c in clients[:latency_notes]:
            at = base + dt.timedelta(seconds=random.uniform(0, spread))  # noqa: S311
            note = services.note_create(therapist=therapist, client=c, body="Hi", send_at=at)
            later.extend(note.deliveries.values_list("id", flat=True))
        services.enqueue = real_enqueue
        done = Delivery.objects.filter(id__in=later, state=Delivery.State.SENT)
        pending = Delivery.objects.exclude(state=Delivery.State.SENT)
        _wait(lambda: not pending.exists(), 600)
        lat = sorted((d.sent_at - d.due_at).total_seconds() for d in done)
        out["latency_deliveries"] = len(lat)
        out["latency_p50_s"] = statistics.median(lat)
        out["latency_p99_s"] = lat[min(len(lat) - 1, int(len(lat) * 0.99))]
        out["sweep_interval_s"] = settings.SWEEP_INTERVAL_SECONDS
    finally:
        cluster.stop()
    return out


def _group_cpu_seconds(pgid: int) -> float:
    """User + system CPU of every process in the worker's process group (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # fields after "(comm)": state, ppid, pgrp, ...
            total += int(fields[11]) + int(fields[12])
    return total / tick


def _warm_up(folder: Path) -> None:
    from bench.tasks import mark

    marker = folder / "warm"
    mark.delay(str(marker))
    _wait(lambda: marker.exists(), 120)


def _wait(condition, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("benchmark step did not finish in time")
        time.sleep(0.1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--brokers", default="embedded,redis")
    parser.add_argument("--notes", type=int, default=1000, help="notes for the throughput step")
    parser.add_argument("--latency-notes", type=int, default=1000)
    parser.add_argument("--spread", type=float, default=60.0, help="seconds the due times span")
    parser.add_argument("--run", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        print(json.dumps(child(args.run, args.notes, args.latency_notes, args.spread)))
        return
    rows = []
    for broker in args.brokers.split(","):
        cmd = [sys.executable, __file__, "--run", broker, "--notes", str(args.notes)]
        cmd += ["--latency-notes", str(min(args.latency_notes, args.notes))]
        cmd += ["--spread", str(args.spread)]
        done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=False)  # noqa: S603
        if done.returncode != 0:
            print(done.stderr[-4000:], file=sys.stderr)
            raise SystemExit(f"{broker} run failed")
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
    print(
        f"{'broker':10} {'db':10} {'no-op/s':>9} {'deliv/s':>9} {'ratio':>6} {'cpu ms':>11} "
        f"{'create ms':>9} {'p50 s':>7} {'p99 s':>7} {'doubles':>7} {'window ms p50/p99':>18}"
    )
    for r in rows:
        print(
            f"{r['broker']:10} {r['database']:10} {r['noop_per_s']:9.0f} "
            f"{r['deliveries_per_s']:9.0f} {r['ratio']:6.2f} "
            f"{r['noop_cpu_ms']:4.1f} / {r['delivery_cpu_ms']:4.1f} {r['note_create_ms']:9.1f} "
            f"{r['latency_p50_s']:7.1f} {r['latency_p99_s']:7.1f} {r['doubles']:7d} "
            f"{r['window_p50_ms']:8.2f} / {r['window_p99_ms']:6.2f}"
        )
    print("cpu ms: the worker's CPU (all its processes) per no-op / per delivery")
    print(
        f"(sweeper every {rows[0]['sweep_interval_s']:.0f} s; latency over "
        f"{rows[0]['latency_deliveries']} deliveries due across {args.spread:.0f} s)"
    )


if __name__ == "__main__":
    main()
