"""Per-field checks of the record (spec api-v3.md §2.2 to §2.4, §2.6): each returns the normalised value or a
``_Fail``, with the reference's zod preprocessing and JavaScript coercions.

The telephone check lives in ``transmissions.validation.telephone``; the helpers at the end wrap a check with the
upload's référentiel lookup or a cache for short strings.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from transmissions.validation.dates import _DATE_PREFIX_RE, parse_js_date
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
    _F_TYPE_CFA_TYPE,
    _F_UAI,
    _ISSUE_INTEGER,
    _ISSUE_MAX_5,
    _ISSUE_MIN_0,
    _TYPE_CFA_EXPECTED,
    _Fail,
)
from transmissions.validation.js import (
    _JS_WS,
    _JS_WS_CLASS,
    _NUMBER_TYPES,
    _js_parse_int,
    _js_string,
    _js_to_number,
    _js_truthy,
    _utf16_length,
)
from transmissions.validation.schema import DERNIERE_SITUATION_CODES, STATUT_APPRENANT_CODES, TYPE_CFA_VALUES

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
