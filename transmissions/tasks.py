from celery import shared_task


@shared_task(name="transmissions.process_lot")
def process_lot(lot_id: int) -> int:
    """Process the pending dossiers of a lot (idempotent: processed ones are skipped)."""
    from transmissions.processing import queue_process_lot

    return queue_process_lot(lot_id=lot_id)


@shared_task(name="transmissions.sweep_pending")
def sweep_pending() -> int:
    """Every minute: re-queue lots whose pending items were not processed (lost message, killed worker)."""
    from transmissions.processing import queue_sweep

    lots = queue_sweep()
    for lot_id in lots:
        process_lot.delay(lot_id)
    return len(lots)


@shared_task(name="transmissions.import_preparer")
def import_preparer(import_id: int) -> str:
    """Parse and pre-validate an uploaded Excel/CSV file (large files); idempotent, safe to deliver twice."""
    from transmissions.imports import import_prepare

    return import_prepare(import_id=import_id)
