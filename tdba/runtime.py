"""Process-level tuning shared by the web server and the Celery worker (performance, docs/performance.md)."""

import gc

# A 2000-record batch allocates millions of short-lived objects (JSON values, validation results, rows): with the
# default thresholds (700, 10, 10) the collector walks every tracked object of the process many times per batch.
GC_THRESHOLDS = (50_000, 20, 100)


def tune_gc() -> None:
    """Freeze what start-up loaded (modules, settings, URL conf: never garbage) and collect less often."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
