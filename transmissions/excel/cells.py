"""Row conversion: one raw cell (xlsx value or CSV text) to the value the validator expects (spec
pages-import-sifa.md §2.4), and the learner identity hash of an Excel row (§2.4 item 6).

The decisions on the reference's quirks (text kept when a value cannot be converted, numbers without ".0", Excel
serial dates) are listed in the package docstring.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import struct
import unicodedata

from transmissions.excel.columns import _COLUMN_BY_KEY, _EXCEL_EPOCH, BOOLEAN, DATE, INTEGER, TEXT

# --------------------------------------------------------------------------------------------------------------------
# Identity hash (§2.4 item 6)
# --------------------------------------------------------------------------------------------------------------------

_U32 = 0xFFFFFFFF


def cyrb53(text: str, seed: int = 0) -> str:
    """cyrb53 exactly as the reference's ``cyrb53Hash``: 16 lowercase hex chars, h2 then h1 (8 each).

    JavaScript hashes UTF-16 code units with ``Math.imul``; 32-bit products modulo 2**32 keep the same bits,
    and every value is kept unsigned so that ``>>>`` is a plain shift.
    """
    h1 = (0xDEADBEEF ^ seed) & _U32
    h2 = (0x41C6CE57 ^ seed) & _U32
    units = text.encode("utf-16-le", "surrogatepass")
    for (ch,) in struct.iter_unpack("<H", units):
        h1 = ((h1 ^ ch) * 2654435761) & _U32
        h2 = ((h2 ^ ch) * 1597334677) & _U32
    h1 = ((h1 ^ (h1 >> 16)) * 2246822507) & _U32
    h1 ^= ((h2 ^ (h2 >> 13)) * 3266489909) & _U32
    h2 = ((h2 ^ (h2 >> 16)) * 2246822507) & _U32
    h2 ^= ((h1 ^ (h1 >> 13)) * 3266489909) & _U32
    return f"{h2:08x}{h1:08x}"


def _normalize_name(value: object) -> str:
    # Reference: toLowerCase, NFD, strip U+0300-U+036F only (not every combining mark), then trim.
    text = unicodedata.normalize("NFD", str(value or "").lower())
    return "".join(ch for ch in text if not "\u0300" <= ch <= "\u036f").strip()


_ISO_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")


def compute_id_erp_apprenant(*, prenom: object, nom: object, date_de_naissance: object) -> str:
    """``id_erp_apprenant`` of an Excel row: cyrb53(normalize(prénom) + normalize(nom) + date "AAAA-MM-JJ").

    A date the importer could not convert counts as empty, as in the reference (where it was null).
    """
    date = str(date_de_naissance or "").strip()
    if not _ISO_DATE_RE.fullmatch(date):
        date = ""
    return cyrb53(_normalize_name(prenom) + _normalize_name(nom) + date)


# --------------------------------------------------------------------------------------------------------------------
# Cells
# --------------------------------------------------------------------------------------------------------------------

_DMY_RE = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}|\d{2})")
_YMD_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
_INT_RE = re.compile(r"[+-]?\d+")
_TRUE_WORDS = frozenset({"1", "oui", "vrai", "true"})
_FALSE_WORDS = frozenset({"0", "non", "faux", "false"})


def _as_text(value: object) -> str | None:
    """What the user sees in the cell, as text: numbers without a spurious ".0", dates as AAAA-MM-JJ."""
    if type(value) is str:  # by far the most common cell, checked first (2000 x 62 cells per file)
        return value.strip() or None
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, bool):
        return "VRAI" if value else "FAUX"
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def _to_date(value: object) -> object:
    if type(value) is dt.date:
        return value.isoformat()
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int | float) and not isinstance(value, bool):
        # A date typed in a cell not formatted as a date: Excel serial, days after 1899-12-30 (time of day dropped).
        # Serials 1 to 60 are one day off because of Excel's fictitious 1900-02-29, as in the reference.
        if math.isfinite(value) and 0 <= value < 2958466:  # 9999-12-31
            return (_EXCEL_EPOCH + dt.timedelta(days=math.floor(value))).isoformat()
        return _as_text(value)
    text = _as_text(value)
    if text is None:
        return None
    if match := _YMD_RE.fullmatch(text):
        year, month, day = (int(g) for g in match.groups())
    elif match := _DMY_RE.fullmatch(text):
        day, month, year = (int(g) for g in match.groups())
        if len(match.group(3)) == 2:
            year += 2000 if year <= 40 else 1900  # reference pivot: 40 -> 2040, 41 -> 1941
    else:
        return text
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return text  # "31/02/2024": left for the validator to call "Date invalide"


def _to_boolean(value: object) -> object:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return value == 1
    text = _as_text(value)
    if text is None:
        return None
    word = text.lower()
    if word in _TRUE_WORDS:
        return True
    if word in _FALSE_WORDS:
        return False
    return text


def _to_integer(value: object) -> object:
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    text = _as_text(value)
    if text is not None and _INT_RE.fullmatch(text):
        return int(text)
    return text


_CONVERTERS = {TEXT: _as_text, DATE: _to_date, BOOLEAN: _to_boolean, INTEGER: _to_integer}


def convert_cell(key: str, value: object) -> object:
    """Convert one raw cell (xlsx value or CSV text) for the column ``key``, per §2.4 and the module's decisions."""
    return _CONVERTERS[_COLUMN_BY_KEY[key].kind](value)


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())
