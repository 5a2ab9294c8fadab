"""transmissions.validation: date fields read as the reference reads them (spec api-v3.md §2.1).

The reference keeps a string whose beginning matches YYYY-MM-DD, trims it and gives it to JavaScript's `new Date()`
on servers running in UTC. Every expected value below was checked with Node.js (V8) under TZ=UTC.
"""

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from transmissions.validation import DATE_FIELDS, MAX_DATE_LENGTH, parse_js_date, validate_dossier

MINIMAL = {
    "nom_apprenant": "Lefebvre",
    "prenom_apprenant": "Camille",
    "date_de_naissance_apprenant": "2007-05-21",
    "annee_scolaire": "2025-2026",
    "id_erp_apprenant": "GESTI-2025-00042",
    "date_inscription_formation": "2025-06-20",
    "date_entree_formation": "2025-09-08",
    "date_fin_formation": "2027-07-02",
    "etablissement_responsable_uai": "0755805C",
    "etablissement_responsable_siret": "77568013501139",
    "etablissement_formateur_uai": "0802004U",
    "etablissement_formateur_siret": "77937827200016",
}


def utc(*args):
    return dt.datetime(*args, tzinfo=dt.UTC)


def check(value, field="date_de_naissance_apprenant"):
    return validate_dossier({**MINIMAL, field: value})


ACCEPTED = [
    ("2024-01-01", utc(2024, 1, 1)),
    ("2005-11-03T00:00:00.000Z", utc(2005, 11, 3)),
    ("2025-11-17T09:12:00Z", utc(2025, 11, 17, 9, 12)),
    # An offset is honoured.
    ("2024-09-01T00:00:00.000+02:00", utc(2024, 8, 31, 22)),
    ("2024-09-01T00:00:00+0200", utc(2024, 8, 31, 22)),
    ("2024-12-31T23:59:59.999-01:00", utc(2025, 1, 1, 0, 59, 59, 999000)),
    # Date-only and zone-less date-times are UTC (the server's local time).
    ("2024-01-01T10:00", utc(2024, 1, 1, 10)),
    ("2024-01-01 10:00", utc(2024, 1, 1, 10)),
    ("2024-01-01 10:00:00 -05:30", utc(2024, 1, 1, 15, 30)),
    # Days 29 to 31 roll over into the next month (V8).
    ("2024-02-30", utc(2024, 3, 1)),
    ("2024-04-31", utc(2024, 5, 1)),
    ("2023-02-29", utc(2023, 3, 1)),
    ("2023-02-31", utc(2023, 3, 3)),
    ("2024-02-29", utc(2024, 2, 29)),
    ("2024-01-31", utc(2024, 1, 31)),
    # Trimmed after the prefix check.
    ("2024-01-01 ", utc(2024, 1, 1)),
    ("2024-01-01\u00a0\n", utc(2024, 1, 1)),
    ("2024-01-01" + " " * 5000, utc(2024, 1, 1)),
    # What else V8 makes of it.
    ("2024-01-01T24:00", utc(2024, 1, 2)),
    ("2024-01-01T10:00:00.1234567Z", utc(2024, 1, 1, 10, 0, 0, 123000)),
    ("2024-01-01T10:00:00.5Z", utc(2024, 1, 1, 10, 0, 0, 500000)),
    ("2024-01-01t10:00:00z", utc(2024, 1, 1, 10)),
    # V8 skips the leading zeros of a numeral, then keeps 9 digits: a long fraction can give a surprising result.
    ("2024-01-01T10:00:00.0001234567891Z", utc(2024, 1, 1, 10, 0, 0, 123000)),
    ("2024-01-01T10:00:00.0001Z", utc(2024, 1, 1, 10)),
    ("2024-01-01 0000000010:00", utc(2024, 1, 1, 10)),
    ("2024-01-01 10:00 PM", utc(2024, 1, 1, 22)),
    ("2024-01-01 10:00 +0200", utc(2024, 1, 1, 8)),
    ("2024-01-01 10:00 GMT+2", utc(2024, 1, 1, 8)),
    ("2024-01-01 10:00 UTC", utc(2024, 1, 1, 10)),
    ("2024-01-01 (commentaire)", utc(2024, 1, 1)),
    ("2024-01-01.", utc(2024, 1, 1)),
    ("2024-01-011", utc(2024, 1, 11)),
    ("2024-06-15 Jun", utc(2024, 6, 6)),
    # V8's legacy parser reads a two-digit year as 20xx and "0010-01-01" as month 10, day 1, year (20)01.
    ("0010-01-01 10:00", utc(2001, 10, 1, 10)),
    ("0001-01-01", utc(1, 1, 1)),
    ("9999-12-31T23:59:59.999Z", utc(9999, 12, 31, 23, 59, 59, 999000)),
]


@pytest.mark.parametrize(("value", "expected"), ACCEPTED)
def test_accepted(value, expected):
    result = check(value)

    assert result.errors == []
    assert result.normalized["date_de_naissance_apprenant"] == expected
    assert result.normalized["date_de_naissance_apprenant"].tzinfo is dt.UTC
    assert result.stored["date_de_naissance_apprenant"] == value  # stored raw


INVALID_DATE = [
    "2024-02-32",  # day 32+: V8 only takes days 1 to 31, so no roll-over here
    "2024-13-01",
    "2024-00-10",
    "2024-01-00",
    "2024-01-01garbage",
    "2024-01-01 x",
    "2024-01-01T25:00",
    "2024-01-01T24:01",
    "2024-01-01T10",
    "2024-01-01T10:60",
    "2024-01-01T10:00:60",
    "2024-09-01T00:00:00+02",
    "2024-01-01T10:00:00+24:00",
    "2024-01-01T10:00:00 Z",
    "2024-01-01-05",
    "2024-01-01 10.30",
    "2024-01-01 PM",
    "0015-01-01 10:00",
    "2000-02-0000000200",  # day 200 once the leading zeros are skipped
    "2024-01-01 10:00 +00000000001",
]


@pytest.mark.parametrize("value", INVALID_DATE)
def test_invalid_date(value):
    result = check(value)

    assert result.errors == [
        {"message": "Invalid date", "path": ["date_de_naissance_apprenant"], "code": "date_impossible"}
    ]
    assert "date_de_naissance_apprenant" not in result.normalized


@pytest.mark.parametrize(
    "value",
    [
        "0000-01-01",  # year 0 exists in JavaScript, not in Python
        "0001-01-01T00:00:00+00:01",  # falls on year 0
        "2024-01-01" + "," * (MAX_DATE_LENGTH + 1),  # V8 would read this one: TDBA does not parse such strings
    ],
)
def test_deliberate_differences_give_invalid_date(value):
    assert [e["message"] for e in check(value).errors] == ["Invalid date"]


@pytest.mark.parametrize(
    "value",
    [
        "14/03/2006",
        " 2024-01-01",  # the prefix is checked before trimming
        "20240101",
        "2024-1-01",
        "24-01-01",
        "\u0662\u0660\u0662\u0664-01-01",  # Arabic-Indic digits are not [0-9]
        "",
        1704067200000,  # an epoch in milliseconds
        20240101,
        True,
        ["2024-01-01"],
        {"date": "2024-01-01"},
    ],
)
def test_date_invalide(value):
    result = check(value)

    assert result.errors == [
        {"message": "Date invalide", "path": ["date_de_naissance_apprenant"], "code": "date_invalide"}
    ]


@pytest.mark.parametrize("field", DATE_FIELDS)
def test_every_date_field_parses_and_rejects_alike(field):
    assert check("2024-02-30", field).normalized[field] == utc(2024, 3, 1)
    assert [e["message"] for e in check("2024-13-01", field).errors] == ["Invalid date"]
    assert [e["message"] for e in check("01/03/2024", field).errors] == ["Date invalide"]


@pytest.mark.parametrize(
    "field",
    ["date_de_naissance_apprenant", "date_inscription_formation", "date_entree_formation", "date_fin_formation"],
)
def test_required_dates_missing(field):
    item = {key: value for key, value in MINIMAL.items() if key != field}

    assert validate_dossier(item).errors == [
        {"message": "Champ obligatoire", "path": [field], "code": "champ_obligatoire"}
    ]


def test_optional_dates_absent_or_null_are_fine():
    result = validate_dossier({**MINIMAL, "date_metier_mise_a_jour_statut": None, "contrat_date_debut": None})

    assert result.is_valid
    assert "contrat_date_debut" not in result.normalized


def test_cached_results_are_not_shared_between_calls():
    first = check("2024-02-30").normalized["date_de_naissance_apprenant"]
    second = check("2024-02-30").normalized["date_de_naissance_apprenant"]

    assert first == second == utc(2024, 3, 1)


@settings(max_examples=300, deadline=None)
@given(st.datetimes(min_value=dt.datetime(1, 1, 2), max_value=dt.datetime(9999, 12, 30)))
def test_iso_strings_round_trip(moment):
    moment = moment.replace(microsecond=moment.microsecond // 1000 * 1000, tzinfo=dt.UTC)
    text = moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")

    assert parse_js_date(text) == moment
    assert parse_js_date(text[:10]) == moment.replace(hour=0, minute=0, second=0, microsecond=0)


@settings(max_examples=300, deadline=None)
@given(
    st.integers(1970, 2100),
    st.integers(1, 12),
    st.integers(1, 31),
    st.integers(-23, 23),
    st.integers(0, 59),
)
def test_offsets_and_roll_over_follow_javascript(year, month, day, offset_hours, offset_minutes):
    sign = "-" if offset_hours < 0 else "+"
    text = f"{year:04d}-{month:02d}-{day:02d}T12:00:00{sign}{abs(offset_hours):02d}:{offset_minutes:02d}"
    offset = dt.timedelta(hours=abs(offset_hours), minutes=offset_minutes)
    # JavaScript's Date.UTC(year, month - 1, day) also rolls days over.
    expected = utc(year, month, 1, 12) + dt.timedelta(days=day - 1) + (offset if sign == "-" else -offset)

    assert parse_js_date(text) == expected
    assert parse_js_date(text[:-6] + text[-6:].replace(":", "")) == expected  # the ±hhmm form
