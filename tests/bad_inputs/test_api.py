"""/api/v3/dossiers-apprenants (and /test, /validate, GET /<uuid>) against bad input (issue 11, api-v3.md §1–2, §7).

Two outcomes only:

* the batch is refused (403, 400, 413 in the reference's envelope with a French message): nothing is stored, no
  QueueItem, no Lot;
* only items are bad: 200, every item stored with its validation errors, already closed (processed_at set, never
  picked up by a worker, no effectif).

Decisions taken here (see transmissions/api/views.py): NaN, Infinity, numbers beyond the float range or with more
than 4,000 digits, arrays/objects nested more than 32 levels, U+0000 and lone UTF-16 surrogates refuse the batch
(400) — none of them can be stored in PostgreSQL's jsonb nor answered in JSON. Duplicate keys keep the last value,
as JavaScript's JSON.parse does.
"""

import json
import re

import pytest
from django.test import override_settings

from erp_keys.services import erp_key_generate
from tests.factories import OrganismeFactory
from tests.transmissions.conftest import dossier
from transmissions.api.views import MESSAGE_FORBIDDEN_CHARACTER, MESSAGE_NUMBER, MESSAGE_TOO_DEEP
from transmissions.models import Lot, QueueItem
from transmissions.validation import FIELDS, REQUIRED_FIELDS

pytestmark = pytest.mark.django_db

URL = "/api/v3/dossiers-apprenants"
VALIDATE = URL + "/validate"
NIR = "185057800608436"
NIR_SPACED = "1 85 05 78 006 084 36"


def post_raw(client, key, body: bytes, *, path: str = URL, content_type: str = "application/json", **extra):
    return client.post(path, data=body, content_type=content_type, HTTP_AUTHORIZATION=f"Bearer {key}", **extra)


def assert_refused(response, status: int, message: str | None = None) -> dict:
    """The batch is refused in the reference's envelope, in French, and nothing was stored."""
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) >= {"error", "message"}
    if message is not None:
        assert body["message"] == message
    assert QueueItem.objects.count() == 0
    assert Lot.objects.count() == 0
    return body


def assert_items_stored_with_errors(response, count: int = 1) -> dict:
    """200; each item stored with its errors; the invalid ones closed at once, never left for a worker."""
    assert response.status_code == 200, response.content[:500]
    body = response.json()
    assert body["status"] == "OK" and body["message"] == "Queued"
    assert len(body["data"]) == count
    assert QueueItem.objects.count() == count
    for data in body["data"]:
        assert isinstance(data["validation_errors"], list)
        for error in data["validation_errors"]:
            assert isinstance(error["message"], str) and error["message"]
            assert isinstance(error["path"], list)
    # Never processed: an item in error is closed when received, and nothing was turned into an effectif.
    assert not QueueItem.objects.filter(has_error=True, processed_at__isnull=True).exists()
    assert not QueueItem.objects.filter(effectif__isnull=False).exists()
    assert (
        not QueueItem.objects.filter(has_error=True)
        .exclude(validation_errors=[])
        .filter(processed_at__isnull=True)
        .exists()
    )
    return body


def assert_no_nir(response) -> None:
    content = response.content.decode()
    assert NIR not in content and NIR_SPACED not in content and "nir_apprenant" not in content


# ---- 1. Every field with every wrong JSON type ---------------------------------------------------------------

WRONG_TYPES = {
    "number": 123,
    "float": 4.5,
    "negative": -1,
    "true": True,
    "false": False,
    "empty-list": [],
    "list": ["Lefebvre", 1],
    "object": {"valeur": "Lefebvre"},
    "empty-string": "",
    "blank-string": "   ",
}


@pytest.mark.parametrize("field", FIELDS)
def test_wrong_types_in_every_field_are_stored_with_their_errors_never_a_500(api, field):
    """One batch per field, one record per wrong JSON type."""
    response = api(data=[dossier(**{field: value}) for value in WRONG_TYPES.values()])

    body = assert_items_stored_with_errors(response, count=len(WRONG_TYPES))
    assert_no_nir(response)
    if field == "nir_apprenant":
        assert all("nir_apprenant" not in item.payload for item in QueueItem.objects.all())
    elif field in REQUIRED_FIELDS and field != "id_erp_apprenant":
        # A required field with a list or an object is always refused, with a message in the field's path.
        for kind in ("empty-list", "object"):
            item = body["data"][list(WRONG_TYPES).index(kind)]
            assert item["has_error"] is True
            assert any(e["path"] == [field] for e in item["validation_errors"])


@pytest.mark.parametrize("field", REQUIRED_FIELDS)
def test_null_or_missing_required_field_is_a_french_error(api, field):
    response = api(data=[dossier(**{field: None}), dossier(**{field: ...})])

    body = assert_items_stored_with_errors(response, count=2)
    assert body["detail"] == "Some data are invalid"
    for item in body["data"]:
        assert item["has_error"] is True
        errors = [e for e in item["validation_errors"] if e["path"] == [field]]
        assert errors and errors[0]["code"] == "champ_obligatoire"
        assert errors[0]["message"] in {"String attendu", "Champ obligatoire", "Number attendu", "M, H ou F attendu"}


# ---- 2. Strings: huge, control characters, Unicode edge cases --------------------------------------------------

UNICODE_NAMES = {
    "control-chars": "Lefe\x01\x02\x1b[31mbvre\x7f",
    "tab-newline": "Le\tfeb\nvre\r",
    "rtl-override": "\u202eerbvefeL",
    "rtl-arabic": "لوفيفر",
    "zero-width": "Le\u200bfeb\u200cvre\u200d\ufeff",
    "emoji": "Camille 👩🏽‍🎓🇫🇷",
    "combining": "Le\u0301\u0301\u0301fe\u0300bvre" + "\u0336" * 50,
    "zalgo": "C" + "\u0300\u0301\u0302\u0303\u0304" * 200,
    "bidi-isolates": "\u2066Lefebvre\u2069\u2067x\u2069",
    "nbsp-only": "\xa0\u2007\u202f",
    "astral-pairs-escaped": "\ud83d\ude00",  # a valid pair: encoded as one character
    "private-use": "\ue000\U000f0000",
    "noncharacters": "\ufffe\uffff",
    "line-separators": "Le\u2028feb\u2029vre",
    "html": "<b>Lefebvre</b>",
    "sql": "Lefebvre'); DROP TABLE transmissions_queueitem; --",
}


@pytest.mark.parametrize("field", ["nom_apprenant", "adresse_apprenant"])
@pytest.mark.parametrize("name", list(UNICODE_NAMES))
def test_unicode_edge_cases_in_names_are_stored_as_sent(api, field, name):
    value = UNICODE_NAMES[name]

    response = api(data=[dossier(**{field: value})])

    body = assert_items_stored_with_errors(response)
    sent = value.encode("utf-16-le", "surrogatepass").decode("utf-16-le")  # a valid pair arrives as one character
    assert QueueItem.objects.get().payload[field] == sent
    assert body["data"][0][field] == sent


@pytest.mark.parametrize("field", ["nom_apprenant", "email_contact", "date_entree_formation", "tel_apprenant"])
def test_one_megabyte_string_in_a_field(api, field):
    value = "A" * (1024 * 1024)

    response = api(data=[dossier(**{field: value})])

    body = assert_items_stored_with_errors(response)
    if field != "nom_apprenant":
        assert body["data"][0]["has_error"] is True


@pytest.mark.parametrize(
    "body",
    [
        json.dumps([dossier(nom_apprenant="Le\u0000febvre")]).encode(),
        json.dumps([dossier(nom_apprenant="\ud800")]).encode(),
        json.dumps([dossier(prenom_apprenant="x\udfff")]).encode(),
        json.dumps([dossier(adresse_apprenant="\ude00\ud83d")]).encode(),  # a pair in the wrong order
        json.dumps([dossier(nom_apprenant=["\u0000"])]).encode(),  # nested
        json.dumps([{**dossier(), "cl\u00e9\u0000": 1}]).encode(),  # in a key
        json.dumps([dossier(champ_inconnu="\ud800")]).encode(),  # even in a field that is not stored
        b'[{"nom_apprenant": "\xed\xa0\x80"}]',  # a surrogate as raw UTF-8 bytes (CESU-8)
        b'[{"nom_apprenant": "\\uD800\\u0041"}]',  # upper-case hex digits
    ],
    ids=["nul", "lone-high", "lone-low", "reversed-pair", "nul-nested", "nul-in-key", "unknown-field", "raw", "hex"],
)
@pytest.mark.parametrize("path", [URL, VALIDATE])
def test_nul_and_lone_surrogates_refuse_the_batch(client, api_key, body, path):
    """Was a 500 (UnicodeEncodeError writing the answer, after the items had been committed) and would be one on
    PostgreSQL (jsonb refuses \\u0000 and lone surrogates)."""
    response = post_raw(client, api_key, body, path=path)

    assert_refused(response, 400, MESSAGE_FORBIDDEN_CHARACTER)


def test_escaped_backslash_before_u0000_is_not_a_nul(api, client, api_key):
    body = json.dumps([dossier(nom_apprenant="C:\\u0000 et \\ud800")]).encode()

    response = post_raw(client, api_key, body)

    assert_items_stored_with_errors(response)
    assert QueueItem.objects.get().payload["nom_apprenant"] == "C:\\u0000 et \\ud800"


# ---- 3. Numbers Python accepts and JavaScript (or the database) does not ---------------------------------------

BAD_NUMBERS = {
    "nan": b"NaN",
    "infinity": b"Infinity",
    "minus-infinity": b"-Infinity",
    "1e400": b"1e400",
    "-1e400": b"-1e400",
    "5000-digits": b"1" + b"0" * 5000,
}


@pytest.mark.parametrize("number", list(BAD_NUMBERS))
@pytest.mark.parametrize("where", ["duree_theorique_formation_mois", "nom_apprenant", "item"])
@pytest.mark.parametrize("path", [URL, VALIDATE])
def test_unrepresentable_numbers_refuse_the_batch(client, api_key, number, where, path):
    """Were a 500 (SQLite's JSON_VALID check, PostgreSQL's jsonb, or int() beyond 4,300 digits) or an answer that
    is not JSON (NaN echoed); the reference's JSON.parse refuses NaN and Infinity too."""
    literal = BAD_NUMBERS[number]
    if where == "item":
        body = b"[" + literal + b"]"
    else:
        body = json.dumps([dossier(**{where: "@@"})]).encode().replace(b'"@@"', literal)

    response = post_raw(client, api_key, body, path=path)

    assert_refused(response, 400, MESSAGE_NUMBER)


@pytest.mark.parametrize("number", [b"1e308", b"-0", b"0.0000000000000000000001", b"9007199254740993", b"1" * 4000])
def test_extreme_but_representable_numbers_are_item_errors(client, api_key, number):
    body = json.dumps([dossier(duree_theorique_formation_mois="@@")]).encode().replace(b'"@@"', number)

    response = post_raw(client, api_key, body)

    assert_items_stored_with_errors(response)


@pytest.mark.parametrize("number", [b"123456789012345678901234567890", b"-9223372036854775809", b"1.5"])
def test_numbers_beyond_64_bits_and_floats_are_kept_as_sent(client, api_key, number):
    """The usual batch is read by orjson, which turns an integer beyond 64 bits into a float: such a body, and any
    holding a float, is read by the standard library, which keeps the integer whole (the answer echoes it)."""
    body = json.dumps([dossier(duree_theorique_formation_mois="@@"), dossier()]).encode().replace(b'"@@"', number)

    response = post_raw(client, api_key, body)

    assert response.status_code == 200, response.content[:500]
    first = response.json()["data"][0]
    assert json.dumps(first["duree_theorique_formation_mois"]).encode() == number
    assert re.search(rb'"duree_theorique_formation_mois": ?' + re.escape(number) + rb",", response.content)


# ---- 4. Structure: nesting, duplicate keys, scalars, size, count ------------------------------------------------


@pytest.mark.parametrize("depth", [33, 500, 900, 10_000])
@pytest.mark.parametrize("field", ["tel_apprenant", "duree_theorique_formation_mois", "inconnu"])
@pytest.mark.parametrize("path", [URL, VALIDATE])
def test_deep_nesting_refuses_the_batch(client, api_key, depth, field, path):
    """500 to 900 levels inside a field used to overflow the validator's or the encoder's recursion (500)."""
    nested = b"[" * depth + b"]" * depth
    body = b'[{"' + field.encode() + b'": ' + nested + b"}]"

    response = post_raw(client, api_key, body, path=path)

    assert_refused(response, 400, MESSAGE_TOO_DEEP)


@pytest.mark.parametrize("body", [b"[" * 10_000 + b"]" * 10_000, b'{"a":' * 10_000 + b"1" + b"}" * 10_000])
def test_ten_thousand_levels_refuse_the_batch(client, api_key, body):
    assert_refused(post_raw(client, api_key, body), 400, MESSAGE_TOO_DEEP)


def test_reasonable_nesting_is_an_item_error(api):
    value = [[[["Lefebvre"]]]]

    response = api(data=[dossier(nom_apprenant=value)])

    assert_items_stored_with_errors(response)


def test_duplicate_keys_keep_the_last_value_like_json_parse(client, api_key):
    body = (
        json.dumps([dossier()])
        .encode()
        .replace(b'"nom_apprenant": "Lefebvre"', b'"nom_apprenant": 1, "nom_apprenant": "Dupont"')
    )

    response = post_raw(client, api_key, body)

    assert_items_stored_with_errors(response)
    assert QueueItem.objects.get().payload["nom_apprenant"] == "Dupont"


ARRAY_ERROR = '"value" must be an array'


@pytest.mark.parametrize(
    "body",
    [b"", b"{}", b'{"dossiers": []}', b'"texte"', b"42", b"true", b"null"],
    ids=["empty", "object", "wrapped", "string", "number", "true", "null"],
)
@pytest.mark.parametrize("path", [URL, VALIDATE])
def test_a_body_that_is_not_an_array(client, api_key, body, path):
    response = post_raw(client, api_key, body, path=path)

    assert assert_refused(response, 400, "Erreur de validation")["details"][0]["message"] == ARRAY_ERROR


@pytest.mark.parametrize(
    "body",
    [
        b"\xff\xfe\xfa",
        b'[{"nom_apprenant": "\xc3\x28"}]',
        b'[{"nom_apprenant": "\xe9"}]',  # latin-1
        b"[1,]",
        b"[{'nom_apprenant': 'x'}]",
        b'[{"nom_apprenant": "a\x01b"}]',  # raw control character inside a string
        b"[\x00]",
        b"[" + b"{}," * 3 + b"",
        b"<dossiers/>",
        b"\xef\xbb\xbf[1] garbage",
        b"  ",
        b"\n",
    ],
    ids=[
        "bytes",
        "bad-utf8",
        "latin1",
        "trailing-comma",
        "single-quotes",
        "raw-control",
        "nul",
        "truncated",
        "xml",
        "trailing-garbage",
        "spaces",
        "newline",
    ],
)
@pytest.mark.parametrize("path", [URL, VALIDATE])
def test_invalid_json_is_a_french_400(client, api_key, body, path):
    response = post_raw(client, api_key, body, path=path)

    assert assert_refused(response, 400)["message"].startswith("Le corps de la requête n'est pas un JSON valide")


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "application/xml", "application/jsonp", "", "text/json"],
)
def test_another_content_type_is_an_empty_body(client, api_key, content_type):
    body = json.dumps([dossier()]).encode()

    response = post_raw(client, api_key, body, content_type=content_type)

    assert assert_refused(response, 400, "Erreur de validation")["details"][0]["message"] == ARRAY_ERROR


def test_multipart_body_is_refused(client, api_key):
    response = client.post(URL, data={"dossiers": json.dumps([dossier()])}, HTTP_AUTHORIZATION=f"Bearer {api_key}")

    assert_refused(response, 400, "Erreur de validation")


@pytest.mark.parametrize("path", [URL, VALIDATE])
def test_2001_items_refuse_the_batch(client, api_key, path):
    body = json.dumps([{}] * 2001).encode()

    body = assert_refused(post_raw(client, api_key, body, path=path), 400, "Erreur de validation")
    assert body["details"][0]["message"] == '"value" must contain less than or equal to 2000 items'


@pytest.mark.parametrize("path", [URL, VALIDATE])
def test_eleven_megabytes_refuse_the_batch(client, api_key, path):
    body = b"[" + b" " * (11 * 1024 * 1024) + b"]"

    assert_refused(post_raw(client, api_key, body, path=path), 413, "Le corps de la requête dépasse 10 Mo.")


@override_settings(TDBA={**__import__("django.conf").conf.settings.TDBA, "API_MAX_BODY_BYTES": 1000})
def test_a_lying_content_length_does_not_get_past_the_limit(client, api_key):
    body = b"[" + b" " * 5000 + b"]"

    response = post_raw(client, api_key, body, CONTENT_LENGTH="10")

    assert response.status_code in (400, 413)
    assert QueueItem.objects.count() == 0


@pytest.mark.parametrize("item", [1, "x", None, True, [dossier()], [], 1.5], ids=repr)
def test_items_that_are_not_objects_are_stored_in_error(api, item):
    response = api(data=[item, dossier()])

    body = assert_items_stored_with_errors(response, count=2)
    assert body["data"][0]["validation_errors"][0]["message"] == "Le dossier apprenant doit être un objet JSON"


# ---- 5. Authorization header edge cases ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("Bearer " + "a" * 100_000, "La clé API n'est pas valide"),
        ("Bearer  {key}", "La clé API n'est pas valide"),  # two spaces
        ("Bearer {key} ", "La clé API n'est pas valide"),
        ("Bearer\t{key}", "La clé API doit etre au format Bearer"),
        ("bearer {key}", "La clé API doit etre au format Bearer"),
        ("BEARER {key}", "La clé API doit etre au format Bearer"),
        ("Bearer", "La clé API doit etre au format Bearer"),
        ("Bearer ", "La clé API n'est pas valide"),
        ("Basic dXNlcjpwYXNz", "La clé API doit etre au format Bearer"),
        ("{key}", "La clé API doit etre au format Bearer"),
        ("Bearer clé-éèà-ünïcödé", "La clé API n'est pas valide"),
        ("Bearer \u202e{key}", "La clé API n'est pas valide"),
        ("Bearer {key}{key}", "La clé API n'est pas valide"),
        ("Bearer ' OR 1=1 --", "La clé API n'est pas valide"),
        ("Bearer <script>alert(1)</script>", "La clé API n'est pas valide"),
        ("Bearer Bearer {key}", "La clé API n'est pas valide"),
        (" ", "La clé API doit etre au format Bearer"),
    ],
    ids=[
        "100k",
        "two-spaces",
        "trailing-space",
        "tab",
        "lowercase",
        "uppercase",
        "bare",
        "empty-token",
        "basic",
        "no-scheme",
        "non-ascii",
        "rtl",
        "doubled",
        "sql",
        "xss",
        "bearer-twice",
        "space",
    ],
)
@pytest.mark.parametrize("path", [URL, URL + "/test"])
def test_authorization_edge_cases_are_a_french_403(client, api_key, header, message, path):
    response = client.post(
        path,
        data=json.dumps([dossier()]),
        content_type="application/json",
        HTTP_AUTHORIZATION=header.format(key=api_key),
    )

    body = assert_refused(response, 403, message)
    assert body["error"] == "Forbidden"
    assert "<script>" not in response.content.decode()


def test_missing_authorization(client):
    response = client.post(URL, data="[]", content_type="application/json")

    assert assert_refused(response, 403, "Clé API manquante")["error"] == "Forbidden"


def test_revoked_key_is_refused(client, api_key, fixture_couple):
    erp_key_generate(organisme=fixture_couple[0])  # replaces (revokes) api_key

    assert_refused(post_raw(client, api_key, json.dumps([dossier()]).encode()), 403, "La clé API n'est pas valide")


# ---- 6. GET /<uuid> and unknown routes --------------------------------------------------------------------


@pytest.mark.parametrize(
    "suffix",
    ["00000000-0000-0000-0000-000000000000", "pas-un-uuid", "%3Cscript%3E", "' OR 1=1 --", "a" * 5000],
)
def test_state_of_unknown_or_malformed_ids_is_a_404(client, api_key, suffix):
    response = client.get(f"{URL}/{suffix}", HTTP_AUTHORIZATION=f"Bearer {api_key}")

    assert response.status_code == 404
    assert "<script>" not in response.content.decode()


def test_state_of_another_keys_dossier_is_a_404(client, api, fixture_couple):
    _id = api(data=[dossier()]).json()["data"][0]["_id"]
    other = erp_key_generate(organisme=OrganismeFactory())

    response = client.get(f"{URL}/{_id}", HTTP_AUTHORIZATION=f"Bearer {other}")

    assert response.status_code == 404
    assert response.json()["message"] == "Aucun dossier avec cet identifiant pour cette clé."


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_other_methods_are_a_4xx(client, api_key, method):
    response = getattr(client, method)(
        URL, data="[]", content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {api_key}"
    )

    assert 400 <= response.status_code < 500
    assert QueueItem.objects.count() == 0


# ---- 7. The NIR is never echoed ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "nir",
    [NIR, NIR_SPACED, int(NIR), [NIR], {"nir": NIR}, NIR + "x" * 100],
    ids=["string", "spaced", "number", "list", "object", "overlong"],
)
@pytest.mark.parametrize("path", [URL, VALIDATE])
def test_the_nir_is_never_echoed(client, api_key, nir, path):
    body = json.dumps([dossier(nir_apprenant=nir), dossier(nir_apprenant=nir, nom_apprenant=5)]).encode()

    response = post_raw(client, api_key, body, path=path)

    assert response.status_code == 200
    assert_no_nir(response)
    for item in QueueItem.objects.all():
        assert "nir_apprenant" not in item.payload and item.has_nir is True
