import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _clear_cache():
    """Rate-limit counters and cached indicators live in the cache (Redis in CI): start each test clean."""
    cache.clear()
    yield
    cache.clear()
