import logging

from celery import shared_task
from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue_on_commit(task, *args) -> None:
    """Queue `task` once the current transaction has committed, without ever failing the caller.

    What the task works on is already committed: if the broker cannot be reached (Redis restarting), the answer
    stays a success and the beat sweep queues the work again (`sweep_pending`); a 500 would make an ERP send the
    same records twice.
    """

    def send() -> None:
        try:
            task.delay(*args)
        except Exception as exc:  # kombu's OperationalError, socket errors, …: the sweep takes over
            logger.warning("broker unreachable, %s(%s) left to the sweep: %s", task.name, args, type(exc).__name__)

    transaction.on_commit(send)


@shared_task(name="transmissions.process_lot")
def process_lot(lot_id: int) -> int:
    """Process the pending dossiers of a lot (idempotent: processed ones are skipped)."""
    from transmissions.processing import queue_process_lot

    return queue_process_lot(lot_id=lot_id)


@shared_task(name="transmissions.sweep_pending")
def sweep_pending() -> int:
    """Every minute: re-queue lots whose pending items were not processed (lost message, killed worker), and
    uploads still being analysed long after they were received."""
    from transmissions.imports import imports_sweep
    from transmissions.processing import queue_sweep

    lots = queue_sweep()
    for lot_id in lots:
        process_lot.delay(lot_id)
    uploads = imports_sweep()
    for import_id in uploads:
        import_preparer.delay(import_id)
    return len(lots) + len(uploads)


@shared_task(name="transmissions.import_preparer")
def import_preparer(import_id: int) -> str:
    """Parse and pre-validate an uploaded Excel/CSV file (large files); idempotent, safe to deliver twice."""
    from transmissions.imports import import_prepare

    return import_prepare(import_id=import_id)
