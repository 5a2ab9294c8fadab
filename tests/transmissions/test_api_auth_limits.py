"""/api/v3 authentication, limits and envelopes (api-v3.md §1.2–1.6, checklist §5.1, §5.2, §5.18 X-1, X-2, X-5)."""

import json

import pytest
from django.conf import settings
from django.test import override_settings

from erp_keys.services import erp_key_generate
from tests.transmissions.conftest import dossier
from transmissions.models import QueueItem

URL = "/api/v3/dossiers-apprenants"


def _limits(**overrides):
    return override_settings(TDBA={**settings.TDBA, **overrides})


@pytest.mark.django_db
def test_missing_key(client):
    response = client.post(URL, "[]", content_type="application/json")
    assert response.status_code == 403
    assert response.json() == {"error": "Forbidden", "message": "Clé API manquante"}


@pytest.mark.django_db
@pytest.mark.parametrize("header", ["Token abc", "bearer abc", "Basic dXNlcjpwYXNz", "Bearer"])
def test_malformed_key(client, header):
    response = client.post(URL, "[]", content_type="application/json", HTTP_AUTHORIZATION=header)
    assert response.status_code == 403
    assert response.json() == {"error": "Forbidden", "message": "La clé API doit etre au format Bearer"}


@pytest.mark.django_db
def test_unknown_and_revoked_keys(api, fixture_couple):
    old = erp_key_generate(organisme=fixture_couple[0])
    erp_key_generate(organisme=fixture_couple[0])
    for key in ["not-a-real-key", old, " " + old]:
        response = api(key=key)
        assert response.status_code == 403
        assert response.json() == {"error": "Forbidden", "message": "La clé API n'est pas valide"}
    assert QueueItem.objects.count() == 0


@pytest.mark.django_db
def test_bad_key_on_any_method_and_sub_path(client):
    for method in ("get", "put", "delete"):
        response = getattr(client, method)(URL + "/test", HTTP_AUTHORIZATION="Bearer nope")
        assert response.status_code == 403


def test_test_endpoint(api):
    response = api("/api/v3/dossiers-apprenants/test", {"ignored": True})
    assert response.status_code == 200
    assert response.json() == {"msg": "ok"}


def test_empty_array_is_accepted_and_stores_nothing(api):
    response = api(data=[])
    assert response.status_code == 200
    assert response.json() == {"status": "OK", "message": "Queued", "data": []}
    assert QueueItem.objects.count() == 0


@pytest.mark.parametrize("body", [{}, {"a": 1}, '"texte"', 42])
def test_body_not_an_array(api, body):
    response = api(data=body)
    assert response.status_code == 400
    payload = response.json()
    assert payload["error"] == "Bad Request" and payload["message"] == "Erreur de validation"
    assert payload["details"][0]["type"] == "array.base"
    assert payload["details"][0]["message"] == '"value" must be an array'
    assert QueueItem.objects.count() == 0


def test_more_than_2000_items(api):
    response = api(data=[dossier()] * 2001)
    assert response.status_code == 400
    detail = response.json()["details"][0]
    assert detail["type"] == "array.max" and detail["context"]["limit"] == 2000
    assert detail["message"] == '"value" must contain less than or equal to 2000 items'
    assert QueueItem.objects.count() == 0


def test_invalid_json(client, api_key):
    response = client.post(URL, "[{", content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {api_key}")
    assert response.status_code == 400
    assert response.json()["error"] == "Bad Request"
    assert "JSON" in response.json()["message"]
    assert QueueItem.objects.count() == 0


def test_wrong_content_type_is_an_empty_object(client, api_key):
    response = client.post(
        URL, json.dumps([dossier()]), content_type="text/plain", HTTP_AUTHORIZATION=f"Bearer {api_key}"
    )
    assert response.status_code == 400
    assert response.json()["details"][0]["type"] == "array.base"
    assert QueueItem.objects.count() == 0


def test_body_over_10_mb(client, api_key):
    body = "[" + ",".join(['"' + "x" * 1000 + '"'] * 11 * 1024) + "]"
    response = client.post(URL, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {api_key}")
    assert response.status_code == 413
    assert response.json()["error"] == "Payload Too Large"
    assert QueueItem.objects.count() == 0


def test_ingestion_limit_per_organisme(api):
    with _limits(RATE_LIMIT_INGESTION=(2, 60)):
        assert api().status_code == 200
        assert api().status_code == 200
        response = api()
    assert response.status_code == 429
    assert response.json() == {
        "error": "Too Many Requests",
        "message": "Trop de requêtes, veuillez réessayer plus tard.",
    }
    assert response["RateLimit-Limit"] == "2"
    assert response["RateLimit-Remaining"] == "0"
    assert response["RateLimit-Policy"] == "2;w=60"
    assert int(response["Retry-After"]) >= 1 and int(response["RateLimit-Reset"]) >= 1


def test_successful_answers_carry_ratelimit_headers(api):
    response = api()
    assert response["RateLimit-Limit"] == str(settings.TDBA["RATE_LIMIT_INGESTION"][0])
    assert "RateLimit-Remaining" in response and "RateLimit-Policy" in response


@pytest.mark.django_db
def test_pre_auth_limit_blocks_bad_keys_before_lookup(client):
    with _limits(RATE_LIMIT_INGESTION_AUTH=(2, 60)):
        codes = [
            client.post(URL, "[]", content_type="application/json", HTTP_AUTHORIZATION="Bearer nope").status_code
            for _ in range(3)
        ]
    assert codes == [403, 403, 429]


def test_successful_auth_clears_the_pre_auth_counter(api):
    with _limits(RATE_LIMIT_INGESTION_AUTH=(2, 60)):
        assert [api().status_code for _ in range(4)] == [200, 200, 200, 200]


def test_shadow_mode_never_blocks(api):
    with _limits(RATE_LIMIT_INGESTION=(1, 60), RATE_LIMIT_SHADOW=True):
        assert [api().status_code for _ in range(3)] == [200, 200, 200]


def test_private_ips_may_be_skipped(api):
    with _limits(RATE_LIMIT_INGESTION_AUTH=(1, 60), RATE_LIMIT_SKIP_PRIVATE_IPS=True):
        assert [api(key="nope").status_code for _ in range(3)] == [403, 403, 403]
