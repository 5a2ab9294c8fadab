"""Distrust of an uploaded .xlsx before python-calamine reads it: zip bombs and far cells.

The zip central directory is checked, every entry is inflated with a hard cap, and the cell area of every part is
bounded, since python-calamine allocates a dense grid (one value in XFD1048576 would abort the process).
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator

from transmissions.excel.errors import (
    _INFLATE_CHUNK,
    _RATIO_MIN_ENTRY_BYTES,
    MAX_COMPRESSION_RATIO,
    MAX_SHEET_CELLS,
    MAX_UNCOMPRESSED_BYTES,
    MAX_ZIP_ENTRIES,
    _error,
)


def _check_archive(content: bytes) -> None:
    """Check the zip before calamine inflates it: sizes, then every entry inflated with a cap and bounded.

    Declared sizes are checked first (cheap refusal of obvious bombs), then every entry is inflated with a cap,
    since the central directory can lie about sizes: the real total must stay under the limit and match it.
    Every entry is then bounded as if it were a sheet (see :func:`_check_sheet_area`): calamine finds sheets
    through relations that can point anywhere, so checking "the first sheet" would trust what it means to protect.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise _error("fichier_corrompu") from exc
    if len(infos) > MAX_ZIP_ENTRIES or sum(i.file_size for i in infos) > MAX_UNCOMPRESSED_BYTES:
        raise _error("archive_suspecte")
    for info in infos:
        if info.file_size > _RATIO_MIN_ENTRY_BYTES and info.file_size > MAX_COMPRESSION_RATIO * info.compress_size:
            raise _error("archive_suspecte")
    names = {info.filename: info for info in infos}
    if "xl/workbook.xml" not in names:
        mimetype = names.get("mimetype")
        if mimetype is not None and mimetype.file_size < 100:
            data, _size = _inflate(content, mimetype, budget=100)
            if b"opendocument.spreadsheet" in data:
                raise _error("format_ods")
        raise _error("fichier_non_tableur")
    for info in infos:
        if info.flag_bits & 0x1:
            raise _error("fichier_protege")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _error("fichier_corrompu")

    budget = MAX_UNCOMPRESSED_BYTES
    for info in infos:
        data, size = _inflate(content, info, budget=budget)
        budget -= size
        _check_sheet_area(data)


def _inflate(content: bytes, info: zipfile.ZipInfo, *, budget: int) -> tuple[bytes, int]:
    offset = info.header_offset
    header = content[offset : offset + 30]
    if len(header) < 30 or header[:4] != b"PK\x03\x04":
        raise _error("fichier_corrompu")
    name_length, extra_length = struct.unpack("<HH", header[26:30])
    start = offset + 30 + name_length + extra_length
    compressed = content[start : start + info.compress_size]
    if len(compressed) != info.compress_size:
        raise _error("fichier_corrompu")
    limit = min(info.file_size, budget)
    chunks: list[bytes] = []
    size = crc = 0
    if info.compress_type == zipfile.ZIP_STORED:
        pieces: Iterator[bytes] = iter((compressed,))
    else:
        pieces = _inflate_pieces(compressed, limit)
    for piece in pieces:
        size += len(piece)
        if size > limit:
            raise _error("archive_suspecte")
        crc = zlib.crc32(piece, crc)
        chunks.append(piece)
    if size != info.file_size or crc != info.CRC:
        raise _error("fichier_corrompu")
    return b"".join(chunks), size


def _inflate_pieces(compressed: bytes, limit: int) -> Iterator[bytes]:
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    pending = compressed
    produced = 0
    while True:
        try:
            piece = inflater.decompress(pending, _INFLATE_CHUNK)
        except zlib.error as exc:
            raise _error("fichier_corrompu") from exc
        produced += len(piece)
        yield piece
        if produced > limit or inflater.eof:
            return
        pending = inflater.unconsumed_tail
        if not piece and not pending:
            raise _error("fichier_corrompu")  # truncated deflate stream


# Fast path, sound for sheets written the usual way (Excel, LibreOffice, openpyxl, SheetJS): every cell tag is
# `<c r="A1"` (no prefix, no cell placed implicitly), no other bare `r` attribute (calamine takes the last of
# duplicated ones, even without a space before it), and no reference beyond column CZ or row 9999: at most
# 104 x 9999 cells. Calamine accepts lower-case references and ignores element prefixes, hence the patterns.
# Any doubt (an unexpected `r="` in a text, say) only sends the sheet to the exact, 5 times slower, scan.
# (Patterns with a literal prefix each: ten times faster than one alternation or a look-behind.)
_ODD_CELL_TAG_RE = re.compile(rb'<c(?=[\s/>])(?! r=")')
_PREFIXED_CELL_TAG_RE = re.compile(rb":c[\s/>]")
_SPACED_ATTRIBUTE_RE = re.compile(rb"r\s+=")
_FAR_CELL_RE = re.compile(rb'<c r="(?:[D-Zd-z][A-Za-z]|[A-Za-z]{3}|[A-Za-z]{1,2}\d{5})')
# Contain `r=` without being a bare `r` attribute: prefixed ones (xmlns:r, which calamine ignores) and attribute
# names ending with "r" found in Excel and LibreOffice sheets.
_OTHER_R_ENDINGS = (b":r=", b"xr=", b"header=", b"footer=", b"operator=", b"PageNumber=", b"pageOrder=", b"GridColor=")
# Exact scan: attribute values may hold ">" or use single quotes, so they are tokenised rather than searched.
_ROW_OR_CELL_RE = re.compile(rb"""<(?:[\w.-]+:)?(row|c)(?=[\s/>])((?:[^>"']|"[^"]*"|'[^']*')*)>""")
_ATTRIBUTE_RE = re.compile(rb"""([\w.:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_CELL_REF_RE = re.compile(rb"([A-Za-z]+)(\d+)")


def _check_sheet_area(sheet_xml: bytes) -> None:
    """Refuse a sheet whose cells span more than :data:`MAX_SHEET_CELLS` before calamine allocates that grid.

    Mirrors calamine's positions: a cell's ``r`` reference, else the next cell of the row tag's row, whose number
    is its own ``r`` or the previous row tag's plus one. Self-closing cells hold no value and are ignored, as
    calamine ignores them; other empty cells are counted, which can only overestimate.
    """
    r_attributes = sheet_xml.count(b"r=")
    expected = sheet_xml.count(b'<c r="') + sheet_xml.count(b'<row r="') + sum(map(sheet_xml.count, _OTHER_R_ENDINGS))
    if (
        _ODD_CELL_TAG_RE.search(sheet_xml) is None
        and _PREFIXED_CELL_TAG_RE.search(sheet_xml) is None
        and r_attributes == expected
        and _SPACED_ATTRIBUTE_RE.search(sheet_xml) is None
        and _FAR_CELL_RE.search(sheet_xml) is None
    ):
        return
    row_tag_row = col = 0
    max_row = max_col = 0
    for match in _ROW_OR_CELL_RE.finditer(sheet_xml):
        tag, attributes = match.groups()
        refs = [m.group(2) or m.group(3) or b"" for m in _ATTRIBUTE_RE.finditer(attributes) if m.group(1) == b"r"]
        if tag == b"row":
            if refs and not all(ref.isdigit() for ref in refs):
                raise _error("fichier_corrompu")
            row_tag_row = max(int(ref) for ref in refs) if refs else row_tag_row + 1
            col = 0
            continue
        if refs:
            cells = [_CELL_REF_RE.fullmatch(ref) for ref in refs]
            if not all(cells):
                raise _error("fichier_corrompu")  # calamine refuses such references too
            # A duplicated attribute is invalid XML: take the farthest, never the nearest.
            col = max(_column_number(cell.group(1)) for cell in cells if cell)
            row = max(int(cell.group(2)) for cell in cells if cell)
        else:
            col, row = col + 1, row_tag_row
        if attributes.rstrip().endswith(b"/"):
            continue
        max_row, max_col = max(max_row, row), max(max_col, col)
    if max_row * max_col > MAX_SHEET_CELLS:
        raise _error("feuille_trop_grande", row=max_row, column=_column_letters(max_col))


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + letter - 64
    return number


def _column_letters(number: int) -> str:
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters
