"""The route list of the URL conf, walked from the resolver, and how to build each route's URL from the fixture."""

from collections.abc import Iterator

from django.urls import URLPattern, URLResolver, get_resolver

# Routes left out of the matrix, with the reason. The Django admin is checked on its own (test_admin_*).
EXCLUDED_PREFIXES = {
    "admin/": "Django admin: checked separately (non-staff → admin login, the administrator is a superuser)",
}
# Routes skipped by name, with the reason. None today: every allauth route (comptes/…) has an entry, the ones
# that need an e-mailed key (confirm-email, password reset from key) with a made-up key, which must not open.
SKIPPED_ROUTES: dict[str, str] = {}


def _walk(patterns, prefix: str = "", namespace: str | None = None) -> Iterator[tuple[str, str]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            ns = namespace
            if pattern.namespace:
                ns = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern):
            route = prefix + str(pattern.pattern)
            name = pattern.name
            key = (f"{namespace}:{name}" if namespace else name) if name else route
            yield key, route


def url_conf_routes() -> dict[str, str]:
    """Every route of the URL conf, by name (namespaced) or by pattern when unnamed, minus the exclusions."""
    routes = {}
    for key, route in _walk(get_resolver().url_patterns):
        if any(route.startswith(prefix) for prefix in EXCLUDED_PREFIXES) or key in SKIPPED_ROUTES:
            continue
        routes[key] = route
    return routes


def admin_urls() -> list[str]:
    """The admin's pages that take no argument (index, app indexes are skipped: one per model list and add)."""
    urls = []
    for _, route in _walk(get_resolver().url_patterns):
        plain = route.startswith("admin/") and "<" not in route and "(?P" not in route and route.endswith("/")
        if plain and (route.count("/") == 3 or route in ("admin/", "admin/password_change/")):
            urls.append("/" + route)
    return sorted(set(urls))
