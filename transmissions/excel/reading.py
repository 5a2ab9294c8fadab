"""Reading an uploaded .xlsx (first sheet) or .csv file into rows keyed by the importer's normalised keys.

:func:`parse_file` recognises the format by the content, finds the header row, maps the headers to keys and converts
every data row; the .xlsx goes through the archive checks first, the .csv through its encoding and delimiter
detection.
"""

from __future__ import annotations

import csv
import io
import posixpath
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from transmissions.excel.archive import _check_archive
from transmissions.excel.cells import _CONVERTERS, _as_text, _is_blank, compute_id_erp_apprenant
from transmissions.excel.columns import _COLUMN_BY_KEY, ID_KEY, IMPORT_KEYS, REQUIRED_KEYS, header_to_key
from transmissions.excel.errors import MAX_FILE_BYTES, MAX_ROWS, ExcelImportError, _error, check_file_size

# --------------------------------------------------------------------------------------------------------------------
# Result
# --------------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ParsedRow:
    """One data row: ``line`` is its row number in the sheet, ``values`` has the 64 keys plus ``id_erp_apprenant``."""

    line: int
    values: dict[str, object]

    @property
    def id_erp_apprenant(self) -> str:
        """Learner identity key computed like the reference (see :func:`compute_id_erp_apprenant`)."""
        return str(self.values[ID_KEY])


@dataclass(frozen=True, slots=True)
class ParsedFile:
    """The rows of a file, plus what was learnt about its columns (keys are normalised keys)."""

    rows: list[ParsedRow]
    columns_found: list[str]
    unknown_columns: list[str]
    missing_required_columns: list[str]
    duplicate_columns: list[str] = field(default_factory=list)
    source_format: str = "xlsx"


# --------------------------------------------------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------------------------------------------------

_CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")


def parse_file(
    *, filename: str, content: bytes, max_bytes: int = MAX_FILE_BYTES, max_rows: int = MAX_ROWS
) -> ParsedFile:
    """Read an uploaded ``.xlsx`` (first sheet) or ``.csv`` file into rows keyed by :data:`IMPORT_KEYS`.

    The first non-empty row holds the headers; data rows are the later rows with a value in a known column.
    Raises :class:`ExcelImportError` for every file that cannot be imported.
    """
    check_file_size(len(content), max_bytes=max_bytes)
    if not content:
        raise _error("fichier_vide")
    extension = posixpath.splitext(filename.strip().lower())[1]
    # The content decides, not the name: an .xls renamed .xlsx or an .xlsx without extension are recognised.
    if content.startswith(_CFB_MAGIC):
        # Excel encrypts an .xlsx into an OLE2 container holding these two streams; anything else is a legacy .xls.
        if "EncryptedPackage".encode("utf-16-le") in content or "EncryptionInfo".encode("utf-16-le") in content:
            raise _error("fichier_protege")
        raise _error("format_xls")
    if content.startswith(_ZIP_MAGICS):
        return _build(_xlsx_rows(content), max_rows=max_rows, source_format="xlsx")
    if extension == ".xls":
        raise _error("format_xls")  # some ERPs export HTML or XML under an .xls name
    if extension == ".csv":
        return _build(_csv_rows(content), max_rows=max_rows, source_format="csv")
    raise _error("fichier_non_tableur")


def _no_nul(value: object) -> object:
    # NUL is never meaningful in a cell, and PostgreSQL cannot store it (text nor jsonb): drop it at the source.
    return value.replace("\x00", "") or None if type(value) is str and "\x00" in value else value


def _build(rows: Iterable[tuple[int, Sequence[object]]], *, max_rows: int, source_format: str) -> ParsedFile:
    iterator = iter(rows)
    for _line, header_cells in iterator:
        if not all(_is_blank(c) for c in header_cells):
            break
    else:
        raise _error("entete_absente")

    index_by_key: dict[str, int] = {}
    unknown: list[str] = []
    duplicates: list[str] = []
    for index, cell in enumerate(header_cells):
        if _is_blank(cell):
            continue
        key = header_to_key(cell)
        label = _as_text(cell) or ""
        if key is None:
            unknown.append(label)
        elif key in index_by_key:
            duplicates.append(label)  # the first column wins; the user is told about the others
        else:
            index_by_key[key] = index
    if not index_by_key:
        raise _error("format_non_conforme")

    kept = [(key, index, _CONVERTERS[_COLUMN_BY_KEY[key].kind]) for key, index in index_by_key.items()]
    needed_width = max(index_by_key.values()) + 1
    empty_row = dict.fromkeys(IMPORT_KEYS)  # copied per row: keeps IMPORT_KEYS order, absent columns are None
    parsed: list[ParsedRow] = []
    for line, cells in iterator:
        if len(cells) < needed_width:  # CSV rows can be ragged
            cells = [*cells, *([None] * (needed_width - len(cells)))]
        converted = {key: _no_nul(convert(cells[index])) for key, index, convert in kept}
        # Every converter gives None for a blank cell and only for it, so this is "the row is blank".
        if list(converted.values()).count(None) == len(converted):
            continue
        if len(parsed) >= max_rows:
            raise _error("trop_de_lignes", max=max_rows)
        values = empty_row.copy()
        values.update(converted)
        values[ID_KEY] = compute_id_erp_apprenant(
            prenom=values["prenom_apprenant"],
            nom=values["nom_apprenant"],
            date_de_naissance=values["date_de_naissance_apprenant"],
        )
        parsed.append(ParsedRow(line=line, values=values))

    return ParsedFile(
        rows=parsed,
        columns_found=list(index_by_key),
        unknown_columns=unknown,
        missing_required_columns=[k for k in REQUIRED_KEYS if k not in index_by_key],
        duplicate_columns=duplicates,
        source_format=source_format,
    )


# ---- xlsx ----------------------------------------------------------------------------------------------------------


def _xlsx_rows(content: bytes) -> list[tuple[int, list[object]]]:
    _check_archive(content)
    # Imported here so that the exports and the template do not pay for the Rust extension at import time.
    from python_calamine import CalamineWorkbook, PasswordError

    try:
        workbook = CalamineWorkbook.from_object(io.BytesIO(content))
        if not workbook.sheet_names:
            raise _error("feuille_absente")
        grid = workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except ExcelImportError:
        raise
    except PasswordError as exc:
        raise _error("fichier_protege") from exc
    except Exception as exc:  # calamine raises several types (CalamineError, ValueError...) for broken files
        raise _error("fichier_corrompu") from exc
    # skip_empty_area=False keeps the grid anchored at A1: index + 1 is the row number shown by Excel.
    return [(index + 1, row) for index, row in enumerate(grid)]


# ---- csv -----------------------------------------------------------------------------------------------------------

_DELIMITERS = (";", ",", "\t")


def _decode_csv(content: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM (Excel's "Texte Unicode"), else Windows-1252."""
    try:
        if content.startswith(b"\xef\xbb\xbf"):
            text = content[3:].decode("utf-8")
        elif content.startswith((b"\xff\xfe", b"\xfe\xff")):
            text = content.decode("utf-16")
        else:
            try:
                text = content.decode("utf-8")
            except UnicodeDecodeError:
                # Excel's plain "CSV (séparateur : point-virgule)" on French Windows writes cp1252.
                text = content.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise _error("encodage_invalide") from exc
    if "\x00" in text:
        raise _error("encodage_invalide")  # binary content under a .csv name
    return text


def _csv_rows(content: bytes) -> Iterator[tuple[int, list[str]]]:
    text = _decode_csv(content)
    first_line, _newline, rest = text.partition("\n")
    if re.fullmatch(r"sep=.", first_line.rstrip("\r"), flags=re.IGNORECASE):
        # Excel's "sep=;" hint line sets the delimiter and is not shown as a row, so numbering starts after it.
        delimiter, text = first_line[4], rest
    else:
        # The header line decides; a tie (one column) falls back on ";", French Excel's default.
        header_line = next((line for line in io.StringIO(text) if line.strip()), "")
        delimiter = max(_DELIMITERS, key=lambda d: (header_line.count(d), d == ";"))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        yield from enumerate(reader, start=1)
    except csv.Error as exc:
        raise _error("csv_invalide") from exc
