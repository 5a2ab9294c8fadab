"""The SIFA files (spec pages-import-sifa.md §3.6): the CSV for the DEPP portal, the XLSX to complete by hand, and
the download name.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import date

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from effectifs.sifa.columns import COLUMNS, Value

# --- Files ------------------------------------------------------------------------------------


def _csv_value(value: Value) -> str:
    # json2csv 5 defaults: strings quoted with inner quotes doubled, numbers bare, null/undefined empty.
    if value is None:
        return ""
    if isinstance(value, str):
        return '"' + value.replace('"', '""') + '"'
    if isinstance(value, bool):
        raise TypeError("SIFA values are never booleans")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # JavaScript prints 24.0 as "24".
        return str(int(value)) if value.is_integer() else repr(value)
    raise TypeError(f"Unsupported SIFA value: {value!r}")


def _check_width(row: Sequence[Value]) -> None:
    if len(row) != len(COLUMNS):
        raise ValueError(f"A SIFA row has {len(COLUMNS)} values, got {len(row)}")


def to_csv(rows: Iterable[Sequence[Value]]) -> bytes:
    """CSV for the DEPP portal: UTF-8 with BOM, ";" separated, no header, "\\n" between lines, none at the end."""
    lines = []
    for row in rows:
        _check_width(row)
        lines.append(";".join(_csv_value(v) for v in row))
    return ("\ufeff" + "\n".join(lines)).encode("utf-8")


def _xlsx_value(ws: object, value: Value) -> object:
    if not isinstance(value, str):
        return value
    # openpyxl turns any text starting with "=" into a formula: the `=""` INE placeholder (and user text
    # such as an address) must stay literal text, which also prevents formula injection.
    cell = WriteOnlyCell(ws, value=ILLEGAL_CHARACTERS_RE.sub("", value))
    cell.data_type = "s"
    return cell


def to_xlsx(rows: Iterable[Sequence[Value]]) -> bytes:
    """XLSX to complete by hand: sheet "Data", row 1 = the 47 column names, then one row per effectif."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Data")
    ws.append(list(COLUMNS))
    for row in rows:
        _check_width(row)
        ws.append([_xlsx_value(ws, v) for v in row])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def file_name(organisme_nom: str | None, today: date, ext: str) -> str:
    """Download name `tdb-donnees-sifa-{nom}-{YYYY-MM-DD}.{ext}`, ASCII-only for Content-Disposition."""
    if ext not in ("csv", "xlsx"):
        raise ValueError(f"Unknown SIFA file type: {ext!r}")
    ascii_nom = unicodedata.normalize("NFKD", organisme_nom or "").encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Za-z0-9]+", "-", ascii_nom).strip("-")[:80].rstrip("-")
    return f"tdb-donnees-sifa-{slug or 'Organisme-inconnu'}-{today.isoformat()}.{ext}"
