"""Normalisation and validation of one API v3 "dossier apprenant" record (spec api-v3.md §1.4 step B, §2, §3.11).

Pure package: no Django, no database. The API view, the Excel import and the queue worker share it, so a record means
the same thing whichever way it came. It reproduces the reference's zod schema ``dossierApprenantSchemaV3Input``
with its exact messages (ERPs were tuned against them) and adds a stable rule code to every error
(docs/codes-erreur.md).

The reference runs on Node.js, and ERPs depend on its JavaScript semantics: JSON ``true`` is not a number but
``Number(true)`` is 1, ``String(4.0)`` is "4", ``new Date("2024-02-30")`` is March 1st. The ``_js_*`` helpers
(``js``) and the port of V8's date parser (``dates``) exist for that reason.

Deliberate differences, all documented in docs/codes-erreur.md:

* an item that is not a JSON object gets one ``enregistrement_invalide`` error (the reference spread it into an
  empty object and listed twelve missing fields);
* a date outside years 1-9999 (valid for JavaScript, not for Python) gets "Invalid date";
* a date string longer than ``MAX_DATE_LENGTH`` is not parsed and gets "Invalid date";
* telephones are checked with phonenumbers' metadata, which differ from libphonenumber-js 1.12.36 on a few overseas
  and foreign ranges.

Modules: ``errors`` (messages, rule codes, ``_Fail``), ``schema`` (field lists and order), ``js`` (JavaScript
coercions), ``dates`` (V8's date parser), ``telephone``, ``fields`` (per-field checks), ``dossier`` (plans,
``validate_dossier`` and the worker's errors). This module re-exports their public names, and the private ones the
tests use (every ``_Fail`` and ``_ISSUE_*`` is listed here so that the tests can enumerate the emitted codes).
"""

from __future__ import annotations

from transmissions.validation.dates import (
    MAX_DATE_LENGTH,
    _v8_parse,
    parse_js_date,
)
from transmissions.validation.dossier import (
    DossierValidation,
    cfd_normalise,
    coherence_errors,
    collect_establishment_identifiers,
    count_without_contract,
    make_error,
    organisme_formateur_non_trouve,
    organisme_not_found_errors,
    organisme_responsable_non_trouve,
    rncp_normalise,
    strip_nulls,
    validate_dossier,
)
from transmissions.validation.errors import (
    _F_ANNEE_SCOLAIRE,
    _F_API_VERSION,
    _F_BOOLEAN,
    _F_CFD,
    _F_CODE_POSTAL,
    _F_DATE_INVALIDE,
    _F_DERNIER_ORGANISME,
    _F_DERNIERE_SITUATION,
    _F_EMAIL,
    _F_INSEE,
    _F_INVALID_DATE,
    _F_MIN_1,
    _F_MIN_2,
    _F_NUMBER,
    _F_RNCP,
    _F_SEXE,
    _F_SIRET,
    _F_STATUT,
    _F_STRING,
    _F_TEL_FORMAT,
    _F_TEL_INVALIDE,
    _F_TEL_SPECIAL,
    _F_TYPE_CFA_TYPE,
    _F_UAI,
    _ISSUE_INTEGER,
    _ISSUE_MAX_5,
    _ISSUE_MIN_0,
    _ISSUE_SIRET_INCONNU,
    _ISSUE_UAI_INCONNUE,
    ERROR_CODES,
    MESSAGE_DATES_FORMATION,
    MESSAGE_NOT_AN_OBJECT,
    MESSAGE_ORGANISME_FORMATEUR_NON_TROUVE,
    MESSAGE_ORGANISME_RESPONSABLE_NON_TROUVE,
    MESSAGE_SIRET_NON_VALIDE,
    MESSAGE_UAI_NON_VALIDE,
    PATH_ORGANISME_FORMATEUR,
    PATH_ORGANISME_RESPONSABLE,
    _Fail,
)
from transmissions.validation.schema import (
    BOOLEAN_FIELDS,
    CONTRACT_SUFFIXES,
    DATE_FIELDS,
    DERNIERE_SITUATION_CODES,
    DOCUMENTED_FIELDS,
    FIELDS,
    INTEGER_FIELDS,
    REQUIRED_FIELDS,
    SCHEMA_ORDER,
    SERVER_FIELDS,
    SILENTLY_NULLED_FIELDS,
    SIRET_LOOKUP_FIELDS,
    STATUT_APPRENANT_CODES,
    TYPE_CFA_VALUES,
    UAI_LOOKUP_FIELDS,
    UPLOAD_REQUIRED_FIELDS,
)
from transmissions.validation.telephone import (
    _check_tel,
)

__all__ = [
    "BOOLEAN_FIELDS",
    "CONTRACT_SUFFIXES",
    "DATE_FIELDS",
    "DERNIERE_SITUATION_CODES",
    "DOCUMENTED_FIELDS",
    "ERROR_CODES",
    "FIELDS",
    "INTEGER_FIELDS",
    "MAX_DATE_LENGTH",
    "MESSAGE_DATES_FORMATION",
    "MESSAGE_NOT_AN_OBJECT",
    "MESSAGE_ORGANISME_FORMATEUR_NON_TROUVE",
    "MESSAGE_ORGANISME_RESPONSABLE_NON_TROUVE",
    "MESSAGE_SIRET_NON_VALIDE",
    "MESSAGE_UAI_NON_VALIDE",
    "PATH_ORGANISME_FORMATEUR",
    "PATH_ORGANISME_RESPONSABLE",
    "REQUIRED_FIELDS",
    "SCHEMA_ORDER",
    "SERVER_FIELDS",
    "SILENTLY_NULLED_FIELDS",
    "SIRET_LOOKUP_FIELDS",
    "STATUT_APPRENANT_CODES",
    "TYPE_CFA_VALUES",
    "UAI_LOOKUP_FIELDS",
    "UPLOAD_REQUIRED_FIELDS",
    "_F_ANNEE_SCOLAIRE",
    "_F_API_VERSION",
    "_F_BOOLEAN",
    "_F_CFD",
    "_F_CODE_POSTAL",
    "_F_DATE_INVALIDE",
    "_F_DERNIERE_SITUATION",
    "_F_DERNIER_ORGANISME",
    "_F_EMAIL",
    "_F_INSEE",
    "_F_INVALID_DATE",
    "_F_MIN_1",
    "_F_MIN_2",
    "_F_NUMBER",
    "_F_RNCP",
    "_F_SEXE",
    "_F_SIRET",
    "_F_STATUT",
    "_F_STRING",
    "_F_TEL_FORMAT",
    "_F_TEL_INVALIDE",
    "_F_TEL_SPECIAL",
    "_F_TYPE_CFA_TYPE",
    "_F_UAI",
    "_ISSUE_INTEGER",
    "_ISSUE_MAX_5",
    "_ISSUE_MIN_0",
    "_ISSUE_SIRET_INCONNU",
    "_ISSUE_UAI_INCONNUE",
    "DossierValidation",
    "_Fail",
    "_check_tel",
    "_v8_parse",
    "cfd_normalise",
    "coherence_errors",
    "collect_establishment_identifiers",
    "count_without_contract",
    "make_error",
    "organisme_formateur_non_trouve",
    "organisme_not_found_errors",
    "organisme_responsable_non_trouve",
    "parse_js_date",
    "rncp_normalise",
    "strip_nulls",
    "validate_dossier",
]
