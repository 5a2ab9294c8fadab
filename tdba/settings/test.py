"""Test settings: same code paths as production, fast hashing, in-memory e-mails."""

import os
import tempfile

from .base import *  # noqa: F403
from .base import TDBA, env

DEBUG = False
SECRET_KEY = "test-only-secret-key"  # noqa: S105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
TDBA = {**TDBA, "RATE_LIMIT_SKIP_PRIVATE_IPS": False}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
_unused = env

# Serve static files from the apps and static/ directly (no collectstatic needed).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# Live-server threads must not keep connections open, or the test database cannot be dropped. A worker subprocess
# that a test kills at teardown may keep its own (TDBA_TEST_CONN_MAX_AGE, tests/transmissions/test_worker_process.py).
DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("TDBA_TEST_CONN_MAX_AGE", "0"))  # noqa: F405

# A worker started by a test (tests/transmissions/test_worker_process.py) must see the test database: on SQLite it
# is a file, not the default in-memory database. One file per test run, so that runs side by side do not clobber
# each other; in shared memory when the machine has it.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    _test_db_dir = "/dev/shm" if os.path.isdir("/dev/shm") else tempfile.gettempdir()  # noqa: S108
    DATABASES["default"]["TEST"] = {"NAME": os.path.join(_test_db_dir, f"tdba-test-{os.getpid()}.sqlite3")}  # noqa: F405

# Without Redis, each test run keeps its cache in memory: the file cache of dev is shared by every process of the
# machine, and a parallel run's cache.clear() would wipe this run's rate-limit counters.
if not REDIS_URL:  # noqa: F405
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
