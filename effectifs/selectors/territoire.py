"""Reads across organismes: territories, "Mes organismes", national indicators, operators' nominative lists.

statuses-indicators-roles.md §3.5–3.7 and §4 (2024 matrix). The counting pieces of `indicateurs.py`
(status period at D, school-year pre-filter, fiable filter, conditional counts) are reused as is; this
module only adds the grouping by département, the territory filters (on the organisme's address, §7
item 7) and the organismes side. Every read takes the user (None = the public national page, whose
built-in ACL sees every indicator and no name, §3.6) and is limited by the caller's scopes.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from dateutil.relativedelta import relativedelta
from django.db.models import Case, CharField, Count, Exists, F, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce, Lower, NullIf
from django.utils import timezone

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
from organismes.models import AccountStatus, Fiabilisation, Nature, OrganisationType, Organisme, User
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


# --------------------------------------------------------------------------- Mes organismes

TRANSMISSIONS = {
    "recent": "Effectifs récemment transmis (< 1 mois)",
    "1_3_mois": "Effectifs transmis (entre 1 et 3 mois)",
    "arrete": "Arrêt des transmissions (> 3 mois)",
    "jamais": "Effectifs jamais transmis",
}
PROBLEMES = {
    "sans_effectifs": "sans effectifs transmis (ou arrêt)",
    "nature_inconnue": "avec une nature « inconnue »",
    "siret_ferme": "avec un Siret fermé",
    "uai_non_determine": "avec une UAI « non déterminée »",
}


@dataclass(frozen=True, kw_only=True)
class FiltresOrganismes:
    """Search and filters of "Mes organismes" (§1.7). Empty means "no filter"."""

    recherche: str = ""
    departements: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    natures: tuple[str, ...] = ()
    etat_uai: tuple[str, ...] = ()  # "connue", "non_determinee"
    transmissions: tuple[str, ...] = ()
    etats: tuple[str, ...] = ()  # "ouvert", "ferme"

    def as_log(self) -> dict:
        return {
            "search": self.recherche,
            "departements": list(self.departements),
            "regions": list(self.regions),
            "nature": list(self.natures),
            "etatUAI": list(self.etat_uai),
            "transmission": list(self.transmissions),
            "ferme": list(self.etats),
        }


def _bornes_transmission(now: datetime) -> tuple[datetime, datetime]:
    """(now − 1 month, now − 3 months): the "recent" and "arrêté" bounds of §3.7."""
    return now - relativedelta(months=1), now - relativedelta(months=3)


def _transmission_case(now: datetime) -> Case:
    un_mois, trois_mois = _bornes_transmission(now)
    return Case(
        When(last_transmission_date__isnull=True, then=Value("jamais")),
        When(last_transmission_date__gte=un_mois, then=Value("recent")),
        When(last_transmission_date__gte=trois_mois, then=Value("1_3_mois")),
        default=Value("arrete"),
        output_field=CharField(),
    )


def _probleme_q(type_: str, now: datetime) -> Q:
    """§3.7 D matching rules of the four problem lists."""
    if type_ == "sans_effectifs":
        _, trois_mois = _bornes_transmission(now)
        return Q(last_transmission_date__isnull=True) | Q(last_transmission_date__lt=trois_mois)
    if type_ == "nature_inconnue":
        return Q(nature=Nature.INCONNUE) | Q(nature="")
    if type_ == "siret_ferme":
        return Q(ferme=True)
    if type_ == "uai_non_determine":
        return Q(uai__isnull=True) | Q(uai="")
    raise ValueError(f"liste inconnue : {type_}")


def organismes_perimetre(
    *, user, organisme: Organisme | None = None, a_fiabiliser: bool = False
) -> QuerySet[Organisme]:
    """Organismes of "Mes organismes": the viewContacts scope (§3.7 D), or an OFA's formateurs; with
    `a_fiabiliser`, only those not (yet) fiable (the administrators' "organismes à fiabiliser", §1.5)."""
    acl = _acl(user)
    organismes = Organisme.objects.filter(pk__in=Organisme.objects.filter(acl.view_contacts.q()).values("pk"))
    if organisme is not None:
        organismes = organismes.filter(pk__in=organisme.relations_formateurs.values("formateur_id"))
    if a_fiabiliser:
        organismes = organismes.exclude(fiabilisation_statut=Fiabilisation.FIABLE)
    return organismes


def _normalise(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _recherche_q(recherche: str) -> Q:
    """Name contains; UAI, SIRET and commune start with (§1.7). Accents are stripped from the query; the
    data's accents are compared as stored (SQLite has no unaccent)."""
    text = recherche.strip()
    variants = {text, _normalise(text)}
    condition = Q()
    for v in variants:
        condition |= (
            Q(raison_sociale__icontains=v)
            | Q(enseigne__icontains=v)
            | Q(uai__istartswith=v)
            | Q(siret__startswith=v.replace(" ", ""))
            | Q(commune__istartswith=v)
        )
    return condition


def organismes_liste(
    *,
    user,
    filtres: FiltresOrganismes,
    organisme: Organisme | None = None,
    a_fiabiliser: bool = False,
    now: datetime | None = None,
) -> QuerySet[Organisme]:
    """The filtered list, annotated in SQL with the transmission state, what the user may open on each row,
    and a contact (first confirmed user of the organisme's organisation): no per-row query."""
    now = now or timezone.now()
    acl = _acl(user)
    organismes = organismes_perimetre(user=user, organisme=organisme, a_fiabiliser=a_fiabiliser)
    organismes = organismes.select_related("departement", "region").annotate(
        transmission=_transmission_case(now),
        peut_indicateurs=Exists(Organisme.objects.filter(acl.indicateurs_effectifs.q(), pk=OuterRef("pk"))),
        peut_effectifs=Exists(
            Organisme.objects.filter(acl.manage_effectifs.q(), pk=OuterRef("pk")).filter(
                pk__in=Organisme.objects.filter(acl.nominatif("apprenant").q()).values("pk")
            )
        ),
    )
    if len(filtres.recherche.strip()) >= 2:
        organismes = organismes.filter(_recherche_q(filtres.recherche))
    if filtres.departements:
        organismes = organismes.filter(departement_id__in=filtres.departements)
    if filtres.regions:
        organismes = organismes.filter(region_id__in=filtres.regions)
    if filtres.natures:
        organismes = organismes.filter(nature__in=filtres.natures)
    if set(filtres.etat_uai) == {"connue"}:
        organismes = organismes.exclude(_probleme_q("uai_non_determine", now))
    elif set(filtres.etat_uai) == {"non_determinee"}:
        organismes = organismes.filter(_probleme_q("uai_non_determine", now))
    if filtres.transmissions:
        organismes = organismes.filter(transmission__in=filtres.transmissions)
    if set(filtres.etats) == {"ouvert"}:
        organismes = organismes.filter(ferme=False)
    elif set(filtres.etats) == {"ferme"}:
        organismes = organismes.filter(ferme=True)
    return organismes.order_by(Lower(Coalesce(NullIf("enseigne", Value("")), "raison_sociale")), "siret", "pk")


def organismes_indicateurs(
    *, user, organisme: Organisme | None = None, a_fiabiliser: bool = False, now: datetime | None = None
) -> dict:
    """The cards of "Mes organismes" (§3.7 D) in one aggregate: total, fiables and the four problems."""
    now = now or timezone.now()
    counts = {"organismes": Count("pk"), "fiables": Count("pk", filter=Q(fiabilisation_statut=Fiabilisation.FIABLE))}
    counts.update({type_: Count("pk", filter=_probleme_q(type_, now)) for type_ in PROBLEMES})
    return organismes_perimetre(user=user, organisme=organisme, a_fiabiliser=a_fiabiliser).aggregate(**counts)


def organismes_probleme(
    *, user, type_: str, organisme: Organisme | None = None, a_fiabiliser: bool = False, now=None
) -> QuerySet[Organisme]:
    """One problem list (§3.7 C/D); ValueError for an unknown type."""
    now = now or timezone.now()
    liste = organismes_liste(
        user=user, filtres=FiltresOrganismes(), organisme=organisme, a_fiabiliser=a_fiabiliser, now=now
    )
    return liste.filter(_probleme_q(type_, now))


ORGANISMES_EXPORT_COLUMNS = (
    "uai",
    "siret",
    "raison_sociale",
    "enseigne",
    "nature",
    "departement",
    "region",
    "commune",
    "adresse",
    "dernière transmission",
    "email de contact",
    "téléphone de contact",
)


def _contact(field: str) -> Subquery:
    return Subquery(
        User.objects.filter(
            organisation__organisme_id=OuterRef("pk"),
            organisation__type=OrganisationType.ORGANISME_FORMATION,
            account_status=AccountStatus.CONFIRMED,
        )
        .order_by("created_at")
        .values(field)[:1]
    )


def organismes_export_rows(organismes: QuerySet[Organisme]) -> tuple[list[int], list[list]]:
    """Rows of the organismes exports (§5 columns) and the exported ids, for the download log."""
    ids, rows = [], []
    for o in organismes.annotate(contact_email=_contact("email"), contact_telephone=_contact("telephone")):
        ids.append(o.pk)
        last = o.last_transmission_date
        rows.append(
            [
                o.uai or "",
                o.siret,
                o.raison_sociale,
                o.enseigne,
                o.nature,
                o.departement_id or "",
                o.region.nom if o.region else "",
                o.commune,
                o.domiciliation,
                timezone.localtime(last).strftime("%Y-%m-%d %H:%M") if last else "",
                o.contact_email or "",
                o.contact_telephone or "",
            ]
        )
    return ids, rows


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
