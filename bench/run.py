"""National night benchmark (issue 10): real HTTP API + PostgreSQL + Redis + Celery workers, against the limit.

    .venv/bin/python bench/run.py --records 50000          # make bench-quick
    .venv/bin/python bench/run.py --records 1200000        # make bench

What it does, in one run, everything on 127.0.0.1 and bounded in time (--timeout):
1. generates the data set if needed (bench/generate.py, deterministic), (re)creates the dedicated database
   (DATABASE_URL, default tdba_bench; its name must contain "bench" since it is dropped), empties the
   dedicated Redis DB (REDIS_URL, default DB 7), migrates, imports the référentiel and creates the keys;
2. starts gunicorn (--web-workers, gthread, keep-alive) and a Celery worker (--concurrency), pushes every batch
   file through POST /api/v3/dossiers-apprenants with --clients concurrent keep-alive clients, waits until the
   queue is drained, checks the counts (queue → effectifs with statuses);
3. measures the limit in the same run: json.loads of the same bodies, COPY of the same rows into bare tables
   (psycopg 3 cursor.copy), raw parse + insert of one 2000-record body;
4. dashboards (effectifs/selectors.py, when present) against a bare SQL aggregate; Excel preview of 2000 rows;
5. prints a table and writes bench/results/latest.json. Processes are stopped even on Ctrl-C or errors.
"""

import argparse
import contextlib
import http.client
import json
import os
import queue
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import urlparse

import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import generate_files  # noqa: E402

RESULTS = ROOT / "bench" / "results"
LOGS = RESULTS / "logs"
BIN = Path(sys.executable).parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/tdba_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/7"
TARGET_E2E_RATE = 5000
TARGET_E2E_COPY_RATIO = 4
TARGET_POST_RATIO = 3
TARGET_DASHBOARD_RATIO = 2
TARGET_OFA_MS = 100
T0 = time.monotonic()


class Deadline(Exception):
    pass


def log(message: str) -> None:
    print(f"[{time.monotonic() - T0:7.1f} s] {message}", flush=True)


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    k = (len(values) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


# --------------------------------------------------------------------------- processes


class Processes:
    """Children started in their own session, so that stopping one also stops its own children."""

    def __init__(self):
        self.children: list[tuple[str, subprocess.Popen, object]] = []

    def start(self, name: str, args: list[str], env: dict) -> subprocess.Popen:
        LOGS.mkdir(parents=True, exist_ok=True)
        out = open(LOGS / f"{name}.log", "wb")  # noqa: SIM115 - closed in stop_all
        process = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.children.append((name, process, out))
        return process

    def check_alive(self) -> None:
        for name, process, _ in self.children:
            if process.poll() is not None:
                raise RuntimeError(f"{name} s'est arrêté (code {process.returncode}), voir {LOGS / (name + '.log')}")

    def stop_all(self) -> None:
        for _name, process, _ in self.children:
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        limit = time.monotonic() + 15
        for _name, process, out in self.children:
            try:
                process.wait(timeout=max(0.1, limit - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)
            out.close()
        self.children.clear()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --------------------------------------------------------------------------- database


def check_local(database_url: str, redis_url: str) -> None:
    db, redis = urlparse(database_url), urlparse(redis_url)
    for url in (db, redis):
        if url.hostname not in ("127.0.0.1", "localhost"):
            raise SystemExit(f"Refusé : {url.geturl()} n'est pas local (127.0.0.1 seulement).")
    if "bench" not in db.path:
        raise SystemExit(f"Refusé : la base {db.path[1:]!r} sera supprimée ; son nom doit contenir « bench ».")
    if redis.path in ("", "/", "/0"):
        raise SystemExit("Refusé : utilisez une base Redis dédiée (ex. redis://127.0.0.1:6379/7).")


def pg_connect(database_url: str, dbname: str | None = None):
    import psycopg

    url = urlparse(database_url)
    return psycopg.connect(
        host=url.hostname,
        port=url.port or 5432,
        user=url.username or "postgres",
        password=url.password,
        dbname=dbname or url.path[1:],
        autocommit=dbname is not None,
    )


def recreate_database(database_url: str) -> None:
    name = urlparse(database_url).path[1:]
    with pg_connect(database_url, dbname="postgres") as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(database_url: str) -> None:
    name = urlparse(database_url).path[1:]
    with pg_connect(database_url, dbname="postgres") as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def set_autovacuum(database_url: str, on: bool | None) -> bool:
    """Switch the server's autovacuum (None: back to its configuration files); return whether it was on.

    Production keeps PostgreSQL's default, autovacuum on: it refreshes the planner's statistics while a night's
    tables grow and clears the dead index entries of the processed queue items. Development servers may run
    without it (this one sets `autovacuum = off`); the bench then turns it on for its run, as production has it,
    and gives the server back its setting at the end (ALTER SYSTEM RESET).
    """
    with pg_connect(database_url, dbname="postgres") as conn:
        was_on = conn.execute("SHOW autovacuum").fetchone()[0] == "on"
        if on is None:
            conn.execute("ALTER SYSTEM RESET autovacuum")
        elif on != was_on:
            conn.execute(f"ALTER SYSTEM SET autovacuum = {'on' if on else 'off'}")
        conn.execute("SELECT pg_reload_conf()")
    return was_on


# The server settings that weigh on a night's writes (docs/exploitation.md, "Réglages de PostgreSQL").
SERVER_SETTINGS = (
    "shared_buffers",
    "max_wal_size",
    "wal_compression",
    "checkpoint_timeout",
    "synchronous_commit",
    "autovacuum",
    "random_page_cost",
)


def server_settings(database_url: str) -> dict:
    with pg_connect(database_url, dbname="postgres") as conn:
        return {name: conn.execute(f"SHOW {name}").fetchone()[0] for name in SERVER_SETTINGS}


def flush_redis(redis_url: str) -> None:
    import redis

    redis.Redis.from_url(redis_url).flushdb()


# --------------------------------------------------------------------------- where the CPU goes

CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
CPU_GROUPS = ("web", "worker", "postgres", "bench", "other")
# The postgres group, split: the sessions (the API's and the workers', including those recycled during the measure,
# collected by the postmaster when they end), the autovacuum workers (sampled while they run: they end too), and the
# server's own processes (WAL writer, checkpointer, background writer…).
POSTGRES_PARTS = ("postgres_sessions", "postgres_autovacuum", "postgres_server")


def _processes():
    """(pid, comm, cmdline, utime + stime, cutime + cstime) in seconds, for every process (Linux /proc)."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        comm = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        utime, stime, cutime, cstime = (int(v) for v in fields[11:15])
        yield int(entry.name), comm, cmdline, (utime + stime) / CLOCK_TICKS, (cutime + cstime) / CLOCK_TICKS


class AutovacuumWatch(threading.Thread):
    """Samples the autovacuum workers' CPU twice a second: they end during the night, and their CPU then only shows
    in the postmaster's total of ended children, mixed with recycled sessions."""

    def __init__(self):
        super().__init__(daemon=True)
        self.seen: dict[int, tuple[float, float]] = {}  # pid → (CPU when first seen, CPU last seen)
        self.stopped = threading.Event()

    def sample(self, *, first: bool = False) -> None:
        for pid, _comm, cmdline, seconds, _ in _processes():
            if cmdline.startswith(b"postgres: ") and b"autovacuum worker" in cmdline:
                start = self.seen.get(pid, (seconds if first else 0.0, 0.0))[0]
                self.seen[pid] = (start, seconds)

    def run(self) -> None:
        while not self.stopped.wait(0.5):
            self.sample()

    def seconds(self) -> float:
        return sum(last - start for start, last in self.seen.values())

    def begin(self) -> "AutovacuumWatch":
        self.sample(first=True)  # a worker already running counts from now
        self.start()
        return self

    def end(self) -> None:
        self.stopped.set()
        self.join(timeout=5)
        self.sample()

    def __enter__(self):
        return self.begin()

    def __exit__(self, *exc):
        self.end()


def cpu_snapshot() -> dict[str, float]:
    """Cumulative CPU seconds (user + system) of every process on the machine, by component.

    postgres: its processes, plus what the postmaster collected from ended ones; web: gunicorn; worker: Celery;
    bench: this script (its HTTP clients); other: the rest of the machine. Empty without /proc.
    """
    totals = dict.fromkeys((*CPU_GROUPS, "postgres_server"), 0.0)
    for pid, comm, cmdline, seconds, children in _processes():
        if pid == os.getpid():
            group = "bench"
        elif comm == "postgres" or comm.startswith("postgres"):
            group = "postgres"
            if b"-D" in cmdline:  # the postmaster: plus its ended children
                totals["postgres_server"] += seconds
                seconds += children
            elif b"(" not in cmdline and b"autovacuum worker" not in cmdline:  # not a session: "user db host(port)"
                totals["postgres_server"] += seconds
        elif b"gunicorn" in cmdline:
            group = "web"
        elif b"celery" in cmdline:
            group = "worker"
        else:
            group = "other"
        totals[group] += seconds
    return totals


def cpu_usage(before: dict, after: dict, *, seconds: float, records: int, autovacuum: float = 0.0) -> dict:
    """CPU used between two snapshots: core-seconds and microseconds per record by component, and the idle share."""
    used = {group: max(0.0, after[group] - before[group]) for group in (*CPU_GROUPS, "postgres_server")}
    used["postgres_autovacuum"] = autovacuum
    used["postgres_sessions"] = max(0.0, used["postgres"] - autovacuum - used["postgres_server"])
    capacity = seconds * (os.cpu_count() or 1)
    return {
        "core_seconds": used,
        "us_per_record": {group: value / records * 1e6 for group, value in used.items()},
        "idle_share": max(0.0, 1 - sum(used[g] for g in CPU_GROUPS) / capacity) if capacity else None,
    }


# --------------------------------------------------------------------------- HTTP push


def http_ok(port: int, key: str) -> bool:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request("POST", "/api/v3/dossiers-apprenants/test", body=b"", headers={"Authorization": f"Bearer {key}"})
        response = conn.getresponse()
        response.read()
        conn.close()
        return response.status == 200
    except OSError:
        return False


def push(port: int, batches: list[dict], keys: dict, directory: Path, clients: int, deadline: float) -> dict:
    """Every batch file through POST /api/v3/dossiers-apprenants, `clients` keep-alive connections in parallel."""
    todo: queue.Queue = queue.Queue()
    for batch in batches:
        todo.put(batch)
    results: list[tuple[float, float, int, int]] = []
    failures: list[str] = []
    lock = threading.Lock()

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        while time.monotonic() < deadline:
            try:
                batch = todo.get_nowait()
            except queue.Empty:
                break
            body = (directory / "batches" / batch["file"]).read_bytes()
            key = keys[f"{batch['uai']}/{batch['siret']}"]
            headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
            for attempt in range(3):
                started = time.perf_counter()
                try:
                    conn.request("POST", "/api/v3/dossiers-apprenants", body=body, headers=headers)
                    response = conn.getresponse()
                    answer = response.read()
                except (OSError, http.client.HTTPException) as exc:
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
                    if attempt == 2:
                        with lock:
                            failures.append(f"{batch['file']}: {exc!r}")
                    continue
                elapsed = time.perf_counter() - started
                with lock:
                    if response.status != 200:
                        failures.append(f"{batch['file']}: HTTP {response.status} {answer[:200]!r}")
                    else:
                        results.append((started, elapsed, batch["records"], len(answer)))
                break
        conn.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max(1, deadline - time.monotonic()))
    elapsed = time.perf_counter() - started
    if not todo.empty() or any(t.is_alive() for t in threads):
        raise Deadline("délai dépassé pendant l'envoi des lots")
    full = [r[1] for r in results if r[2] == 2000]
    per_thousand = [r[1] / r[2] * 1000 * 1000 for r in results if r[2] >= 200]  # ms per 1000 records
    return {
        "seconds": elapsed,
        "posts": len(results),
        "records": sum(r[2] for r in results),
        "failures": failures,
        "post_2000_count": len(full),
        "post_2000_median_ms": statistics.median(full) * 1000 if full else None,
        "post_2000_p95_ms": percentile(full, 0.95) * 1000 if full else None,
        "post_all_median_ms": statistics.median(r[1] for r in results) * 1000 if results else None,
        "post_all_p95_ms": percentile([r[1] for r in results], 0.95) * 1000 if results else None,
        "post_ms_per_1000_median": statistics.median(per_thousand) if per_thousand else None,
        "response_bytes": sum(r[3] for r in results),
    }


def isolated_posts(port, batches, keys, directory, conn, processes, deadline, count: int = 11) -> dict:
    """2000-record POSTs one at a time, the queue drained before each: the answer time without concurrent load.

    Each POST is paired with the limit measured on the same body right after it, once the worker has drained the
    queue (parse + COPY into a bare table, as in limit_measures): this machine's speed drifts by up to 2 × within
    minutes (docs/performance.md §2), and a pair is timed within a second. Nor does a POST start while an
    autovacuum worker runs: after a national night, PostgreSQL vacuums the million-row tables for a minute or more,
    on one of the two cores, and the receipt's pipelining (validation beside the server's COPY) needs both.
    """
    full = [b for b in batches if b["records"] == 2000][:count]
    as_json = bare_queue_create(conn)
    times, limits = [], []
    autovacuum_wait, under_autovacuum = 0.0, 0
    for batch in full:
        wait_drained(conn, processes, deadline, [])
        conn.commit()
        waited, quiet = wait_autovacuum_idle(conn, deadline)
        autovacuum_wait += waited
        under_autovacuum += not quiet
        pushed = push(port, [batch], keys, directory, 1, deadline)
        times.append(pushed["post_2000_median_ms"])
        wait_drained(conn, processes, deadline, [])
        conn.commit()
        limits.append(raw_parse_copy(conn, (directory / "batches" / batch["file"]).read_bytes(), as_json) * 1000)
    conn.execute("DROP TABLE bench_bare_queue")
    conn.commit()
    return {
        "count": len(times),
        "median_ms": statistics.median(times) if times else None,
        "all_ms": times,
        "paired_limit_median_ms": statistics.median(limits) if limits else None,
        "paired_limit_all_ms": limits,
        "paired_ratio_median": statistics.median(t / lim for t, lim in zip(times, limits, strict=True))
        if times
        else None,
        "autovacuum_wait_seconds": autovacuum_wait,
        "posts_under_autovacuum": under_autovacuum,  # the wait reached its cap: reported, not hidden
    }


AUTOVACUUM_RUNNING = """SELECT count(*) FROM pg_stat_activity
                        WHERE backend_type = 'autovacuum worker' AND datname = current_database()"""


def wait_autovacuum_idle(conn, deadline: float, cap: float = 300.0) -> tuple[float, bool]:
    """Wait (up to `cap` seconds) until no autovacuum worker runs on the bench database.

    Returns the seconds waited and whether it is quiet (False: the cap or the deadline came first)."""
    begin = time.perf_counter()
    while True:
        running = conn.execute(AUTOVACUUM_RUNNING).fetchone()[0]
        conn.commit()
        if not running:
            return time.perf_counter() - begin, True
        if time.perf_counter() - begin >= cap or time.monotonic() >= deadline:
            return time.perf_counter() - begin, False
        time.sleep(0.5)


# Pending items, found through the open lots and the (lot, position) index: the queue has no index of pending items.
PENDING_COUNT = """SELECT count(*) FROM transmissions_queueitem q JOIN transmissions_lot l ON l.id = q.lot_id
                   WHERE l.processed_at IS NULL AND q.processed_at IS NULL"""


def wait_drained(conn, processes: Processes, deadline: float, samples: list) -> float:
    """Poll the queue until no item is pending; return the moment (perf_counter) it was seen empty.

    The poll is an EXISTS over the open lots (a small partial index): a lot is closed by the worker once none of its
    items is pending. Counting hundreds of thousands of pending rows five times a second would take PostgreSQL CPU
    from the workers being measured: a count every 10 s.
    """
    last_count = 0.0
    while True:
        pending = conn.execute("SELECT EXISTS (SELECT 1 FROM transmissions_lot WHERE processed_at IS NULL)").fetchone()[
            0
        ]
        conn.commit()
        now = time.perf_counter()
        if not pending:
            samples.append((now, 0))
            return now
        if now - last_count > 10:
            last_count = now
            count = conn.execute(PENDING_COUNT).fetchone()
            conn.commit()
            samples.append((now, count[0]))
        if time.monotonic() > deadline:
            raise Deadline(f"délai dépassé : {samples[-1][1]} dossiers encore en attente")
        processes.check_alive()
        time.sleep(0.2)


# --------------------------------------------------------------------------- the limit


def bare_queue_create(conn):
    """The bare queue of the limit: a logged table like the real one, without index nor constraint, its payload of the
    queue's own column type (json since session 4, jsonb before). Returns psycopg's adapter for that type."""
    from psycopg.types.json import Json, Jsonb

    conn.execute("DROP TABLE IF EXISTS bench_bare_queue")
    payload_type = conn.execute(
        "SELECT format_type(atttypid, atttypmod) FROM pg_attribute"
        " WHERE attrelid = 'transmissions_queueitem'::regclass AND attname = 'payload'"
    ).fetchone()[0]
    conn.execute(f"CREATE TABLE bench_bare_queue (lot integer, position integer, payload {payload_type})")
    conn.commit()
    return Jsonb if payload_type == "jsonb" else Json


def raw_parse_copy(conn, body: bytes, as_json) -> float:
    """The limit of one POST: parse its body, COPY its rows into the bare queue, commit. Seconds."""
    begin = time.perf_counter()
    records = json.loads(body)
    with conn.cursor() as cursor, cursor.copy("COPY bench_bare_queue (lot, position, payload) FROM STDIN") as copy:
        for pos, rec in enumerate(records):
            copy.write_row((0, pos, as_json(rec)))
    conn.commit()
    return time.perf_counter() - begin


def limit_measures(conn, directory: Path, batches: list[dict]) -> dict:
    """json.loads of every body, COPY of the same rows into bare tables, raw parse + insert of 2000-record bodies."""
    bodies = [(b, (directory / "batches" / b["file"]).read_bytes()) for b in batches]
    started = time.perf_counter()
    parsed = [json.loads(body) for _, body in bodies]
    parse_seconds = time.perf_counter() - started

    as_json = bare_queue_create(conn)
    conn.execute("DROP TABLE IF EXISTS bench_bare_effectifs, bench_bare_periodes")
    conn.execute("CREATE TABLE bench_bare_effectifs (LIKE effectifs_effectif INCLUDING DEFAULTS)")
    conn.execute("CREATE TABLE bench_bare_periodes (LIKE effectifs_effectifstatutperiode INCLUDING DEFAULTS)")
    conn.commit()

    def copy_rows(sql: str, rows) -> float:
        begin = time.perf_counter()
        with conn.cursor() as cursor, cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
        conn.commit()
        return time.perf_counter() - begin

    queue_rows = [(lot, pos, as_json(rec)) for lot, records in enumerate(parsed) for pos, rec in enumerate(records)]
    copy_queue = copy_rows("COPY bench_bare_queue (lot, position, payload) FROM STDIN", queue_rows)

    def dump(table: str) -> bytes:
        data = bytearray()
        with conn.cursor() as cursor, cursor.copy(f"COPY {table} TO STDOUT") as copy:
            for block in copy:
                data += block
        return bytes(data)

    def load(table: str, data: bytes) -> float:
        begin = time.perf_counter()
        with conn.cursor() as cursor, cursor.copy(f"COPY {table} FROM STDIN") as copy:
            for start in range(0, len(data), 1 << 20):
                copy.write(data[start : start + (1 << 20)])
        conn.commit()
        return time.perf_counter() - begin

    copy_effectifs = load("bench_bare_effectifs", dump("effectifs_effectif"))
    copy_periodes = load("bench_bare_periodes", dump("effectifs_effectifstatutperiode"))

    # One 2000-record POST at the limit: parse its body, COPY its rows (in its own transaction).
    raw = [raw_parse_copy(conn, body, as_json) for batch, body in bodies if batch["records"] == 2000]
    parse_2000 = [_timed(json.loads, body) for batch, body in bodies if batch["records"] == 2000]
    # The API reads the usual batch with orjson since session 5 (transmissions/api/views.py): shown beside the
    # standard library's parse, which the limit keeps (its definition since session 1).
    orjson_2000 = [_timed(orjson.loads, body) for batch, body in bodies if batch["records"] == 2000]
    conn.execute("DROP TABLE bench_bare_queue, bench_bare_effectifs, bench_bare_periodes")
    conn.commit()
    return {
        "json_parse_seconds": parse_seconds,
        "copy_queue_seconds": copy_queue,
        "copy_effectifs_seconds": copy_effectifs,
        "copy_periodes_seconds": copy_periodes,
        "copy_total_seconds": copy_queue + copy_effectifs + copy_periodes,
        "raw_parse_insert_2000_median_ms": statistics.median(raw) * 1000 if raw else None,
        "json_parse_2000_median_ms": statistics.median(parse_2000) * 1000 if parse_2000 else None,
        "orjson_parse_2000_median_ms": statistics.median(orjson_2000) * 1000 if orjson_2000 else None,
    }


def _timed(function, *args) -> float:
    begin = time.perf_counter()
    function(*args)
    return time.perf_counter() - begin


# --------------------------------------------------------------------------- Django-side measures


def django_setup(env: dict) -> None:
    os.environ.update(env)
    import django

    django.setup()


def dashboards(repeat: int, *, vacuum: bool = True) -> dict:
    """National, région, OFA indicators and a Mes effectifs page (selectors) against a bare SQL aggregate.

    Measured the morning after the night: with `vacuum`, the tables read are first vacuumed and analysed as
    autovacuum would have done after so many inserts (it may be off on a shared development server: then
    the planner has no statistics at all and picks nested loops everywhere, and index-only scans still read
    the rows).

    The bare aggregate counts the periods covering the date over the same perimeter (all, the région, the
    organisme and its formateurs) with a single join and no other condition: a lower bound, since the
    indicators also keep the indicator school years and fiable organismes only. A second reference,
    `same_filters_sql_ms`, adds those two conditions (same rows as the selector). The selector and its
    references are called in turn at each repetition, so that a busy shared machine slows them alike.
    """
    try:
        from effectifs import selectors
    except ImportError:
        return {"todo": "TODO: effectifs/selectors.py absent — tableaux de bord non mesurés"}
    needed = ("indicateurs_effectifs", "FiltresIndicateurs", "effectifs_liste", "FiltresEffectifs")
    missing = [name for name in needed if not hasattr(selectors, name)]
    if missing:
        return {"todo": f"TODO: sélecteurs absents ({', '.join(missing)}) — tableaux de bord non mesurés"}
    from django.db import connection
    from django.db.models import Count

    from effectifs.models import Effectif
    from effectifs.statuts import annees_scolaires_for_indicators
    from organismes.models import AccountStatus, OrganisationType, Organisme, User
    from organismes.services import organisation_get_or_create

    def user_for(kind, **target) -> User:
        organisation = organisation_get_or_create(type=kind, **target)
        email = f"bench-{kind.lower()}-{len(target)}@bench.invalid"
        user, _ = User.objects.get_or_create(
            email=email,
            defaults={
                "organisation": organisation,
                "prenom": "Bench",
                "nom": kind,
                "account_status": AccountStatus.CONFIRMED,
            },
        )
        return user.pk

    def fresh(pk: int) -> User:
        # As a request does: the user is loaded again and its permissions computed again (no cached ACL).
        return User.objects.select_related("organisation").get(pk=pk)

    def medians_ms(*functions) -> tuple[list[float], list]:
        """Median time of each function, called in turn `repeat` times after one warm-up call (kept)."""
        answers = [function() for function in functions]
        times = [[] for _ in functions]
        for _ in range(repeat):
            for function, spent in zip(functions, times, strict=True):
                spent.append(_timed(function))
        return [statistics.median(spent) * 1000 for spent in times], answers

    biggest = (
        Effectif.objects.values("organisme_id").annotate(n=Count("pk")).order_by("-n").values_list("organisme_id", "n")
    )[:1]
    if not biggest:
        return {"todo": "aucun effectif"}
    organisme_id, size = biggest[0]
    organisme = Organisme.objects.get(pk=organisme_id)
    today = date(2026, 3, 15)
    filtres = selectors.FiltresIndicateurs(date=today, today=today)
    national = user_for(OrganisationType.OPERATEUR_PUBLIC_NATIONAL)
    region = user_for(OrganisationType.DREETS, region=organisme.region)
    ofa = user_for(OrganisationType.ORGANISME_FORMATION, organisme=organisme)

    def bare(sql: str, *params):
        def run():
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                return dict(cursor.fetchall())

        return run

    periodes_at = "p.debut <= %s AND (p.fin IS NULL OR p.fin > %s)"
    family = "(SELECT %s UNION SELECT r.formateur_id FROM organismes_organismerelation r WHERE r.responsable_id = %s)"
    scopes = {
        "national": ("", "TRUE", ()),
        "region": ("JOIN organismes_organisme o ON o.id = e.organisme_id", "o.region_id = %s", (organisme.region_id,)),
        "ofa": ("", f"e.organisme_id IN {family}", (organisme.pk, organisme.pk)),
    }
    same_filters = (
        "e.annee_scolaire = ANY(%s) AND e.organisme_id IN (SELECT f.id FROM organismes_organisme f "
        "WHERE f.fiabilisation_statut = 'FIABLE' AND NOT f.ferme)"
    )
    annees = annees_scolaires_for_indicators(today)
    references = {}
    for name, (join, where, params) in scopes.items():
        # Constant fragments only, values as parameters.
        base = (
            "SELECT p.statut, count(*) FROM effectifs_effectifstatutperiode p "  # noqa: S608
            f"JOIN effectifs_effectif e ON e.id = p.effectif_id {join} WHERE {where} AND {periodes_at}"
        )
        # The OFA indicators count every organisme of the family, fiable or not (selectors.indicateurs).
        filters = same_filters if name != "ofa" else "e.annee_scolaire = ANY(%s)"
        references[name] = (
            bare(f"{base} GROUP BY p.statut", *params, today, today),
            bare(f"{base} AND {filters} GROUP BY p.statut", *params, today, today, annees),
        )
    out = {"ofa_effectifs": size}
    if vacuum:
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(
                "VACUUM (ANALYZE) effectifs_effectif, effectifs_effectifstatutperiode, organismes_organisme, "
                "organismes_organismerelation"
            )
        out["vacuum_analyze_seconds"] = time.perf_counter() - started
    selectors_of = {
        "national": lambda: selectors.indicateurs_effectifs(user=fresh(national), filtres=filtres),
        "region": lambda: selectors.indicateurs_effectifs(user=fresh(region), filtres=filtres),
        "ofa": lambda: selectors.indicateurs_effectifs(user=fresh(ofa), filtres=filtres, organisme=organisme),
    }
    for name, selector in selectors_of.items():
        reference, same = references[name]
        try:
            (selector_ms, bare_ms, same_ms), (answer, counted, counted_same) = medians_ms(selector, reference, same)
            out[name] = {"selector_ms": selector_ms, "bare_sql_ms": bare_ms, "ratio": selector_ms / bare_ms}
            out[name]["same_filters_sql_ms"] = same_ms
            # Sanity: what each side counted (the selector keeps fiable organismes / school years: may be lower).
            out[name]["selector_apprenants"] = answer.get("apprenants")
            out[name]["bare_sql_rows"] = sum(counted.values())
            same_apprenants = sum(v for k, v in counted_same.items() if k != "ABANDON")
            out[name]["same_filters_agree"] = same_apprenants == answer.get("apprenants")
        except Exception as exc:  # a selector being written by a colleague may not work yet
            out[name] = {"error": repr(exc)[:300]}
    try:
        liste_filtres = selectors.FiltresEffectifs()

        def mes_effectifs():
            return list(
                selectors.effectifs_liste(user=fresh(ofa), organisme=organisme, filtres=liste_filtres, today=today)[:50]
            )

        out["mes_effectifs_page"] = {"selector_ms": medians_ms(mes_effectifs)[0][0]}
    except Exception as exc:
        out["mes_effectifs_page"] = {"error": repr(exc)[:300]}
    return out


def excel_measure() -> dict:
    from transmissions import excel

    headers = list(excel.TEMPLATE_HEADERS)
    example = [c.example for c in excel.COLUMNS]
    rows = [list(example) for _ in range(2000)]
    id_index = next((i for i, c in enumerate(excel.COLUMNS) if c.key == excel.ID_KEY), None)
    if id_index is not None:
        for i, row in enumerate(rows):
            row[id_index] = f"ID-{i:05d}"
    content = excel.xlsx_bytes(headers, rows, sheet_name="Modèle", text_columns=set())
    times = []
    for _ in range(3):
        begin = time.perf_counter()
        excel.parse_file(filename="bench.xlsx", content=content)
        times.append(time.perf_counter() - begin)
    parsed = excel.parse_file(filename="bench.xlsx", content=content)
    return {"rows": len(parsed.rows), "bytes": len(content), "parse_file_median_ms": statistics.median(times) * 1000}


# --------------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--clients", type=int, default=4, help="concurrent HTTP clients")
    parser.add_argument("--web-workers", type=int, default=2, help="gunicorn worker processes (2 threads each)")
    parser.add_argument("--concurrency", type=int, default=2, help="Celery worker processes")
    parser.add_argument("--timeout", type=int, default=900, help="seconds before giving up (whole run)")
    parser.add_argument("--repeat", type=int, default=9, help="repetitions of each dashboard measure")
    parser.add_argument("--keep-db", action="store_true", help="keep the bench database at the end")
    parser.add_argument("--nights", type=int, default=2, help="1: one night of inserts; 2: then the same night again")
    args = parser.parse_args()

    database_url = os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL)
    redis_url = os.environ.get("REDIS_URL", DEFAULT_REDIS_URL)
    check_local(database_url, redis_url)
    autovacuum_was_on = set_autovacuum(database_url, True)
    deadline = time.monotonic() + args.timeout
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "DJANGO_SETTINGS_MODULE": "tdba.settings.production",
        "DJANGO_SECRET_KEY": "bench-only-secret-key-not-for-production",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }

    def on_term(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    processes = Processes()
    result: dict = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "records": args.records,
        "seed": args.seed,
        "clients": args.clients,
        "web_workers": args.web_workers,
        "celery_concurrency": args.concurrency,
        "cpus": os.cpu_count(),
        "autovacuum_turned_on_for_the_run": not autovacuum_was_on,
        "postgresql": server_settings(database_url),
    }
    try:
        log(f"données : {args.records} dossiers (graine {args.seed})")
        directory = generate_files(records=args.records, seed=args.seed)
        manifest = json.loads((directory / "manifest.json").read_text())
        result["dataset"] = {k: v for k, v in manifest.items() if k != "batches"} | {"files": len(manifest["batches"])}

        log(f"base dédiée {urlparse(database_url).path[1:]} recréée, Redis {redis_url} vidé, migrations")
        recreate_database(database_url)
        flush_redis(redis_url)
        subprocess.run(
            [str(BIN / "python"), "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True
        )
        log("référentiel (referentiel_import) et clés d'échange (erp_key_generate)")
        loaded = subprocess.run(
            [
                str(BIN / "python"),
                "bench/generate.py",
                "load",
                "--records",
                str(args.records),
                "--seed",
                str(args.seed),
            ],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        result["load"] = json.loads(loaded.stdout.strip().splitlines()[-1])
        keys = json.loads((directory / "keys.json").read_text())

        port = free_port()
        processes.start(
            "gunicorn",
            [
                str(BIN / "gunicorn"),
                "tdba.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(args.web_workers),
                "--worker-class",
                "gthread",
                "--threads",
                "2",
                "--keep-alive",
                "30",
                "--timeout",
                "120",
                "--log-level",
                "warning",
            ],
            env,
        )
        processes.start(
            "celery",
            [
                str(BIN / "celery"),
                "-A",
                "tdba",
                "worker",
                f"--concurrency={args.concurrency}",
                "--loglevel=WARNING",
                "--without-gossip",
                "--without-mingle",
                "--hostname",
                f"bench-{os.getpid()}@127.0.0.1",
            ],
            env,
        )
        some_key = next(iter(keys.values()))
        while not http_ok(port, some_key):
            processes.check_alive()
            if time.monotonic() > deadline:
                raise Deadline("gunicorn ne répond pas")
            time.sleep(0.3)
        log(f"gunicorn (127.0.0.1:{port}, {args.web_workers}×2 fils) et Celery ({args.concurrency}) prêts")

        conn = pg_connect(database_url)
        log(f"envoi de {len(manifest['batches'])} lots par {args.clients} clients…")
        samples: list = []
        cpu_before = cpu_snapshot()
        autovacuum = AutovacuumWatch().begin()
        started = time.perf_counter()
        pushed = push(port, manifest["batches"], keys, directory, args.clients, deadline)
        pushed_at = time.perf_counter()
        pending_after_push = conn.execute(PENDING_COUNT).fetchone()[0]
        conn.commit()
        log(f"envoyés en {pushed['seconds']:.1f} s ; {pending_after_push} en attente, attente de la file…")
        drained_at = wait_drained(conn, processes, deadline, samples)
        conn.commit()
        e2e = drained_at - started
        autovacuum.end()
        cpu = cpu_usage(
            cpu_before, cpu_snapshot(), seconds=e2e, records=pushed["records"], autovacuum=autovacuum.seconds()
        )
        counts = conn.execute(
            """SELECT (SELECT count(*) FROM transmissions_queueitem),
                      (SELECT count(*) FROM transmissions_queueitem WHERE has_error),
                      (SELECT count(*) FROM effectifs_effectif),
                      (SELECT count(*) FROM effectifs_effectif WHERE statut_courant <> ''),
                      (SELECT count(*) FROM effectifs_effectifstatutperiode)"""
        ).fetchone()
        conn.commit()
        expected_effectifs = args.records - manifest["invalid"] - manifest["unknown"]
        result["ingestion"] = {
            **pushed,
            "accepted_records_per_s": pushed["records"] / pushed["seconds"],
            "pending_after_push": pending_after_push,
            "drain_after_push_seconds": drained_at - pushed_at,
            "end_to_end_seconds": e2e,
            "end_to_end_records_per_s": pushed["records"] / e2e,
            "queue_items": counts[0],
            "queue_errors": counts[1],
            "effectifs": counts[2],
            "effectifs_with_status": counts[3],
            "periodes": counts[4],
            "expected_effectifs": expected_effectifs,
            "counts_ok": counts[0] == args.records and counts[2] == expected_effectifs and counts[3] == counts[2],
            "cpu": cpu,
        }
        if args.nights >= 2:
            # The real steady state: ERPs send every learner again each night, so the next night is all updates.
            log("nuit suivante : les mêmes lots renvoyés (mises à jour)…")
            cpu_before = cpu_snapshot()
            with AutovacuumWatch() as autovacuum:
                started = time.perf_counter()
                again = push(port, manifest["batches"], keys, directory, args.clients, deadline)
                drained_at = wait_drained(conn, processes, deadline, samples)
            cpu = cpu_usage(
                cpu_before,
                cpu_snapshot(),
                seconds=drained_at - started,
                records=again["records"],
                autovacuum=autovacuum.seconds(),
            )
            effectifs = conn.execute("SELECT count(*) FROM effectifs_effectif").fetchone()[0]
            conn.commit()
            result["next_night"] = {
                **again,
                "accepted_records_per_s": again["records"] / again["seconds"],
                "end_to_end_seconds": drained_at - started,
                "end_to_end_records_per_s": again["records"] / (drained_at - started),
                "effectifs": effectifs,
                "counts_ok": effectifs == expected_effectifs,
                "cpu": cpu,
            }
        log("POST de 2000 dossiers seuls (un client, file vidée et autovacuum fini avant chacun)")
        result["isolated_post"] = isolated_posts(port, manifest["batches"], keys, directory, conn, processes, deadline)
        processes.stop_all()
        log("mesures de la limite : json.loads, COPY")
        limit = limit_measures(conn, directory, manifest["batches"])
        conn.close()
        result["limit"] = limit

        django_setup(env)
        log("tableaux de bord (sélecteurs) et Excel")
        try:
            result["dashboards"] = dashboards(args.repeat)
        except Exception as exc:
            result["dashboards"] = {"error": repr(exc)[:300]}
        result["excel"] = excel_measure()
    except KeyboardInterrupt:
        log("interrompu")
        result["interrupted"] = True
        return 130
    except Deadline as exc:
        log(f"ÉCHEC : {exc}")
        result["error"] = str(exc)
        return 2
    finally:
        processes.stop_all()
        if not autovacuum_was_on:
            set_autovacuum(database_url, None)
        if "ingestion" in result:
            result["ratios"] = ratios(result)
            RESULTS.mkdir(parents=True, exist_ok=True)
            (RESULTS / "latest.json").write_text(json.dumps(result, indent=1, default=str))
            report(result)
        if not args.keep_db:
            with contextlib.suppress(Exception):
                from django.db import connections

                connections.close_all()
            with contextlib.suppress(Exception):
                drop_database(database_url)
    return 0 if result.get("ingestion", {}).get("counts_ok") else 1


def ratios(result: dict) -> dict:
    ing, limit = result["ingestion"], result.get("limit", {})
    out = {"end_to_end_records_per_s": (ing["end_to_end_records_per_s"], TARGET_E2E_RATE, ">=")}
    if limit.get("copy_total_seconds"):
        out["end_to_end_vs_copy"] = (
            ing["end_to_end_seconds"] / limit["copy_total_seconds"],
            TARGET_E2E_COPY_RATIO,
            "<=",
        )
    if limit.get("raw_parse_insert_2000_median_ms") and ing.get("post_2000_median_ms"):
        out["post_2000_vs_parse_insert"] = (
            ing["post_2000_median_ms"] / limit["raw_parse_insert_2000_median_ms"],
            TARGET_POST_RATIO,
            "<=",
        )
    isolated = result.get("isolated_post", {})
    if limit.get("raw_parse_insert_2000_median_ms") and isolated.get("median_ms"):
        out["post_2000_alone_vs_parse_insert"] = (
            isolated["median_ms"] / limit["raw_parse_insert_2000_median_ms"],
            TARGET_POST_RATIO,
            "<=",
        )
    if isolated.get("paired_ratio_median"):
        out["post_2000_alone_vs_paired_limit"] = (isolated["paired_ratio_median"], TARGET_POST_RATIO, "<=")
    following = result.get("next_night", {})
    if following:
        out["next_night_end_to_end_records_per_s"] = (following["end_to_end_records_per_s"], TARGET_E2E_RATE, ">=")
        if limit.get("copy_total_seconds"):
            out["next_night_end_to_end_vs_copy"] = (
                following["end_to_end_seconds"] / limit["copy_total_seconds"],
                TARGET_E2E_COPY_RATIO,
                "<=",
            )
    for name in ("national", "region", "ofa"):
        measure = result.get("dashboards", {}).get(name, {})
        if "ratio" in measure:
            out[f"dashboard_{name}_vs_sql"] = (measure["ratio"], TARGET_DASHBOARD_RATIO, "<=")
    ofa = result.get("dashboards", {}).get("ofa", {})
    if "selector_ms" in ofa:
        out["ofa_ms"] = (ofa["selector_ms"], TARGET_OFA_MS, "<=")
    return {
        k: {"value": v, "target": t, "ok": v >= t if op == ">=" else v <= t, "op": op} for k, (v, t, op) in out.items()
    }


def report(result: dict) -> None:
    ing, limit = result["ingestion"], result.get("limit", {})

    def fmt(value, unit=""):
        if value is None:
            return "—"
        if isinstance(value, float):
            return f"{value:,.1f}{unit}".replace(",", " ")
        return f"{value:,}{unit}".replace(",", " ")

    lines = [
        ("Dossiers envoyés", fmt(ing["records"]), f"{ing['posts']} POST, {len(ing['failures'])} échec(s)"),
        ("Acceptés (HTTP)", fmt(ing["accepted_records_per_s"], " /s"), f"en {ing['seconds']:.1f} s"),
        (
            "Bout en bout (file → effectifs)",
            fmt(ing["end_to_end_records_per_s"], " /s"),
            f"en {ing['end_to_end_seconds']:.1f} s (file vidée {ing['drain_after_push_seconds']:.1f} s après l'envoi)",
        ),
        (
            "POST 2000 : médiane / p95",
            f"{fmt(ing['post_2000_median_ms'], ' ms')} / {fmt(ing['post_2000_p95_ms'], ' ms')}",
            f"{ing['post_2000_count']} POST de 2000",
        ),
        ("POST (tous) : ms / 1000 dossiers", fmt(ing["post_ms_per_1000_median"], " ms"), "médiane"),
    ]
    following = result.get("next_night")
    if following:
        lines += [
            ("Nuit suivante : acceptés (HTTP)", fmt(following["accepted_records_per_s"], " /s"), "mêmes lots renvoyés"),
            (
                "Nuit suivante : bout en bout",
                fmt(following["end_to_end_records_per_s"], " /s"),
                f"en {following['end_to_end_seconds']:.1f} s, {following['effectifs']} effectifs"
                + ("" if following["counts_ok"] else "  ← INCOHÉRENT"),
            ),
            (
                "Nuit suivante : POST 2000 médiane / p95",
                f"{fmt(following['post_2000_median_ms'], ' ms')} / {fmt(following['post_2000_p95_ms'], ' ms')}",
                "",
            ),
        ]
    for label, night in (("Nuit", ing), ("Nuit suivante", following)):
        cpu = (night or {}).get("cpu")
        if cpu:
            lines.append(
                (
                    f"{label} : CPU µs / dossier",
                    fmt(sum(cpu["us_per_record"][g] for g in CPU_GROUPS), " µs"),
                    ", ".join(f"{g} {cpu['us_per_record'][g]:.0f}" for g in CPU_GROUPS)
                    + f" ; inactif {cpu['idle_share']:.0%}",
                )
            )
            lines.append(
                (
                    f"{label} : CPU de PostgreSQL",
                    fmt(cpu["us_per_record"]["postgres"], " µs"),
                    (
                        "séances (API, workers) {:.0f}, autovacuum {:.0f}, serveur (journal, points de contrôle) {:.0f}"
                    ).format(*(cpu["us_per_record"].get(g, 0) for g in POSTGRES_PARTS)),
                )
            )
    isolated = result.get("isolated_post", {})
    if isolated.get("median_ms"):
        waited, under = isolated.get("autovacuum_wait_seconds") or 0, isolated.get("posts_under_autovacuum") or 0
        lines.append(
            (
                "POST 2000 seul (médiane)",
                fmt(isolated["median_ms"], " ms"),
                f"{isolated['count']} POST"
                + (f", après {waited:.0f} s d'attente de l'autovacuum" if waited >= 1 else "")
                + (f", dont {under} pendant un autovacuum (attente plafonnée)" if under else ""),
            )
        )
    if isolated.get("paired_limit_median_ms"):
        lines.append(
            (
                "Limite mesurée juste après chaque POST seul",
                fmt(isolated["paired_limit_median_ms"], " ms"),
                f"médiane ; rapport par paire (médiane) × {isolated['paired_ratio_median']:.2f}",
            )
        )
    lines += [
        (
            "Effectifs / avec statut / périodes",
            f"{ing['effectifs']} / {ing['effectifs_with_status']} / {ing['periodes']}",
            f"attendu {ing['expected_effectifs']} effectifs, {ing['queue_errors']} dossiers en erreur"
            + ("" if ing["counts_ok"] else "  ← INCOHÉRENT"),
        ),
        ("json.loads de toute la nuit", fmt(limit.get("json_parse_seconds"), " s"), ""),
        (
            "COPY file / effectifs / périodes",
            " / ".join(
                fmt(limit.get(k), " s")
                for k in ("copy_queue_seconds", "copy_effectifs_seconds", "copy_periodes_seconds")
            ),
            f"total {fmt(limit.get('copy_total_seconds'), ' s')}",
        ),
        (
            "Limite d'un POST 2000 (parse + COPY)",
            fmt(limit.get("raw_parse_insert_2000_median_ms"), " ms"),
            f"médiane ; lecture json {fmt(limit.get('json_parse_2000_median_ms'), ' ms')},"
            f" orjson {fmt(limit.get('orjson_parse_2000_median_ms'), ' ms')}",
        ),
    ]
    dash = result.get("dashboards", {})
    if "todo" in dash:
        lines.append(("Tableaux de bord", dash["todo"], ""))
    for name, label in (("national", "national"), ("region", "région"), ("ofa", "OFA")):
        m = dash.get(name)
        if m and "selector_ms" in m:
            lines.append(
                (
                    f"Indicateurs {label} (sélecteur / SQL nu)",
                    f"{fmt(m['selector_ms'], ' ms')} / {fmt(m['bare_sql_ms'], ' ms')}",
                    f"× {m['ratio']:.2f} ({m['selector_apprenants']} apprenants / {m['bare_sql_rows']} périodes)",
                )
            )
        elif m:
            lines.append((f"Indicateurs {label}", "erreur", m.get("error", "")[:80]))
    if "mes_effectifs_page" in dash:
        m = dash["mes_effectifs_page"]
        lines.append(("Mes effectifs (50 premières lignes)", fmt(m.get("selector_ms"), " ms"), m.get("error", "")[:80]))
    if "excel" in result:
        lines.append(("Excel parse_file 2000 lignes", fmt(result["excel"]["parse_file_median_ms"], " ms"), "médiane"))
    width = max(len(a) for a, _, _ in lines)
    print()
    print(
        f"TDBA — banc national : {result['records']} dossiers, {result['cpus']} CPU, "
        f"{result['web_workers']} gunicorn × 2 fils, Celery {result['celery_concurrency']}, {result['clients']} clients"
    )
    print("-" * 100)
    settings = result.get("postgresql", {})
    if settings:
        print("PostgreSQL : " + ", ".join(f"{name} = {value}" for name, value in settings.items()))
    for label, value, note in lines:
        print(f"{label:<{width}}  {value:>22}  {note}")
    print("-" * 100)
    for name, r in result.get("ratios", {}).items():
        verdict = "OK" if r["ok"] else "NON ATTEINTE"
        print(f"{name:<{width}}  {r['value']:>22,.2f}  cible {r['op']} {r['target']}  {verdict}")
    if ing["failures"]:
        print("Échecs :", *ing["failures"][:5], sep="\n  ")
    print(f"\nRésultats : {RESULTS / 'latest.json'}")


if __name__ == "__main__":
    sys.exit(main())
