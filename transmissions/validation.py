"""Normalisation and validation of one API v3 "dossier apprenant" record (spec api-v3.md §1.4 step B, §2, §3.11).

Pure module: no Django, no database. The API view, the Excel import and the queue worker share it, so a record means
the same thing whichever way it came. It reproduces the reference's zod schema ``dossierApprenantSchemaV3Input``
with its exact messages (ERPs were tuned against them) and adds a stable rule code to every error
(docs/codes-erreur.md).

The reference runs on Node.js, and ERPs depend on its JavaScript semantics: JSON ``true`` is not a number but
``Number(true)`` is 1, ``String(4.0)`` is "4", ``new Date("2024-02-30")`` is March 1st. The ``_js_*`` helpers and
the port of V8's date parser below exist for that reason.

Deliberate differences, all documented in docs/codes-erreur.md:

* an item that is not a JSON object gets one ``enregistrement_invalide`` error (the reference spread it into an
  empty object and listed twelve missing fields);
* a date outside years 1-9999 (valid for JavaScript, not for Python) gets "Invalid date";
* a date string longer than ``MAX_DATE_LENGTH`` is not parsed and gets "Invalid date";
* telephones are checked with phonenumbers' metadata, which differ from libphonenumber-js 1.12.36 on a few overseas
  and foreign ranges.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import phonenumbers

# ----------------------------------------------------------------------------------------------------------------
# Messages (exact reference wordings, §2.3 to §2.6) and rule codes
# ----------------------------------------------------------------------------------------------------------------

MESSAGE_ORGANISME_FORMATEUR_NON_TROUVE = "organisme formateur non trouvé"
MESSAGE_ORGANISME_RESPONSABLE_NON_TROUVE = "organisme responsable non trouvé"
MESSAGE_DATES_FORMATION = "La date de fin de formation doit être supérieure à la date d'entrée en formation"
MESSAGE_UAI_NON_VALIDE = "UAI non valide"
MESSAGE_SIRET_NON_VALIDE = "Siret non valide"
# TDBA's own wording: the reference has no message for a non-object item (see module docstring).
MESSAGE_NOT_AN_OBJECT = "Le dossier apprenant doit être un objet JSON"
PATH_ORGANISME_FORMATEUR = ("etablissement_formateur_uai", "etablissement_formateur_siret")
PATH_ORGANISME_RESPONSABLE = ("etablissement_responsable_uai", "etablissement_responsable_siret")

_TYPE_CFA_VALUES = ("01", "02", "03", "04", "05", "06", "07", "08", "09", "10")
_TYPE_CFA_EXPECTED = " | ".join(f"'{value}'" for value in _TYPE_CFA_VALUES)

ERROR_CODES: dict[str, str] = {
    "enregistrement_invalide": "Le dossier n'est pas un objet JSON",
    "champ_obligatoire": "Champ obligatoire absent ou null",
    "type_invalide": "Type de valeur JSON non accepté pour ce champ",
    "longueur_minimale": "Texte trop court (après suppression des espaces)",
    "date_invalide": "Date absente du format AAAA-MM-JJ",
    "date_impossible": "Date au format AAAA-MM-JJ mais qui n'existe pas",
    "uai_invalide": "UAI mal formée (7 chiffres et 1 lettre)",
    "siret_invalide": "SIRET mal formé (14 chiffres)",
    "email_invalide": "Adresse électronique mal formée",
    "telephone_format_invalide": "Numéro de téléphone de longueur impossible",
    "telephone_invalide": "Numéro de téléphone non attribuable",
    "telephone_special": "Numéro de téléphone surtaxé, partagé, de messagerie ou de radiomessagerie",
    "code_postal_invalide": "Code postal différent de 5 chiffres",
    "code_insee_invalide": "Code commune INSEE mal formé",
    "sexe_invalide": "Sexe différent de M, H, F, 1 ou 2",
    "derniere_situation_invalide": "Code de dernière situation absent de la nomenclature SIFA",
    "dernier_organisme_uai_invalide": "Ni un département ni une UAI",
    "type_cfa_invalide": "Type de CFA différent de 01 à 10",
    "annee_scolaire_invalide": "Année scolaire différente de AAAA-AAAA (années identiques ou consécutives)",
    "statut_invalide": "Statut différent de 0, 2 ou 3",
    "cfd_invalide": "Code CFD différent de 8 caractères alphanumériques",
    "rncp_invalide": "Code RNCP différent de RNCP suivi de 2 à 5 chiffres",
    "annee_formation_invalide": "Année de formation différente d'un entier de 0 à 5",
    "api_version_invalide": "Version d'API différente de v1, v2, v3 ou vide",
    "uai_inconnue": "UAI absente du référentiel des organismes (import Excel)",
    "siret_inconnu": "SIRET absent du référentiel des organismes (import Excel)",
    "organisme_formateur_non_trouve": "Aucun organisme pour le couple UAI/SIRET formateur",
    "organisme_responsable_non_trouve": "Aucun organisme pour le couple UAI/SIRET responsable",
    "contrat_incomplet": "Contrat renseigné sans date de début",
    "dates_formation_incoherentes": "Date de fin de formation antérieure à la date d'entrée",
}


class _Fail:
    """What a field check returns instead of a value: one or more (message, code) pairs."""

    __slots__ = ("issues",)

    def __init__(self, *issues: tuple[str, str]) -> None:
        self.issues = issues


_F_STRING = _Fail(("String attendu", "type_invalide"))
_F_NUMBER = _Fail(("Number attendu", "type_invalide"))
_F_BOOLEAN = _Fail(("Boolean attendu", "type_invalide"))
_F_MIN_1 = _Fail(("String must contain at least 1 character(s)", "longueur_minimale"))
_F_MIN_2 = _Fail(("String must contain at least 2 character(s)", "longueur_minimale"))
_F_DATE_INVALIDE = _Fail(("Date invalide", "date_invalide"))
_F_INVALID_DATE = _Fail(("Invalid date", "date_impossible"))
_F_UAI = _Fail(("UAI invalide", "uai_invalide"))
_F_SIRET = _Fail(("Siret invalide. Format attendu : 14 chiffres", "siret_invalide"))
_F_EMAIL = _Fail(("Email non valide", "email_invalide"))
_F_TEL_FORMAT = _Fail(("Format invalide", "telephone_format_invalide"))
_F_TEL_INVALIDE = _Fail(("Numéro de téléphone invalide", "telephone_invalide"))
_F_TEL_SPECIAL = _Fail(("Numéro de téléphone est un numéro spécial", "telephone_special"))
_F_CODE_POSTAL = _Fail(("Le code postal doit faire 5 caractères numériques exactement", "code_postal_invalide"))
_F_INSEE = _Fail(("Format invalide", "code_insee_invalide"))
_F_SEXE = _Fail(("M, H ou F attendu", "sexe_invalide"))
_F_DERNIERE_SITUATION = _Fail(("Invalid input", "derniere_situation_invalide"))
_F_DERNIER_ORGANISME = _Fail(("UAI ou département", "dernier_organisme_uai_invalide"))
_F_TYPE_CFA_TYPE = _Fail((f"{_TYPE_CFA_EXPECTED} attendu", "type_cfa_invalide"))
_F_ANNEE_SCOLAIRE = _Fail(
    (
        "Format invalide (format attendu : 2023-2024). Les années doivent être consécutives ou identiques"
        " (ex : 2023-2024 ou 2023-2023)",
        "annee_scolaire_invalide",
    )
)
_F_STATUT = _Fail(("Valeurs possibles: 0,2,3", "statut_invalide"))
_F_CFD = _Fail(("Code CFD invalide", "cfd_invalide"))
_F_RNCP = _Fail(("Code RNCP invalide", "rncp_invalide"))
_F_API_VERSION = _Fail(("Invalid input", "api_version_invalide"))
_ISSUE_INTEGER = ("Integer attendu", "annee_formation_invalide")
_ISSUE_MIN_0 = ("Number must be greater than or equal to 0", "annee_formation_invalide")
_ISSUE_MAX_5 = ("Le chiffre doit être inférieur ou égal à 5", "annee_formation_invalide")
_ISSUE_UAI_INCONNUE = (MESSAGE_UAI_NON_VALIDE, "uai_inconnue")
_ISSUE_SIRET_INCONNU = (MESSAGE_SIRET_NON_VALIDE, "siret_inconnu")

# ----------------------------------------------------------------------------------------------------------------
# Fields
# ----------------------------------------------------------------------------------------------------------------

CONTRACT_SUFFIXES = ("", "_2", "_3", "_4")
SERVER_FIELDS = ("api_version", "source", "source_organisme_id")

# Every key of the input schema in the order of the spec's field table (§2.3): documentation, OpenAPI, Excel.
FIELDS: tuple[str, ...] = (
    *("nom_apprenant", "prenom_apprenant", "date_de_naissance_apprenant", "id_erp_apprenant", "ine_apprenant"),
    *("nir_apprenant", "sexe_apprenant", "date_rqth_apprenant", "rqth_apprenant", "email_contact", "tel_apprenant"),
    *("adresse_apprenant", "code_postal_apprenant", "code_postal_de_naissance_apprenant"),
    *("code_commune_insee_apprenant", "code_commune_insee_de_naissance_apprenant"),
    *("responsable_apprenant_mail1", "responsable_apprenant_mail2", "derniere_situation", "dernier_organisme_uai"),
    *("type_cfa", "annee_scolaire", "statut_apprenant", "date_metier_mise_a_jour_statut", "custom_statut_apprenant"),
    *("date_inscription_formation", "date_entree_formation", "date_fin_formation", "formation_cfd", "formation_rncp"),
    *("libelle_court_formation", "annee_formation", "duree_theorique_formation", "duree_theorique_formation_mois"),
    *("formation_presentielle", "obtention_diplome_formation", "date_obtention_diplome_formation"),
    *("date_exclusion_formation", "cause_exclusion_formation", "nom_referent_handicap_formation"),
    *("prenom_referent_handicap_formation", "email_referent_handicap_formation"),
    *(f"contrat_date_debut{suffix}" for suffix in CONTRACT_SUFFIXES),
    *(f"contrat_date_fin{suffix}" for suffix in CONTRACT_SUFFIXES),
    *(f"contrat_date_rupture{suffix}" for suffix in CONTRACT_SUFFIXES),
    *(f"cause_rupture_contrat{suffix}" for suffix in CONTRACT_SUFFIXES),
    *(f"siret_employeur{suffix}" for suffix in CONTRACT_SUFFIXES),
    *("etablissement_responsable_uai", "etablissement_responsable_siret"),
    *("etablissement_formateur_uai", "etablissement_formateur_siret"),
    *("etablissement_lieu_de_formation_uai", "etablissement_lieu_de_formation_siret"),
    *("etablissement_lieu_de_formation_adresse", "etablissement_lieu_de_formation_code_postal"),
    *SERVER_FIELDS,
)
# What an ERP or a spreadsheet may send: the server fields are hidden from the documentation.
DOCUMENTED_FIELDS = FIELDS[: -len(SERVER_FIELDS)]

# The order in which the reference's zod object declares its keys: the order of its errors and of the stored copy.
# It is not the table order (§1.4's sample reports annee_scolaire before email_contact). "has_nir" only exists in the
# base schema used by the Excel upload check.
_BASE_ORDER: tuple[str, ...] = (
    *("nom_apprenant", "prenom_apprenant", "date_de_naissance_apprenant", "annee_scolaire", "statut_apprenant"),
    *("date_metier_mise_a_jour_statut", "id_erp_apprenant", "ine_apprenant", "email_contact", "tel_apprenant"),
    *("libelle_court_formation", "annee_formation", "formation_rncp", "contrat_date_debut", "contrat_date_fin"),
    *("contrat_date_rupture", "custom_statut_apprenant", "has_nir", "adresse_apprenant", "code_postal_apprenant"),
    *(
        "code_postal_de_naissance_apprenant",
        "code_commune_insee_apprenant",
        "code_commune_insee_de_naissance_apprenant",
    ),
    *("sexe_apprenant", "rqth_apprenant", "date_rqth_apprenant", "responsable_apprenant_mail1"),
    *("responsable_apprenant_mail2", "obtention_diplome_formation", "date_obtention_diplome_formation"),
    *("date_exclusion_formation", "cause_exclusion_formation", "nom_referent_handicap_formation"),
    *("prenom_referent_handicap_formation", "email_referent_handicap_formation", "cause_rupture_contrat"),
    *(
        f"{name}{suffix}"
        for suffix in CONTRACT_SUFFIXES[1:]
        for name in ("contrat_date_debut", "contrat_date_fin", "contrat_date_rupture", "cause_rupture_contrat")
    ),
    *(f"siret_employeur{suffix}" for suffix in CONTRACT_SUFFIXES),
    *("formation_presentielle", "duree_theorique_formation", "duree_theorique_formation_mois"),
    *("date_inscription_formation", "date_entree_formation", "date_fin_formation"),
    *("etablissement_responsable_uai", "etablissement_responsable_siret"),
    *("etablissement_formateur_uai", "etablissement_formateur_siret"),
    *("etablissement_lieu_de_formation_uai", "etablissement_lieu_de_formation_siret"),
    *("etablissement_lieu_de_formation_adresse", "etablissement_lieu_de_formation_code_postal"),
    *("formation_cfd", "derniere_situation", "dernier_organisme_uai", "type_cfa"),
)
SCHEMA_ORDER: tuple[str, ...] = (*(k for k in _BASE_ORDER if k != "has_nir"), "nir_apprenant", *SERVER_FIELDS)

REQUIRED_FIELDS: tuple[str, ...] = (
    *("nom_apprenant", "prenom_apprenant", "date_de_naissance_apprenant", "annee_scolaire", "id_erp_apprenant"),
    *("date_inscription_formation", "date_entree_formation", "date_fin_formation"),
    *PATH_ORGANISME_RESPONSABLE,
    *PATH_ORGANISME_FORMATEUR,
)
# §2.6: the Excel upload also requires what SIFA needs.
UPLOAD_REQUIRED_FIELDS: tuple[str, ...] = (
    *REQUIRED_FIELDS,
    *("email_contact", "adresse_apprenant", "code_postal_apprenant", "sexe_apprenant", "annee_formation"),
)
DATE_FIELDS: tuple[str, ...] = (
    *("date_de_naissance_apprenant", "date_rqth_apprenant", "date_metier_mise_a_jour_statut"),
    *("date_inscription_formation", "date_entree_formation", "date_fin_formation"),
    *("date_obtention_diplome_formation", "date_exclusion_formation"),
    *(
        f"{name}{suffix}"
        for name in ("contrat_date_debut", "contrat_date_fin", "contrat_date_rupture")
        for suffix in CONTRACT_SUFFIXES
    ),
)
BOOLEAN_FIELDS: tuple[str, ...] = ("rqth_apprenant", "formation_presentielle", "obtention_diplome_formation")
INTEGER_FIELDS: tuple[str, ...] = (
    *("statut_apprenant", "annee_formation", "duree_theorique_formation", "duree_theorique_formation_mois"),
    "derniere_situation",
)
# Invalid values of these fields become None instead of an error (§7 item 6).
SILENTLY_NULLED_FIELDS: tuple[str, ...] = (
    *(f"siret_employeur{suffix}" for suffix in CONTRACT_SUFFIXES),
    *("etablissement_lieu_de_formation_siret", "code_postal_de_naissance_apprenant"),
    *("duree_theorique_formation", "duree_theorique_formation_mois"),
)
UAI_LOOKUP_FIELDS = (PATH_ORGANISME_RESPONSABLE[0], PATH_ORGANISME_FORMATEUR[0])
SIRET_LOOKUP_FIELDS = (PATH_ORGANISME_RESPONSABLE[1], PATH_ORGANISME_FORMATEUR[1])

STATUT_APPRENANT_CODES = frozenset({0, 2, 3})
DERNIERE_SITUATION_CODES = frozenset(
    {
        *(1003, 1005, 1009, 1017, 1019, 1021, 1023, 2001, 2003, 2005, 2007),
        *(3001, 3101, 3003, 3103, 3009, 3109, 3011, 3111, 3031, 3131, 3032, 3132, 3033, 3133),
        *(3117, 3119, 3021, 3121, 3023, 3123),
        *(4001, 4101, 4003, 4103, 4005, 4105, 4007, 4107, 4009, 4011, 4111, 4013, 4113, 4015, 4115),
        *(4017, 4117, 4019, 4119, 4021, 4121, 4023, 4123, 4025, 4125, 4027, 4127),
        *(5901, 5903, 5905, 5907, 5909, 9900, 9999),
    }
)
TYPE_CFA_VALUES = frozenset(_TYPE_CFA_VALUES)

# ----------------------------------------------------------------------------------------------------------------
# JavaScript semantics
# ----------------------------------------------------------------------------------------------------------------

# JavaScript's WhiteSpace beyond ASCII: the Unicode "Zs" spaces and U+FEFF.
_UNICODE_SPACES = "\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u202f\u205f\u3000\ufeff"
# What trim() and \s remove. Python's str.strip() differs: it keeps U+FEFF and removes U+001C-U+001F and U+0085.
_JS_WS = "\t\n\v\f\r \u2028\u2029" + _UNICODE_SPACES
_JS_WS_CLASS = re.escape(_JS_WS)
_NUMBER_TYPES = (int, float)
_MAX_SAFE_INTEGER = 2**53


def _js_truthy(value: Any) -> bool:
    """JavaScript truthiness of a JSON value: empty lists and objects are truthy, NaN is not."""
    kind = type(value)
    if kind is str:
        return value != ""
    if kind is bool:
        return value
    if kind is int:
        return value != 0
    if kind is float:
        return value != 0 and value == value
    return value is not None


def _js_number_to_string(number: float) -> str:
    """Number.prototype.toString() (ECMA-262 Number::toString), from Python's shortest round-trip digits."""
    if number != number:
        return "NaN"
    if number in (math.inf, -math.inf):
        return "Infinity" if number > 0 else "-Infinity"
    if number == 0:
        return "0"
    if number.is_integer() and abs(number) <= _MAX_SAFE_INTEGER:
        return str(int(number))
    sign = "-" if number < 0 else ""
    mantissa, _, exponent = repr(abs(number)).partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = whole + fraction
    point = len(whole) + (int(exponent) if exponent else 0)
    stripped = digits.lstrip("0")
    point -= len(digits) - len(stripped)
    digits = stripped.rstrip("0")
    k = len(digits)
    if k <= point <= 21:
        return sign + digits + "0" * (point - k)
    if 0 < point <= 21:
        return f"{sign}{digits[:point]}.{digits[point:]}"
    if -6 < point <= 0:
        return f"{sign}0.{'0' * -point}{digits}"
    exp = point - 1
    exp_text = f"e+{exp}" if exp >= 0 else f"e-{-exp}"
    return f"{sign}{digits[0]}{'.' + digits[1:] if k > 1 else ''}{exp_text}"


def _js_string(value: Any) -> str:
    """String(value) for a JSON value (numbers beyond 2**53 lose precision as they do in JavaScript)."""
    kind = type(value)
    if kind is str:
        return value
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        if -_MAX_SAFE_INTEGER <= value <= _MAX_SAFE_INTEGER:
            return str(value)
        return _js_number_to_string(_int_to_float(value))
    if kind is float:
        return _js_number_to_string(value)
    if value is None:
        return "null"
    if isinstance(value, list):
        return ",".join("" if item is None else _js_string(item) for item in value)
    return "[object Object]"


def _int_to_float(value: int) -> float:
    """JavaScript's number for a JSON integer: beyond the float range it is Infinity."""
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


_JS_DECIMAL_RE = re.compile(r"[+-]?(?:Infinity|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)")
_JS_RADIX_RE = re.compile(r"0(?:[xX][0-9a-fA-F]+|[oO][0-7]+|[bB][01]+)")


def _js_to_number(value: Any) -> float | int:
    """Number(value) for a JSON value; NaN when JavaScript gives NaN."""
    kind = type(value)
    if kind is bool:
        return int(value)
    if kind is int:
        return value if -_MAX_SAFE_INTEGER <= value <= _MAX_SAFE_INTEGER else _int_to_float(value)
    if kind is float:
        return value
    if value is None:
        return 0
    if kind is not str:
        if not isinstance(value, list):
            return math.nan
        value = _js_string(value)
    text = value.strip(_JS_WS)
    if not text:
        return 0
    if _JS_DECIMAL_RE.fullmatch(text):
        if text[-1] == "y":  # [+-]Infinity
            return -math.inf if text[0] == "-" else math.inf
        return float(text)
    if _JS_RADIX_RE.fullmatch(text):
        return _int_to_float(int(text, 0))
    return math.nan


_PARSE_INT_RE = re.compile(r"[+-]?[0-9]+")


def _js_parse_int(text: str) -> int | None:
    """parseInt(text, 10); None stands for NaN. Over 20 digits the value can match no code, so it is not computed."""
    match = _PARSE_INT_RE.match(text.lstrip(_JS_WS))
    if match is None:
        return None
    digits = match.group()
    return int(digits) if len(digits) <= 20 else None


def _utf16_length(text: str) -> int:
    """String length as JavaScript counts it (zod's min() counts UTF-16 code units)."""
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


# ----------------------------------------------------------------------------------------------------------------
# Dates: `new Date(string)` as V8 parses it, with TZ=UTC like the reference's servers (§2.1)
# ----------------------------------------------------------------------------------------------------------------

# Only strings starting with this are handed to `new Date()`; anything else is "Date invalide".
_DATE_PREFIX_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# The forms ERPs send, parsed without the general parser when every part is in range.
_DATE_FAST_RE = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})"
    r"(?:T([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.([0-9]+))?)?(Z|[+-][0-9]{2}:[0-9]{2})?)?"
)
# V8 would parse a longer string, but no real date is that long (a full ISO date-time is 29 characters), and the
# general parser walks the string token by token: 2000 records x 20 date fields of junk must stay cheap.
MAX_DATE_LENGTH = 100
_UTC = dt.UTC
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=_UTC)
_MS_PER_DAY = 86_400_000
_MAX_JS_TIME_MS = 8_640_000_000_000_000
# Python's datetime stops at years 1 and 9999; JavaScript goes further (year 0 is valid there).
_MIN_PY_MS = (dt.date(1, 1, 1).toordinal() - dt.date(1970, 1, 1).toordinal()) * _MS_PER_DAY
_MAX_PY_MS = (dt.date(9999, 12, 31).toordinal() - dt.date(1970, 1, 1).toordinal() + 1) * _MS_PER_DAY - 1


def _days_from_civil(year: int, month: int, day: int) -> int:
    """Days since 1970-01-01 of a proleptic Gregorian date; day may exceed the month's length (it rolls over)."""
    year -= month <= 2
    era = year // 400
    year_of_era = year - era * 400
    day_of_year = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    return era * 146097 + year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year - 719468


def parse_js_date(text: str) -> dt.datetime | None:
    """`new Date(text)` as a UTC datetime (the reference's servers run in UTC), None for an Invalid Date.

    ``text`` must start with "YYYY-MM-DD" and be trimmed, as the reference hands it to ``new Date()`` (§2.1).
    Days 29 to 31 roll over into the next month (V8's MakeDay); day 32 and beyond, like day 00 or month 13, are an
    Invalid Date, because V8 only accepts days 1 to 31 (checked against Node.js, not only read in its source).
    """
    if len(text) == 10:  # "YYYY-MM-DD", what most ERPs send
        year, month, day = int(text[:4]), int(text[5:7]), int(text[8:])
        if year and 1 <= month <= 12 and 1 <= day <= 28:
            return dt.datetime(year, month, day, tzinfo=_UTC)
    match = _DATE_FAST_RE.fullmatch(text)
    ms = None if match is None else _fast_date_ms(*match.groups())
    if ms is None:
        if len(text) > MAX_DATE_LENGTH:
            return None
        ms = _v8_parse(text.partition("\x00")[0])  # V8 reads a NUL character as the end of the string
        if ms is None:
            return None
    if not _MIN_PY_MS <= ms <= _MAX_PY_MS:
        return None
    return _EPOCH + dt.timedelta(milliseconds=ms)


def _fast_date_ms(year, month, day, hour, minute, second, fraction, zone) -> int | None:
    """Epoch ms of an ISO date-time whose parts are all in range; None sends it to the general parser."""
    month_number, day_number = int(month), int(day)
    if not (1 <= month_number <= 12 and 1 <= day_number <= 31):
        return None
    ms = _days_from_civil(int(year), month_number, day_number) * _MS_PER_DAY
    if hour is None:
        return ms
    hour_number, minute_number, second_number = int(hour), int(minute), int(second or 0)
    if hour_number > 23 or minute_number > 59 or second_number > 59:
        return None
    ms += ((hour_number * 60 + minute_number) * 60 + second_number) * 1000
    if fraction:
        ms += _read_milliseconds((_NUM, _numeral_value(fraction), len(fraction)))
    if zone is not None and zone != "Z":
        zone_hours, zone_minutes = int(zone[1:3]), int(zone[4:6])
        if zone_hours > 23 or zone_minutes > 59:
            return None
        offset = (zone_hours * 60 + zone_minutes) * 60_000
        ms += -offset if zone[0] == "+" else offset
    return ms


# Tokens of V8's DateStringTokenizer: (kind, value, length).
_NUM, _SYM, _WORD, _WS, _UNKNOWN, _END = range(6)
_KW_INVALID, _KW_MONTH, _KW_ZONE, _KW_T, _KW_AMPM = range(5)
_KEYWORDS = {
    **{name: (_KW_MONTH, index + 1) for index, name in enumerate(("jan", "feb", "mar", "apr", "may", "jun"))},
    **{name: (_KW_MONTH, index + 7) for index, name in enumerate(("jul", "aug", "sep", "oct", "nov", "dec"))},
    "am": (_KW_AMPM, 0),
    "pm": (_KW_AMPM, 12),
    **dict.fromkeys(("ut", "utc", "z", "gmt"), (_KW_ZONE, 0)),
    **{"cdt": (_KW_ZONE, -5), "cst": (_KW_ZONE, -6), "edt": (_KW_ZONE, -4), "est": (_KW_ZONE, -5)},
    **{"mdt": (_KW_ZONE, -6), "mst": (_KW_ZONE, -7), "pdt": (_KW_ZONE, -7), "pst": (_KW_ZONE, -8)},
    "t": (_KW_T, 0),
}
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
# V8 reads any character from "A" up as part of a word, except Unicode spaces (but U+2028 and U+2029 are words).
_DATE_SPACES = "\t\n\v\f\r " + _UNICODE_SPACES
_TOKEN_RES = {
    _NUM: re.compile(r"[0-9]+"),
    _WORD: re.compile(f"[^\\x00-@{_UNICODE_SPACES}]+"),
    _WS: re.compile(f"[{re.escape(_DATE_SPACES)}]+"),
    # V8 yields one token per ignorable character; a run behaves the same in every check it takes part in.
    _UNKNOWN: re.compile(r"[^0-9A-\U0010ffff:+.()\-\t\n\v\f\r ]+"),
}
_PAREN_RE = re.compile(r"[()]")
_END_TOKEN = (_END, 0, 0)
_WS_TOKEN = (_WS, 0, 1)
_UNKNOWN_TOKEN = (_UNKNOWN, 0, 1)


class _DateScanner:
    """V8's DateStringTokenizer: `peek` is the next token, `take()` consumes it."""

    __slots__ = ("peek", "pos", "text")

    def __init__(self, text: str) -> None:
        self.text, self.pos = text, 0
        self.peek = self._scan()

    def take(self) -> tuple:
        token = self.peek
        self.peek = self._scan()
        return token

    def skip(self, symbol: str) -> bool:
        if self.peek[0] == _SYM and self.peek[1] == symbol:
            self.peek = self._scan()
            return True
        return False

    def _scan(self) -> tuple:
        text, pos = self.text, self.pos
        if pos >= len(text):
            return _END_TOKEN
        char = text[pos]
        if "0" <= char <= "9":
            digits = _TOKEN_RES[_NUM].match(text, pos).group()
            self.pos = pos + len(digits)
            return (_NUM, _numeral_value(digits), len(digits))
        if char in ":-+.)":
            self.pos = pos + 1
            return (_SYM, char, 1)
        if char >= "A" and char not in _UNICODE_SPACES:
            word = _TOKEN_RES[_WORD].match(text, pos).group()
            self.pos = pos + len(word)
            keyword = _KEYWORDS.get(word[:3].translate(_ASCII_LOWER), (_KW_INVALID, 0))
            if len(word) > 3 and keyword[0] != _KW_MONTH:
                keyword = (_KW_INVALID, 0)
            return (_WORD, keyword, len(word))
        if char == "(":
            depth, pos = 0, pos
            while True:
                depth += 1 if text[pos] == "(" else -1
                pos += 1
                if depth <= 0 or pos >= len(text):
                    break
                paren = _PAREN_RE.search(text, pos)
                if paren is None:
                    pos = len(text)
                    break
                pos = paren.start()
            self.pos = pos
            return _UNKNOWN_TOKEN
        kind = _WS if char in _DATE_SPACES else _UNKNOWN
        self.pos = _TOKEN_RES[kind].match(text, pos).end()
        return _WS_TOKEN if kind == _WS else _UNKNOWN_TOKEN


def _is_num(token: tuple, length: int, low: int, high: int) -> bool:
    return token[0] == _NUM and token[2] == length and low <= token[1] <= high


def _v8_parse(text: str) -> int | None:
    """Port of V8's DateParser::Parse (src/date/dateparser-inl.h) for a string starting with 4 digits and "-".

    Returns epoch milliseconds, or None for an Invalid Date. Zone-less results are local time, and local time is UTC.
    """
    scanner = _DateScanner(text)
    day: list[int] = [scanner.take()[1]]
    time: list[int] = []
    zone: list[int | None] = [None, None, None]  # sign, hours, minutes
    named_month = hour_offset = None
    iso = False
    # ES5 ISO format first: yyyy[-MM[-DD]][THH:mm[:ss[.sss]][Z|(+|-)hh:mm]]
    token = None
    if scanner.skip("-"):
        if not _is_num(scanner.peek, 2, 1, 12):
            token = scanner.take()
        else:
            day.append(scanner.take()[1])
            if scanner.skip("-"):
                if not _is_num(scanner.peek, 2, 1, 31):
                    token = scanner.take()
                else:
                    day.append(scanner.take()[1])
    if token is None:
        if not (scanner.peek[0] == _WORD and scanner.peek[1][0] == _KW_T):
            if scanner.peek[0] != _END:
                token = scanner.take()
        else:
            scanner.take()
            if not _is_num(scanner.peek, 2, 0, 24):
                return None
            hour_is_24 = scanner.peek[1] == 24
            time.append(scanner.take()[1])
            if not scanner.skip(":") or not _is_num(scanner.peek, 2, 0, 0 if hour_is_24 else 59):
                return None
            time.append(scanner.take()[1])
            if scanner.skip(":"):
                if not _is_num(scanner.peek, 2, 0, 0 if hour_is_24 else 59):
                    return None
                time.append(scanner.take()[1])
                if scanner.skip("."):
                    if scanner.peek[0] != _NUM or (hour_is_24 and scanner.peek[1] > 0):
                        return None
                    time.append(_read_milliseconds(scanner.take()))
            peek = scanner.peek
            if peek[0] == _WORD and peek[1] == (_KW_ZONE, 0) and peek[2] == 1:
                scanner.take()
                zone = [1, 0, 0]
            elif peek[0] == _SYM and peek[1] in "+-":
                zone[0] = 1 if scanner.take()[1] == "+" else -1
                if scanner.peek[0] == _NUM and scanner.peek[2] == 4:
                    hours, minutes = divmod(scanner.take()[1], 100)
                    if hours > 23 or minutes > 59:
                        return None
                    zone[1:] = [hours, minutes]
                else:
                    if not _is_num(scanner.peek, 2, 0, 23):
                        return None
                    zone[1] = scanner.take()[1]
                    if not scanner.skip(":") or not _is_num(scanner.peek, 2, 0, 59):
                        return None
                    zone[2] = scanner.take()[1]
            if scanner.peek[0] != _END:
                return None
        if token is None:
            iso = True
            token = _END_TOKEN
    # Then V8's legacy parser on whatever is left. The year is always read first here, so V8's `has_read_number` is
    # true throughout: a stray word, sign or ")" makes the date invalid.
    while token[0] != _END:
        kind = token[0]
        if kind == _NUM:
            number = token[1]
            if scanner.skip(":"):
                if scanner.skip(":"):
                    if time:
                        return None
                    time += [number, 0]
                else:
                    if len(time) >= 4:
                        return None
                    time.append(number)
                    if scanner.peek[0] == _SYM and scanner.peek[1] == ".":
                        scanner.take()
            # V8 consumes the "." before testing the time composer (`SkipSymbol('.') && IsExpecting(n)`).
            elif scanner.skip(".") and _time_expecting(time, number):
                time.append(number)
                if scanner.peek[0] != _NUM:
                    return None
                _time_add_final(time, _read_milliseconds(scanner.take()))
            elif zone[1] is not None and zone[2] is None and 0 <= number <= 59:
                zone[2] = number
            elif _time_expecting(time, number):
                _time_add_final(time, number)
                peek = scanner.peek
                if not (
                    peek[0] in (_END, _WS)
                    or (peek[0] == _WORD and peek[1] == (_KW_ZONE, 0) and peek[2] == 1)
                    or (peek[0] == _SYM and peek[1] in "+-")
                ):
                    return None
            else:
                if len(day) >= 3:
                    return None
                day.append(number)
                scanner.skip("-")
        elif kind == _WORD:
            keyword_type, keyword_value = token[1]
            if keyword_type == _KW_AMPM and time:
                hour_offset = keyword_value
            elif keyword_type == _KW_MONTH:
                named_month = keyword_value
                scanner.skip("-")
            elif keyword_type == _KW_ZONE:
                zone = [-1 if keyword_value < 0 else 1, abs(keyword_value), 0]
            else:
                return None
        elif kind == _SYM and token[1] in "+-" and ((zone[1] == 0 and zone[2] == 0) or time):
            zone[0] = 1 if token[1] == "+" else -1
            number = length = 0
            if scanner.peek[0] == _NUM:
                _, number, length = scanner.take()
            if scanner.peek[0] == _SYM and scanner.peek[1] == ":":
                zone[1:] = [number, None]
            elif length in (1, 2):
                zone[1:] = [number, 0]
            elif length in (3, 4):
                zone[1:] = list(divmod(number, 100))
            else:
                return None
        elif kind == _SYM and token[1] in "+-)":
            return None
        token = scanner.take()
    return _v8_compose(day, time, zone, named_month, hour_offset, iso)


def _numeral_value(digits: str) -> int:
    """V8's ReadUnsignedNumeral: leading zeros skipped, then 9 significant digits at most (the rest is ignored)."""
    return int(digits.lstrip("0")[:9] or 0)


def _read_milliseconds(token: tuple) -> int:
    """V8's ReadMilliseconds: the first three digits of a fraction, found from the value and the length of the
    numeral (so ".0001234567891" gives 123 ms, a V8 quirk)."""
    _, number, length = token
    if length == 1:
        return number * 100
    if length == 2:
        return number * 10
    return number // 10 ** (min(length, 9) - 3)


def _time_expecting(time: list[int], number: int) -> bool:
    size = len(time)
    return (size in (1, 2) and 0 <= number <= 59) or (size == 3 and 0 <= number <= 999)


def _time_add_final(time: list[int], number: int) -> None:
    if len(time) < 4:
        time.append(number)
        time.extend([0] * (4 - len(time)))


def _v8_compose(day, time, zone, named_month, hour_offset, iso) -> int | None:
    """DayComposer, TimeComposer and TimeZoneComposer::Write, then MakeDate, the offset and TimeClip."""
    day = day + [1] * (3 - len(day))
    if named_month is None:
        if iso or not 1 <= day[0] <= 31:
            year, month, day_number = day
        else:
            month, day_number, year = day
    else:
        month = named_month
        year, day_number = (day[0], day[1]) if not 1 <= day[0] <= 31 else (day[1], day[0])
    if not iso:
        if 0 <= year <= 49:
            year += 2000
        elif 50 <= year <= 99:
            year += 1900
    if not (1 <= month <= 12 and 1 <= day_number <= 31):
        return None
    hour, minute, second, millisecond = time + [0] * (4 - len(time))
    if hour_offset is not None:
        if not 0 <= hour <= 12:
            return None
        hour = hour % 12 + hour_offset
    if not (0 <= hour <= 23 and 0 <= minute <= 59 and 0 <= second <= 59 and 0 <= millisecond <= 999) and (
        hour != 24 or minute or second or millisecond
    ):
        return None
    ms = _days_from_civil(year, month, day_number) * _MS_PER_DAY
    ms += ((hour * 60 + minute) * 60 + second) * 1000 + millisecond
    if zone[0] is not None:
        # V8 adds in 32-bit unsigned arithmetic and refuses an offset beyond its small-integer range.
        seconds = ((zone[1] or 0) * 3600 + (zone[2] or 0) * 60) % 2**32
        if seconds > 2**31 - 1:
            return None
        ms -= zone[0] * seconds * 1000
    return ms if abs(ms) <= _MAX_JS_TIME_MS else None


# ----------------------------------------------------------------------------------------------------------------
# Telephone (§2.3 "Telephone"): libphonenumber "max" metadata, through its Python port
# ----------------------------------------------------------------------------------------------------------------

_TEL_STRIP_RE = re.compile(f"[-.(){_JS_WS_CLASS}]")
_TEL_DOM_REGIONS = {
    **{"690": "GP", "590": "GP", "694": "GF", "594": "GF", "696": "MQ", "596": "MQ"},
    **{"692": "RE", "693": "RE", "262": "RE", "269": "RE"},
}
_TEL_SPECIAL_TYPES = frozenset(
    {
        phonenumbers.PhoneNumberType.PREMIUM_RATE,
        phonenumbers.PhoneNumberType.PAGER,
        phonenumbers.PhoneNumberType.VOICEMAIL,
        phonenumbers.PhoneNumberType.SHARED_COST,
    }
)
# libphonenumber-js's isViablePhoneNumber(), which the reference applies to the whole string (`extract: false`);
# phonenumbers.parse() would instead pick a number out of surrounding text ("abc0612345678", "06*12...").
_TEL_DIGITS = "0-9\uff10-\uff19\u0660-\u0669\u06f0-\u06f9"
_TEL_PUNCTUATION = (
    "\\-\u2010-\u2015\u2212\u30fc\uff0d"  # dashes
    "\uff0f/\uff0e. \xa0\xad\u200b\u2060\u3000"  # slashes, dots, spaces
    "()\uff08\uff09\uff3b\uff3d\\[\\]~\u2053\u223c\uff5e"  # brackets, tildes
)
_TEL_EXTENSION = "|".join(
    (
        f";ext=([{_TEL_DIGITS}]{{1,20}})",
        "[ \xa0\t,]*(?:e?xt(?:ensi(?:o\u0301?|\xf3))?n?|\uff45?\uff58\uff54\uff4e?|\u0434\u043e\u0431|anexo)"
        f"[:\\.\uff0e]?[ \xa0\t,-]*([{_TEL_DIGITS}]{{1,20}})#?",
        "[ \xa0\t,]*(?:[x\uff58#\uff03~\uff5e]|int|\uff49\uff4e\uff54)"
        f"[:\\.\uff0e]?[ \xa0\t,-]*([{_TEL_DIGITS}]{{1,9}})#?",
        f"[- ]+([{_TEL_DIGITS}]{{1,6}})#",
        f"[ \xa0\t]*(?:,{{2}}|;)[:\\.\uff0e]?[ \xa0\t,-]*([{_TEL_DIGITS}]{{1,15}})#?",
        f"[ \xa0\t]*(?:,)+[:\\.\uff0e]?[ \xa0\t,-]*([{_TEL_DIGITS}]{{1,9}})#?",
    )
)
# `(?:[P]*[D]){3,}[PD]*` in libphonenumber-js; written `{3}` here, which matches the same strings without the
# quadratic backtracking (250 characters of "1…1a" took 10 ms).
_TEL_VIABLE_RE = re.compile(
    f"[{_TEL_DIGITS}]{{2}}|[+\uff0b]?(?:[{_TEL_PUNCTUATION}]*[{_TEL_DIGITS}]){{3}}[{_TEL_PUNCTUATION}{_TEL_DIGITS}]*"
    f"(?:{_TEL_EXTENSION})?",
    re.IGNORECASE,
)
_TEL_MAX_LENGTH = 250  # libphonenumber's MAX_INPUT_STRING_LENGTH
# The usual French forms skip phonenumbers.parse(), which costs ~40 µs a number (a third of a batch's time).
_TEL_FR_FAST_RE = re.compile(r"(?:0|\+33|0033)([1-9][0-9]{8})")


def _compile_fr_number_kinds() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """FR metadata as two patterns for a 9-digit national number: the general one, and one alternative per number type
    in the order of phonenumbers' _number_type_helper (the first type that matches wins, as there)."""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region("FR")
    kinds = (
        *("premium_rate", "toll_free", "shared_cost", "voip", "personal_number", "pager", "uan", "voicemail"),
        *("fixed_line", "mobile"),
    )
    alternatives = []
    for kind in kinds:
        description = getattr(metadata, kind)
        if (
            description is not None
            and description.national_number_pattern
            and (not description.possible_length or 9 in description.possible_length)
        ):
            alternatives.append(f"(?P<{kind}>{description.national_number_pattern})")
    general = metadata.general_desc
    if 9 not in general.possible_length:
        raise RuntimeError("phonenumbers' French metadata changed: the 9-digit fast path must be revised")
    return re.compile(general.national_number_pattern), re.compile("|".join(alternatives))


_FR_GENERAL_RE, _FR_KINDS_RE = _compile_fr_number_kinds()
_FR_SPECIAL_KINDS = frozenset({"premium_rate", "shared_cost", "pager", "voicemail"})


def _check_tel(value: Any) -> Any:
    text = value if type(value) is str else _js_string(value)
    if not text:
        return None
    text = _TEL_STRIP_RE.sub("", text)
    without_prefix = text[1:] if text[:1] == "0" else text
    region = _TEL_DOM_REGIONS.get(without_prefix[:3], "FR")
    if region == "FR":
        match = _TEL_FR_FAST_RE.fullmatch(text)
        if match is not None:
            national = match.group(1)
            kind = _FR_KINDS_RE.fullmatch(national) if _FR_GENERAL_RE.fullmatch(national) else None
            if kind is None:
                return _F_TEL_INVALIDE
            return _F_TEL_SPECIAL if kind.lastgroup in _FR_SPECIAL_KINDS else "0" + national
    if len(text) > _TEL_MAX_LENGTH or not _TEL_VIABLE_RE.fullmatch(text):
        return _F_TEL_FORMAT
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return _F_TEL_FORMAT
    if phonenumbers.is_possible_number_with_reason(number) != phonenumbers.ValidationResult.IS_POSSIBLE:
        return _F_TEL_FORMAT
    if not phonenumbers.is_valid_number(number):
        return _F_TEL_INVALIDE
    if phonenumbers.number_type(number) in _TEL_SPECIAL_TYPES:
        return _F_TEL_SPECIAL
    if phonenumbers.region_code_for_number(number) == "FR":
        return f"0{number.national_number}"
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


# ----------------------------------------------------------------------------------------------------------------
# Field checks: each returns the normalised value or a _Fail
# ----------------------------------------------------------------------------------------------------------------

_UAI_RE = re.compile(r"[0-9]{7}[A-Z]")  # UAI_REGEX after upper-casing
_SIRET_RE = re.compile(r"[0-9]{14}")
_SIRET_STRIP_RE = re.compile(f"[{_JS_WS_CLASS}.-]+")
_CODE_POSTAL_RE = re.compile(r"[0-9]{5}")
_INSEE_RE = re.compile(r"(?:[0-9]{2}|2A|2B)[0-9]{3}")
_CFD_RE = re.compile(r"[A-Z0-9]{8}")
_RNCP_RE = re.compile(r"(?:RNCP)?[0-9]{2,5}")
_ANNEE_SCOLAIRE_RE = re.compile(r"([12][0-9]{3})-([12][0-9]{3})")
_DERNIER_ORGANISME_UAI_RE = re.compile(
    r"0?[0-9][0-9]|0?2[AB]|0?9[012345]|97[1234678]|98[678]|99[0135]|[0-9]{7}[a-zA-Z]"
)
# zod 3's e-mail regex, /^(?!\.)(?!.*\.\.)…$/i, with its two look-aheads done by _is_email() (faster; a line break,
# where JavaScript's "." stops, fails the main pattern anyway). JavaScript's /i only folds ASCII, hence re.ASCII.
_EMAIL_RE = re.compile(r"([A-Z0-9_'+\-\.]*)[A-Z0-9_+-]@([A-Z0-9][A-Z0-9\-]*\.)+[A-Z]{2,}", re.IGNORECASE | re.ASCII)


def _check_nom(value: Any) -> Any:
    if not isinstance(value, str):
        return _F_STRING
    text = value.strip(_JS_WS)
    return text.upper() if text else _F_MIN_1


def _check_prenom(value: Any) -> Any:
    if not isinstance(value, str):
        return _F_STRING
    return value.strip(_JS_WS) or _F_MIN_1


def _check_date(value: Any) -> Any:
    if not isinstance(value, str) or _DATE_PREFIX_RE.match(value) is None:
        return _F_DATE_INVALIDE
    parsed = parse_js_date(value.strip(_JS_WS))
    return _F_INVALID_DATE if parsed is None else parsed


def _check_id_erp(value: Any) -> Any:
    if _js_truthy(value):
        return _js_string(value).strip(_JS_WS)
    return value if value == "" and isinstance(value, str) else _F_STRING


def _check_ine(value: Any) -> Any:
    if _js_truthy(value):
        return _js_string(value).strip(_JS_WS).upper()
    return value if value == "" and isinstance(value, str) else _F_STRING


def _check_sexe(value: Any) -> Any:
    if isinstance(value, str) or type(value) in _NUMBER_TYPES:
        # String.replace() with a string pattern replaces the first occurrence only.
        text = _js_string(value).strip(_JS_WS).replace("H", "M", 1).replace("1", "M", 1).replace("2", "F", 1)
        if text in ("M", "F"):
            return text
    return _F_SEXE


def _check_boolean(value: Any) -> Any:
    return value if value is True or value is False else _F_BOOLEAN


def _is_email(text: str) -> bool:
    return text[:1] != "." and ".." not in text and _EMAIL_RE.fullmatch(text) is not None


def _check_email(value: Any) -> Any:
    if not isinstance(value, str):
        return _F_STRING
    text = value.strip(_JS_WS)
    return text if _is_email(text) else _F_EMAIL


def _check_email_untrimmed(value: Any) -> Any:
    if not isinstance(value, str):
        return _F_STRING
    return value if _is_email(value) else _F_EMAIL


def _check_string(value: Any) -> Any:
    return value if isinstance(value, str) else _F_STRING


def _check_string_trimmed(value: Any) -> Any:
    return value.strip(_JS_WS) if isinstance(value, str) else _F_STRING


def _check_code_postal(value: Any) -> Any:
    if _js_truthy(value):
        value = _js_string(value).strip(_JS_WS).rjust(5, "0")
    elif not isinstance(value, str):
        return _F_STRING
    return value if _CODE_POSTAL_RE.fullmatch(value) else _F_CODE_POSTAL


def _check_code_postal_or_null(value: Any) -> Any:
    if value == "" and isinstance(value, str):
        return None
    text = _js_string(value).strip(_JS_WS).rjust(5, "0")
    return text if _CODE_POSTAL_RE.fullmatch(text) else None


def _check_insee(value: Any) -> Any:
    if _js_truthy(value):
        value = _js_string(value)
    elif not isinstance(value, str):
        return _F_STRING
    return value if _INSEE_RE.fullmatch(value) else _F_INSEE


def _check_derniere_situation(value: Any) -> Any:
    if isinstance(value, str):
        value = _js_parse_int(value)
    elif type(value) not in _NUMBER_TYPES:
        return _F_DERNIERE_SITUATION
    if value == 0:
        return None  # 0 means "no previous situation" and is dropped
    return int(value) if value in DERNIERE_SITUATION_CODES else _F_DERNIERE_SITUATION


def _check_dernier_organisme_uai(value: Any) -> Any:
    text = _js_string(value)
    return text if _DERNIER_ORGANISME_UAI_RE.fullmatch(text) else _F_DERNIER_ORGANISME


def _check_type_cfa(value: Any) -> Any:
    if type(value) in _NUMBER_TYPES:
        value = _js_string(value)
    elif not isinstance(value, str):
        return _F_TYPE_CFA_TYPE
    # padStart(2, "0") counts UTF-16 code units: one astral character is already 2 long.
    if len(value) < 2 and _utf16_length(value) < 2:
        value = value.rjust(2, "0")
    if value in TYPE_CFA_VALUES:
        return value
    message = f"Invalid enum value. Expected {_TYPE_CFA_EXPECTED}, received '{value}'"
    return _Fail((message, "type_cfa_invalide"))


def _check_annee_scolaire(value: Any) -> Any:
    if _js_truthy(value):
        value = _js_string(value).replace("/", "-").replace(" ", "")
    elif not isinstance(value, str):
        return _F_STRING
    text = value.strip(_JS_WS)
    match = _ANNEE_SCOLAIRE_RE.fullmatch(text)
    if match is not None and int(match.group(2)) - int(match.group(1)) in (0, 1):
        return text
    return _F_ANNEE_SCOLAIRE


def _check_statut(value: Any) -> Any:
    if isinstance(value, str):
        value = _js_parse_int(value)
    elif type(value) not in _NUMBER_TYPES:
        return _F_STATUT
    return int(value) if value in STATUT_APPRENANT_CODES else _F_STATUT


def _check_custom_statut(value: Any) -> Any:
    return _js_string(value)


def _check_cfd(value: Any) -> Any:
    text = _js_string(value).strip(_JS_WS).upper()
    return text if _CFD_RE.fullmatch(text) else _F_CFD


def _check_rncp(value: Any) -> Any:
    text = _SIRET_STRIP_RE.sub("", _js_string(value).strip(_JS_WS).upper())
    if not text.startswith("RNCP"):
        text = "RNCP" + text  # some ERPs send the bare number
    return text if _RNCP_RE.fullmatch(text) else _F_RNCP


def _check_libelle_court(value: Any) -> Any:
    if not isinstance(value, str):
        return _F_STRING
    text = value.strip(_JS_WS)
    return text if len(text) >= 2 or _utf16_length(text) >= 2 else _F_MIN_2


def _check_annee_formation(value: Any) -> Any:
    if _js_truthy(value):
        value = _js_to_number(value)
    elif type(value) not in _NUMBER_TYPES:
        return _F_NUMBER
    if value != value:  # NaN
        return _F_NUMBER
    # zod runs every check of z.number().int().min(0).max(5) and keeps each failure.
    issues = [_ISSUE_INTEGER] if type(value) is float and not value.is_integer() else []
    if value < 0:
        issues.append(_ISSUE_MIN_0)
    elif value > 5:
        issues.append(_ISSUE_MAX_5)
    return _Fail(*issues) if issues else int(value)


def _number_or_null(low: int, high: int):
    """The durée fields: anything that is not an integer in range silently becomes None."""

    def check(value: Any) -> int | None:
        if value == "" and isinstance(value, str):
            return None
        number = _js_to_number(value)
        if type(number) is float and not number.is_integer():  # NaN and infinities included
            return None
        return int(number) if low <= number <= high else None

    return check


def _siret_text(value: Any) -> str | None:
    """The SIRET preprocessing: separators removed from a truthy value; None when z.string() would refuse it."""
    if type(value) is str and value.isascii() and value.isdigit():
        return value
    if _js_truthy(value):
        return _SIRET_STRIP_RE.sub("", _js_string(value))
    return value if isinstance(value, str) else None


def _check_siret(value: Any) -> Any:
    text = _siret_text(value)
    if text is None:
        return _F_STRING
    return text if _SIRET_RE.fullmatch(text) else _F_SIRET


def _check_siret_or_null(value: Any) -> Any:
    if type(value) is str and len(value) == 14 and value.isascii() and value.isdigit():
        return value
    if value == "" and isinstance(value, str):
        return None
    text = _SIRET_STRIP_RE.sub("", _js_string(value))
    return text if _SIRET_RE.fullmatch(text) else None


def _uai_text(value: Any) -> str | None:
    return value.strip(_JS_WS).upper() if isinstance(value, str) else None


def _check_uai(value: Any) -> Any:
    text = _uai_text(value)
    if text is None:
        return _F_STRING
    return text if _UAI_RE.fullmatch(text) else _F_UAI


def _check_api_version(value: Any) -> Any:
    return value if isinstance(value, str) and value in ("v1", "v2", "v3", "") else _F_API_VERSION


def _check_source_organisme_id(value: Any) -> Any:
    if not isinstance(value, str):
        return _F_STRING
    return value if value else _F_MIN_1


def _with_lookup(check, text_of, unknown: frozenset[str], issue: tuple[str, str]):
    """§2.6's refinement. Like zod's, it also runs when the format check failed, but not after a type error."""

    def checked(value: Any) -> Any:
        result = check(value)
        if result is _F_STRING or text_of(value) not in unknown:
            return result
        return _Fail(*(result.issues if result.__class__ is _Fail else ()), issue)

    return checked


_CACHED_LENGTH = 64


def _cached_for_strings(check, maxsize: int = 1024):
    """Memoises a check for short strings: the records of a batch share their school year, training codes and most
    dates. Long strings are not worth keeping in memory."""
    cached = functools.lru_cache(maxsize=maxsize)(check)

    def checked(value: Any) -> Any:
        return cached(value) if type(value) is str and len(value) <= _CACHED_LENGTH else check(value)

    checked.cache_clear = cached.cache_clear
    return checked


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

# A plan is the schema as (field, check, message when missing or None) in the reference's order.
_Plan = tuple[tuple[str, Any, str | None], ...]


def _plan(order: Iterable[str], required: tuple[str, ...], checks: Mapping[str, Any]) -> _Plan:
    return tuple((name, checks[name], _MISSING_MESSAGES[name] if name in required else None) for name in order)


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
    normalized: dict[str, Any] = {}
    errors: list[dict[str, Any]] = []
    stored: dict[str, Any] = {}
    get = item.get
    for name, check, missing in plan:
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
    return DossierValidation(normalized=normalized, errors=errors, stored=stored)


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
