"""The Excel/CSV upload ("Import des effectifs") against bad files (issue 11, pages-import-sifa.md §2).

Product behaviour: a refused file re-renders the upload page with status 200 and its French message in the DSFR
error group (`fr-upload-group--error`); nothing is stored (no ImportFichier, no QueueItem). A readable file with bad
cells is stored as a preview (ImportFichier) whose rows show their errors; nothing reaches the queue before "Valider
l'import", which is refused while errors remain. Every value of the file is escaped in the preview.
"""

import csv
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.bad_inputs.conftest import XSS_IMG, XSS_SCRIPT, XSS_SVG, assert_escaped, page_text
from tests.factories import UserFactory
from tests.transmissions.fichiers_import import ligne, xlsx
from transmissions.excel import MAX_FILE_BYTES, MAX_ROWS
from transmissions.models import ImportFichier, QueueItem

pytestmark = pytest.mark.django_db

NOT_SPREADSHEET = "Ce fichier n'est pas un fichier Excel (.xlsx) ou CSV lisible."
PROTECTED = "Ce fichier est protégé par un mot de passe."
XLS = "Le format .xls (Excel 97-2003) n'est pas pris en charge."
EMPTY = "Le fichier est vide."
NO_ROWS = "Votre fichier ne contient aucun effectif"
NOT_CONFORM = "Le format de votre fichier n'est pas conforme."
TOO_MANY = f"votre fichier ne doit pas dépasser {MAX_ROWS} lignes."
TOO_BIG = "Votre fichier est trop volumineux"
CORRUPT = "Le fichier est endommagé et ne peut pas être lu."
SUSPECT = "Le contenu de ce fichier est anormalement volumineux une fois décompressé"
ENCODING = "Le fichier CSV n'a pas pu être lu : son encodage n'est pas reconnu."
NO_HEADER = "Le fichier ne contient aucune ligne"
NO_SHEET = "Impossible de charger la première feuille du fichier Excel"


@pytest.fixture
def ofa(client, fixture_couple):
    client.force_login(UserFactory(organisation__organisme=fixture_couple[0]))
    return client


def upload(client, content: bytes, name: str = "effectifs.xlsx"):
    return client.post(reverse("televersement"), {"fichier": SimpleUploadedFile(name, content)})


def cfb(*streams: str) -> bytes:
    """An OLE2/CFB container (legacy .xls, or an encrypted .xlsx) with these directory entries."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 16 + b"\x3e\x00\x03\x00\xfe\xff\x09\x00"
    directory = b"".join(name.encode("utf-16-le").ljust(64, b"\x00") + b"\x00" * 64 for name in streams)
    return header.ljust(512, b"\x00") + directory.ljust(512, b"\x00")


def zip_of(entries: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


WB = (
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">{sheets}</workbook>'
)
SHEETS = '<sheets><sheet name="Feuil1" sheetId="1" r:id="rId1"/></sheets>'
CT = (
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
)
RELS = (
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"'
    ' Target="xl/workbook.xml"/></Relationships>'
)
WB_RELS = (
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"'
    ' Target="worksheets/sheet1.xml"/></Relationships>'
)


def raw_xlsx(rows_xml: str, sheets: str = SHEETS) -> bytes:
    """A minimal workbook whose sheet XML is written by hand (inline strings)."""
    sheet = f'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{rows_xml}</sheetData></worksheet>'
    return zip_of(
        {
            "[Content_Types].xml": CT.encode(),
            "_rels/.rels": RELS.encode(),
            "xl/workbook.xml": WB.format(sheets=sheets).encode(),
            "xl/_rels/workbook.xml.rels": WB_RELS.encode(),
            "xl/worksheets/sheet1.xml": sheet.encode(),
        }
    )


def inline_row(number: int, values: list[str]) -> str:
    cells = "".join(
        f'<c r="{chr(65 + i)}{number}" t="inlineStr"><is><t>{value}</t></is></c>' for i, value in enumerate(values)
    )
    return f'<row r="{number}">{cells}</row>'


def good_xlsx() -> bytes:
    return xlsx([ligne()])


def truncated() -> bytes:
    content = good_xlsx()
    return content[: len(content) // 2]


def csv_bytes(rows: list[list[str]], encoding: str, delimiter: str = ";") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows(rows)
    return buffer.getvalue().encode(encoding)


HEADER = ["nom_apprenant", "prenom_apprenant", "date_de_naissance_apprenant"]

BAD_FILES = {
    "pdf": ("effectifs.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj << >> endobj\n%%EOF", NOT_SPREADSHEET),
    "random-bytes": ("effectifs.xlsx", bytes(range(256)) * 40, NOT_SPREADSHEET),
    "png": ("effectifs.xlsx", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, NOT_SPREADSHEET),
    "exe": ("effectifs.exe", b"MZ\x90\x00" + b"\x00" * 200, NOT_SPREADSHEET),
    "zip-not-workbook": ("effectifs.xlsx", zip_of({"word/document.xml": b"<document/>"}), NOT_SPREADSHEET),
    "password-protected": ("effectifs.xlsx", cfb("Root Entry", "EncryptionInfo", "EncryptedPackage"), PROTECTED),
    "legacy-xls": ("effectifs.xls", cfb("Root Entry", "Workbook"), XLS),
    "legacy-xls-renamed": ("effectifs.xlsx", cfb("Root Entry", "Workbook"), XLS),
    "html-xls": ("effectifs.xls", b"<html><table><tr><td>nom_apprenant</td></tr></table></html>", XLS),
    "empty": ("effectifs.xlsx", b"", EMPTY),
    "empty-csv": ("effectifs.csv", b"", EMPTY),
    "headers-only": ("effectifs.xlsx", xlsx([]), NO_ROWS),
    "headers-only-csv": ("effectifs.csv", b"nom_apprenant;prenom_apprenant\n", NO_ROWS),
    "no-known-column": ("effectifs.xlsx", xlsx([{"x": "1"}], keys=["colonne_inconnue"]), NOT_CONFORM),
    "no-known-column-csv": ("effectifs.csv", b"a;b;c\n1;2;3\n", NOT_CONFORM),
    "blank-sheet": ("effectifs.xlsx", raw_xlsx(""), NO_HEADER),
    "no-sheet": ("effectifs.xlsx", raw_xlsx("", sheets="<sheets/>"), NO_SHEET),
    "2001-rows": (
        "effectifs.xlsx",
        xlsx([{"nom_apprenant": f"N{i}"} for i in range(MAX_ROWS + 1)], keys=["nom_apprenant"]),
        TOO_MANY,
    ),
    "2001-rows-csv": ("effectifs.csv", ("nom_apprenant\n" + "x\n" * (MAX_ROWS + 1)).encode(), TOO_MANY),
    "corrupt-zip-truncated": ("effectifs.xlsx", truncated(), CORRUPT),
    "corrupt-zip-garbage": ("effectifs.xlsx", b"PK\x03\x04" + b"garbage" * 10, CORRUPT),
    "zip-bomb-ratio": (
        "effectifs.xlsx",
        zip_of({"xl/workbook.xml": WB.format(sheets=SHEETS).encode(), "xl/worksheets/sheet1.xml": b"\0" * 20_000_000}),
        SUSPECT,
    ),
    "csv-utf16-without-bom": ("effectifs.csv", "nom_apprenant;x\nDupont;1\n".encode("utf-16-le"), ENCODING),
    "csv-binary-nul": ("effectifs.csv", b"nom_apprenant\nDu\x00pont\n", ENCODING),
    "csv-cp1252-undefined-bytes": ("effectifs.csv", b"nom_apprenant\nDu\x81\x8d\x8f\x90\x9dpont\n", ENCODING),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_each_bad_file_is_refused_in_french_and_stores_nothing(ofa, case):
    name, content, message = BAD_FILES[case]

    response = upload(ofa, content, name)

    assert response.status_code == 200  # the upload form re-rendered (product behaviour)
    assert message in page_text(response)
    assert "fr-upload-group--error" in response.content.decode()
    assert ImportFichier.objects.count() == 0
    assert QueueItem.objects.count() == 0


def test_a_file_over_10_mo_is_refused_by_its_size(ofa):
    response = upload(ofa, b"PK\x03\x04" + b"\0" * MAX_FILE_BYTES)

    assert response.status_code == 200
    assert TOO_BIG in page_text(response) and "La taille maximale autorisée est de 10 Mo." in page_text(response)
    assert ImportFichier.objects.count() == 0


@pytest.mark.parametrize("data", [{}, {"fichier": ""}, {"fichier": "pas un fichier"}], ids=["none", "empty", "text"])
def test_no_file(ofa, data):
    response = ofa.post(reverse("televersement"), data)

    assert response.status_code == 200
    assert "Veuillez sélectionner un fichier à importer." in page_text(response)
    assert ImportFichier.objects.count() == 0


@pytest.mark.parametrize(
    "filename",
    [f"{XSS_SCRIPT}.pdf", f"{XSS_IMG}.pdf", "../../../etc/passwd", "a" * 10_000 + ".pdf", "\u202efdp.xlsx"],
    ids=["script", "img", "traversal", "overlong", "rtl"],
)
def test_a_hostile_file_name_of_a_refused_file(ofa, filename):
    response = upload(ofa, b"%PDF-1.7", filename)

    assert response.status_code == 200
    assert NOT_SPREADSHEET in page_text(response)
    assert_escaped(response, filename)
    assert ImportFichier.objects.count() == 0


# ---- Readable files with bad cells: a preview with errors, escaped, nothing queued ------------------------------


def preview(client, response):
    assert response.status_code == 302, page_text(response)[:500]
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert QueueItem.objects.count() == 0
    return page


CELL_CASES = {
    "xss-script-name": {"nom_apprenant": XSS_SCRIPT},
    "xss-img-prenom": {"prenom_apprenant": XSS_IMG},
    "xss-svg-rncp": {"formation_rncp": XSS_SVG},
    "xss-in-uai": {"etablissement_formateur_uai": XSS_SCRIPT},
    "javascript-email": {"email_contact": "javascript:alert(1)//@example.org"},
    "sql": {"nom_apprenant": "' OR 1=1 --"},
    "formula-sum": {"nom_apprenant": "=1+1"},
    "formula-hyperlink": {"prenom_apprenant": '=HYPERLINK("http://evil.example","clic")'},
    "formula-dde": {"nom_apprenant": "=cmd|' /C calc'!A0"},
    "date-as-text-fr": {"date_de_naissance_apprenant": "21/05/2007"},
    "date-as-text-impossible": {"date_entree_formation": "2025-02-30"},
    "date-as-text-words": {"date_fin_formation": "demain"},
    "date-as-xss": {"date_entree_formation": XSS_SCRIPT},
    "cell-100-kb": {"nom_apprenant": "A" * 100_000},
    "tab-newline": {"nom_apprenant": "Du\tpo\nnt\r"},
    "rtl-zero-width": {"nom_apprenant": "\u202eDu\u200bpont"},
    "emoji-combining": {"prenom_apprenant": "Camille 👩🏽‍🎓 e\u0301\u0301"},
    "number-for-text": {"nom_apprenant": 12345},
    "negative-year": {"annee_formation": -3},
    "huge-number": {"duree_theorique_formation_mois": 10**300},
}


@pytest.mark.parametrize("case", list(CELL_CASES))
def test_bad_cells_show_in_an_escaped_preview_and_nothing_is_queued(ofa, case):
    row = ligne(**CELL_CASES[case])

    page = preview(ofa, upload(ofa, xlsx([row, ligne()])))

    assert_escaped(page, *(v for v in CELL_CASES[case].values() if isinstance(v, str)))
    fichier = ImportFichier.objects.get()
    # "Valider l'import" adds nothing to the queue while errors remain (and rows without errors are only queued then).
    ofa.post(reverse("televersement_importer", args=[fichier.public_id]))
    if any(fichier.resultats):
        assert QueueItem.objects.count() == 0


@pytest.mark.parametrize("payload", [XSS_SCRIPT, XSS_IMG, XSS_SVG])
def test_hostile_column_headers_are_escaped_in_the_preview(ofa, payload):
    content = xlsx([ligne()], keys=[*ligne().keys(), payload])

    page = preview(ofa, upload(ofa, content))

    assert_escaped(page, payload)


@pytest.mark.parametrize("payload", [XSS_SCRIPT, XSS_IMG])
def test_hostile_file_name_of_an_accepted_file_is_escaped(ofa, payload):
    page = preview(ofa, upload(ofa, good_xlsx(), f"{payload}.xlsx"))

    assert_escaped(page, payload)


@pytest.mark.parametrize(
    ("encoding", "text"),
    [("utf-16", "Dupont"), ("cp1252", "Œuvré – “x”"), ("utf-8-sig", XSS_SCRIPT), ("cp1252", XSS_IMG)],
    ids=["utf16-bom", "cp1252-specials", "utf8-bom-xss", "cp1252-xss"],
)
def test_csv_encodings_with_hostile_text(ofa, encoding, text):
    content = csv_bytes([HEADER, [text, "Camille", "21/05/2007"]], encoding)

    page = preview(ofa, upload(ofa, content, "effectifs.csv"))

    assert_escaped(page, text)


@pytest.mark.parametrize(
    "escape",
    ["_xD800_", "_x0000_", "_xDFFF__xD800_", "_x001B_"],
    ids=["lone-high", "nul", "reversed-pair", "escape-char"],
)
def test_xlsx_escape_sequences_in_cells_never_give_a_500(ofa, escape):
    """OOXML writes characters XML cannot hold as _xHHHH_; the reader may decode them to U+0000 or a lone
    surrogate, which neither the answer (UTF-8) nor PostgreSQL's jsonb can hold."""
    content = raw_xlsx(inline_row(1, HEADER) + inline_row(2, [f"Du{escape}pont", "Camille", "2007-05-21"]))

    response = upload(ofa, content)

    assert response.status_code in (200, 302)
    if response.status_code == 302:
        page = ofa.get(response["Location"])
        assert page.status_code == 200
    assert QueueItem.objects.count() == 0
