"""Reads on effectifs: indicators at a date and their breakdowns (statuses-indicators-roles.md §3).

The status of a learner at date D is the `EffectifStatutPeriode` row with debut <= D < fin, so each count is
one aggregate query with conditional counts, never a Python loop. Every read is limited by the permission
module: the caller's scope (organismes.permissions) becomes a sub-query on organisme ids.

The nominative list, a learner's record and data quality live in `liste`, `nominatif` and `qualite`; their
names are re-exported here so that `from effectifs.selectors.indicateurs import …` keeps working.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db.models import Count, F, Max, Min, OuterRef, Q, QuerySet, Subquery

from effectifs.models import Effectif, EffectifStatutPeriode, StatutApprenant
from effectifs.selectors.liste import TRIS, FiltresEffectifs, effectifs_liste, effectifs_options_filtres  # noqa: F401
from effectifs.selectors.nominatif import (  # noqa: F401
    EXPORT_COLUMNS,
    effectif_doublons,
    effectif_get_for_user,
    effectifs_export_rows,
    organisme_get_nominatif,
)
from effectifs.selectors.qualite import (  # noqa: F401
    ANOMALIES,
    PENALITE_TRANSMISSION,
    TRANSMISSION_RECENTE_JOURS,
    Qualite,
    doublons_count,
    qualite_donnees,
)
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


def _organismes(scope: Scope, organisme: Organisme | None) -> QuerySet[Organisme]:
    """The organismes in `scope`, limited to `organisme` and its formateurs when given (§3.3 item 5)."""
    organismes = Organisme.objects.filter(scope.q())
    if organisme is not None:
        family = Q(pk=organisme.pk) | Q(
            pk__in=organisme.relations_formateurs.values("formateur_id"),
        )
        organismes = organismes.filter(family)
    return organismes


def _organismes_in(scope: Scope, organisme: Organisme | None) -> QuerySet:
    """Ids of the organismes in `scope`, limited to `organisme` and its formateurs when given (§3.3 item 5)."""
    return _organismes(scope, organisme).values("pk")


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


def _effectifs_q(*, user, filtres: FiltresIndicateurs, organisme: Organisme | None, fiable: bool, prefix: str) -> Q:
    """The effectifs counted by the indicators (§3.3), on Effectif (prefix "") or through a relation to it.

    The organisme conditions (scope, family, fiable, search) form one sub-query on organisme ids, which
    PostgreSQL hashes once: no join to the organismes is needed to filter.
    """
    scope = acl_for_user(user).indicateurs_effectifs
    organismes = _organismes(scope, organisme)
    if fiable:
        organismes = organismes.filter(_fiable_q(""))
    if filtres.organisme_search:
        organismes = organismes.filter(_organisme_search_q(filtres.organisme_search, ""))
    condition = Q(
        **{
            f"{prefix}annee_scolaire__in": annees_scolaires_for_indicators(filtres.date),
            f"{prefix}organisme_id__in": organismes.values("pk"),
        }
    )
    if filtres.niveaux:
        condition &= Q(**{f"{prefix}formation_niveau__in": filtres.niveaux})
    if filtres.annees:
        condition &= Q(**{f"{prefix}formation_annee__in": filtres.annees})
    if filtres.cfds:
        condition &= Q(**{f"{prefix}formation_cfd__in": filtres.cfds})
    if filtres.tranches_age:
        condition &= _age_q(filtres.tranches_age, filtres.today, prefix)
    return condition


def _periodes(
    *, user, filtres: FiltresIndicateurs, organisme: Organisme | None, fiable: bool, grouped: bool = False
) -> QuerySet:
    """Status periods covering D of the effectifs counted by the indicators (§3.3).

    Over the whole country (a national scope, no organisme), the effectifs are a semi-join: periods at D whose
    effectif is in (the effectifs of the school years and filters, whose organisme is in (…)); PostgreSQL hashes
    the learner ids, read from the covering index (annee_scolaire, organisme) INCLUDE (id), and probes them with
    one scan of the periods. Over a territory or a network, the periods are joined to the effectifs instead: each
    learner's period at D is read from the (effectif, debut) key's index, and PostgreSQL spreads the join over
    several processes, which it did not do for the semi-join (a région: −35 % at 300,000 effectifs; nationally the
    semi-join stays 5 % faster, docs/performance.md). Callers grouping by effectif or organisme columns need the
    join anyway (`grouped`). Either way the effectifs are read once.
    """
    at = _periodes_at(filtres.date)
    if grouped or organisme is not None or not acl_for_user(user).indicateurs_effectifs.everything:
        condition = _effectifs_q(user=user, filtres=filtres, organisme=organisme, fiable=fiable, prefix="effectif__")
        return EffectifStatutPeriode.objects.filter(at, condition)
    effectifs = Effectif.objects.filter(
        _effectifs_q(user=user, filtres=filtres, organisme=organisme, fiable=fiable, prefix="")
    )
    return EffectifStatutPeriode.objects.filter(at, effectif_id__in=effectifs.values("pk"))


def _statut_at(d: date) -> Subquery:
    """The status of the outer effectif at D: its period covering D (periods of an effectif never overlap)."""
    periode = EffectifStatutPeriode.objects.filter(_periodes_at(d), effectif_id=OuterRef("pk")).order_by("-debut")
    return Subquery(periode.values("statut")[:1])


def _perimetre_organisme(user, organisme: Organisme | None) -> bool:
    """One organisme and its formateurs (given, or an OFA user's own perimeter): a few thousand effectifs.

    There, each effectif's period at D is read from the (effectif, debut) index (`_statut_at`): the query
    costs the size of the organisme, whatever the size of the table. Wider perimeters (réseau, territory,
    national) count the periods at D in one pass instead (`_periodes`).
    """
    return organisme is not None or acl_for_user(user).indicateurs_effectifs.ids is not None


def _statuts_par(*, user, filtres: FiltresIndicateurs, organisme: Organisme | None, fiable: bool, by: str) -> dict:
    """{value of `by` (None: everything): {statut at D: number of effectifs}} over an organisme's perimeter."""
    effectifs = Effectif.objects.filter(
        _effectifs_q(user=user, filtres=filtres, organisme=organisme, fiable=fiable, prefix="")
    ).annotate(statut_at=_statut_at(filtres.date))
    keys = [by, "statut_at"] if by else ["statut_at"]
    counts: dict = defaultdict(dict)
    for row in effectifs.values(*keys).annotate(n=Count("pk")).order_by():
        if row["statut_at"] is not None:
            counts[row[by] if by else None][row["statut_at"]] = row["n"]
    return counts


def indicateurs_effectifs(*, user, filtres: FiltresIndicateurs, organisme: Organisme | None = None) -> dict[str, int]:
    """The five counts at D: over one organisme and its formateurs (no `fiable` filter, as the reference's
    single-organisme total), or over the user's whole perimeter (fiable organismes only). Zeros if nothing."""
    fiable = organisme is None
    if _perimetre_organisme(user, organisme):
        counts = _statuts_par(user=user, filtres=filtres, organisme=organisme, fiable=fiable, by="")
        return _indicateurs(counts.get(None, {}))
    periodes = _periodes(user=user, filtres=filtres, organisme=organisme, fiable=fiable)
    return _indicateurs(periodes.aggregate(**_counts()))


def indicateurs_par_formation(*, user, filtres: FiltresIndicateurs, organisme: Organisme | None = None) -> list[dict]:
    """Counts grouped by (RNCP, CFD) with an intitulé and a niveau, fiable organismes only (§3.5)."""
    rows = (
        _periodes(user=user, filtres=filtres, organisme=organisme, fiable=True, grouped=True)
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


_ORGANISME_FIELDS = ("public_id", "uai", "siret", "enseigne", "raison_sociale", "nature")


def indicateurs_par_organisme(*, user, filtres: FiltresIndicateurs, organisme: Organisme | None = None) -> list[dict]:
    """Counts grouped by organisme formateur, fiable organismes only (§3.5), sorted by name."""
    if _perimetre_organisme(user, organisme):
        counts = _statuts_par(user=user, filtres=filtres, organisme=organisme, fiable=True, by="organisme_id")
        organismes = Organisme.objects.filter(pk__in=list(counts)).values("pk", *_ORGANISME_FIELDS)
        rows = [{**row, **counts[row["pk"]]} for row in organismes]
    else:
        rows = (
            _periodes(user=user, filtres=filtres, organisme=organisme, fiable=True, grouped=True)
            .values(
                organisme_id=F("effectif__organisme_id"),
                **{name: F(f"effectif__organisme__{name}") for name in _ORGANISME_FIELDS},
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
