"""The nominative list of "Mes effectifs" for an organisme, its filters and sort orders (§1.6).

Split from `indicateurs.py` (names still importable from there).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import F, OuterRef, Q, QuerySet, Subquery

from effectifs.models import Effectif, EffectifStatutPeriode
from effectifs.selectors.nominatif import _doublon_exists, _effectifs_perimetre
from effectifs.selectors.qualite import ANOMALIES, qualite_donnees
from effectifs.statuts import annee_scolaire_of
from organismes.models import Organisme


@dataclass(frozen=True, kw_only=True)
class FiltresEffectifs:
    """Filters of "Mes effectifs" (§1.6). Empty tuples mean "no filter"."""

    annees_scolaires: tuple[str, ...] = ()
    formations: tuple[str, ...] = ()
    statuts: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    recherche: str = ""
    anomalie: str = ""
    tri: str = "annee_scolaire"
    ordre: str = "desc"

    def as_log(self) -> dict:
        return {
            "annee_scolaire": list(self.annees_scolaires),
            "formation_libelle_long": list(self.formations),
            "statut_courant": list(self.statuts),
            "source": list(self.sources),
            "search": self.recherche,
            "anomalie": self.anomalie,
        }


TRIS = {
    "annee_scolaire": ("annee_scolaire", "nom", "prenom"),
    "nom": ("nom", "prenom"),
    "prenom": ("prenom", "nom"),
    "formation": ("formation_libelle_long", "nom", "prenom"),
    "statut": ("statut_actuel", "nom", "prenom"),
}


def _statut_today(today: date, value: str) -> Subquery:
    return Subquery(
        EffectifStatutPeriode.objects.filter(effectif=OuterRef("pk"), debut__lte=today)
        .order_by("-debut")
        .values(value)[:1]
    )


def effectifs_liste(*, user, organisme: Organisme, filtres: FiltresEffectifs, today: date) -> QuerySet[Effectif]:
    """The nominative list: one query, annotated with the status at `today` (and since when) and a
    duplicate flag; filtered, searched and sorted in SQL."""
    effectifs = (
        _effectifs_perimetre(user=user, organisme=organisme)
        .select_related("organisme")
        .annotate(
            statut_actuel=_statut_today(today, "statut"),
            statut_depuis=_statut_today(today, "debut"),
            doublon=_doublon_exists(),
        )
    )
    if filtres.annees_scolaires:
        effectifs = effectifs.filter(annee_scolaire__in=filtres.annees_scolaires)
    if filtres.formations:
        effectifs = effectifs.filter(formation_libelle_long__in=filtres.formations)
    if filtres.statuts:
        effectifs = effectifs.filter(statut_actuel__in=filtres.statuts)
    if filtres.sources:
        effectifs = effectifs.filter(source__in=filtres.sources)
    if filtres.recherche.strip():
        for word in filtres.recherche.split()[:5]:
            effectifs = effectifs.filter(Q(nom__icontains=word) | Q(prenom__icontains=word))
    if filtres.anomalie == "doublon":
        effectifs = effectifs.filter(doublon=True)
    elif filtres.anomalie in ANOMALIES:
        ids = qualite_donnees(user=user, organisme=organisme, today=today).ids[filtres.anomalie]
        effectifs = effectifs.filter(pk__in=ids)
    fields = TRIS.get(filtres.tri, TRIS["annee_scolaire"])
    if filtres.ordre == "asc":
        order = [F(fields[0]).asc(nulls_last=True), *fields[1:]]
    else:
        order = [F(fields[0]).desc(nulls_last=True), *fields[1:]]
    return effectifs.order_by(*order, "pk")


def effectifs_options_filtres(*, user, organisme: Organisme, today: date) -> dict[str, list]:
    """Values present in the organisme's data for the filters (the current school year is always offered)."""
    effectifs = _effectifs_perimetre(user=user, organisme=organisme)
    annees = set(effectifs.values_list("annee_scolaire", flat=True).distinct())
    annees.add(annee_scolaire_of(today))
    formations = (
        effectifs.exclude(formation_libelle_long="")
        .values_list("formation_libelle_long", flat=True)
        .distinct()
        .order_by("formation_libelle_long")
    )
    sources = effectifs.values_list("source", flat=True).distinct().order_by("source")
    return {
        "annees_scolaires": sorted(annees, reverse=True),
        "formations": list(formations),
        "sources": list(sources),
    }
