"""tdba.jsonfast: orjson on the hot paths, the standard library for what orjson refuses."""

import json
from datetime import UTC, date, datetime
from uuid import UUID

import pytest

from tdba.jsonfast import dumps, dumps_bytes, loads


def test_same_values_as_the_standard_library():
    value = {"nom": "Léa Ñúñez", "n": [1, 2.5, None, True], "d": {"x": "€"}, "f": 1e-7}
    assert json.loads(dumps_bytes(value)) == value
    assert "Léa Ñúñez".encode() in dumps_bytes(value)  # UTF-8 as it is, like ensure_ascii=False


def test_dates_datetimes_and_uuids_at_full_precision():
    moment = datetime(2025, 3, 6, 10, 0, 0, 123456, tzinfo=UTC)
    identifier = UUID("12345678-1234-4678-9234-567812345678")
    assert json.loads(dumps({"t": moment, "d": date(2025, 3, 6), "u": identifier})) == {
        "t": "2025-03-06T10:00:00.123456+00:00",
        "d": "2025-03-06",
        "u": "12345678-1234-4678-9234-567812345678",
    }


def test_an_integer_beyond_64_bits_falls_back_to_the_standard_library():
    big = int("1" * 4000)  # accepted by the API's parser, refused by orjson
    assert json.loads(dumps({"duree": big, "nom": "Léa"})) == {"duree": big, "nom": "Léa"}
    assert "Léa" in dumps({"duree": big, "nom": "Léa"})


def test_the_default_hook_serves_both_encoders():
    class Odd:
        def __str__(self):
            return "odd"

    assert json.loads(dumps([Odd()], default=str)) == ["odd"]
    assert json.loads(dumps([Odd(), 10**30], default=str)) == ["odd", 10**30]


def test_loads_reads_what_tdba_stores():
    value = {"nom": "Léa", "n": [1, 2.5, None, True], "id": 9223372036854775807, "d": {"x": "€"}}
    assert loads(dumps(value)) == value
    assert loads(dumps_bytes(value)) == value


@pytest.mark.parametrize(
    "big", [123456789012345678901234567890, 18446744073709551616, -9223372036854775809, 10**300, int("9" * 4000)]
)
@pytest.mark.parametrize("field", ["id_erp_apprenant", "ine_apprenant", "statut_apprenant", "annee_formation"])
def test_an_integer_beyond_64_bits_reads_as_javascript_and_validates_the_same(field, big):
    """A queue payload keeps an ERP's huge integer; read back, it validates exactly as the exact integer did."""
    from tests.transmissions.conftest import dossier
    from transmissions.validation import validate_dossier

    read = loads(dumps({field: big}))[field]
    if big.bit_length() < 1024:
        assert read == float(big)  # JSON.parse's double
    else:
        assert read == big  # beyond a double: the standard library reads it exactly
    exact, reread = validate_dossier(dossier(**{field: big})), validate_dossier(dossier(**{field: read}))
    assert (reread.normalized, reread.errors) == (exact.normalized, exact.errors)


def test_loads_falls_back_for_what_orjson_refuses():
    assert loads('{"x": NaN}')["x"] != loads('{"x": NaN}')["x"]  # NaN, read by the standard library
    assert loads('"\\ud800"') == "\ud800"
