"""Safe spreadsheet exports (spec pages-import-sifa.md §5): formula injection defused, identifiers kept as text.

:func:`xlsx_bytes` writes every xlsx download of the product.
"""

from __future__ import annotations

import datetime as dt
import decimal
import io
import re
import unicodedata
from collections.abc import Collection, Iterable, Sequence
from zoneinfo import ZoneInfo

from transmissions.excel.cells import _as_text
from transmissions.excel.template import _DATE_FORMAT

# --------------------------------------------------------------------------------------------------------------------
# Exports (§5): formula injection
# --------------------------------------------------------------------------------------------------------------------

# OWASP "CSV injection": cells starting with these are formulas to Excel/LibreOffice (tab and CR too, as some
# applications strip them before parsing).
_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# A signed number or a phone number ("+33 6 12 34 56 78", "-12,5") cannot carry a payload: left readable.
_PLAIN_NUMBER_RE = re.compile(r"[+-]?\d[\d .,]*")


def neutralize_formula(value: object) -> object:
    """Prefix with an apostrophe a string that a spreadsheet would read as a formula; return others unchanged.

    The apostrophe is the OWASP recommendation: visible, it tells the reader the text was defused, and it survives
    a round trip through CSV, where a cell style would be lost.
    """
    if isinstance(value, str) and value.startswith(_FORMULA_TRIGGERS) and not _PLAIN_NUMBER_RE.fullmatch(value):
        return "'" + value
    return value


_IDENTIFIER_TOKENS = frozenset(
    {"siret", "siren", "uai", "cfd", "rncp", "insee", "postal", "departement", "region", "telephone", "tel", "ine"}
)


def _is_identifier(header: str) -> bool:
    plain = "".join(c for c in unicodedata.normalize("NFD", header.lower()) if not unicodedata.combining(c))
    return any(token in _IDENTIFIER_TOKENS for token in re.split(r"[^a-z0-9]+", plain))


def xlsx_bytes(
    headers: Sequence[str],
    rows: Iterable[Sequence[object]],
    sheet_name: str = "Liste",
    *,
    text_columns: Collection[str] | None = None,
) -> bytes:
    """A one-sheet export (header row frozen) for every xlsx download of the product.

    Strings are passed through :func:`neutralize_formula`; identifier columns (``text_columns``, by default the
    headers naming a SIRET, UAI, CFD, RNCP, postal/INSEE code, département, région or phone) are written as text
    so that leading zeros survive; dates become real Excel dates, aware datetimes in Paris time.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    if text_columns is None:
        text_columns = {h for h in headers if _is_identifier(h)}
    as_text = [h in text_columns for h in headers]
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_name)
    for number, header in enumerate(headers, start=1):
        sheet.column_dimensions[get_column_letter(number)].width = min(50, max(12, len(header) + 2))
    sheet.freeze_panes = "A2"

    def cell(value: object, text: bool) -> object:
        if isinstance(value, str):
            value = ILLEGAL_CHARACTERS_RE.sub("", value)  # openpyxl refuses control characters
            out = WriteOnlyCell(sheet, value=neutralize_formula(value))
        elif isinstance(value, int | float | decimal.Decimal) and not isinstance(value, bool) and text:
            out = WriteOnlyCell(sheet, value=_as_text(value))
        elif isinstance(value, dt.datetime):
            if value.tzinfo is not None:
                value = value.astimezone(ZoneInfo("Europe/Paris")).replace(tzinfo=None)  # Excel has no time zones
            out = WriteOnlyCell(sheet, value=value)
            out.number_format = "DD/MM/YYYY HH:MM"
            return out
        elif isinstance(value, dt.date):
            out = WriteOnlyCell(sheet, value=value)
            out.number_format = _DATE_FORMAT
            return out
        elif value is None or isinstance(value, bool | int | float | decimal.Decimal):
            out = WriteOnlyCell(sheet, value=value)
        else:
            out = WriteOnlyCell(sheet, value=neutralize_formula(str(value)))
        if text:
            out.number_format = "@"
        return out

    header_cells = []
    for header in headers:
        header_cell = WriteOnlyCell(sheet, value=neutralize_formula(header))
        header_cell.font = Font(bold=True)
        header_cells.append(header_cell)
    sheet.append(header_cells)
    for row in rows:
        sheet.append([cell(value, as_text[i] if i < len(as_text) else False) for i, value in enumerate(row)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
