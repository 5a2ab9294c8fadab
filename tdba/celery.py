"""Celery application: workers validate and upsert what /api/v3 and the Excel import queued."""

import os

from celery import Celery
from celery.signals import worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tdba.settings.dev")

app = Celery("tdba")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_process_init.connect
def _tune_worker_process(**kwargs) -> None:
    from tdba.runtime import tune_gc

    tune_gc()
