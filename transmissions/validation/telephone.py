"""The telephone check (spec api-v3.md §2.3 "Telephone"): libphonenumber "max" metadata, through its Python port.

The usual French forms take a fast path on phonenumbers' FR metadata; everything else goes through
``phonenumbers.parse()`` after the reference's viability test.
"""

from __future__ import annotations

import re
from typing import Any

import phonenumbers

from transmissions.validation.errors import _F_TEL_FORMAT, _F_TEL_INVALIDE, _F_TEL_SPECIAL
from transmissions.validation.js import _JS_WS_CLASS, _js_string

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
