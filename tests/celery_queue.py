"""A Celery queue of a test's own: the transmissions tasks it queues go there, and only there.

A demo worker or another test run on the same broker never takes its messages; the worker a test starts reads it
(`-Q name`). Used through the `celery_queue` fixture (tests/conftest.py).
"""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from tdba.celery import app as celery_app


def purge(name: str) -> int:
    """Drop the messages of the queue; return how many there were."""
    with celery_app.connection_for_write() as conn:
        return conn.default_channel.queue_purge(name) or 0


@contextmanager
def private_queue(prefix: str = "tdba-test") -> Iterator[str]:
    name = f"{prefix}-{uuid.uuid4().hex[:12]}"
    saved = celery_app.conf.task_routes
    celery_app.conf.task_routes = {"transmissions.*": {"queue": name}}
    celery_app.__dict__.pop("amqp", None)  # the router is cached with the routes it was built from
    try:
        yield name
    finally:
        purge(name)
        celery_app.conf.task_routes = saved
        celery_app.__dict__.pop("amqp", None)
