"""SIFA survey file ("Mon enquête SIFA"): who is included, what is missing, and the 47-column file.

SIFA is the DEPP's yearly count of every apprentice registered on 31 December of year N; the CFA
uploads this file on https://sifa.depp.education.fr in January N+1. This package is pure (no Django,
no database): a selector maps each effectif to a `SifaEffectif`, including the status parcours
computed by `effectifs.statuts`, and everything else happens here.

Reference: spec `pages-import-sifa.md` §3 (flux-retour-cfas, last working SIFA module). Where the
reference has a quirk, the decision is written next to the code that makes it; the wire format the
DEPP portal reads (column order, quoting, placeholders, date format) is kept as is.

Modules: ``columns`` (the 47 columns, :class:`SifaEffectif`), ``rules`` (who is included, missing fields),
``rows`` (row building), ``files`` (CSV, XLSX, download name), ``codes`` (code tables). This module re-exports
their public names.
"""

from __future__ import annotations

from effectifs.sifa.codes import (
    DIP_OBT,
    NATIO,
    PCS,
    REGIME_SCO,
    SIT_AV_APP,
    SIT_N_1,
    SIT_N_1_GROUPS,
    TYPE_CFA,
    TYPE_EMP,
    TYPE_EMP_GROUPS,
)
from effectifs.sifa.columns import (
    ABANDON,
    APPRENTI,
    COLUMNS,
    FIN_DE_FORMATION,
    INE_PLACEHOLDER,
    INSCRIT,
    PARIS,
    RUPTURANT,
    SIFA_STATUTS,
    SifaEffectif,
    Value,
)
from effectifs.sifa.files import (
    file_name,
    to_csv,
    to_xlsx,
)
from effectifs.sifa.rows import (
    build_row,
    build_rows,
    clean_name,
)
from effectifs.sifa.rules import (
    MISSING_FIELD_LABELS,
    annees_scolaires_sifa,
    is_eligible,
    missing_fields,
    sifa_snapshot_date,
    statut_at,
)

__all__ = [
    "ABANDON",
    "APPRENTI",
    "COLUMNS",
    "DIP_OBT",
    "FIN_DE_FORMATION",
    "INE_PLACEHOLDER",
    "INSCRIT",
    "MISSING_FIELD_LABELS",
    "NATIO",
    "PARIS",
    "PCS",
    "REGIME_SCO",
    "RUPTURANT",
    "SIFA_STATUTS",
    "SIT_AV_APP",
    "SIT_N_1",
    "SIT_N_1_GROUPS",
    "TYPE_CFA",
    "TYPE_EMP",
    "TYPE_EMP_GROUPS",
    "SifaEffectif",
    "Value",
    "annees_scolaires_sifa",
    "build_row",
    "build_rows",
    "clean_name",
    "file_name",
    "is_eligible",
    "missing_fields",
    "sifa_snapshot_date",
    "statut_at",
    "to_csv",
    "to_xlsx",
]
