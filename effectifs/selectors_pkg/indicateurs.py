"""Reads on effectifs: indicators at a date, their breakdowns, the nominative list and data quality.

Indicators follow statuses-indicators-roles.md §3: the status of a learner at date D is the
`EffectifStatutPeriode` row with debut <= D < fin, so each count is one aggregate query with
conditional counts, never a Python loop. Every read is limited by the permission module: the caller's
scope (organismes.permissions) becomes a sub-query on organisme ids, and single objects outside it
answer 404.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, Exists, F, Max, Min, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Upper
from django.http import Http404
from django.utils import timezone

from effectifs.models import Effectif, EffectifStatutPeriode, StatutApprenant
from effectifs.statuts import annee_scolaire_of, annees_scolaires_for_indicators
from organismes.models import Fiabilisation, Organisme
from organismes.permissions import Scope, acl_for_user

S = StatutApprenant
# The statuses the indicators count (§3.2); PRE_INSCRIT is never produced by the builder.
STATUTS_COMPTES = (S.APPRENTI, S.INSCRIT, S.RUPTURANT, S.ABANDON, S.FIN_DE_FORMATION)
INDICATEURS = ("apprenants", "apprentis", "inscrits", "rupturants", "abandons")

# Age bands of §3.4: (label, minimum age included, maximum age excluded), relative to today, not D.
TRANCHES_AGE: dict[str, tuple[str, int, int]] = {
    "-18": ("< 18 ans", 0, 18),
    "18-20": ("18 à 20 ans", 18, 21),
    "21-25": ("21 à 25 ans", 21, 26),
    "26+": ("26 ans et +", 26, 999),
}
NIVEAUX: dict[str, str] = {
    "3": "Niveau 3 (CAP, BEP…)",
    "4": "Niveau 4 (Baccalauréat)",
    "5": "Niveau 5 (BTS, DUT, DEUG)",
    "6": "Niveau 6 (Licence, Bachelor)",
    "7": "Niveau 7 (Master…)",
    "8": "Niveau 8 (Doctorat)",
}
NIVEAU_INCONNU = "Niveau inconnu"
UAI_RE = re.compile(r"^[0-9]{7}[A-Za-z]$")


# --------------------------------------------------------------------------- filters


@dataclass(frozen=True, kw_only=True)
class FiltresIndicateurs:
    """Filters of §3.4 that apply to one organisme's data (territory filters are the scope's business)."""

    date: date
    today: date
    niveaux: tuple[str, ...] = ()
    annees: tuple[int, ...] = ()
    cfds: tuple[str, ...] = ()
    tranches_age: tuple[str, ...] = ()
    organisme_search: str = ""

    @property
    def annee_scolaire(self) -> str:
        return annee_scolaire_of(self.date)

    def as_log(self) -> dict:
        """The filters as JSON for the download log."""
        return {
            "date": self.date.isoformat(),
            "formation_niveaux": list(self.niveaux),
            "formation_annees": list(self.annees),
            "formation_cfds": list(self.cfds),
            "apprenant_tranchesAge": list(self.tranches_age),
            "organisme_search": self.organisme_search,
        }


def _years_before(d: date, years: int) -> date:
    if years >= d.year:
        return date.min
    try:
        return d.replace(year=d.year - years)
    except ValueError:  # 29 February in a non-leap year
        return d.replace(year=d.year - years, day=28)


def _age_q(tranches: Iterable[str], today: date, prefix: str) -> Q:
    """Birth date < today − min years and ≥ today − max years, OR-ed over the bands."""
    condition = Q()
    for key in tranches:
        _, minimum, maximum = TRANCHES_AGE[key]
        condition |= Q(
            **{
                f"{prefix}date_de_naissance__lt": _years_before(today, minimum),
                f"{prefix}date_de_naissance__gte": _years_before(today, maximum),
            }
        )
    return condition


def _organisme_search_q(search: str, prefix: str) -> Q:
    """UAI exact, 14-digit SIRET exact, ≥ 3 digits: SIRET contains (§3.4).

    Deliberate fix: the reference matched any other text against a field that does not exist (nothing
    matched); we search the organisme's name instead.
    """
    search = search.strip()
    if UAI_RE.match(search):
        return Q(**{f"{prefix}uai": search.upper()})
    digits = search.replace(" ", "")
    if digits.isdigit() and len(digits) == 14:
        return Q(**{f"{prefix}siret": digits})
    if digits.isdigit() and len(digits) >= 3:
        return Q(**{f"{prefix}siret__contains": digits})
    return Q(**{f"{prefix}raison_sociale__icontains": search}) | Q(**{f"{prefix}enseigne__icontains": search})


def _fiable_q(prefix: str) -> Q:
    return Q(**{f"{prefix}fiabilisation_statut": Fiabilisation.FIABLE, f"{prefix}ferme": False})


# --------------------------------------------------------------------------- perimeters


def _organismes_in(scope: Scope, organisme: Organisme | None) -> QuerySet:
    """Ids of the organismes in `scope`, limited to `organisme` and its formateurs when given (§3.3 item 5)."""
    organismes = Organisme.objects.filter(scope.q())
    if organisme is not None:
        family = Q(pk=organisme.pk) | Q(
            pk__in=organisme.relations_formateurs.values("formateur_id"),
        )
        organismes = organismes.filter(family)
    return organismes.values("pk")


def organisme_of_user(user) -> Organisme | None:
    """The organisme of an OFA user (None for réseaux, public operators, administrators)."""
    organisation = getattr(user, "organisation", None)
    if organisation is None or organisation.organisme_id is None:
        return None
    return organisation.organisme


def organisme_has_formateurs(organisme: Organisme) -> bool:
    return organisme.relations_formateurs.exists()


# --------------------------------------------------------------------------- indicators


def _periodes_at(d: date) -> Q:
    return Q(debut__lte=d) & (Q(fin__isnull=True) | Q(fin__gt=d))


def _counts() -> dict:
    return {s.value: Count("pk", filter=Q(statut=s.value)) for s in STATUTS_COMPTES}


def _indicateurs(row: dict) -> dict[str, int]:
    """§3.2: apprentis include FIN_DE_FORMATION, apprenants exclude ABANDON."""
    apprentis = (row.get(S.APPRENTI) or 0) + (row.get(S.FIN_DE_FORMATION) or 0)
    inscrits, rupturants = row.get(S.INSCRIT) or 0, row.get(S.RUPTURANT) or 0
    return {
        "apprenants": apprentis + inscrits + rupturants,
        "apprentis": apprentis,
        "inscrits": inscrits,
        "rupturants": rupturants,
        "abandons": row.get(S.ABANDON) or 0,
    }


def _periodes(*, user, filtres: FiltresIndicateurs, organisme: Organisme | None, fiable: bool) -> QuerySet:
    """Status periods covering D of the effectifs counted by the indicators (§3.3)."""
    scope = acl_for_user(user).indicateurs_effectifs
    periodes = EffectifStatutPeriode.objects.filter(
        _periodes_at(filtres.date),
        effectif__annee_scolaire__in=annees_scolaires_for_indicators(filtres.date),
        effectif__organisme_id__in=_organismes_in(scope, organisme),
    )
    if fiable:
        periodes = periodes.filter(_fiable_q("effectif__organisme__"))
    if filtres.niveaux:
        periodes = periodes.filter(effectif__formation_niveau__in=filtres.niveaux)
    if filtres.annees:
        periodes = periodes.filter(effectif__formation_annee__in=filtres.annees)
    if filtres.cfds:
        periodes = periodes.filter(effectif__formation_cfd__in=filtres.cfds)
    if filtres.tranches_age:
        periodes = periodes.filter(_age_q(filtres.tranches_age, filtres.today, "effectif__"))
    if filtres.organisme_search:
        periodes = periodes.filter(_organisme_search_q(filtres.organisme_search, "effectif__organisme__"))
    return periodes


def indicateurs_effectifs(*, user, filtres: FiltresIndicateurs, organisme: Organisme | None = None) -> dict[str, int]:
    """The five counts at D: over one organisme and its formateurs (no `fiable` filter, as the reference's
    single-organisme total), or over the user's whole perimeter (fiable organismes only). Zeros if nothing."""
    periodes = _periodes(user=user, filtres=filtres, organisme=organisme, fiable=organisme is None)
    return _indicateurs(periodes.aggregate(**_counts()))


def indicateurs_par_formation(*, user, filtres: FiltresIndicateurs, organisme: Organisme | None = None) -> list[dict]:
    """Counts grouped by (RNCP, CFD) with an intitulé and a niveau, fiable organismes only (§3.5)."""
    rows = (
        _periodes(user=user, filtres=filtres, organisme=organisme, fiable=True)
        .values(rncp_code=F("effectif__formation_rncp"), cfd_code=F("effectif__formation_cfd"))
        .annotate(
            intitule=Max("effectif__formation_libelle_long"),
            niveau_europeen=Min("effectif__formation_niveau"),
            **_counts(),
        )
        .order_by("niveau_europeen", "intitule", "rncp_code", "cfd_code")
    )
    return [
        {
            "rncp_code": row["rncp_code"],
            "cfd_code": row["cfd_code"],
            "intitule": row["intitule"],
            "niveau_europeen": row["niveau_europeen"],
            **_indicateurs(row),
        }
        for row in rows
    ]


def indicateurs_par_niveau(rows: list[dict]) -> list[dict]:
    """The par-formation rows grouped by niveau for "Répartition des effectifs par niveau et formations"."""
    groups: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        groups[row["niveau_europeen"] or ""].append(row)
    result = []
    for niveau in sorted(groups, key=lambda n: (n == "", n)):
        formations = groups[niveau]
        totals = {key: sum(r[key] for r in formations) for key in INDICATEURS}
        result.append(
            {"niveau": niveau, "libelle": NIVEAUX.get(niveau, NIVEAU_INCONNU), "formations": formations, **totals}
        )
    return result


def indicateurs_par_organisme(*, user, filtres: FiltresIndicateurs, organisme: Organisme | None = None) -> list[dict]:
    """Counts grouped by organisme formateur, fiable organismes only (§3.5), sorted by name."""
    rows = (
        _periodes(user=user, filtres=filtres, organisme=organisme, fiable=True)
        .values(
            organisme_id=F("effectif__organisme_id"),
            public_id=F("effectif__organisme__public_id"),
            uai=F("effectif__organisme__uai"),
            siret=F("effectif__organisme__siret"),
            enseigne=F("effectif__organisme__enseigne"),
            raison_sociale=F("effectif__organisme__raison_sociale"),
            nature=F("effectif__organisme__nature"),
        )
        .annotate(**_counts())
    )
    result = []
    for row in rows:
        nom = row["enseigne"] or row["raison_sociale"] or "Organisme inconnu"
        result.append(
            {
                "public_id": row["public_id"],
                "uai": row["uai"],
                "siret": row["siret"],
                "nom": nom,
                "nature": row["nature"] or "inconnue",
                **_indicateurs(row),
            }
        )
    result.sort(key=lambda r: r["nom"].casefold())
    return result


# --------------------------------------------------------------------------- nominative list


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


def _organismes_nominatifs(user) -> QuerySet[Organisme]:
    """Organismes whose learners the user may see by name: `manageEffectifs` (§1.6) and the nominative
    lists (§4.3) must both cover them."""
    acl = acl_for_user(user)
    return Organisme.objects.filter(acl.manage_effectifs.q()).filter(
        pk__in=Organisme.objects.filter(acl.nominatif("apprenant").q()).values("pk")
    )


def organisme_get_nominatif(*, user, public_id) -> Organisme:
    """The organisme if the user may list its learners by name; 404 otherwise."""
    organisme = _organismes_nominatifs(user).filter(public_id=public_id).first()
    if organisme is None:
        raise Http404("Organisme introuvable.")
    return organisme


def _effectifs_perimetre(*, user, organisme: Organisme) -> QuerySet:
    """Effectifs of the organisme and of the formateurs it fully manages (partial links excluded by the scope)."""
    family = Q(pk=organisme.pk) | Q(pk__in=organisme.relations_formateurs.values("formateur_id"))
    organismes = _organismes_nominatifs(user).filter(family).values("pk")
    return Effectif.objects.filter(organisme_id__in=organismes)


def _doublon_exists() -> Exists:
    """Another effectif of the same organisme and school year with the same name, first name and birth date.

    The reference's duplicate key (same id_erp + school year) cannot exist here: it is our unique key.
    """
    return Exists(
        Effectif.objects.annotate(nom_u=Upper("nom"), prenom_u=Upper("prenom"))
        .filter(
            organisme_id=OuterRef("organisme_id"),
            annee_scolaire=OuterRef("annee_scolaire"),
            date_de_naissance=OuterRef("date_de_naissance"),
            nom_u=Upper(OuterRef("nom")),
            prenom_u=Upper(OuterRef("prenom")),
        )
        .exclude(pk=OuterRef("pk"))
    )


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


def effectif_get_for_user(*, user, public_id) -> Effectif:
    """One learner's record if the user may see it by name; 404 otherwise."""
    effectif = (
        Effectif.objects.select_related("organisme", "organisme_responsable")
        .filter(public_id=public_id, organisme_id__in=_organismes_nominatifs(user).values("pk"))
        .first()
    )
    if effectif is None:
        raise Http404("Effectif introuvable.")
    return effectif


def effectif_doublons(*, effectif: Effectif) -> list[Effectif]:
    """The other records flagged as duplicates of this one (same rule as the list)."""
    return list(
        Effectif.objects.filter(
            organisme_id=effectif.organisme_id,
            annee_scolaire=effectif.annee_scolaire,
            date_de_naissance=effectif.date_de_naissance,
            nom__iexact=effectif.nom,
            prenom__iexact=effectif.prenom,
        )
        .exclude(pk=effectif.pk)
        .order_by("created_at")
    )


EXPORT_COLUMNS = (
    "organisme_uai",
    "organisme_siret",
    "organisme_nom",
    "organisme_nature",
    "apprenant_nom",
    "apprenant_prenom",
    "apprenant_date_de_naissance",
    "apprenant_statut",
    "formation_cfd",
    "formation_rncp",
    "formation_libelle_long",
    "formation_annee",
    "formation_niveau",
    "formation_date_debut_formation",
    "formation_date_fin_formation",
)


def effectifs_export_rows(effectifs: QuerySet[Effectif]) -> tuple[list[int], list[list]]:
    """Rows of the nominative export (§5 columns) and the exported effectif ids, for the download log.

    Deviation: formation start/end are the real session dates, not the reference's `periode` years.
    """
    ids, rows = [], []
    for e in effectifs:
        ids.append(e.pk)
        rows.append(
            [
                e.organisme.uai or "",
                e.organisme.siret,
                e.organisme.nom,
                e.organisme.nature,
                e.nom,
                e.prenom,
                e.date_de_naissance.isoformat(),
                e.statut_actuel or "",
                e.formation_cfd,
                e.formation_rncp,
                e.formation_libelle_long,
                e.formation_annee,
                e.formation_niveau,
                e.date_entree,
                e.date_fin,
            ]
        )
    return ids, rows


# --------------------------------------------------------------------------- data quality

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
    "contrats",
    "historique_statut",
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


def _contrat_sans_dates(row: dict) -> bool:
    """Declared apprentice by the ERP (status 3) without any contract start, or a contract without its end."""
    contrats = row["contrats"] or []
    if any(c.get("date_debut") and not c.get("date_fin") for c in contrats):
        return True
    declared_apprenti = any(h.get("valeur_statut") == 3 for h in row["historique_statut"] or [])
    return declared_apprenti and not any(c.get("date_debut") for c in contrats)


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
        if _contrat_sans_dates(row):
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
