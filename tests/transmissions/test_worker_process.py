"""The real pipeline with a real Celery worker process (issue 5: "nothing lost, nothing duplicated").

The API client posts through the real view, which queues `process_lot` after commit through the configured
broker (Redis when REDIS_URL is set, kombu's filesystem transport otherwise); a `celery -A tdba worker` subprocess
reads the test database and does the work. Each test uses its own queue name, so a demo worker or another test run
on the same broker never takes its messages.
"""

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import Count

from effectifs.models import Effectif
from tests.celery_queue import purge
from tests.transmissions.conftest import dossier
from transmissions.models import Lot, QueueItem
from transmissions.tasks import sweep_pending

# The worker must see committed rows; the flush between tests must not lose the migrations' reference data.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("reference_data")]

DRAIN_TIMEOUT = 60  # seconds; a run normally takes a few


def _database_url() -> str:
    """The URL of the database this test uses (pytest-django's test_<name> / test file), for the subprocess."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        name = str(db["NAME"])
        if name == ":memory:" or name.startswith("file:"):
            pytest.fail("the SQLite test database is in memory: set DATABASES['default']['TEST']['NAME']")
        return f"sqlite:///{Path(name).resolve()}"
    if connection.vendor == "postgresql":
        credentials = quote(db["USER"] or "", safe="")
        if db["PASSWORD"]:
            credentials += ":" + quote(db["PASSWORD"], safe="")
        host = db["HOST"] or "localhost"
        port = f":{db['PORT']}" if db["PORT"] else ""
        return f"postgres://{credentials}@{host}{port}/{quote(db['NAME'], safe='')}"
    pytest.fail(f"no worker test for {connection.vendor}: a worker subprocess cannot reach this database")


class Worker:
    """`celery -A tdba worker` on the test database and the test's queue; always killed at teardown."""

    def __init__(self, queue_name: str, log_path: Path):
        self.queue, self.log_path, self.process = queue_name, log_path, None

    def start(self, **extra_env: str) -> None:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tdba.settings.test",
            "DATABASE_URL": _database_url(),
            "PYTHONUNBUFFERED": "1",
            **extra_env,
        }
        command = [sys.executable, "-m", "celery", "-A", "tdba", "worker", "-Q", self.queue]
        command += ["-n", f"{self.queue}@%h", "--pool=prefork", "--concurrency=1", "--loglevel=INFO"]
        command += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(  # noqa: S603 (our own command line)
            command, env=env, cwd=settings.BASE_DIR, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Signal the whole process group (the worker and its pool children)."""
        if self.process is None or self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, sig)
        except ProcessLookupError:
            return
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:] if self.log_path.exists() else ""

    def assert_alive(self) -> None:
        assert self.process is not None and self.process.poll() is None, f"the worker died:\n{self.log()}"


@pytest.fixture
def worker(celery_queue, tmp_path):
    worker = Worker(celery_queue, tmp_path / "worker.log")
    try:
        yield worker
    finally:
        worker.kill()


def _wait_until_drained(worker: Worker, lots: list[int]) -> float:
    """Block until no item of `lots` is pending; return the seconds waited."""
    start = time.monotonic()
    while QueueItem.objects.filter(lot__in=lots, processed_at__isnull=True).exists():
        worker.assert_alive()
        if time.monotonic() - start > DRAIN_TIMEOUT:
            pending = QueueItem.objects.filter(lot__in=lots, processed_at__isnull=True).count()
            pytest.fail(f"{pending} dossiers still pending after {DRAIN_TIMEOUT} s; worker log:\n{worker.log()}")
        time.sleep(0.2)
    return time.monotonic() - start


def _batch(prefix: str, count: int) -> list[dict]:
    return [dossier(id_erp_apprenant=f"{prefix}-{n:04d}", nom_apprenant=f"Nom {prefix} {n}") for n in range(count)]


def _lot_of(response) -> int:
    assert response.status_code == 200, response.content
    first = response.json()["data"][0]["_id"]
    return QueueItem.objects.get(public_id=first).lot_id


def _assert_no_duplicate_effectif() -> None:
    doubles = (
        Effectif.objects.values("id_erp_apprenant", "organisme", "annee_scolaire")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    assert not doubles.exists(), list(doubles)


def test_a_real_worker_processes_what_the_api_accepted(api, api_key, client, fixture_couple, worker):
    formateur, _ = fixture_couple
    worker.start()
    invalid = dossier(id_erp_apprenant="W-INVALIDE", etablissement_formateur_uai="0802004")
    response = api(data=[*_batch("W", 40), invalid])
    lot = _lot_of(response)

    _wait_until_drained(worker, [lot])

    assert Effectif.objects.filter(organisme=formateur).count() == 40
    items = QueueItem.objects.filter(lot=lot)
    assert items.filter(has_error=False, effectif__isnull=False, attempts=1).count() == 40
    rejected = items.get(payload__id_erp_apprenant="W-INVALIDE")
    assert rejected.has_error and rejected.attempts == 0 and rejected.effectif is None  # never sent to the worker
    _assert_no_duplicate_effectif()
    state = client.get(
        f"/api/v3/dossiers-apprenants/{response.json()['data'][0]['_id']}", HTTP_AUTHORIZATION=f"Bearer {api_key}"
    ).json()
    assert state["etat"] == "traite" and state["effectif_id"]


def test_lost_message_and_double_delivery_lose_and_duplicate_nothing(api, fixture_couple, worker, celery_queue):
    """Accepted while no worker runs; one lot's message is lost, the other is delivered twice (sweep + original)."""
    formateur, _ = fixture_couple
    lost = _lot_of(api(data=_batch("A", 30)))
    # The message is in the real broker; drop it, as a worker killed while holding it would (the filesystem
    # transport has no redelivery, Redis only after its one-hour visibility timeout).
    assert purge(celery_queue) == 1
    # Lot B sends 10 of lot A's learners again, plus 20 new ones: the same learner must stay one effectif.
    kept = _lot_of(api(data=[*_batch("A", 10), *_batch("B", 20)]))
    # The sweep only re-queues what has waited more than two minutes.
    Lot.objects.filter(pk__in=[lost, kept]).update(
        received_at=Lot.objects.get(pk=lost).received_at - timedelta(minutes=5)
    )

    # What celery beat runs every minute, before any worker is up: both lots are re-queued, so lot B's message is
    # now in the broker twice. It runs here, in the test process, so that the process_lot messages it sends are
    # routed to this test's queue (from the worker they would go to the shared default queue).
    assert sweep_pending.apply().get() == 2
    worker.start()
    _wait_until_drained(worker, [lost, kept])

    items = QueueItem.objects.filter(lot__in=[lost, kept])
    assert items.count() == 60
    assert items.filter(has_error=False, effectif__isnull=False).count() == 60
    assert set(items.values_list("attempts", flat=True)) == {1}  # each dossier processed exactly once
    assert Effectif.objects.filter(organisme=formateur).count() == 50  # 30 from A + 20 new from B
    _assert_no_duplicate_effectif()


def test_worker_killed_mid_lot_loses_nothing(api, fixture_couple, worker, celery_queue):
    """SIGKILL the worker while it works through a big lot; a new worker and the sweep finish the job."""
    formateur, _ = fixture_couple
    lot = _lot_of(api(data=_batch("K", 2000)))
    worker.start()
    deadline = time.monotonic() + DRAIN_TIMEOUT
    while not QueueItem.objects.filter(lot=lot, processed_at__isnull=False).exists():
        worker.assert_alive()
        if time.monotonic() >= deadline:  # a bound on the wait, not a speed check
            pytest.fail(f"the worker processed nothing in {DRAIN_TIMEOUT} s:\n{worker.log()}")
        time.sleep(0.05)
    worker.kill(signal.SIGKILL)
    done_before = QueueItem.objects.filter(lot=lot, processed_at__isnull=False).count()
    purge(celery_queue)  # whatever the killed worker left in the broker: the sweep alone must recover the rest

    Lot.objects.filter(pk=lot).update(received_at=Lot.objects.get(pk=lot).received_at - timedelta(minutes=5))
    worker.start()
    assert sweep_pending.apply().get() == 1
    _wait_until_drained(worker, [lot])

    assert 0 < done_before < 2000  # killed mid-lot: chunks of 500 are committed one by one
    assert QueueItem.objects.filter(lot=lot, has_error=False, effectif__isnull=False).count() == 2000
    assert set(QueueItem.objects.filter(lot=lot).values_list("attempts", flat=True)) == {1}
    assert Effectif.objects.filter(organisme=formateur).count() == 2000
    _assert_no_duplicate_effectif()


def _worker_backends() -> list:
    """Start times of the other client sessions on the test database: the worker's (PostgreSQL)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT backend_start FROM pg_stat_activity
               WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'"""
        )
        return [row[0] for row in cursor.fetchall()]


def _clock():
    with connection.cursor() as cursor:
        cursor.execute("SELECT clock_timestamp()")
        return cursor.fetchone()[0]


@pytest.mark.postgresql
def test_the_worker_keeps_its_database_session_from_one_lot_to_the_next(api, fixture_couple, worker):
    """Celery's Django fix-up would open a new session for every task (performance, docs/performance.md)."""
    worker.start(TDBA_TEST_CONN_MAX_AGE="600")
    _wait_until_drained(worker, [_lot_of(api(data=_batch("S1", 5)))])
    between = _clock()
    _wait_until_drained(worker, [_lot_of(api(data=_batch(f"S{n}", 5))) for n in (2, 3)])

    assert any(started < between for started in _worker_backends()), "the worker reconnected for each lot"
    assert Effectif.objects.count() == 15


@pytest.mark.postgresql
def test_a_worker_session_killed_between_lots_is_replaced_without_losing_the_next_lot(api, fixture_couple, worker):
    worker.start(TDBA_TEST_CONN_MAX_AGE="600")
    _wait_until_drained(worker, [_lot_of(api(data=_batch("T1", 5)))])
    with connection.cursor() as cursor:  # a PostgreSQL restart or a network cut, as the worker sees it
        cursor.execute(
            """SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
               WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'"""
        )
        assert cursor.fetchone()[0] >= 1
    lot = _lot_of(api(data=_batch("T2", 5)))

    _wait_until_drained(worker, [lot])  # processed by the task itself: the sweep would wait two minutes

    items = QueueItem.objects.filter(lot=lot)
    assert items.filter(has_error=False, effectif__isnull=False, attempts=1, error="").count() == 5
    worker.assert_alive()
