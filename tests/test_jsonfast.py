"""tdba.jsonfast: orjson on the hot paths, the standard library for what orjson refuses."""

import json
from datetime import UTC, date, datetime
from uuid import UUID

from tdba.jsonfast import dumps, dumps_bytes


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
