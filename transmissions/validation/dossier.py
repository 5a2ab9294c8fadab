"""One whole record: the validation plans and the public API (spec api-v3.md §1.4 step B, §2.5, §2.6, §3.3).

``validate_dossier`` runs a plan, the field checks in the reference's order, over one record; the other functions
are the errors and cross-field checks of the worker and the helpers of the upload service.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from transmissions.validation.errors import (
    _ISSUE_SIRET_INCONNU,
    _ISSUE_UAI_INCONNUE,
    MESSAGE_DATES_FORMATION,
    MESSAGE_NOT_AN_OBJECT,
    MESSAGE_ORGANISME_FORMATEUR_NON_TROUVE,
    MESSAGE_ORGANISME_RESPONSABLE_NON_TROUVE,
    PATH_ORGANISME_FORMATEUR,
    PATH_ORGANISME_RESPONSABLE,
    _Fail,
)
from transmissions.validation.fields import (
    _cached_for_strings,
    _check_annee_formation,
    _check_annee_scolaire,
    _check_api_version,
    _check_boolean,
    _check_cfd,
    _check_code_postal,
    _check_code_postal_or_null,
    _check_custom_statut,
    _check_date,
    _check_dernier_organisme_uai,
    _check_derniere_situation,
    _check_email,
    _check_email_untrimmed,
    _check_id_erp,
    _check_ine,
    _check_insee,
    _check_libelle_court,
    _check_nom,
    _check_prenom,
    _check_rncp,
    _check_sexe,
    _check_siret,
    _check_siret_or_null,
    _check_source_organisme_id,
    _check_statut,
    _check_string,
    _check_string_trimmed,
    _check_type_cfa,
    _check_uai,
    _number_or_null,
    _siret_text,
    _uai_text,
    _with_lookup,
)
from transmissions.validation.js import _js_truthy
from transmissions.validation.schema import (
    _BASE_ORDER,
    BOOLEAN_FIELDS,
    CONTRACT_SUFFIXES,
    DATE_FIELDS,
    REQUIRED_FIELDS,
    SERVER_FIELDS,
    SIRET_LOOKUP_FIELDS,
    UAI_LOOKUP_FIELDS,
    UPLOAD_REQUIRED_FIELDS,
)
from transmissions.validation.telephone import _check_tel

_CHECKS = {
    "nom_apprenant": _check_nom,
    "prenom_apprenant": _check_prenom,
    "id_erp_apprenant": _check_id_erp,
    "ine_apprenant": _check_ine,
    "sexe_apprenant": _check_sexe,
    "email_contact": _check_email,
    "tel_apprenant": _check_tel,
    "adresse_apprenant": _check_string_trimmed,
    "code_postal_apprenant": _check_code_postal,
    "code_postal_de_naissance_apprenant": _check_code_postal_or_null,
    "code_commune_insee_apprenant": _check_insee,
    "code_commune_insee_de_naissance_apprenant": _check_insee,
    "responsable_apprenant_mail1": _check_email,
    "responsable_apprenant_mail2": _check_email,
    "derniere_situation": _check_derniere_situation,
    "dernier_organisme_uai": _check_dernier_organisme_uai,
    "type_cfa": _check_type_cfa,
    "annee_scolaire": _cached_for_strings(_check_annee_scolaire, 256),
    "statut_apprenant": _check_statut,
    "custom_statut_apprenant": _check_custom_statut,
    "formation_cfd": _cached_for_strings(_check_cfd),
    "formation_rncp": _cached_for_strings(_check_rncp),
    "libelle_court_formation": _check_libelle_court,
    "annee_formation": _check_annee_formation,
    "duree_theorique_formation": _number_or_null(1, 4),
    "duree_theorique_formation_mois": _number_or_null(1, 48),
    "cause_exclusion_formation": _check_string,
    "nom_referent_handicap_formation": _check_string,
    "prenom_referent_handicap_formation": _check_string,
    "email_referent_handicap_formation": _check_email_untrimmed,
    **{f"cause_rupture_contrat{suffix}": _check_string for suffix in CONTRACT_SUFFIXES},
    **{f"siret_employeur{suffix}": _check_siret_or_null for suffix in CONTRACT_SUFFIXES},
    **dict.fromkeys(UAI_LOOKUP_FIELDS, _check_uai),
    **dict.fromkeys(SIRET_LOOKUP_FIELDS, _check_siret),
    "etablissement_lieu_de_formation_uai": _check_uai,
    "etablissement_lieu_de_formation_siret": _check_siret_or_null,
    "etablissement_lieu_de_formation_adresse": _check_string_trimmed,
    "etablissement_lieu_de_formation_code_postal": _check_code_postal,
    "api_version": _check_api_version,
    "source_organisme_id": _check_source_organisme_id,
    **dict.fromkeys(DATE_FIELDS, _cached_for_strings(_check_date, 16384)),
    **dict.fromkeys(BOOLEAN_FIELDS, _check_boolean),
}
# Message of a missing required field: zod's type error, except where the field's own error map says otherwise.
_MISSING_MESSAGES = {
    **dict.fromkeys(UPLOAD_REQUIRED_FIELDS, "String attendu"),
    **dict.fromkeys(DATE_FIELDS, "Champ obligatoire"),
    "sexe_apprenant": "M, H ou F attendu",
    "annee_formation": "Number attendu",
}

# What a plan's run returns for a record: (stored, normalized, errors, changed), see DossierValidation.
_Run = Callable[[Mapping[str, Any]], tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]], list[str]]]


@dataclass(frozen=True, slots=True)
class _Plan:
    """The schema as (field, check, message when missing or None) in the reference's order, and ``run``: those
    steps as one function, written for the plan (:func:`_compile`)."""

    steps: tuple[tuple[str, Any, str | None], ...]
    run: _Run


def _plan(order: Iterable[str], required: tuple[str, ...], checks: Mapping[str, Any]) -> _Plan:
    steps = tuple((name, checks[name], _MISSING_MESSAGES[name] if name in required else None) for name in order)
    return _Plan(steps, _compile(steps))


_DATE_FIELDS = frozenset(DATE_FIELDS)
# One step of a plan, as _compile writes it: {n} is the field's name and {i} its check's index, both as literals.
_STEP = """
    value = get({n})
    if value is None:{missing}
    else:
        stored[{n}] = value
        result = check_{i}(value)
        if result.__class__ is _Fail:
            for message, code in result.issues:
                errors.append({{"message": message, "path": [{n}], "code": code}})
        else:
            normalized[{n}] = result{changed}"""
# Whether a value changed, for all fields but dates: the delta kept at receipt leaves them out (compact.py).
_CHANGED_STEP = """
            if result is not value and (result.__class__ is not value.__class__ or result != value):
                changed.append({n})"""
_MISSING_STEP = """
        errors.append({{"message": {m}, "path": [{n}], "code": "champ_obligatoire"}})"""


def _compile(steps: tuple[tuple[str, Any, str | None], ...]) -> _Run:
    """The steps as one function, the loop over them unrolled: each field's name, check and message are constants
    there, and nothing is unpacked nor looped over for the ~90 fields of a record (~15 % of the validation time,
    docs/performance.md). It does what a loop over the steps would do, step by step (tests/transmissions/
    test_validation_plan.py compares the two on the bench's records and on every field's accepted and refused
    values)."""
    body = ""
    for i, (name, _, missing) in enumerate(steps):
        when_missing = _MISSING_STEP.format(m=repr(missing), n=repr(name)) if missing is not None else " pass"
        when_changed = _CHANGED_STEP.format(n=repr(name)) if name not in _DATE_FIELDS else ""
        body += _STEP.format(n=repr(name), i=i, missing=when_missing, changed=when_changed)
    checks = ", ".join(f"check_{i}=check_{i}" for i in range(len(steps)))
    source = (
        f"def run(item, _Fail=_Fail, {checks}):\n"
        "    get = item.get\n"
        "    stored, normalized, errors, changed = {}, {}, [], []"
        f"{body}\n"
        "    return stored, normalized, errors, changed\n"
    )
    namespace = {"_Fail": _Fail, **{f"check_{i}": check for i, (_, check, _) in enumerate(steps)}}
    exec(compile(source, "<validation plan>", "exec"), namespace)  # noqa: S102 - our own constants, not input
    return namespace["run"]


# The server fields come last in the schema: checked after the others, stored, never normalised. `source` has no
# check, the service overwrites it before validating (§1.4 step B.2).
_INPUT_PLAN = _plan((name for name in _BASE_ORDER if name != "has_nir"), REQUIRED_FIELDS, _CHECKS)
_SERVER_PLAN = (
    ("api_version", _check_api_version),
    ("source", None),
    ("source_organisme_id", _check_source_organisme_id),
)
# The upload checks with the base schema: no nir_apprenant nor server fields, but a has_nir that must be a boolean.
_UPLOAD_ORDER = tuple(name for name in _BASE_ORDER if name not in SERVER_FIELDS)
_UPLOAD_CHECKS = {**_CHECKS, "has_nir": _check_boolean}
_UPLOAD_PLAN = _plan(_UPLOAD_ORDER, UPLOAD_REQUIRED_FIELDS, _UPLOAD_CHECKS)
# The last upload plan with lookups, keyed by the identity of the collections it was built from: pass the same
# collections for every record of a batch, and new ones for the next batch.
_lookup_plan_cache: tuple[Any, Any, _Plan] = ((), (), _UPLOAD_PLAN)


def _lookup_plan(unknown_uais: Collection[str], unknown_sirets: Collection[str]) -> _Plan:
    global _lookup_plan_cache
    cached_uais, cached_sirets, plan = _lookup_plan_cache
    if cached_uais is unknown_uais and cached_sirets is unknown_sirets:
        return plan
    uais, sirets = frozenset(unknown_uais), frozenset(unknown_sirets)
    uai_check = _with_lookup(_check_uai, _uai_text, uais, _ISSUE_UAI_INCONNUE)
    siret_check = _with_lookup(_check_siret, _siret_text, sirets, _ISSUE_SIRET_INCONNU)
    checks = {**_UPLOAD_CHECKS, **dict.fromkeys(UAI_LOOKUP_FIELDS, uai_check)}
    checks.update(dict.fromkeys(SIRET_LOOKUP_FIELDS, siret_check))
    plan = _plan(_UPLOAD_ORDER, UPLOAD_REQUIRED_FIELDS, checks)
    _lookup_plan_cache = (unknown_uais, unknown_sirets, plan)
    return plan


# ----------------------------------------------------------------------------------------------------------------
# Public API
# ----------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DossierValidation:
    """Outcome of :func:`validate_dossier`.

    ``normalized``: the values the worker uses (only keys sent and valid, plus ``has_nir`` and the two
    ``duree_theorique_formation*`` keys, which are always there). ``errors``: ``{"message", "path", "code"}`` dicts
    in the reference's order. ``stored``: the queue copy of §1.4 step B.3/B.4 (raw values of the schema's keys,
    ``nir_apprenant`` replaced by ``has_nir``).
    """

    normalized: dict[str, Any]
    errors: list[dict[str, Any]]
    stored: dict[str, Any]
    # The names whose normalised value is not the raw one (dates apart, always normalised and never in the delta):
    # see compact.normalized_delta.
    changed: tuple[str, ...] | list[str] = ()

    @property
    def is_valid(self) -> bool:
        """True when the record has no error."""
        return not self.errors


def make_error(message: str, path: Iterable[str], code: str) -> dict[str, Any]:
    """An error in the shape every TDBA surface shows: the reference's {message, path} plus the rule code."""
    return {"message": message, "path": list(path), "code": code}


def strip_nulls(item: Mapping[str, Any]) -> dict[str, Any]:
    """§1.4 step B.1: drop the top-level keys whose value is null (shallow; "" is kept)."""
    return {key: value for key, value in item.items() if value is not None}


def validate_dossier(
    item: Any,
    *,
    strict_upload: bool = False,
    unknown_uais: Collection[str] = (),
    unknown_sirets: Collection[str] = (),
) -> DossierValidation:
    """Normalise and check one record as `POST /api/v3/dossiers-apprenants` does (§1.4 step B, §2).

    ``item`` is one element of the JSON array, as ``json.loads`` gives it. Null values count as absent. With
    ``strict_upload`` the Excel upload's schema applies (§2.6): five more required fields, and the responsable and
    formateur UAI/SIRET found in ``unknown_uais`` / ``unknown_sirets`` (see :func:`collect_establishment_identifiers`)
    fail with "UAI non valide" / "Siret non valide".
    """
    if not isinstance(item, dict):
        error = make_error(MESSAGE_NOT_AN_OBJECT, [], "enregistrement_invalide")
        return DossierValidation(normalized={"has_nir": False}, errors=[error], stored={"has_nir": False})
    plan = _INPUT_PLAN
    if strict_upload:
        plan = _lookup_plan(unknown_uais, unknown_sirets) if unknown_uais or unknown_sirets else _UPLOAD_PLAN
    stored, normalized, errors, changed = plan.run(item)
    get = item.get
    for name, check in _SERVER_PLAN:
        value = get(name)
        if value is not None:
            stored[name] = value
            # The upload schema has no server fields: stored (then overwritten by the service) but not checked.
            if check is not None and not strict_upload and (result := check(value)).__class__ is _Fail:
                errors.extend({"message": message, "path": [name], "code": code} for message, code in result.issues)
    # §1.4 step B.4: the flag is the truthiness of the raw value (so " - " counts), and the NIR goes no further. A
    # has_nir sent by the client is ignored (the upload schema checks its type, then it is overwritten too).
    stored.pop("has_nir", None)
    stored["has_nir"] = normalized["has_nir"] = _js_truthy(get("nir_apprenant"))
    normalized.setdefault("duree_theorique_formation", None)
    normalized.setdefault("duree_theorique_formation_mois", None)
    return DossierValidation(normalized=normalized, errors=errors, stored=stored, changed=changed)


def cfd_normalise(value: Any) -> str | None:
    """A formation's CFD as a record's is kept (trimmed, in capitals), None if invalid: for référentiel files."""
    result = _check_cfd(value)
    return None if result.__class__ is _Fail else result


def rncp_normalise(value: Any) -> str | None:
    """An RNCP code as a record's is kept ("RNCP" + 2 to 5 digits, the bare number accepted), None if invalid."""
    result = _check_rncp(value)
    return None if result.__class__ is _Fail else result


def collect_establishment_identifiers(items: Iterable[Any]) -> tuple[set[str], set[str]]:
    """Distinct raw string UAIs and SIRETs of the responsables and formateurs of a batch (§2.6).

    The upload service looks each one up as sent (not normalised) and passes those not found to
    :func:`validate_dossier` as ``unknown_uais`` / ``unknown_sirets``.
    """
    uais: set[str] = set()
    sirets: set[str] = set()
    for item in items:
        if isinstance(item, dict):
            uais.update(value for name in UAI_LOOKUP_FIELDS if isinstance(value := item.get(name), str))
            sirets.update(value for name in SIRET_LOOKUP_FIELDS if isinstance(value := item.get(name), str))
    return uais, sirets


def organisme_formateur_non_trouve() -> dict[str, Any]:
    """The worker's error when no organisme has the formateur's (UAI, SIRET) couple (§2.5 item 1)."""
    return make_error(
        MESSAGE_ORGANISME_FORMATEUR_NON_TROUVE, PATH_ORGANISME_FORMATEUR, "organisme_formateur_non_trouve"
    )


def organisme_responsable_non_trouve() -> dict[str, Any]:
    """The worker's error when no organisme has the responsable's (UAI, SIRET) couple (§2.5 item 2)."""
    return make_error(
        MESSAGE_ORGANISME_RESPONSABLE_NON_TROUVE, PATH_ORGANISME_RESPONSABLE, "organisme_responsable_non_trouve"
    )


def organisme_not_found_errors(*, formateur_found: bool, responsable_found: bool) -> list[dict[str, Any]]:
    """Both errors above as needed, formateur first as the worker adds them (§3.3 step 2.3)."""
    errors = [] if formateur_found else [organisme_formateur_non_trouve()]
    return errors if responsable_found else [*errors, organisme_responsable_non_trouve()]


def coherence_errors(normalized: Mapping[str, Any], *, organismes_found: bool = True) -> list[dict[str, Any]]:
    """The worker's cross-field checks on a valid record's normalised values (§2.5 items 3-4).

    Contract completeness for each of the four contracts, then, only when both organismes were found (the worker
    stops before otherwise, §3.3), the order of the training dates.
    """
    errors = []
    for suffix in CONTRACT_SUFFIXES:
        debut = f"contrat_date_debut{suffix}"
        others = (f"contrat_date_fin{suffix}", f"cause_rupture_contrat{suffix}", f"contrat_date_rupture{suffix}")
        present = [name for name in others if normalized.get(name)]
        if present and not normalized.get(debut):
            errors.append(
                make_error(
                    f"Information de contrat incomplète : {debut} manquant mais ce champ est renseigné",
                    present,
                    "contrat_incomplet",
                )
            )
            errors.append(
                make_error(
                    f"Information de contrat incomplète : {others[0]}, {others[1]} ou {others[2]}"
                    f" nécessite la présence de {debut}",
                    [debut],
                    "contrat_incomplet",
                )
            )
    entree, fin = normalized.get("date_entree_formation"), normalized.get("date_fin_formation")
    if organismes_found and entree and fin and fin < entree:
        errors.append(make_error(MESSAGE_DATES_FORMATION, ["date_fin_formation"], "dates_formation_incoherentes"))
    return errors


def count_without_contract(items: Iterable[Mapping[str, Any]]) -> int:
    """§2.6's upload warning: how many records have no contrat_date_debut at all (it never blocks)."""
    names = tuple(f"contrat_date_debut{suffix}" for suffix in CONTRACT_SUFFIXES)
    return sum(1 for item in items if not any(_js_truthy(item.get(name)) for name in names))
