"""API v3 routes with a Bearer key (api-v3.md §1.2): the key is the identity, a session grants nothing.

test_url_matrix.py checks that every profile gets 403 without a key; here, the keys of OF cible and OF non lié,
a made-up key and malformed headers, on every /api/v3 route that needs a key.
"""

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import reverse

from tests.access.routes import url_conf_routes

# Routes of the API that need a key; the documentation routes are public (test_url_matrix.py).
API_PUBLIC = {"api_v3_openapi", "api_v3_doc"}


def _url(name, monde, side):
    if name == "api_v3_etat":
        return reverse(name, args=[getattr(monde, side).queue_item_id])
    return reverse(name)


# name → {(method, key): status}; key ∈ cible, non_lie (a real key), inconnue (made-up), none, basic.
API = {
    "api_v3_dossiers": {("POST", "cible"): 200, ("GET", "cible"): 404},
    "api_v3_test": {("POST", "cible"): 200, ("GET", "cible"): 404},
    "api_v3_validate": {("POST", "cible"): 200, ("GET", "cible"): 404},
    "api_v3_etat": {("GET", "cible"): 200, ("GET", "non_lie"): 404, ("POST", "cible"): 404},
}


def _headers(monde, key: str) -> dict:
    if key in ("cible", "non_lie"):
        return {"HTTP_AUTHORIZATION": f"Bearer {getattr(monde, key).cle}"}
    return {
        "inconnue": {"HTTP_AUTHORIZATION": "Bearer tdba_cle-inventee-0000000000000000"},
        "basic": {"HTTP_AUTHORIZATION": "Basic dXNlcjpwYXNz"},
        "none": {},
    }[key]


def _call(monde, method, url, key):
    cache.clear()
    with transaction.atomic():
        client = Client()
        if method == "GET":
            response = client.get(url, **_headers(monde, key))
        else:
            response = client.post(url, data=[], content_type="application/json", **_headers(monde, key))
        transaction.set_rollback(True)
    return response


def test_every_api_route_has_an_entry():
    api_routes = {name for name, route in url_conf_routes().items() if route.startswith("api/v3/")}
    assert api_routes - API_PUBLIC == set(API), sorted((api_routes - API_PUBLIC) ^ set(API))


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(API))
def test_api_keys(monde, name):
    errors = []
    # The dossier of OF cible's key, read by each key: only its own key sees it (both sides).
    url = _url(name, monde, "cible")
    for (method, key), expected in API[name].items():
        response = _call(monde, method, url, key)
        if response.status_code != expected:
            errors.append(f"  {method} {url} clé {key}: {response.status_code}, attendu {expected}")
    for method in ("GET", "POST"):
        for key in ("none", "basic", "inconnue"):
            response = _call(monde, method, url, key)
            if response.status_code != 403:
                errors.append(f"  {method} {url} clé {key}: {response.status_code}, attendu 403")
    assert not errors, "\n".join(errors)


@pytest.mark.django_db
def test_api_state_of_another_keys_dossier_is_404_both_ways(monde):
    for key, side in (("cible", "non_lie"), ("non_lie", "cible")):
        response = _call(monde, "GET", _url("api_v3_etat", monde, side), key)
        assert response.status_code == 404, (key, side, response.status_code)
        assert response.json()["error"] == "Not Found"
