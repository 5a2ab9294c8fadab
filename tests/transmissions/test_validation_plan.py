"""The plans written as functions (dossier._compile) do what a loop over their steps does."""

import math
import random

import pytest

from bench.generate import RecordFactory
from tests.transmissions.conftest import FORMATEUR, RESPONSABLE, dossier
from tests.transmissions.test_validation_dates import ACCEPTED as DATES_ACCEPTED
from tests.transmissions.test_validation_dates import INVALID_DATE
from tests.transmissions.test_validation_fields import ACCEPTED, REJECTED
from transmissions.exemples import SAMPLE_ABANDON, SAMPLE_FULL, SAMPLE_MINIMAL
from transmissions.validation import DATE_FIELDS
from transmissions.validation import dossier as plans
from transmissions.validation.errors import _Fail


def _run_steps(steps, item):
    """The loop that validate_dossier ran before its plans were written as functions (session 6)."""
    normalized, errors, stored, changed = {}, [], {}, []
    get = item.get
    for name, check, missing in steps:
        value = get(name)
        if value is None:
            if missing is not None:
                errors.append({"message": missing, "path": [name], "code": "champ_obligatoire"})
            continue
        stored[name] = value
        result = check(value)
        if result.__class__ is _Fail:
            for message, code in result.issues:
                errors.append({"message": message, "path": [name], "code": code})
        else:
            normalized[name] = result
            # Dates are no longer told apart as changed: the delta leaves them out since session 6 (compact.py).
            if name not in DATE_FIELDS and (
                result is not value and (result.__class__ is not value.__class__ or result != value)
            ):
                changed.append(name)
    return stored, normalized, errors, changed


def _records() -> list:
    factory = RecordFactory(random.Random(5))
    responsable = {"uai": RESPONSABLE["uai"], "siret": RESPONSABLE["siret"]}
    formateur = {"uai": FORMATEUR["uai"], "siret": FORMATEUR["siret"], "code_postal": "80000", "departement": "80"}
    records = [factory.record(responsable=responsable, formateur=formateur, annee=2025) for _ in range(500)]
    records += [SAMPLE_MINIMAL, SAMPLE_FULL, SAMPLE_ABANDON, {}, {"nom_apprenant": None}, {"bidule": 1}]
    records += [dossier(**{field: value}) for field, value, _ in ACCEPTED + REJECTED]
    records += [dossier(date_entree_formation=text) for text, _ in DATES_ACCEPTED]
    records += [dossier(contrat_date_debut=text) for text in INVALID_DATE]
    # Every required field missing, one at a time, in turn with a refused value next to it.
    required = [name for name, _, missing in plans._INPUT_PLAN.steps if missing is not None]
    records += [{k: v for k, v in dossier(sexe_apprenant="Homme").items() if k != name} for name in required]
    return records


def _same(left, right) -> bool:
    """Equal, with the same types and the same key order (a NaN is not equal to itself)."""
    if type(left) is not type(right):
        return False
    if isinstance(left, dict):
        return list(left) == list(right) and all(_same(left[k], right[k]) for k in left)
    if isinstance(left, list | tuple):
        return len(left) == len(right) and all(_same(a, b) for a, b in zip(left, right, strict=True))
    if isinstance(left, float) and math.isnan(left):
        return math.isnan(right)
    return left == right


@pytest.mark.parametrize(
    ("plan", "valid_at_least"),
    [
        (plans._INPUT_PLAN, 300),
        (plans._UPLOAD_PLAN, 200),  # five more required fields
        (plans._lookup_plan({"0802004U", "0755805c"}, {"77568013501139"}), 0),  # all name the unknown formateur
    ],
    ids=["api", "upload", "upload with lookups"],
)
def test_a_plan_written_as_a_function_runs_as_its_steps(plan, valid_at_least):
    records = _records()
    refused = 0
    for record in records:
        compiled, looped = plan.run(record), _run_steps(plan.steps, record)
        assert _same(compiled, looped), record
        refused += bool(looped[2])
    # The corpus goes both ways: many records valid, many refused, the missing ones included.
    assert refused > 100 and len(records) - refused >= valid_at_least
