"""Harness of the fault tests (issue 11): a Redis server of the test's own, real Celery workers, the real API.

The machine's Redis (127.0.0.1:6379) is shared by other tests and people: it is never restarted. Each test starts
its own `redis-server` on a free port, without persistence (`--save "" --appendonly no`), so that a restart loses
everything it held, as a crashed production Redis without AOF would. The Celery app and the cache of the test
process are pointed at it (in production one REDIS_URL gives both), and so are the worker subprocesses (through
REDIS_URL); the worker harness is the one of tests/transmissions/test_worker_process.py.
"""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client

from erp_keys.services import erp_key_generate
from tdba.celery import app as celery_app
from tests.factories import OrganismeFactory
from tests.transmissions.conftest import FORMATEUR, RESPONSABLE
from tests.transmissions.test_worker_process import Worker, _database_url

REDIS_SERVER = "/usr/bin/redis-server"
START_TIMEOUT = 20  # seconds; a bound on the wait for a process to come up, not a speed check


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """A `redis-server` of our own, on 127.0.0.1 and a free port; `kill` loses everything it held."""

    def __init__(self, directory: Path):
        self.directory, self.port, self.process = directory, _free_port(), None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        command += ["--dir", str(self.directory), "--logfile", str(self.directory / "redis.log")]
        self.process = subprocess.Popen(  # noqa: S603 (our own command line)
            command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True
        )
        client = redis.Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=1)
        deadline = time.monotonic() + START_TIMEOUT
        try:
            while True:
                if self.process.poll() is not None:
                    pytest.fail(f"redis-server exited ({self.process.returncode}):\n{self.log()}")
                with contextlib.suppress(redis.exceptions.ConnectionError):
                    if client.ping():
                        return
                if time.monotonic() >= deadline:
                    pytest.fail(f"redis-server did not answer on port {self.port} within {START_TIMEOUT} s")
                time.sleep(0.05)
        finally:
            client.close()

    def kill(self) -> None:
        """SIGKILL: queued and unacknowledged messages are gone (nothing is saved)."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def log(self) -> str:
        path = self.directory / "redis.log"
        return path.read_text(errors="replace")[-2000:] if path.exists() else ""


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.kill()


def _point_celery_at(url: str, transport_options: dict) -> None:
    """Switch the test process's Celery app to another broker: drop its connection and producer pools.

    The old pools are dropped, not closed: an object created meanwhile may still hold them (a closed pool makes its
    next acquire raise "Acquire on closed pool" in a later test); their few sockets go with the garbage collector.
    """
    celery_app._pool = None
    celery_app.__dict__.pop("amqp", None)  # holds the producer pool (and the router)
    celery_app.conf.broker_url = url
    celery_app.conf.broker_transport_options = transport_options


@pytest.fixture
def broker(redis_server, settings):
    """The test process sends its tasks to our Redis, and its cache (rate limits) lives there, as in production."""
    saved = celery_app.conf.broker_url, dict(celery_app.conf.broker_transport_options or {})
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_server.url}
    }
    _point_celery_at(redis_server.url, {})
    try:
        yield redis_server
    finally:
        _point_celery_at(*saved)


class NightWorker(Worker):
    """`celery -A tdba worker` on the test database and our Redis (default queue: nobody else reads this Redis)."""

    def __init__(self, log_path: Path, broker_url: str, concurrency: int):
        super().__init__("celery", log_path)
        self.broker_url, self.concurrency, self.starts = broker_url, concurrency, 0

    def start(self) -> None:
        self.starts += 1
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tdba.settings.test",
            "DATABASE_URL": _database_url(),
            "REDIS_URL": self.broker_url,
            "PYTHONUNBUFFERED": "1",
        }
        command = [sys.executable, "-m", "celery", "-A", "tdba", "worker", "-n", f"nuit-{self.starts}@%h"]
        command += ["--pool=prefork", f"--concurrency={self.concurrency}", "--loglevel=INFO"]
        command += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 (our own command line)
                command,
                env=env,
                cwd=django_settings.BASE_DIR,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )


@pytest.fixture
def night_worker(broker, tmp_path):
    """Concurrency 2 on PostgreSQL (SKIP LOCKED shares a lot between processes), 1 on SQLite."""
    worker = NightWorker(tmp_path / "worker.log", broker.url, 2 if connection.vendor == "postgresql" else 1)
    try:
        yield worker
    finally:
        worker.kill()


@pytest.fixture
def transmetteur(db):
    """The formateur 0802004U (under 0755805C) and its exchange key: one ERP pushes the whole night."""
    OrganismeFactory(**RESPONSABLE, region_id="11", departement_id="75", academie_id="01")
    formateur = OrganismeFactory(**FORMATEUR, region_id="84", departement_id="01", academie_id="10")
    return formateur, erp_key_generate(organisme=formateur)


@pytest.fixture
def http_client():
    """Like a real server: an exception in the view becomes the error response, it does not reach the test."""
    return Client(raise_request_exception=False)
