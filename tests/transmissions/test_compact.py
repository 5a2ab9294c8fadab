"""The normalised values kept at receipt give the worker exactly what validating again would (compact.py)."""

import datetime as dt
import json
import random

import pytest

from bench.generate import RecordFactory
from tests.transmissions.conftest import FORMATEUR, RESPONSABLE, dossier
from tests.transmissions.test_validation_dates import ACCEPTED as DATES_ACCEPTED
from tests.transmissions.test_validation_fields import ACCEPTED as FIELDS_ACCEPTED
from transmissions.exemples import SAMPLE_ABANDON, SAMPLE_FULL, SAMPLE_MINIMAL
from transmissions.validation import DATE_FIELDS, strip_nulls, validate_dossier
from transmissions.validation.compact import (
    NORMALISATION_VERSION,
    VERSION_KEY,
    normalized_delta,
    normalized_from_delta,
)


def _through_the_queue(record: dict) -> tuple[dict, dict]:
    """Validate as the receipt does, then store and read back as JSON as the queue does: (expected, rebuilt)."""
    validation = validate_dossier(strip_nulls(record))
    assert validation.is_valid, validation.errors
    payload = {k: v for k, v in validation.stored.items() if k != "has_nir"}
    delta = normalized_delta(validation.normalized, validation.stored, validation.changed)
    # What validate_dossier saw change is enough: comparing every value gives the same delta.
    assert delta == normalized_delta(validation.normalized, validation.stored)
    payload, delta = json.loads(json.dumps(payload)), json.loads(json.dumps(delta))
    rebuilt = normalized_from_delta(payload, delta, has_nir=validation.stored["has_nir"])
    return validation.normalized, rebuilt


def _assert_same(expected: dict, rebuilt: dict) -> None:
    assert rebuilt == expected
    for name, value in expected.items():  # the same types too: 1 is not True, a datetime keeps its zone
        assert type(rebuilt[name]) is type(value), name
        if isinstance(value, dt.datetime):
            assert rebuilt[name].utcoffset() == value.utcoffset(), name


def _bench_records(count: int) -> list[dict]:
    factory = RecordFactory(random.Random(7))
    responsable = {"uai": RESPONSABLE["uai"], "siret": RESPONSABLE["siret"]}
    formateur = {"uai": FORMATEUR["uai"], "siret": FORMATEUR["siret"], "code_postal": "80000", "departement": "80"}
    return [factory.record(responsable=responsable, formateur=formateur, annee=2025) for _ in range(count)]


def test_the_bench_records_come_back_as_validated():
    records = _bench_records(3000)
    for record in records:
        _assert_same(*_through_the_queue(record))
    # The corpus exercises what normalisation changes: "H" read as "M", integers as ids, and dates not written as
    # "YYYY-MM-DD" (read again by the worker: never in the delta).
    deltas = [normalized_delta(v.normalized, v.stored) for v in map(validate_dossier, records[:500]) if v.is_valid]
    changed = {name for delta in deltas for name in delta}
    assert {"nom_apprenant", "sexe_apprenant", "id_erp_apprenant"} <= changed
    assert not changed & set(DATE_FIELDS)
    assert any(len(record["date_de_naissance_apprenant"]) != 10 for record in records)


@pytest.mark.parametrize(("field", "value", "expected"), FIELDS_ACCEPTED)
def test_every_accepted_value_comes_back_as_validated(field, value, expected):
    _assert_same(*_through_the_queue(dossier(**{field: value})))


@pytest.mark.parametrize(("text", "expected"), DATES_ACCEPTED)
@pytest.mark.parametrize("field", ["date_de_naissance_apprenant", "contrat_date_rupture_3"])
def test_every_accepted_date_comes_back_to_the_same_instant_and_zone(field, text, expected):
    expected_normalized, rebuilt = _through_the_queue(dossier(**{field: text}))
    _assert_same(expected_normalized, rebuilt)
    assert rebuilt[field] == expected


@pytest.mark.parametrize("sample", [SAMPLE_MINIMAL, SAMPLE_FULL, SAMPLE_ABANDON])
def test_the_documented_samples_come_back_as_validated(sample):
    _assert_same(*_through_the_queue(sample))


def test_a_record_with_a_nir_keeps_only_the_flag():
    validation = validate_dossier(dossier(nir_apprenant="1 84 12 75 123 456 78"))
    delta = normalized_delta(validation.normalized, validation.stored)

    assert "nir_apprenant" not in json.dumps(delta) and "has_nir" not in delta
    assert normalized_from_delta(validation.stored, delta, has_nir=True)["has_nir"] is True


def test_a_record_sent_as_normalised_keeps_only_the_version():
    validation = validate_dossier(dossier(nom_apprenant="LEFEBVRE", duree_theorique_formation=2))

    assert normalized_delta(validation.normalized, validation.stored) == {VERSION_KEY: NORMALISATION_VERSION}


def test_a_value_that_normalisation_adds_is_kept():
    validation = validate_dossier(dossier(duree_theorique_formation_mois=..., nom_apprenant="Petit"))

    delta = normalized_delta(validation.normalized, validation.stored)

    assert delta == {
        VERSION_KEY: NORMALISATION_VERSION,
        "nom_apprenant": "PETIT",
        "duree_theorique_formation": None,
        "duree_theorique_formation_mois": None,
    }


@pytest.mark.parametrize(
    "delta", [None, {}, {VERSION_KEY: NORMALISATION_VERSION - 1}, {VERSION_KEY: str(NORMALISATION_VERSION)}]
)
def test_no_delta_or_another_version_means_validating_again(delta):
    assert normalized_from_delta(dossier(), delta, has_nir=False) is None


def test_a_stored_date_the_check_refuses_means_validating_again():
    # A payload changed after its receipt (by hand, or a check made stricter without a new version): the worker gets
    # None and validates the record again, which gives it its errors.
    validation = validate_dossier(dossier())
    delta = normalized_delta(validation.normalized, validation.stored, validation.changed)
    payload = {**validation.stored, "date_entree_formation": "le 2 septembre"}

    assert normalized_from_delta(validation.stored, delta, has_nir=False) is not None
    assert normalized_from_delta(payload, delta, has_nir=False) is None


def test_only_date_fields_are_read_as_dates():
    record = dossier(cause_exclusion_formation="2024-01-01", date_exclusion_formation="2024-01-02")
    expected, rebuilt = _through_the_queue(record)

    assert rebuilt["cause_exclusion_formation"] == "2024-01-01"
    assert isinstance(rebuilt["date_exclusion_formation"], dt.datetime)
    assert {name for name in DATE_FIELDS if name in rebuilt} == {name for name in DATE_FIELDS if name in expected}
