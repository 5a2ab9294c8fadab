"""Who is in the SIFA file (spec pages-import-sifa.md §3.4) and which required fields are missing (§3.5).

The snapshot is 31 December of the school year's first year; a learner is included when APPRENTI or RUPTURANT on
that date.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from effectifs.sifa.columns import SIFA_STATUTS, SifaEffectif

# --- Who is included (§3.4) -------------------------------------------------------------------


def sifa_snapshot_date(today: date) -> date:
    """Observation date: 31 December of N, N = this year from August on, else last year (school year)."""
    year = today.year if today.month >= 8 else today.year - 1
    return date(year, 12, 31)


def annees_scolaires_sifa(snapshot: date) -> tuple[str, str]:
    """Candidate `annee_scolaire` values for a snapshot of 31/12/N: ("N-N", "N-(N+1)")."""
    n = snapshot.year
    return (f"{n}-{n}", f"{n}-{n + 1}")


def statut_at(parcours: Iterable[tuple[date, str]], when: date) -> str | None:
    """Status at `when`: the change point with the greatest date ≤ `when`; on ties the later entry wins."""
    current: str | None = None
    current_date: date | None = None
    # Same scan as the reference (no sorting), so an unsorted parcours gives the same answer.
    for change_date, statut in parcours:
        if change_date <= when and (current_date is None or change_date >= current_date):
            current, current_date = statut, change_date
    return current


def is_eligible(e: SifaEffectif, snapshot: date) -> bool:
    """True when the learner is APPRENTI or RUPTURANT on the snapshot date (no parcours → excluded)."""
    return statut_at(e.parcours, snapshot) in SIFA_STATUTS


# --- Missing fields (§3.5) --------------------------------------------------------------------

MISSING_FIELD_LABELS: dict[str, str] = {
    "apprenant.nom": "Nom",
    "apprenant.prenom": "Prénom",
    "apprenant.date_de_naissance": "Date de naissance",
    "apprenant.adresse_naissance.code_postal": "Code postal de naissance",
    "apprenant.sexe": "Sexe",
    "apprenant.derniere_situation": "Situation de l’apprenant l’année dernière (N-1)",
    "apprenant.dernier_organisme_uai": "Établissement fréquenté l’année dernière (N-1)",
    "apprenant.type_cfa": "Type de CFA",
    "formation.duree_formation_relle": "Durée réelle de la formation (en mois)",
    "formation.duree_theorique_mois": "Durée théorique de la formation (en mois)",
    "apprenant.adresse.voie": "Adresse : voie",
    "apprenant.adresse.code_postal": "Adresse : code postal",
    "apprenant.adresse.commune": "Adresse : commune",
}


def _is_empty(value: object) -> bool:
    # Quirk kept on purpose: numeric 0 counts as empty, as in the reference. Every numeric required
    # field has no valid 0 (durations of 0 months, `derniere_situation` 0 = "none" which the API
    # already turns into absent), so flagging it is right. Whitespace-only text counts as empty too.
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value == 0
    return False


def missing_fields(e: SifaEffectif) -> list[str]:
    """Reference paths of the SIFA-required fields that are empty, in the reference's order."""
    checks = [
        ("apprenant.nom", e.nom),
        ("apprenant.prenom", e.prenom),
        ("apprenant.date_de_naissance", e.date_de_naissance),
        # Deliberate fix: the reference checked the birth postal code but exports the INSEE code
        # (LIEU_NAIS), so a postal code that never resolved to a commune passed as complete and the
        # file went out with an empty mandatory column. We flag the field the user can correct (the
        # postal code) whenever the exported INSEE code is missing.
        ("apprenant.adresse_naissance.code_postal", e.naissance_code_insee),
        ("apprenant.sexe", e.sexe),
        ("apprenant.derniere_situation", e.derniere_situation),
        ("apprenant.dernier_organisme_uai", e.dernier_organisme_uai),
        ("apprenant.type_cfa", e.type_cfa),
        ("formation.duree_formation_relle", e.duree_formation_relle),
        ("formation.duree_theorique_mois", e.duree_theorique_mois),
    ]
    if _is_empty(e.adresse_complete):
        checks += [
            ("apprenant.adresse.voie", e.adresse_voie),
            ("apprenant.adresse.code_postal", e.adresse_code_postal),
            ("apprenant.adresse.commune", e.adresse_commune),
        ]
    return [path for path, value in checks if _is_empty(value)]
