"""The OpenAPI schema and the documentation page of /api/v3 (public, no CDN, under our CSP).

The schema is built from transmissions.validation: these tests fail when a field, a rule code or an answer changes
without its documentation.
"""

import json
import re

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

from organismes.ratelimit import TOO_MANY_REQUESTS
from tests.transmissions.conftest import dossier
from transmissions import validation
from transmissions.api import schema as doc
from transmissions.api import views

SCHEMA_URL = "/api/v3/openapi.json"
DOC_URL = "/api/v3/doc"


@pytest.fixture
def openapi(client):
    response = client.get(SCHEMA_URL)
    assert response.status_code == 200
    return json.loads(response.content)


def _csp(response) -> dict[str, list[str]]:
    directives = (part.strip().split() for part in response["Content-Security-Policy"].split(";") if part.strip())
    return {d[0]: d[1:] for d in directives}


def test_management_command_validates_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "openapi.yaml"))


@pytest.mark.django_db
def test_schema_is_public_json(client, openapi):
    assert client.get(SCHEMA_URL)["Content-Type"].startswith("application/vnd.oai.openapi+json")
    assert set(openapi["paths"]) == {
        "/api/v3/dossiers-apprenants",
        "/api/v3/dossiers-apprenants/test",
        "/api/v3/dossiers-apprenants/validate",
        "/api/v3/dossiers-apprenants/{queue_id}",
    }
    assert openapi["components"]["securitySchemes"]["cleEchange"] == {
        "type": "http",
        "scheme": "bearer",
        "description": openapi["components"]["securitySchemes"]["cleEchange"]["description"],
    }
    for path in openapi["paths"].values():
        for operation in path.values():
            assert operation["security"] == [{"cleEchange": []}]
            assert operation["tags"] == ["Dossiers apprenants"]


@pytest.mark.django_db
def test_record_schema_follows_the_validator(openapi):
    record = openapi["components"]["schemas"]["DossierApprenantV3"]
    assert list(record["properties"]) == list(validation.DOCUMENTED_FIELDS)
    assert record["required"] == list(validation.REQUIRED_FIELDS)
    assert set(doc.FIELD_DOCS) == set(validation.DOCUMENTED_FIELDS), "every field needs a French description"
    for name, field in record["properties"].items():
        assert field["description"], name
        assert field.get("nullable", False) is (name not in validation.REQUIRED_FIELDS), name
        assert "example" in field, name
    for name in validation.DATE_FIELDS:
        assert record["properties"][name]["pattern"] == "^[0-9]{4}-[0-9]{2}-[0-9]{2}"
    for name in validation.BOOLEAN_FIELDS:
        assert record["properties"][name]["type"] == "boolean"
    assert "has_nir" not in record["properties"]
    lot = openapi["components"]["schemas"]["LotDossiersApprenants"]
    assert lot["maxItems"] == settings.TDBA["API_MAX_ITEMS"]


@pytest.mark.django_db
def test_rule_codes_are_the_validator_codes(openapi):
    schemas = openapi["components"]["schemas"]
    code = schemas["ErreurValidation"]["properties"]["code"]
    enum = schemas[code["allOf"][0]["$ref"].rsplit("/", 1)[1]]["enum"] if "allOf" in code else code["enum"]
    assert enum == list(validation.ERROR_CODES)
    # The codes quoted in the field descriptions exist.
    groups = (re.findall(r"\(((?:`[a-z_]+`(?:, )?)+)\)", errors) for _, errors in doc.FIELD_DOCS.values())
    quoted = {code for found in groups for group in found for code in re.findall(r"`([a-z_]+)`", group)}
    assert "uai_invalide" in quoted and "champ_obligatoire" in quoted
    assert quoted <= set(validation.ERROR_CODES)


@pytest.mark.parametrize("sample", [doc.SAMPLE_MINIMAL, doc.SAMPLE_FULL, doc.SAMPLE_ABANDON])
def test_documented_samples_are_valid(sample):
    assert validation.validate_dossier(validation.strip_nulls(sample)).errors == []


def test_documented_field_examples_are_valid():
    record = {**dossier(), **{name: doc.FIELD_EXAMPLES[name] for name in validation.DOCUMENTED_FIELDS}}
    assert validation.validate_dossier(record).errors == []


def test_documented_invalid_record_gives_the_documented_errors():
    assert validation.validate_dossier(doc._INVALID_SAMPLE).errors == doc._INVALID_ERRORS


@pytest.mark.django_db
def test_error_messages_are_the_ones_the_api_sends(client, api, api_key, openapi):
    assert doc.MESSAGES_403 == {
        "cle_manquante": views.MISSING_KEY,
        "pas_bearer": views.NOT_BEARER,
        "cle_invalide": views.INVALID_KEY,
    }
    assert doc.MESSAGE_429 == TOO_MANY_REQUESTS
    with override_settings(TDBA={**settings.TDBA, "API_MAX_BODY_BYTES": 10}):
        too_big = api(data=[dossier()])
    assert too_big.status_code == 413
    assert too_big.json() == {"error": "Payload Too Large", "message": doc.MESSAGE_413}
    not_found = client.get(
        "/api/v3/dossiers-apprenants/5f0c7a52-8f4e-4a4e-b1f4-2b9d1d0e6c01",
        HTTP_AUTHORIZATION=f"Bearer {api_key}",
    )
    assert not_found.json() == {"error": "Not Found", "message": doc.MESSAGE_404}
    too_many = api(data=[None] * (settings.TDBA["API_MAX_ITEMS"] + 1))
    documented = openapi["paths"]["/api/v3/dossiers-apprenants"]["post"]["responses"]["400"]["content"]
    examples = documented["application/json"]["examples"]
    assert too_many.json() == examples["TropDeDossiers"]["value"]
    assert api(data={"a": 1}).json() == examples["PasUnTableau"]["value"]
    responses = openapi["paths"]["/api/v3/dossiers-apprenants"]["post"]["responses"]
    assert set(responses) == {"200", "400", "403", "413", "429"}
    assert set(responses["429"]["headers"]) == {
        *("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "RateLimit-Policy", "Retry-After"),
    }


@pytest.mark.django_db
def test_documented_200_answer_has_the_shape_the_api_sends(api, openapi):
    sent = api(data=[dossier(), doc._INVALID_SAMPLE]).json()
    documented = openapi["paths"]["/api/v3/dossiers-apprenants"]["post"]["responses"]["200"]["content"]
    example = documented["application/json"]["examples"]["UnValideUnInvalide"]["value"]
    assert set(example) == set(sent)
    for sent_item, documented_item in zip(sent["data"], example["data"], strict=True):
        assert set(sent_item) == set(documented_item)
    assert sent["data"][1]["validation_errors"] == example["data"][1]["validation_errors"]


@pytest.mark.django_db
def test_doc_page_is_public_and_uses_no_cdn(client):
    response = client.get(DOC_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/favicon-32x32.png" in html
    assert "http://" not in html and "https://" not in html
    assert f'src="{DOC_URL}?script="' in html
    script = client.get(DOC_URL + "?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert SCHEMA_URL in script.content.decode()
    for asset in ("swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "swagger-ui.css", "favicon-32x32.png"):
        static = client.get(f"/static/drf_spectacular_sidecar/swagger-ui-dist/{asset}")
        static.close()  # a file response: close it, or the open file is reported as a ResourceWarning
        assert static.status_code == 200, asset


@pytest.mark.django_db
def test_csp_is_relaxed_for_the_doc_page_styles_only(client):
    page = _csp(client.get(DOC_URL))
    assert page["script-src"] == ["'self'"]
    assert page["style-src"] == ["'self'", "'unsafe-inline'"]
    assert page["img-src"] == ["'self'", "data:"]
    elsewhere = _csp(client.get("/"))
    assert elsewhere["style-src"] == ["'self'"]
    assert elsewhere["script-src"] == ["'self'"]


def test_the_vendor_guide_lists_every_field():
    guide = (settings.BASE_DIR / "docs" / "api-v3.md").read_text()
    rows = {line.split("`")[1] for line in guide.splitlines() if line.startswith("| `")}
    assert set(validation.DOCUMENTED_FIELDS) <= rows
    for name in validation.REQUIRED_FIELDS:
        assert f"| `{name}` | **oui** |" in guide, name
