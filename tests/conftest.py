import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection


def pytest_collection_modifyitems(config, items):
    """Tests marked `postgresql` exercise row locks and concurrent sessions that the SQLite development
    default does not have (one writer at a time): they are deselected there, and said so; CI runs them."""
    if "postgresql" in settings.DATABASES["default"]["ENGINE"]:
        return
    selected = [item for item in items if item.get_closest_marker("postgresql") is None]
    if len(selected) < len(items):
        config.hook.pytest_deselected(items=[item for item in items if item not in selected])
        items[:] = selected


def pytest_report_header(config):
    if "postgresql" not in settings.DATABASES["default"]["ENGINE"]:
        return "SQLite: tests marked `postgresql` are deselected (set DATABASE_URL to run them, as CI does)"
    return None


@pytest.fixture(autouse=True)
def _clear_cache():
    """Rate-limit counters and cached indicators live in the cache (Redis in CI): start each test clean."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(scope="session", autouse=True)
def _close_live_server_connections(django_db_setup, django_db_blocker):
    """The live server's request threads may still hold a PostgreSQL session when the suite ends; end them
    so that the test database can be dropped."""
    yield
    if connection.vendor == "postgresql":
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )


@pytest.fixture
def reference_data():
    """Reload the reference data that data migrations ship (territories, DSFR config, ERP catalogue).

    Transactional tests (transaction=True) end with a flush that empties every table; those that need the
    reference rows call this fixture instead of `serialized_rollback`, which clashes with the content types
    the other transactional tests' flush recreates.
    """
    from importlib import import_module

    from django.apps import apps

    import_module("organismes.migrations.0002_territoires").load_territoires(apps, None)
    import_module("organismes.migrations.0002_territoires").load_dsfr_config(apps, None)
    import_module("erp_keys.migrations.0002_catalogue").load_catalogue(apps, None)


@pytest.fixture
def celery_queue():
    """A queue of the test's own for the transmissions tasks (tests/celery_queue.py)."""
    from tests.celery_queue import private_queue

    with private_queue() as name:
        yield name
