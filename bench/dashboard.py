"""The caseload page against caseload size, beside a trivial signed-in page in the same run.

    .venv/bin/python bench/dashboard.py                  # 50, 500 and 5,000 clients
    .venv/bin/python bench/dashboard.py --quick          # 20 and 200 clients, 20 signals each
    .venv/bin/python bench/dashboard.py --sizes 5000 --profile    # cProfile one caseload request
    .venv/bin/python bench/dashboard.py --analyze      # SQLite with ANALYZE statistics

Each size runs in its own process on a fresh database: a SQLite file in a temporary folder, or,
when DATABASE_URL points at PostgreSQL, a database named continuity_bench_dashboard on that
server, dropped and created again. The developer's database is never touched.

It seeds one therapist with N clients — each with ~S signals (old ones acknowledged, a few
recent ones not), ~20 check-ins over 40 days, a past and a future session, a moment for some,
~5 notes with deliveries (some failed) — and a colleague with a few clients of their own, so
scoping matters. Everything goes in with bulk_create: no service runs, no Celery task is queued.

Then, in process through Django's test client (signed in with force_login), it requests
`/caseload/`, `/caseload/?status=attention`, the client page if a URL named `client_detail`
exists, and a trivial page (the base template with an empty content block, behind
login_required): one warm-up, then the median of R rounds, the pages taken in turn each round.
Queries are counted on one more request, outside the timed ones. Timings are not asserted.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import gc
import io
import json
import os
import pstats
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import types
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import fresh_postgres  # noqa: E402

PG_NAME = "continuity_bench_dashboard"
URLCONF = "bench_dashboard_urls"
COLLEAGUE_CLIENTS = 25
CHUNK = 250  # clients seeded per transaction: bounds memory at 5,000 x 100 signals
BATCH = 2000  # rows per INSERT (SQLite lowers it to its variable limit)
SIGNAL_SPAN_DAYS = 365
CHECK_INS, CHECK_IN_SPAN_DAYS = 20, 40
NOTES = 5

# (kind, severity, weight): mostly quiet signals, a few that are urgent.
KINDS = [
    ("check_in", "info", 46),
    ("reaction", "info", 34),
    ("questionnaire", "info", 10),
    ("deterioration", "attention", 4),
    ("hard_time", "urgent", 3),
    ("phq9_item9", "urgent", 2),
    ("risk_language", "urgent", 1),
]
LINES = ["Slept badly again.", "Better week.", "Work is a lot.", "Saw my sister.", ""]
NOTE_BODIES = ["Thinking of you before Thursday.", "Hope the interview went well.", "Hi."]
ZONES = ["America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"]


def child(size: int, per_client: int, repeats: int, profile: bool, analyze: bool) -> dict:
    folder = Path(tempfile.mkdtemp(prefix="bench-dashboard-"))
    try:
        base_db = os.environ.get("DATABASE_URL", "")
        if base_db.startswith("postgres"):
            db_url = fresh_postgres(base_db, PG_NAME)
        else:
            db_url = f"sqlite:///{folder / 'bench.sqlite3'}"
        os.environ.update(
            DEBUG="false",  # as in production: no query log kept per connection
            CONTINUITY_ENV="development",
            DATABASE_URL=db_url,
            BROKER_DIR=str(folder / "broker"),
            EMAIL_FILE_PATH=str(folder / "outbox"),
            DJANGO_SETTINGS_MODULE="continuity.settings",
        )
        os.environ.pop("REDIS_URL", None)  # nothing here may reach a running broker
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        out = _seed(size, per_client, random.Random(size), analyze)  # noqa: S311 - not secrets
        out.update(_measure(out.pop("therapist"), out.pop("detail_pk"), repeats, profile))
        out["database"] = "postgresql" if db_url.startswith("postgres") else "sqlite"
        return out
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# --- Seeding -------------------------------------------------------------------------------


def _seed(size: int, per_client: int, rng: random.Random, analyze: bool) -> dict:
    from django.db import connection, transaction
    from django.utils import timezone

    from clients.models import Appointment, CheckIn, Client, Moment, Signal
    from continuity.models import Practice, Therapist
    from notes.models import Delivery, Note

    started = time.perf_counter()
    now = timezone.now()
    practice = Practice.objects.create(name="Bench practice", short_name="Bench")
    therapist = Therapist(email="bench@example.com", display_name="Bench", practice=practice)
    colleague = Therapist(email="colleague@example.com", display_name="Other", practice=practice)
    for person in (therapist, colleague):
        person.set_unusable_password()  # force_login needs none; Argon2 would cost 0.2 s
        person.save()

    seconds: dict[str, float] = defaultdict(float)
    rows: dict[str, int] = defaultdict(int)

    def bulk(model, objs: list) -> list:
        start = time.perf_counter()
        made = model.objects.bulk_create(objs, batch_size=BATCH)
        seconds[model.__name__] += time.perf_counter() - start
        rows[model.__name__] += len(made)
        return made

    for owner, count in ((therapist, size), (colleague, COLLEAGUE_CLIENTS)):
        for first in range(0, count, CHUNK):
            with transaction.atomic():
                clients = bulk(
                    Client,
                    [
                        _client(Client, owner, n, now, rng)
                        for n in range(first, min(count, first + CHUNK))
                    ],
                )
                signals = [s for c in clients for s in _signals(Signal, c, per_client, now, rng)]
                bulk(Signal, signals)
                bulk(CheckIn, [x for c in clients for x in _check_ins(CheckIn, c, now, rng)])
                bulk(Appointment, [a for c in clients for a in _sessions(Appointment, c, now, rng)])
                moments = [_moment(Moment, c, now, rng) for c in clients if rng.random() < 0.3]
                bulk(Moment, moments)
                notes = bulk(Note, [n for c in clients for n in _notes(Note, c, now, rng)])
                bulk(Delivery, [d for n in notes for d in _deliveries(Delivery, n, rng)])
    if connection.vendor == "postgresql":
        # What autovacuum would have done by the time a caseload is this size.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    elif analyze:
        # Nothing in the application runs ANALYZE on SQLite; without its statistics the
        # planner picks plans by rule of thumb. --analyze shows what statistics change.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    encrypted = _check_encrypted()
    detail = Client.objects.filter(primary_therapist=therapist, status=Client.Status.ACTIVE)
    return {
        "clients": size,
        "signals": Signal.objects.filter(client__primary_therapist=therapist).count(),
        "seed_s": time.perf_counter() - started,
        "insert_s": dict(seconds),
        "rows": dict(rows),
        "encrypt_us": encrypted,
        "therapist": therapist,
        "detail_pk": detail.order_by("id").values_list("pk", flat=True).first(),
    }


def _client(Client, owner, n: int, now: dt.datetime, rng: random.Random):
    email = rng.random() < 0.5
    return Client(
        practice_id=owner.practice_id,
        primary_therapist=owner,
        preferred_name=f"Client {owner.pk}-{n:05d}",
        time_zone=rng.choice(ZONES),
        status=rng.choices(["active", "paused", "discharged"], [90, 5, 5])[0],
        contact_cadence_days=rng.choice([7, 7, 14, 14, 28]),
        email=f"c{owner.pk}-{n}@example.com",
        preferred_channel="email" if email else "in_app",
        created_at=now - dt.timedelta(days=rng.uniform(60, 700)),
    )


def _signals(Signal, client, per_client: int, now: dt.datetime, rng: random.Random) -> list:
    count = rng.randint(int(per_client * 0.8), int(per_client * 1.2))
    span = SIGNAL_SPAN_DAYS * 86400
    times = sorted(now - dt.timedelta(seconds=rng.uniform(0, span)) for _ in range(count))
    # The newest few wait for the therapist; older ones were seen (a rare one slipped by).
    waiting = rng.choice((0, 0, 1, 2, 3, 4, 6))
    kinds = rng.choices(KINDS, [w for *_, w in KINDS], k=count)
    out = []
    for i, (at, (kind, severity, _)) in enumerate(zip(times, kinds, strict=True)):
        signal = Signal(client=client, kind=kind, severity=severity, created_at=at)
        if kind == "reaction":
            signal.reaction = rng.choice(("received", "thank_you", "helped"))
        if severity == "urgent":
            signal.alerted_at = at
        if i < count - waiting and rng.random() > 0.002:
            signal.acknowledged_at = min(now, at + dt.timedelta(hours=rng.uniform(1, 72)))
            signal.acknowledged_by_id = client.primary_therapist_id
        out.append(signal)
    return out


def _check_ins(CheckIn, client, now: dt.datetime, rng: random.Random) -> list:
    usual = rng.randint(4, 8)
    dropping = rng.random() < 0.1  # the last few well below their usual
    out = []
    for i in range(CHECK_INS):
        days = CHECK_IN_SPAN_DAYS * (CHECK_INS - i) / CHECK_INS - rng.uniform(0, 1.5)
        mood = usual + rng.randint(-1, 1) - (3 if dropping and i >= CHECK_INS - 3 else 0)
        out.append(
            CheckIn(
                client=client,
                mood=max(0, min(10, mood)),
                text=rng.choice(LINES) if rng.random() < 0.3 else "",
                created_at=now - dt.timedelta(days=max(days, 0.01)),
            )
        )
    return out


def _sessions(Appointment, client, now: dt.datetime, rng: random.Random) -> list:
    def at(days: float, status: str):
        starts = now + dt.timedelta(days=days)
        return Appointment(
            client=client, therapist_id=client.primary_therapist_id, starts_at=starts, status=status
        )

    out = [at(-rng.uniform(1, 30), "attended")]
    if rng.random() < 0.2:
        out.append(at(-rng.uniform(30, 60), "missed"))
    if client.status == "active":
        out.append(at(rng.uniform(0.2, 14), "scheduled"))
    return out


def _moment(Moment, client, now: dt.datetime, rng: random.Random):
    return Moment(
        client=client,
        date=(now + dt.timedelta(days=rng.randint(-5, 30))).date(),
        label=rng.choice(("job interview", "moving day", "court date")),
        created_by_id=client.primary_therapist_id,
    )


def _notes(Note, client, now: dt.datetime, rng: random.Random) -> list:
    return [
        Note(
            therapist_id=client.primary_therapist_id,
            client=client,
            body=rng.choice(NOTE_BODIES),
            created_at=now - dt.timedelta(days=rng.uniform(0.1, 60)),
        )
        for _ in range(NOTES)
    ]


def _deliveries(Delivery, note, rng: random.Random) -> list:
    channels = ["in_app"] + (["email"] if note.client.preferred_channel == "email" else [])
    out = []
    for channel in channels:
        at = note.created_at
        d = Delivery(note=note, channel=channel, due_at=at, created_at=at, queued_at=at)
        if rng.random() < 0.06:
            d.state, d.attempts, d.failed_at = "failed", 6, at + dt.timedelta(minutes=40)
            d.reason = d.last_error = "The recipient's server refused the message"
        else:
            d.state, d.attempts, d.sent_at = "sent", 1, at + dt.timedelta(seconds=2)
            if rng.random() < 0.5:
                d.state, d.delivered_at = "read", at + dt.timedelta(minutes=5)
                d.read_at = at + dt.timedelta(hours=3)
        out.append(d)
    return out


def _check_encrypted() -> float:
    """Proves bulk_create went through get_prep_value: the stored columns are Fernet tokens
    and the ORM reads the plaintext back. Returns one encryption's cost in microseconds."""
    from django.db import connection

    from clients.models import CheckIn, Moment
    from continuity import crypto
    from notes.models import Note

    for model, name, plain in (
        (CheckIn, "text", LINES),
        (Moment, "label", None),
        (Note, "body", NOTE_BODIES),
    ):
        column = connection.ops.quote_name(model._meta.get_field(name).column)
        table = connection.ops.quote_name(model._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {column} FROM {table} LIMIT 1")  # noqa: S608 - names only
            stored = cursor.fetchone()[0]
        read = model.objects.values_list(name, flat=True)[:1].get()
        if not stored.startswith("gAAAAA") or (plain and read not in plain):
            raise SystemExit(f"{model.__name__}.{name} was not encrypted by bulk_create")
    start = time.perf_counter()
    for _ in range(2000):
        crypto.encrypt("Thinking of you before Thursday.")
    return (time.perf_counter() - start) / 2000 * 1e6


# --- Measuring -----------------------------------------------------------------------------


def _install_urlconf() -> None:
    """The project's URLs plus a trivial signed-in page: the same middleware, session and user
    lookups and base template as the caseload, with nothing in the content block."""
    from django.contrib.auth.decorators import login_required
    from django.shortcuts import render
    from django.urls import include, path

    def trivial(request):
        return render(request, "continuity/base.html")

    module = types.ModuleType(URLCONF)
    module.urlpatterns = [
        path("bench/trivial/", login_required(trivial), name="bench_trivial"),
        path("", include("continuity.urls")),
    ]
    sys.modules[URLCONF] = module


def _measure(therapist, detail_pk: int | None, repeats: int, profile: bool) -> dict:
    from django.db import connection
    from django.test import Client as TestClient
    from django.test.utils import CaptureQueriesContext, override_settings
    from django.urls import NoReverseMatch, reverse

    _install_urlconf()
    out: dict = {"notes": []}
    with override_settings(ROOT_URLCONF=URLCONF):
        browser = TestClient()
        browser.force_login(therapist)
        pages = {
            "trivial": reverse("bench_trivial"),
            "caseload": reverse("caseload"),
            "attention": reverse("caseload") + "?status=attention",
        }
        try:
            pages["detail"] = reverse("client_detail", kwargs={"pk": detail_pk})
        except NoReverseMatch:
            out["notes"].append("client page: no URL named client_detail (yet); not measured")
        for name, url in list(pages.items()):
            try:
                response = browser.get(url)  # warm-up: templates, prepared statements
                if response.status_code != 200:
                    raise RuntimeError(f"answered {response.status_code}")
            except Exception as exc:
                if name != "detail":
                    raise
                out["notes"].append(f"client page {url}: {type(exc).__name__}: {exc}; skipped")
                del pages[name]
                continue
            with CaptureQueriesContext(connection) as queries:
                response = browser.get(url)
            out[f"{name}_queries"] = len(queries)
            out[f"{name}_kb"] = len(response.content) / 1024
        gc.collect()
        times: dict[str, list[float]] = defaultdict(list)
        for _ in range(repeats):
            for name, url in pages.items():
                start = time.perf_counter()
                browser.get(url)
                times[name].append(time.perf_counter() - start)
        for name, taken in times.items():
            out[f"{name}_ms"] = statistics.median(taken) * 1000
        # Other work on this machine slows every page alike; the 1-minute load tells of it.
        out["load"] = os.getloadavg()[0]
        if profile:
            out["profile"] = _profile(lambda: browser.get(pages["caseload"]))
    return out


def _profile(request) -> str:
    profiler = cProfile.Profile()
    profiler.runcall(request)
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text)
    # The project's own code, SQL execution and template rendering; then the hottest functions.
    stats.sort_stats("cumulative").print_stats(r"/(continuity|clients|notes)/|execute|render", 30)
    stats.sort_stats("tottime").print_stats(15)
    return text.getvalue()


# --- Driver --------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="50,500,5000", help="clients of the therapist")
    parser.add_argument("--signals", type=int, default=100, help="signals per client (about)")
    parser.add_argument("--repeats", type=int, default=5, help="timed requests per page")
    parser.add_argument("--quick", action="store_true", help="sizes 20,200 with 20 signals")
    parser.add_argument("--profile", action="store_true", help="cProfile one caseload request")
    parser.add_argument("--analyze", action="store_true", help="run ANALYZE on SQLite first")
    parser.add_argument("--run", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.quick:
        args.sizes, args.signals = "20,200", 20
    if args.run:
        print(json.dumps(child(args.run, args.signals, args.repeats, args.profile, args.analyze)))
        return
    rows = []
    for size in (int(s) for s in args.sizes.split(",")):
        cmd = [sys.executable, __file__, "--run", str(size), "--signals", str(args.signals)]
        cmd += ["--repeats", str(args.repeats)]
        cmd += [f"--{flag}" for flag in ("profile", "analyze") if getattr(args, flag)]
        done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=False)  # noqa: S603
        if done.returncode != 0:
            print(done.stderr[-4000:], file=sys.stderr)
            raise SystemExit(f"{size} clients: run failed")
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
    _report(rows, args)


def _report(rows: list[dict], args: argparse.Namespace) -> None:
    detail = all("detail_ms" in r for r in rows)
    database = rows[0]["database"]
    if database == "sqlite":
        database += " with ANALYZE" if args.analyze else " (no ANALYZE, as the app runs it)"
    print(f"database: {database}; median of {args.repeats} requests per page")
    print(
        f"{'clients':>7} {'signals':>9} {'seed s':>7} {'caseload ms':>11} {'attention ms':>12} "
        f"{'queries':>8} {'trivial ms':>10} {'ratio':>6} {'ms/client':>9} {'KB':>6} {'load':>4}"
        + (f" {'detail ms':>9} {'q':>3}" if detail else "")
    )
    for r in rows:
        per_client = (r["caseload_ms"] - r["trivial_ms"]) / r["clients"]
        queries = f"{r['caseload_queries']}/{r['attention_queries']}/{r['trivial_queries']}"
        print(
            f"{r['clients']:7,d} {r['signals']:9,d} {r['seed_s']:7.1f} {r['caseload_ms']:11.1f} "
            f"{r['attention_ms']:12.1f} {queries:>8} {r['trivial_ms']:10.2f} "
            f"{r['caseload_ms'] / r['trivial_ms']:6.1f} {per_client:9.3f} "
            f"{r['caseload_kb']:6.0f} {r['load']:4.1f}"
            + (f" {r['detail_ms']:9.1f} {r['detail_queries']:3d}" if detail else "")
        )
    print("queries: caseload / attention filter / trivial page, session and user included")
    print("ratio: caseload / trivial; ms/client: (caseload - trivial) / clients; KB: caseload page")
    print("load: this machine's 1-minute load average when the timings ended (2 cores)")
    if detail:
        print("detail: the client page of one active client; q: its queries")
    for r in rows:
        spent = ", ".join(
            f"{m} {s:.1f} s ({s / r['rows'][m] * 1e6:.0f} us/row)"
            for m, s in sorted(r["insert_s"].items(), key=lambda kv: -kv[1])
        )
        cost = f"one encryption {r['encrypt_us']:.0f} us"
        print(f"seed {r['clients']:,}: bulk_create {spent}; {cost}")
    for note in dict.fromkeys(n for r in rows for n in r["notes"]):
        print(note)
    for r in rows:
        if "profile" in r:
            print(f"\n--- cProfile of one /caseload/ request, {r['clients']:,} clients ---")
            print(r["profile"])


if __name__ == "__main__":
    main()
