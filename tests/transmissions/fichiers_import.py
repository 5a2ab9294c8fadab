"""Files for the Excel import tests, generated with openpyxl (see tests/transmissions/test_excel.py).

`ligne()` is a valid row for the spec's fixture couple (formateur 0802004U under responsable 0755805C, see
conftest.py); dates are real Excel dates, relative to today so that statuses are predictable.
"""

import datetime as dt
import io

import openpyxl

from transmissions.excel import COLUMNS, TEMPLATE_HEADERS, build_template

HEADER_BY_KEY = {column.key: column.header for column in COLUMNS}
TODAY = dt.date.today()


def annee_scolaire() -> str:
    start = TODAY.year if TODAY.month >= 8 else TODAY.year - 1
    return f"{start}-{start + 1}"


def ligne(**overrides) -> dict:
    """A valid row of the template, keyed by normalised keys: an inscrit sans contrat who entered 30 days ago."""
    row = {
        "nom_apprenant": "Lefebvre",
        "prenom_apprenant": "Camille",
        "date_de_naissance_apprenant": dt.date(2007, 5, 21),
        "sexe_apprenant": "F",
        "email_contact": "camille.lefebvre@example.org",
        "adresse_apprenant": "12 rue des Lilas",
        "code_postal_apprenant": "80000",
        "etablissement_responsable_uai": "0755805C",
        "etablissement_responsable_siret": "77568013501139",
        "etablissement_formateur_uai": "0802004U",
        "etablissement_formateur_siret": "77937827200016",
        "annee_scolaire": annee_scolaire(),
        "annee_formation": 1,
        "formation_rncp": "RNCP34670",
        "formation_cfd": "50033616",
        "date_inscription_formation": TODAY - dt.timedelta(days=40),
        "date_entree_formation": TODAY - dt.timedelta(days=30),
        "date_fin_formation": TODAY + dt.timedelta(days=700),
        "duree_theorique_formation_mois": 24,
    }
    row.update(overrides)
    return {key: value for key, value in row.items() if value is not ...}


def xlsx(rows: list[dict], *, headers: list[str] | None = None, keys: list[str] | None = None) -> bytes:
    """A one-sheet workbook: `headers` (default: the template's for `keys`, default every template column)."""
    keys = keys or [column.key for column in COLUMNS]
    headers = headers or [HEADER_BY_KEY.get(key, key) for key in keys]
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(key) for key in keys])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def fill_template(template: bytes, rows: list[dict]) -> bytes:
    """The downloaded template with its example line replaced by `rows` (what a user does in Excel)."""
    workbook = openpyxl.load_workbook(io.BytesIO(template))
    sheet = workbook["Modèle"]
    headers = [cell.value for cell in sheet[1]]
    assert headers == list(TEMPLATE_HEADERS)
    sheet.delete_rows(2)
    keys = [column.key for column in COLUMNS]
    for row in rows:
        sheet.append([row.get(key) for key in keys])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def template() -> bytes:
    return build_template()
