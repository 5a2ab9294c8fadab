"""The downloadable import template (spec pages-import-sifa.md §2.2): sheet "Modèle" and its description sheet."""

from __future__ import annotations

import datetime as dt
import io

from transmissions.excel.columns import COLUMNS, DATE, SECTIONS, TEMPLATE_HEADERS

# --------------------------------------------------------------------------------------------------------------------
# Template (§2.2)
# --------------------------------------------------------------------------------------------------------------------

_DATE_FORMAT = "DD/MM/YYYY"
# From the "Les données obligatoires" modal (§2.3), written below the descriptions.
TEMPLATE_NOTES = (
    "* : champ obligatoire pour chaque effectif.",
    "** : champ obligatoire seulement s'il est pertinent, car il dépend du parcours de l'effectif (si l'apprenant a "
    "un contrat, il faut renseigner la date de début du contrat, par exemple). Sans lui, le statut de l'effectif "
    "sera erroné.",
    "Vous pouvez remplir directement la feuille « Modèle » avec vos effectifs. Veuillez ne pas modifier "
    "l'intitulé des colonnes.",
)


def _display(value: object) -> str:
    if isinstance(value, bool):
        return "VRAI" if value else "FAUX"
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def build_template() -> bytes:
    """The downloadable template: sheet "Modèle" (62 headers, example row) and sheet "Description des données"."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    bold = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="DDE5F4")
    section_fill = PatternFill("solid", fgColor="F6F6F6")
    workbook = Workbook()
    model = workbook.active
    model.title = "Modèle"
    model.append(list(TEMPLATE_HEADERS))
    model.append([c.example for c in COLUMNS])
    for number, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(number)
        header, example = model.cell(1, number), model.cell(2, number)
        header.font, header.fill = bold, header_fill
        dimension = model.column_dimensions[letter]
        dimension.width = max(14, len(column.header) + 2)
        # Column styles apply to every row the user fills, so identifiers keep their leading zeros.
        if column.as_text:
            dimension.number_format = example.number_format = "@"
        elif column.kind == DATE:
            dimension.number_format = example.number_format = _DATE_FORMAT
    model.freeze_panes = "A2"

    description = workbook.create_sheet("Description des données")
    description.append(["Nom du champ", "Obligatoire", "Description", "Format", "Exemple"])
    for cell in description[1]:
        cell.font, cell.fill = bold, header_fill
    for section in SECTIONS:
        description.append([section])
        label = description.cell(description.max_row, 1)
        label.font, label.fill = bold, section_fill
        for column in (c for c in COLUMNS if c.section == section):
            description.append(
                [column.header, column.requirement, column.description, column.format, _display(column.example)]
            )
    description.append([])
    for note in TEMPLATE_NOTES:
        description.append([note])
    for letter, width in zip("ABCDE", (44, 14, 80, 50, 30), strict=True):
        description.column_dimensions[letter].width = width
        if letter in "CD":
            for cell in description[letter]:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    description.freeze_panes = "A2"

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
