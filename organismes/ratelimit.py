"""Fixed-window rate limits in the shared cache (Redis in production), with IETF RateLimit-* headers.

Tiers and their limits come from settings.TDBA (api-v3.md §1.3). A cache failure lets the request
through ("fail open"): rate limiting must never take the service down.
"""

import ipaddress
import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import JsonResponse

logger = logging.getLogger(__name__)

TOO_MANY_REQUESTS = "Trop de requêtes, veuillez réessayer plus tard."


@dataclass(frozen=True)
class RateLimitState:
    limit: int
    window: int
    remaining: int
    reset: int
    exceeded: bool

    def headers(self) -> dict[str, str]:
        headers = {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset),
            "RateLimit-Policy": f"{self.limit};w={self.window}",
        }
        if self.exceeded:
            headers["Retry-After"] = str(self.reset)
        return headers


def is_private_ip(ip: str | None) -> bool:
    if not ip:
        return False
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return address.is_private or address.is_loopback


def client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "")


def _key(tier: str, ident: str, window: int, now: float) -> str:
    return f"rl:{tier}:{ident}:{int(now // window)}"


def hit(tier: str, ident: str, *, ip: str | None = None) -> RateLimitState | None:
    """Count one request for (tier, ident). None when the tier does not apply (private IP skipped)."""
    conf = settings.TDBA
    limit, window = conf[f"RATE_LIMIT_{tier.upper()}"]
    if ip is not None and conf["RATE_LIMIT_SKIP_PRIVATE_IPS"] and is_private_ip(ip):
        return None
    now = time.time()
    key = _key(tier, ident, window, now)
    try:
        cache.add(key, 0, timeout=window + 1)
        count = cache.incr(key)
    except Exception:
        logger.warning("rate limiter unavailable for tier %s", tier, exc_info=True)
        return None
    reset = max(1, int(window - (now % window)))
    exceeded = count > limit and not conf["RATE_LIMIT_SHADOW"]
    if count > limit and conf["RATE_LIMIT_SHADOW"]:
        logger.info("rate limit exceeded (shadow mode) tier=%s", tier)
    return RateLimitState(limit, window, max(0, limit - count), reset, exceeded)


def reset(tier: str, ident: str) -> None:
    """Forget the current window's counter (a successful authentication clears the pre-auth counter)."""
    _, window = settings.TDBA[f"RATE_LIMIT_{tier.upper()}"]
    try:
        cache.delete(_key(tier, ident, window, time.time()))
    except Exception:
        logger.warning("rate limiter unavailable for tier %s", tier, exc_info=True)


def too_many_requests(state: RateLimitState) -> JsonResponse:
    response = JsonResponse({"error": "Too Many Requests", "message": TOO_MANY_REQUESTS}, status=429)
    for name, value in state.headers().items():
        response[name] = value
    return response
