"""API throughput and latency under gunicorn, beside a trivial DRF endpoint in the same run.

    .venv/bin/python bench/api.py                      # SQLite file in a temporary folder
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/continuity .venv/bin/python bench/api.py
    .venv/bin/python bench/api.py --seconds 5 --rounds 1

The database is fresh: a SQLite file in a temporary folder, or, when DATABASE_URL points at
PostgreSQL, a database named continuity_bench_api on that server, dropped and created again.
The developer's database is never touched. The filesystem broker moves to the temporary folder
(a note's deliveries are published there; no worker runs) and no Redis is used, so throttle
counts live in each process's memory. The write throttle is raised for the run (120 writes a
minute would otherwise answer 429 within a second), but it is still consulted on every call.

It seeds one therapist with C clients (each consenting to email and the private page) and a
token, writes a settings module and a URLconf into the temporary folder — the project's URLs
plus ``GET /bench/ping/``, a DRF view answering {"ok": true} with the same authentication,
permissions and throttles as the API — and serves that with gunicorn on loopback (2 sync
workers, production settings otherwise: DEBUG off).

Load comes from T threads, each with its own http.client connection (kept alive where the
server allows: sync workers close it after each response, so each request reconnects on
loopback). For each round, each endpoint in turn gets S seconds: the ping, ``GET
/api/v1/clients/`` (a page of 50) and ``POST /api/v1/notes/`` ({client, body}, one of the
clients in turn). Reported: requests/s, p50 and p95 latency, and each endpoint's rate as a
share of the ping's, and the SQL statements one request runs (counted in process, untimed).
Timings are not asserted anywhere.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import fresh_postgres  # noqa: E402

PG_NAME = "continuity_bench_api"
SETTINGS = "bench_api_settings"
SETTINGS_SOURCE = """\
from continuity.settings import *  # noqa: F403

ROOT_URLCONF = "bench_api_urls"
"""
URLS_SOURCE = """\
from django.urls import include, path
from rest_framework.response import Response
from rest_framework.views import APIView


class Ping(APIView):
    # The project's defaults: token or session auth, IsPracticeMember, the write throttle.
    def get(self, request):
        return Response({"ok": True})


urlpatterns = [
    path("bench/ping/", Ping.as_view()),
    path("", include("continuity.urls")),
]
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=8.0, help="per endpoint per round")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--json", action="store_true", help="print the results as JSON too")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="bench-api-"))
    db_url = _database(folder)
    _environment(folder, db_url)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    token, client_ids = _seed(args.clients)
    notes_ok = _has_note_create()

    port = _free_port()
    server = _gunicorn(folder, port, args.workers)
    try:
        _wait_ready(port, token, folder)
        endpoints = [("ping", "GET", "/bench/ping/", None)]
        endpoints.append(("clients", "GET", "/api/v1/clients/?page_size=50", None))
        if notes_ok:
            endpoints.append(("notes", "POST", "/api/v1/notes/", client_ids))
        queries = _count_queries(token, endpoints)
        load_before = os.getloadavg()[0]
        results = _run(port, token, endpoints, args)
        load = (load_before, os.getloadavg()[0])
        for name, count in queries.items():
            results[name]["queries"] = count
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    database = "PostgreSQL" if db_url.startswith("postgres") else "SQLite"
    _report(results, database, args, notes_ok, load)
    if args.json:
        print(json.dumps({"database": database, "results": results}, indent=2))
    shutil.rmtree(folder, ignore_errors=True)  # kept, with gunicorn.log, when a run fails


# --- Set-up -------------------------------------------------------------------------------


def _database(folder: Path) -> str:
    base = os.environ.get("DATABASE_URL", "")
    if base.startswith("postgres"):
        return fresh_postgres(base, PG_NAME)
    return f"sqlite:///{folder / 'bench.sqlite3'}"


def _environment(folder: Path, db_url: str) -> None:
    """Everything gunicorn inherits too; set before django.setup()."""
    (folder / f"{SETTINGS}.py").write_text(SETTINGS_SOURCE)
    (folder / "bench_api_urls.py").write_text(URLS_SOURCE)
    sys.path.insert(0, str(folder))
    os.environ.pop("REDIS_URL", None)  # nothing here may reach a running broker
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": SETTINGS,
            "PYTHONPATH": os.pathsep.join([str(folder), str(ROOT)]),
            "DATABASE_URL": db_url,
            "DEBUG": "false",  # as in production: no query log kept per connection
            "CONTINUITY_ENV": "development",  # development secrets; nothing else differs
            "BROKER_DIR": str(folder / "broker"),
            "API_THROTTLE_WRITE": "1000000/minute",
        }
    )


def _seed(count: int) -> tuple[str, list[int]]:
    from django.utils import timezone
    from knox.models import AuthToken

    from clients import services as client_services
    from clients.models import Channel
    from continuity.models import Practice, Therapist

    practice = Practice.objects.create(name="Bench", short_name="Bench")
    therapist = Therapist.objects.create_user(
        "bench@example.com", "bench-password-1", display_name="Bench", practice=practice
    )
    ids = []
    for n in range(count):
        client = client_services.client_create(
            therapist=therapist,
            preferred_name=f"Client {n:04d}",
            email=f"c{n}@example.com",
            preferred_channel=Channel.EMAIL,
        )
        for channel in (Channel.EMAIL, Channel.IN_APP):
            # Recorded as given earlier: no welcome notes in the measurements.
            client_services.consent_grant(
                client=client, channel=channel, text_version="bench", at=timezone.now()
            )
        ids.append(client.pk)
    _, token = AuthToken.objects.create(user=therapist)
    return token, ids


def _has_note_create() -> bool:
    from django.urls import NoReverseMatch, resolve, reverse

    try:
        view = resolve(reverse("api-notes")).func
    except NoReverseMatch:
        return False
    cls = getattr(view, "view_class", None) or getattr(view, "cls", None)
    return hasattr(cls, "post")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _gunicorn(folder: Path, port: int, workers: int) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "continuity.wsgi:application",
        f"--bind=127.0.0.1:{port}",
        f"--workers={workers}",
        "--worker-class=sync",
        "--log-level=warning",
        "--backlog=256",
    ]
    log = (folder / "gunicorn.log").open("w")
    return subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603


def _wait_ready(port: int, token: str, folder: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            status, _ = _once(port, "GET", "/bench/ping/", token)
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer within 60 s: see {folder / 'gunicorn.log'}")


def _once(port: int, method: str, path: str, token: str, body: bytes | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=_headers(token))
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def _headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Token {token}", "Content-Type": "application/json"}


def _count_queries(token: str, endpoints: list) -> dict[str, int]:
    """SQL statements per request, counted in this process on one request each (untimed)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    browser = Client(HTTP_AUTHORIZATION=f"Token {token}")
    counts = {}
    for name, method, path, ids in endpoints:
        with CaptureQueriesContext(connection) as captured:
            if method == "POST":
                browser.post(path, _note_body(ids, 0), content_type="application/json")
            else:
                browser.get(path)
        counts[name] = len(captured)
    return counts


# --- Load -----------------------------------------------------------------------------------


def _run(port: int, token: str, endpoints: list, args: argparse.Namespace) -> dict:
    # Warm every worker and code path first.
    for _, method, path, ids in endpoints:
        for i in range(args.workers * 4):
            body = _note_body(ids, i) if ids else None
            _once(port, method, path, token, body)
    out: dict[str, dict] = {
        name: {"requests": 0, "seconds": 0.0, "latencies": [], "errors": {}}
        for name, *_ in endpoints
    }
    for _ in range(args.rounds):
        for name, method, path, ids in endpoints:
            done = _hammer(port, token, method, path, ids, args.threads, args.seconds)
            row = out[name]
            row["requests"] += len(done["latencies"])
            row["seconds"] += done["seconds"]
            row["latencies"].extend(done["latencies"])
            for status, n in done["errors"].items():
                row["errors"][status] = row["errors"].get(status, 0) + n
    results = {}
    for name, row in out.items():
        lat = sorted(row["latencies"])
        results[name] = {
            "requests": row["requests"],
            "rps": row["requests"] / row["seconds"],
            "p50_ms": statistics.median(lat) * 1000,
            "p95_ms": lat[int(len(lat) * 0.95)] * 1000,
            "errors": row["errors"],
        }
    return results


def _note_body(ids: list[int], n: int) -> bytes:
    return json.dumps({"client": ids[n % len(ids)], "body": "Thinking of you this week."}).encode()


def _hammer(port, token, method, path, ids, threads: int, seconds: float) -> dict:
    """T threads, each its own connection, as fast as answers come, for ``seconds``."""
    latencies: list[float] = []
    errors: dict[str, int] = {}
    lock = threading.Lock()
    start_gate = threading.Barrier(threads + 1)
    stop_at: list[float] = []

    def worker(index: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = _headers(token)
        mine: list[float] = []
        bad: dict[str, int] = {}
        n = index
        start_gate.wait()
        while time.perf_counter() < stop_at[0]:
            body = _note_body(ids, n) if ids else None
            n += threads
            t = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                bad[type(exc).__name__] = bad.get(type(exc).__name__, 0) + 1
                continue
            mine.append(time.perf_counter() - t)
            if status >= 300:
                bad[str(status)] = bad.get(str(status), 0) + 1
        conn.close()
        with lock:
            latencies.extend(mine)
            for key, count in bad.items():
                errors[key] = errors.get(key, 0) + count

    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for thread in pool:
        thread.start()
    began = time.perf_counter()
    stop_at.append(began + seconds)
    start_gate.wait()
    for thread in pool:
        thread.join()
    return {"latencies": latencies, "seconds": time.perf_counter() - began, "errors": errors}


# --- Report ---------------------------------------------------------------------------------


LABELS = {
    "ping": "GET /bench/ping/ (trivial DRF view)",
    "clients": "GET /api/v1/clients/ (page of 50 of {clients})",
    "notes": "POST /api/v1/notes/ ({{client, body}})",
}


def _report(
    results: dict, database: str, args: argparse.Namespace, notes_ok: bool, load: tuple
) -> None:
    ping = results["ping"]["rps"]
    print(
        f"\n{database}: gunicorn {args.workers} sync workers, {args.threads} client threads, "
        f"{args.rounds} x {args.seconds:g} s per endpoint; load average "
        f"{load[0]:.1f} before, {load[1]:.1f} after\n"
    )
    print("| endpoint | requests | req/s | ratio to ping | p50 ms | p95 ms | queries | non-2xx |")
    print("|---|---|---|---|---|---|---|---|")
    for name, row in results.items():
        label = LABELS[name].format(clients=args.clients)
        errors = ", ".join(f"{k}: {v}" for k, v in sorted(row["errors"].items())) or "0"
        print(
            f"| {label} | {row['requests']:,} | {row['rps']:,.0f} | {row['rps'] / ping:.2f} "
            f"| {row['p50_ms']:.1f} | {row['p95_ms']:.1f} | {row.get('queries', '?')} | {errors} |"
        )
    if not notes_ok:
        print("\nPOST /api/v1/notes/ is not in the URL conf yet: measured without it.")


if __name__ == "__main__":
    main()
