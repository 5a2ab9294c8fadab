"""A valid record's normalised values, kept at receipt so that the worker need not validate it again.

The receipt validates every record (§1.4 step B); the worker needs the same normalised values (§3.3). Validating
twice cost the worker about a quarter of its time (docs/performance.md), so the receipt keeps what normalisation
changed: the *delta* between the normalised values and the record as stored, usually a few keys (names in capitals,
"H" read as "M", telephones). Dates are not in it: the worker reads each date text as the receipt's check did, which
a dictionary keeps by text (a batch shares most of its dates), where writing each date back as text at receipt cost
~7 ms of a 2,000-record answer (version 1). The worker rebuilds the normalised values from the stored record and the
delta, which gives exactly what ``validate_dossier`` returns (tests/transmissions/test_compact.py checks it on the
bench's data and on the validation corpus).

The delta carries ``NORMALISATION_VERSION``: a worker whose normalisation changed since the receipt (a new release
deployed between the two) does not find its version and validates the record again, as it always did.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from transmissions.validation.errors import _Fail
from transmissions.validation.fields import _check_date
from transmissions.validation.schema import DATE_FIELDS, SERVER_FIELDS

# Raise with any change to what validate_dossier normalises (a check, a date rule, a new field), or to the delta.
NORMALISATION_VERSION = 2
VERSION_KEY = "_v"

_DATE_FIELDS = frozenset(DATE_FIELDS)
_DROPPED = frozenset((*SERVER_FIELDS, "has_nir", VERSION_KEY))
# The keys that validate_dossier adds to the normalised values without a raw value (has_nir apart).
_ADDED = ("duree_theorique_formation", "duree_theorique_formation_mois")
_MISSING = object()
# The worker's dates, by the text received: the records of a batch share most of their dates. Bounded above the ~20,000
# texts of the bench's national night (~10 MB at most), emptied when full.
_date_values: dict[str, dt.datetime] = {}
_DATE_VALUES_MAX = 65536


def normalized_delta(
    normalized: Mapping[str, Any], stored: Mapping[str, Any], changed: Iterable[str] | None = None
) -> dict[str, Any]:
    """What the receipt keeps of a valid record's normalised values: those that differ from the stored ones.

    Values are compared with their type (``1`` is not ``True`` nor ``1.0``). Dates are left out (the worker reads
    them again, :func:`normalized_from_delta`) and ``has_nir`` has a column of its own. ``changed``: the names
    validate_dossier saw change (``DossierValidation.changed``), so that the others are not compared again; the
    result is the same.
    """
    delta: dict[str, Any] = {VERSION_KEY: NORMALISATION_VERSION}
    for name in normalized if changed is None else changed:
        value = normalized[name]
        if name == "has_nir" or value.__class__ is dt.datetime:
            continue
        raw = stored.get(name, _MISSING)
        if raw.__class__ is not value.__class__ or raw != value:
            delta[name] = value
    if changed is not None:
        for name in _ADDED:  # added by validation without a raw value, so never "changed"
            if name not in stored:
                delta[name] = normalized[name]
    return delta


def normalized_from_delta(
    payload: Mapping[str, Any], delta: Mapping[str, Any] | None, *, has_nir: bool
) -> dict[str, Any] | None:
    """The normalised values of a stored valid record, or None when they must be computed again (no delta, a delta
    written by another normalisation version, or a date the check refuses: the record then gets its errors)."""
    if delta is None or delta.get(VERSION_KEY) != NORMALISATION_VERSION:
        return None
    normalized = dict(payload)  # a copy in C, then the few keys that are not values: cheaper than filtering
    for name in _DROPPED.intersection(normalized):
        del normalized[name]
    normalized.update(delta)
    del normalized[VERSION_KEY]
    for name in _DATE_FIELDS.intersection(normalized):
        value = normalized[name]
        if value.__class__ is str:
            date = _date_values.get(value)
            if date is None:
                date = _check_date(value)
                if date.__class__ is _Fail:
                    return None
                if len(_date_values) >= _DATE_VALUES_MAX:
                    _date_values.clear()
                _date_values[value] = date
            normalized[name] = date
    normalized["has_nir"] = has_nir
    return normalized
