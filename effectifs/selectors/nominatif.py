"""Who may see which learners by name, a learner's record, duplicates, and the nominative export rows.

Split from `indicateurs.py` (names still importable from there). A learner is visible by name when both
`manageEffectifs` (§1.6) and the nominative lists (§4.3) of the caller's ACL cover its organisme; anything
outside answers 404.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Upper
from django.http import Http404

from effectifs.models import Effectif
from organismes.models import Organisme
from organismes.permissions import acl_for_user


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
