"""Small helpers of organismes/ratelimit.py: private IPs (api-v3.md §5.2 RL-5) and fail-open (RL-6)."""

import logging

import pytest
from django.conf import settings
from django.test import override_settings

from erp_keys.services import erp_key_generate
from organismes import ratelimit
from tests.factories import OrganismeFactory

# A real cache backend whose server is unreachable: every call raises (connection refused on port 1).
BROKEN_CACHE = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
}


@pytest.mark.parametrize("ip", ["10.0.0.1", "172.20.0.5", "192.168.1.1", "127.0.0.1", "::1", "::ffff:10.0.0.1"])
def test_private_and_loopback_ips(ip):
    assert ratelimit.is_private_ip(ip) is True


@pytest.mark.parametrize("ip", ["8.8.8.8", None, "", "pas-une-ip", "::ffff:8.8.8.8"])
def test_public_or_missing_ips(ip):
    assert ratelimit.is_private_ip(ip) is False


def test_the_cache_really_fails():
    """Guard for the tests below: the configured backend raises, it does not silently miss."""
    from django.core.cache import cache

    with override_settings(CACHES=BROKEN_CACHE), pytest.raises(Exception):  # noqa: B017 (any backend error)
        cache.add("rl:probe", 0)


def test_hit_fails_open_when_the_cache_raises(caplog):
    with override_settings(CACHES=BROKEN_CACHE), caplog.at_level(logging.WARNING, logger="organismes.ratelimit"):
        assert ratelimit.hit("ingestion", "organisme-1") is None
        ratelimit.reset("ingestion_auth", "203.0.113.7")  # must not raise either
    assert "rate limiter unavailable for tier ingestion" in caplog.text


@pytest.mark.django_db
def test_api_lets_requests_through_when_the_cache_raises(client):
    organisme = OrganismeFactory(uai="0802004U", siret="77937827200016")
    key = erp_key_generate(organisme=organisme)
    tiers = {"RATE_LIMIT_INGESTION_AUTH": (1, 60), "RATE_LIMIT_INGESTION": (1, 60)}
    with override_settings(CACHES=BROKEN_CACHE, TDBA={**settings.TDBA, **tiers}):
        responses = [
            client.post(
                "/api/v3/dossiers-apprenants/test",
                "[]",
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Bearer {key}",
                REMOTE_ADDR="203.0.113.7",
            )
            for _ in range(3)
        ]
    # Limits of 1 would give 429 from the second call if the limiter worked; failing open, nothing is counted.
    assert [r.status_code for r in responses] == [200, 200, 200]
    assert all("RateLimit-Limit" not in r for r in responses)
