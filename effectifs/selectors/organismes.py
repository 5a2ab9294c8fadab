"""The organismes lists: Mes organismes / Mon réseau / Mon territoire / Tous les organismes, "Ses organismes" of
another organisme, the administrators' organismes à fiabiliser, their cards and exports (pages-import-sifa.md §1.7,
§5; statuses-indicators-roles.md §3.7 C/D). Always the user's viewContacts perimeter.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime

from dateutil.relativedelta import relativedelta
from django.db.models import Case, CharField, Count, Exists, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce, Lower, NullIf
from django.utils import timezone

from effectifs.selectors.territoire import _acl
from organismes.models import AccountStatus, Fiabilisation, Nature, OrganisationType, Organisme, User

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
