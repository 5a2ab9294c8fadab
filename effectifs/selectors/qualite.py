"""Data quality of an organisme: a score and the fixes that raise it (SIFA fields, duplicates, contracts).

Split from `indicateurs.py` (names still importable from there).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.utils import timezone

from effectifs.models import StatutApprenant
from effectifs.selectors.nominatif import _doublon_exists, _effectifs_perimetre
from effectifs.statuts import annees_scolaires_for_indicators
from organismes.models import Organisme

S = StatutApprenant

ANOMALIES: dict[str, str] = {
    "sifa": "Apprenants auxquels manquent des données obligatoires pour l'enquête SIFA",
    "doublon": "Apprenants en double (mêmes nom, prénom, date de naissance et année scolaire)",
    "contrat": "Apprentis sans dates de contrat",
}
# A transmission older than one month is "stale" (the Transmission filter's "recent" bound, §3.7).
TRANSMISSION_RECENTE_JOURS = 30
PENALITE_TRANSMISSION = 20

_QUALITE_FIELDS = (
    "pk",
    "nom",
    "prenom",
    "date_de_naissance",
    "annee_scolaire",
    "organisme_id",
    "sexe",
    "derniere_situation",
    "dernier_organisme_uai",
    "type_cfa",
    "duree_formation_relle",
    "duree_theorique_mois",
    "code_insee_naissance",
    "adresse_complete",
    "code_postal",
    "code_insee",
    "contrat_incomplet",
    "statut_courant",
)


def _vide(value) -> bool:
    # Same rule as effectifs.sifa: None, blank text and numeric 0 are empty.
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    return isinstance(value, int) and not isinstance(value, bool) and value == 0


def _sifa_incomplet(row: dict) -> bool:
    """effectifs.sifa.missing_fields on our flat fields (the learner's address is one line plus codes)."""
    required = (
        row["sexe"],
        row["derniere_situation"],
        row["dernier_organisme_uai"],
        row["type_cfa"],
        row["duree_formation_relle"],
        row["duree_theorique_mois"],
        row["code_insee_naissance"],
    )
    if any(_vide(v) for v in required):
        return True
    return _vide(row["adresse_complete"]) and (_vide(row["code_postal"]) or _vide(row["code_insee"]))


@dataclass
class Qualite:
    """A data-quality score (0–100) and the fixes that raise it, each with the learners concerned."""

    total: int = 0
    score: int | None = None
    ids: dict[str, set[int]] = field(default_factory=lambda: {key: set() for key in ANOMALIES})
    derniere_transmission: object = None
    transmission_ancienne: bool = False

    @property
    def corrections(self) -> list[dict]:
        return [
            {"code": code, "libelle": libelle, "nombre": len(self.ids[code])}
            for code, libelle in ANOMALIES.items()
            if self.ids[code]
        ]


def qualite_donnees(*, user, organisme: Organisme, today: date) -> Qualite:
    """Score of the organisme's data for the current school years (§2.6 indicator years at today).

    Score = share of learners without any anomaly, minus 20 points when the last transmission is older
    than a month. SIFA fields are checked for learners SIFA counts (apprentis and rupturants).
    Not yet included: records rejected in the last transmissions (they live in `transmissions`, which
    effectifs must not import).
    """
    rows = list(
        _effectifs_perimetre(user=user, organisme=organisme)
        .filter(annee_scolaire__in=annees_scolaires_for_indicators(today))
        .values(*_QUALITE_FIELDS)
    )
    qualite = Qualite(total=len(rows), derniere_transmission=organisme.last_transmission_date)
    groups: dict[tuple, list[int]] = defaultdict(list)
    for row in rows:
        if row["statut_courant"] in (S.APPRENTI, S.RUPTURANT) and _sifa_incomplet(row):
            qualite.ids["sifa"].add(row["pk"])
        if row["contrat_incomplet"]:  # effectifs.statuts.contrat_incomplet, written by the upsert
            qualite.ids["contrat"].add(row["pk"])
        key = (
            row["organisme_id"],
            row["annee_scolaire"],
            row["nom"].upper(),
            row["prenom"].upper(),
            row["date_de_naissance"],
        )
        groups[key].append(row["pk"])
    for pks in groups.values():
        if len(pks) > 1:
            qualite.ids["doublon"].update(pks)
    last = organisme.last_transmission_date
    qualite.transmission_ancienne = last is not None and timezone.now() - last > timedelta(
        days=TRANSMISSION_RECENTE_JOURS
    )
    if rows:
        concerned = set().union(*qualite.ids.values())
        score = round(100 * (len(rows) - len(concerned)) / len(rows))
        if qualite.transmission_ancienne:
            score -= PENALITE_TRANSMISSION
        qualite.score = max(0, score)
    return qualite


def doublons_count(*, user, organisme: Organisme, today: date) -> int:
    """Number of effectifs of the current school years that have a duplicate (dashboard alert)."""
    return (
        _effectifs_perimetre(user=user, organisme=organisme)
        .filter(annee_scolaire__in=annees_scolaires_for_indicators(today))
        .filter(_doublon_exists())
        .count()
    )
