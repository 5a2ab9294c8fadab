"""Celery application: workers validate and upsert what /api/v3 and the Excel import queued."""

import os

from celery import Celery
from celery.signals import setup_logging, task_postrun, task_prerun, worker_process_init

from tdba.logging import keep_django_logging

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tdba.settings.dev")

app = Celery("tdba")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Workers and beat keep settings.LOGGING and its personal-data filter (tdba/logging.py) instead of Celery's handlers.
setup_logging.connect(keep_django_logging, weak=False, dispatch_uid="tdba.logging.keep_django_logging")


@worker_process_init.connect
def _tune_worker_process(**kwargs) -> None:
    from tdba.runtime import tune_gc

    tune_gc()


@task_prerun.connect
@task_postrun.connect
def _recycle_database_connections(task=None, **kwargs) -> None:
    """What Django does around each request: drop a connection that failed or is older than CONN_MAX_AGE.

    Celery's own fix-up would close it around every task (CELERY_DB_REUSE_MAX in the settings turns that off). A
    task run eagerly, inside the caller's process (`apply()`), uses the caller's connection: left alone, as the
    fix-up does.
    """
    if task is not None and getattr(task.request, "is_eager", False):
        return
    from django.db import close_old_connections

    close_old_connections()
