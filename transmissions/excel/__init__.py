"""Excel import of effectifs and safe spreadsheet exports (spec pages-import-sifa.md §2 and §5).

Pure package: no Django, no database. It turns an uploaded ``.xlsx`` or ``.csv`` file into rows keyed by the
64 normalised keys of the reference importer; validating those rows is the job of ``transmissions.validation``,
shared with ``/api/v3``. Every bad file raises :class:`ExcelImportError` (French message + stable code).

Decisions on the reference's quirks (to be echoed in ``docs/``):

* Parsing happens on the server (the reference parsed in the browser), so the file itself is distrusted: size limit
  before anything is read, zip central directory checked and every entry inflated with a hard cap before the
  spreadsheet reader sees it (zip bombs), and the cell area of every part bounded (python-calamine allocates a dense
  grid: one value in XFD1048576 would abort the process).
* Rows are kept when any recognised column holds a value. The reference dropped rows without a *string* cell (a row
  of dates and numbers vanished silently) and kept rows whose only text sat in an unknown column: both fixed.
* ``line`` is the real row number in the sheet (what the user sees in Excel). It equals the reference's
  ``index + 2`` whenever the file has no blank row.
* A value that cannot be converted (a date written "31/02/2024" or "demain", a boolean written "peut-être") is kept
  as text instead of becoming null, so that the validator says "Date invalide" / "Format invalide" rather than
  "Champ obligatoire". Booleans follow §2.4 for 0/1/oui/non/vrai/faux (plus true/false); other numbers are kept.
* Text columns always give ``str`` (trimmed) or ``None``: a number read by Excel comes back without ".0"
  (a SIRET stored as 7.7937827200016e13 gives "77937827200016"); leading zeros already dropped by Excel (postal
  code 01000 typed as a number) cannot be restored here — the validator pads postal codes, other identifiers fail.
  Integer columns give ``int`` when the value is integral. ``0`` stays ``0`` (the reference turned it into null).
* Formulas are never evaluated: xlsx cells give the value cached by the spreadsheet application (a formula saved
  without a cached value comes back empty) and CSV cells are plain text ("=1+1" stays "=1+1").

Modules: ``errors`` (limits, :class:`ExcelImportError`), ``columns`` (the template's columns, header mapping),
``cells`` (cell conversion, identity hash), ``archive`` (zip and sheet-area checks), ``reading`` (:func:`parse_file`),
``template`` (:func:`build_template`), ``exports`` (:func:`xlsx_bytes`, :func:`neutralize_formula`). This module
re-exports their public names, and ``_ROW_OR_CELL_RE`` for the tests (patch it in ``archive``, where it is used).
"""

from __future__ import annotations

from transmissions.excel.archive import (
    _ROW_OR_CELL_RE,
)
from transmissions.excel.cells import (
    compute_id_erp_apprenant,
    convert_cell,
    cyrb53,
)
from transmissions.excel.columns import (
    BOOLEAN,
    COLUMNS,
    DATE,
    EXTRA_COLUMNS,
    ID_KEY,
    IMPORT_KEYS,
    INTEGER,
    REQUIRED_KEYS,
    SECTION_APPRENANT,
    SECTION_CONTRAT,
    SECTION_FORMATION,
    SECTION_ORGANISME,
    SECTIONS,
    TEMPLATE_HEADERS,
    TEXT,
    Column,
    header_to_key,
)
from transmissions.excel.errors import (
    ERROR_CODES,
    MAX_COMPRESSION_RATIO,
    MAX_FILE_BYTES,
    MAX_ROWS,
    MAX_SHEET_CELLS,
    MAX_UNCOMPRESSED_BYTES,
    MAX_ZIP_ENTRIES,
    ExcelImportError,
    check_file_size,
)
from transmissions.excel.exports import (
    neutralize_formula,
    xlsx_bytes,
)
from transmissions.excel.reading import (
    ParsedFile,
    ParsedRow,
    parse_file,
)
from transmissions.excel.template import (
    TEMPLATE_NOTES,
    build_template,
)

__all__ = [
    "BOOLEAN",
    "COLUMNS",
    "DATE",
    "ERROR_CODES",
    "EXTRA_COLUMNS",
    "ID_KEY",
    "IMPORT_KEYS",
    "INTEGER",
    "MAX_COMPRESSION_RATIO",
    "MAX_FILE_BYTES",
    "MAX_ROWS",
    "MAX_SHEET_CELLS",
    "MAX_UNCOMPRESSED_BYTES",
    "MAX_ZIP_ENTRIES",
    "REQUIRED_KEYS",
    "SECTIONS",
    "SECTION_APPRENANT",
    "SECTION_CONTRAT",
    "SECTION_FORMATION",
    "SECTION_ORGANISME",
    "TEMPLATE_HEADERS",
    "TEMPLATE_NOTES",
    "TEXT",
    "_ROW_OR_CELL_RE",
    "Column",
    "ExcelImportError",
    "ParsedFile",
    "ParsedRow",
    "build_template",
    "check_file_size",
    "compute_id_erp_apprenant",
    "convert_cell",
    "cyrb53",
    "header_to_key",
    "neutralize_formula",
    "parse_file",
    "xlsx_bytes",
]
