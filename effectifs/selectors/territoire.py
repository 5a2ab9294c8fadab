"""Reads across organismes: territories, national indicators, operators' nominative lists (lists: organismes.py).

statuses-indicators-roles.md §3.5–3.7 and §4 (2024 matrix). The counting pieces of `indicateurs.py`
(status period at D, school-year pre-filter, fiable filter, conditional counts) are reused as is; this
module only adds the grouping by département, the territory filters (on the organisme's address, §7
item 7) and the organismes side. Every read takes the user (None = the public national page, whose
built-in ACL sees every indicator and no name, §3.6) and is limited by the caller's scopes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery

from effectifs.models import Effectif, EffectifStatutPeriode, StatutApprenant
from effectifs.selectors.indicateurs import (
    EXPORT_COLUMNS,
    _counts,
    _fiable_q,
    _indicateurs,
    _organismes_in,
    _periodes_at,
    effectifs_export_rows,
)
from effectifs.statuts import annees_scolaires_for_indicators
from organismes.models import Nature, OrganisationType, Organisme
from organismes.permissions import Acl, Scope, acl_for_user
from organismes.territoires import ACADEMIES_BY_CODE, DEPARTEMENTS, DEPARTEMENTS_BY_CODE, REGIONS_BY_CODE

S = StatutApprenant

# The public page's ACL (§3.6): indicators and transmission info everywhere, never a name or a contact.
ACL_NATIONALE = Acl(indicateurs_effectifs=Scope.all(), info_transmission_effectifs=Scope.all())

# Nominative list types of the pages and the statuses they select at D (§3.2; "inconnu" is always empty).
NOMINATIF_STATUTS: dict[str, tuple[str, ...]] = {
    "apprenant": (S.APPRENTI, S.INSCRIT, S.RUPTURANT, S.FIN_DE_FORMATION),
    "apprenti": (S.APPRENTI, S.FIN_DE_FORMATION),
    "inscritSansContrat": (S.INSCRIT,),
    "rupturant": (S.RUPTURANT,),
    "abandon": (S.ABANDON,),
}
# Indicator card → nominative list type.
TYPE_PAR_INDICATEUR = {
    "apprenants": "apprenant",
    "apprentis": "apprenti",
    "inscrits": "inscritSansContrat",
    "rupturants": "rupturant",
    "abandons": "abandon",
}
# Only these operators get the learner's contact details in the lists (`shouldDisplayContactInEffectifNominatif`).
TYPES_AVEC_CONTACT = frozenset({OrganisationType.DREETS, OrganisationType.DDETS, OrganisationType.ACADEMIE})
CONTACT_COLUMNS = ("apprenant_courriel", "apprenant_telephone")


def _acl(user) -> Acl:
    return ACL_NATIONALE if user is None else acl_for_user(user)


# --------------------------------------------------------------------------- territory filters


@dataclass(frozen=True, kw_only=True)
class FiltresTerritoire:
    """The "territoire" schema of §3.4: a date and territory lists (on the organisme's address)."""

    date: date
    regions: tuple[str, ...] = ()
    departements: tuple[str, ...] = ()
    academies: tuple[str, ...] = ()
    bassins_emploi: tuple[str, ...] = ()

    def cle(self) -> str:
        """Cache key part: sorted keys, the date as yyyy-MM-dd, lists joined by "," (§3.6)."""
        parts = {
            "date": self.date.isoformat(),
            "organisme_academies": ",".join(sorted(self.academies)),
            "organisme_bassinsEmploi": ",".join(sorted(self.bassins_emploi)),
            "organisme_departements": ",".join(sorted(self.departements)),
            "organisme_regions": ",".join(sorted(self.regions)),
        }
        return "&".join(f"{k}={v}" for k, v in sorted(parts.items()))

    def as_log(self) -> dict:
        return {
            "date": self.date.isoformat(),
            "organisme_regions": list(self.regions),
            "organisme_departements": list(self.departements),
            "organisme_academies": list(self.academies),
        }


def _territoire_q(filtres: FiltresTerritoire, prefix: str) -> Q:
    condition = Q()
    if filtres.regions:
        condition &= Q(**{f"{prefix}region_id__in": filtres.regions})
    if filtres.departements:
        condition &= Q(**{f"{prefix}departement_id__in": filtres.departements})
    if filtres.academies:
        condition &= Q(**{f"{prefix}academie_id__in": filtres.academies})
    if filtres.bassins_emploi:
        # The reference's organismes carry no bassin d'emploi: the filter matches nothing (§3.4 quirk).
        condition &= Q(**{f"{prefix}pk__in": []})
    return condition


def territoires_choix(user) -> dict[str, list[tuple[str, str]]]:
    """Régions, départements and académies offered by the filters, narrowed to the user's indicator scope."""
    scope = _acl(user).indicateurs_effectifs
    departements = [(c, n, r, a) for c, n, r, a in DEPARTEMENTS]
    if not scope.everything:
        if scope.regions is not None:
            departements = [d for d in departements if d[2] in scope.regions]
        if scope.departements is not None:
            departements = [d for d in departements if d[0] in scope.departements]
        if scope.academies is not None:
            departements = [d for d in departements if d[3] in scope.academies]
    regions = {r for _, _, r, _ in departements}
    academies = {a for _, _, _, a in departements}
    return {
        "regions": sorted(((c, REGIONS_BY_CODE[c]) for c in regions), key=lambda x: x[1]),
        "departements": [(c, f"{c} - {n}") for c, n, _, _ in departements],
        "academies": sorted(
            ((c, ACADEMIES_BY_CODE[c]) for c in academies if c in ACADEMIES_BY_CODE), key=lambda x: x[1]
        ),
    }


# --------------------------------------------------------------------------- effectifs par département


def _periodes_territoire(*, scope: Scope, filtres: FiltresTerritoire) -> QuerySet:
    """Status periods covering D of fiable organismes in `scope` and the territory (§3.3 items 1–4)."""
    return EffectifStatutPeriode.objects.filter(
        _periodes_at(filtres.date),
        _fiable_q("effectif__organisme__"),
        _territoire_q(filtres, "effectif__organisme__"),
        effectif__annee_scolaire__in=annees_scolaires_for_indicators(filtres.date),
        effectif__organisme_id__in=_organismes_in(scope, None),
    )


def indicateurs_effectifs_par_departement(*, user, filtres: FiltresTerritoire) -> list[dict]:
    """[{departement, apprenants, apprentis, inscrits, abandons, rupturants}] in one grouped query (§3.5).

    Départements without anyone counted at D are absent (the reference's "0 → []").
    """
    scope = _acl(user).indicateurs_effectifs
    rows = (
        _periodes_territoire(scope=scope, filtres=filtres)
        .values(departement=F("effectif__organisme__departement_id"))
        .annotate(**_counts())
        .order_by("departement")
    )
    result = [{"departement": row["departement"], **_indicateurs(row)} for row in rows]
    return [r for r in result if any(r[k] for k in ("apprenants", "abandons"))]  # only uncounted statuses


def totaux_effectifs(rows: list[dict]) -> dict[str, int]:
    keys = ("apprenants", "apprentis", "inscrits", "rupturants", "abandons")
    return {key: sum(r[key] for r in rows) for key in keys}


# --------------------------------------------------------------------------- organismes par département

NATURE_KEYS = {
    "responsables": Nature.RESPONSABLE,
    "responsablesFormateurs": Nature.RESPONSABLE_FORMATEUR,
    "formateurs": Nature.FORMATEUR,
}
ORGANISMES_KEYS = ("total", "responsables", "responsablesFormateurs", "formateurs", "inconnues")


def _fin_du_jour(d: date) -> datetime:
    # Transmission dates are instants; "≤ D" means before the end of D's UTC day (statuses are UTC days).
    return datetime.combine(d + timedelta(days=1), time.min, tzinfo=UTC)


def _nombre(value: float) -> float | int:
    return int(value) if float(value).is_integer() else round(value, 2)


def _bloc(total: int, natures: dict[str, int]) -> dict[str, int]:
    return {"total": total, **natures, "inconnues": total - sum(natures.values())}


def _organismes_indicateurs(total: dict[str, int], transmetteurs: dict[str, int]) -> dict:
    """The four blocks of §3.7 A from the totals and the transmitters; the rate is 100 when total is 0."""
    return {
        "totalOrganismes": total,
        "organismesTransmetteurs": transmetteurs,
        "organismesNonTransmetteurs": {k: total[k] - transmetteurs[k] for k in ORGANISMES_KEYS},
        "tauxCouverture": {k: _nombre(100 * transmetteurs[k] / total[k]) if total[k] else 100 for k in ORGANISMES_KEYS},
    }


def indicateurs_organismes_par_departement(*, user, filtres: FiltresTerritoire) -> list[dict]:
    """§3.7 A: fiable, open organismes of the infoTransmissionEffectifs scope, per département and nature.

    "Transmetteur" = first transmission on or before D; D does not select the organismes.
    """
    scope = _acl(user).info_transmission_effectifs
    transmet = Q(first_transmission_date__isnull=False, first_transmission_date__lt=_fin_du_jour(filtres.date))
    counts = {"n_total": Count("pk"), "t_total": Count("pk", filter=transmet)}
    for key, nature in NATURE_KEYS.items():
        counts[f"n_{key}"] = Count("pk", filter=Q(nature=nature))
        counts[f"t_{key}"] = Count("pk", filter=Q(nature=nature) & transmet)
    rows = (
        Organisme.objects.filter(
            _fiable_q(""),
            _territoire_q(filtres, ""),
            pk__in=_organismes_in(scope, None),
        )
        .values("departement_id")
        .annotate(**counts)
        .order_by("departement_id")
    )
    result = []
    for row in rows:
        total = _bloc(row["n_total"], {k: row[f"n_{k}"] for k in NATURE_KEYS})
        transmetteurs = _bloc(row["t_total"], {k: row[f"t_{k}"] for k in NATURE_KEYS})
        result.append({"departement": row["departement_id"], **_organismes_indicateurs(total, transmetteurs)})
    return result


def totaux_organismes(rows: list[dict]) -> dict:
    """National (or perimeter) totals of the par-département rows; the rates are recomputed (§3.6)."""
    total = {k: sum(r["totalOrganismes"][k] for r in rows) for k in ORGANISMES_KEYS}
    transmetteurs = {k: sum(r["organismesTransmetteurs"][k] for r in rows) for k in ORGANISMES_KEYS}
    return _organismes_indicateurs(total, transmetteurs)


def indicateurs_national(*, filtres: FiltresTerritoire) -> dict:
    """The public JSON of /api/v1/indicateurs/national (§3.6), national ACL."""
    return {
        "indicateursEffectifs": indicateurs_effectifs_par_departement(user=None, filtres=filtres),
        "indicateursOrganismes": indicateurs_organismes_par_departement(user=None, filtres=filtres),
    }


# --------------------------------------------------------------------------- nominative lists


def nominatif_scope(*, user, type_: str) -> Scope:
    """The user's scope for one nominative list type (empty: the list is refused)."""
    if type_ not in NOMINATIF_STATUTS:
        return Scope.none()
    return _acl(user).nominatif(type_)


def nominatif_avec_contact(user) -> bool:
    organisation = getattr(user, "organisation", None)
    return organisation is not None and organisation.type in TYPES_AVEC_CONTACT


def effectifs_nominatifs(*, user, type_: str, filtres: FiltresTerritoire) -> QuerySet[Effectif]:
    """Learners of fiable organismes in the user's scope for `type_` whose status at D is in the type's set,
    annotated with that status (`statut_actuel`), in one query (§3.5 nominative list)."""
    scope = nominatif_scope(user=user, type_=type_)
    periodes = _periodes_territoire(scope=scope, filtres=filtres).filter(statut__in=NOMINATIF_STATUTS[type_])
    statut_at = Subquery(
        EffectifStatutPeriode.objects.filter(_periodes_at(filtres.date), effectif=OuterRef("pk")).values("statut")[:1]
    )
    return (
        Effectif.objects.filter(pk__in=periodes.values("effectif_id"))
        .select_related("organisme")
        .annotate(statut_actuel=statut_at)
        .order_by("organisme__raison_sociale", "nom", "prenom", "pk")
    )


def nominatif_export(*, user, effectifs: QuerySet[Effectif]) -> tuple[tuple[str, ...], list[int], list[list]]:
    """Headers, ids and rows of a nominative export: §5 columns, plus the contact for DREETS/DDETS/académies."""
    effectifs = list(effectifs)
    ids, rows = effectifs_export_rows(effectifs)
    if not nominatif_avec_contact(user):
        return EXPORT_COLUMNS, ids, rows
    rows = [[*row, e.courriel, e.telephone] for e, row in zip(effectifs, rows, strict=True)]
    return (*EXPORT_COLUMNS, *CONTACT_COLUMNS), ids, rows


def departement_label(code: str | None) -> str:
    if not code:
        return "Département inconnu"
    return DEPARTEMENTS_BY_CODE[code][0] if code in DEPARTEMENTS_BY_CODE else code
