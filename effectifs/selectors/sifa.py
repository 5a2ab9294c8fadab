"""Reads of "Mon enquête SIFA": the organisme's learners counted on 31 December and what they lack.

The rules live in the pure module `effectifs.sifa` (snapshot date, school years, eligibility, missing
fields, file rows); this module only reads the database and maps each effectif to a `SifaEffectif`.
The candidate set is one organisme's effectifs for two school years, so it is read in one query and
filtered in Python with `sifa.is_eligible` (the parcours rule of §3.4, the same code the unit tests
cover); an SQL `Exists` on the status periods narrows it first so that only learners in contract on
31 December are loaded.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.http import Http404

from effectifs import sifa
from effectifs.models import Effectif, EffectifStatutPeriode
from effectifs.selectors.indicateurs import organisme_of_user
from organismes.models import Organisme
from organismes.selectors import organisme_get_for_user

__all__ = [
    "EnqueteSifa",
    "FiltresSifa",
    "LigneSifa",
    "enquete_sifa",
    "organisme_get_sifa",
    "organisme_sifa_of_user",
    "sifa_effectif_of",
    "sifa_effectifs_eligibles",
]


@dataclass(frozen=True, kw_only=True)
class FiltresSifa:
    """Search and filters of the SIFA list (§3.3); empty tuples mean "no filter"."""

    recherche: str = ""
    sources: tuple[str, ...] = ()
    formations: tuple[str, ...] = ()
    incomplets: bool = False  # "Afficher uniquement les données manquantes pour SIFA"

    @property
    def actifs(self) -> bool:
        return bool(self.recherche or self.sources or self.formations or self.incomplets)


@dataclass(frozen=True)
class LigneSifa:
    """One learner of the survey: the record, its SIFA view and the reference paths of its missing fields."""

    effectif: Effectif
    sifa: sifa.SifaEffectif
    manquants: tuple[str, ...]

    @property
    def complet(self) -> bool:
        return not self.manquants

    @property
    def manquants_libelles(self) -> list[str]:
        return [sifa.MISSING_FIELD_LABELS.get(path, path) for path in self.manquants]


@dataclass
class EnqueteSifa:
    """The page's data: snapshot, all eligible learners and the filter options."""

    snapshot: date
    annees_scolaires: tuple[str, str]
    tous: list[LigneSifa]
    sources: list[str] = field(default_factory=list)
    formations: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.tous)

    @property
    def incomplets(self) -> int:
        return sum(1 for ligne in self.tous if not ligne.complet)

    def filtrer(self, filtres: FiltresSifa) -> list[LigneSifa]:
        """The learners shown. Filtering happens on the loaded rows: the set is one organisme's learners
        in contract on one day, and the totals need all of them anyway."""
        lignes = self.tous
        for word in filtres.recherche.casefold().split()[:5]:
            lignes = [
                ligne
                for ligne in lignes
                if word in ligne.effectif.nom.casefold() or word in ligne.effectif.prenom.casefold()
            ]
        if filtres.sources:
            lignes = [ligne for ligne in lignes if ligne.effectif.source in filtres.sources]
        if filtres.formations:
            lignes = [ligne for ligne in lignes if ligne.effectif.formation_libelle_long in filtres.formations]
        if filtres.incomplets:
            lignes = [ligne for ligne in lignes if not ligne.complet]
        return lignes


# --------------------------------------------------------------------------- organisme


def organisme_get_sifa(*, user, public_id) -> Organisme:
    """The organisme if the user may manage its effectifs (own OFA, full responsable, réseau responsable,
    administrator); 404 otherwise (§3.2)."""
    return organisme_get_for_user(user=user, public_id=public_id, permission="manage_effectifs")


def organisme_sifa_of_user(user) -> Organisme | None:
    """The OFA user's own organisme, re-read through the same check; None for other organisations."""
    organisme = organisme_of_user(user)
    if organisme is None:
        return None
    try:
        return organisme_get_sifa(user=user, public_id=organisme.public_id)
    except Http404:
        return None


# --------------------------------------------------------------------------- mapping


def _jour(value) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _parcours(raw) -> tuple[tuple[date, str], ...]:
    points = []
    for item in raw or []:
        d = _jour(item[0]) if item else None
        if d is not None and len(item) > 1:
            points.append((d, str(item[1])))
    return tuple(points)


def sifa_effectif_of(effectif: Effectif) -> sifa.SifaEffectif:
    """Map our flat effectif to the SIFA view (`organisme` and `organisme_responsable` must be loaded).

    Fields our model does not hold (régime scolaire, nationalité, situation avant contrat, dernier
    diplôme, legal representative's phone and PCS, the employer's type, NAF, size and postcode, the
    address split into voie/commune) stay None: the file leaves those columns empty and the user
    completes them in the .xlsx. The legal representative's e-mail is the ERP's `responsable_apprenant_mail1`.
    """
    contrats = effectif.contrats or []
    dernier = contrats[-1] if contrats and isinstance(contrats[-1], dict) else {}
    responsable = effectif.organisme_responsable
    # §3.6 #2/#4: the responsable/formateur UAIs only when the effectif carries both links (API v3, file).
    liens = responsable is not None
    return sifa.SifaEffectif(
        ine=effectif.ine or None,
        uai_organisme=effectif.organisme.uai,
        uai_responsable=responsable.uai if liens else None,
        uai_formateur=effectif.organisme.uai if liens else None,
        type_cfa=effectif.type_cfa or None,
        cfd=effectif.formation_cfd or None,
        rncp=effectif.formation_rncp or None,
        duree_theorique_mois=effectif.duree_theorique_mois,
        duree_formation_relle=effectif.duree_formation_relle,
        annee=effectif.formation_annee,
        nom=effectif.nom,
        prenom=effectif.prenom,
        adresse_complete=effectif.adresse_complete or None,
        adresse_code_postal=effectif.code_postal or None,
        adresse_code_insee=effectif.code_insee or None,
        telephone=effectif.telephone or None,
        courriel=effectif.courriel or None,
        representant_legal_courriel=effectif.responsable_mail1 or None,
        date_de_naissance=effectif.date_de_naissance,
        naissance_code_postal=effectif.code_postal_naissance or None,
        naissance_code_insee=effectif.code_insee_naissance or None,
        sexe=effectif.sexe or None,
        rqth=effectif.rqth,
        derniere_situation=effectif.derniere_situation,
        dernier_organisme_uai=effectif.dernier_organisme_uai or None,
        contrat_date_debut=_jour(dernier.get("date_debut")),
        contrat_date_rupture=_jour(dernier.get("date_rupture")),
        contrat_siret=dernier.get("siret") or None,
        parcours=_parcours(effectif.parcours),
    )


# --------------------------------------------------------------------------- eligible learners


def _en_contrat_au(snapshot: date) -> Exists:
    # Narrowing only: the decision is sifa.is_eligible on the parcours (same change points as the periods).
    return Exists(
        EffectifStatutPeriode.objects.filter(
            Q(fin__isnull=True) | Q(fin__gt=snapshot),
            effectif=OuterRef("pk"),
            debut__lte=snapshot,
            statut__in=sifa.SIFA_STATUTS,
        )
    )


def _candidats(*, organisme: Organisme, snapshot: date, today: date) -> QuerySet[Effectif]:
    """The organisme's effectifs of the two SIFA school years that may be in contract on 31 December."""
    return (
        Effectif.objects.filter(
            _en_contrat_au(snapshot),
            organisme=organisme,
            annee_scolaire__in=sifa.annees_scolaires_sifa(snapshot),
        )
        .select_related("organisme", "organisme_responsable")
        .annotate(
            statut_actuel=Subquery(
                EffectifStatutPeriode.objects.filter(effectif=OuterRef("pk"), debut__lte=today)
                .order_by("-debut")
                .values("statut")[:1]
            )
        )
        .order_by("nom", "prenom", "pk")
    )


def _lignes(effectifs: Iterable[Effectif], snapshot: date) -> list[LigneSifa]:
    lignes = []
    for effectif in effectifs:
        vue = sifa_effectif_of(effectif)
        if sifa.is_eligible(vue, snapshot):
            lignes.append(LigneSifa(effectif, vue, tuple(sifa.missing_fields(vue))))
    return lignes


def sifa_effectifs_eligibles(*, user, organisme: Organisme, today: date) -> list[LigneSifa]:
    """Every learner of the organisme counted by SIFA at the snapshot of `today` (the file's rows).

    `organisme` must come from `organisme_get_sifa`/`organisme_sifa_of_user`; the check is repeated so
    that a caller cannot skip it.
    """
    organisme_get_sifa(user=user, public_id=organisme.public_id)
    snapshot = sifa.sifa_snapshot_date(today)
    return _lignes(_candidats(organisme=organisme, snapshot=snapshot, today=today), snapshot)


def enquete_sifa(*, user, organisme: Organisme, today: date) -> EnqueteSifa:
    """The page "Mon enquête SIFA": every eligible learner (the totals) and the filter options;
    `EnqueteSifa.filtrer` gives the list shown.
    """
    tous = sifa_effectifs_eligibles(user=user, organisme=organisme, today=today)
    snapshot = sifa.sifa_snapshot_date(today)
    return EnqueteSifa(
        snapshot=snapshot,
        annees_scolaires=sifa.annees_scolaires_sifa(snapshot),
        tous=tous,
        sources=sorted({ligne.effectif.source for ligne in tous}),
        formations=sorted(
            {e.formation_libelle_long for e in (ligne.effectif for ligne in tous) if e.formation_libelle_long}
        ),
    )
