"""Reads on organismes. Every private read takes the user and answers 404 outside their scope."""

from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from organismes.models import AccountStatus, Invitation, Organisation, OrganisationType, Organisme, User
from organismes.permissions import OrganismePermissions, acl_for_user, organisme_permissions


def organisme_get_public(*, public_id) -> Organisme:
    """An organisme's public card (identity, nature, fiabilisation): visible to every logged-in user (§4.4)."""
    return get_object_or_404(
        Organisme.objects.select_related("departement", "region", "academie").prefetch_related("reseaux"),
        public_id=public_id,
    )


# --- Sign-up search, scoped reads and organisation members (statuses-indicators-roles.md §4) -------------

ORGANISME_PERMISSIONS = (
    "view_contacts",
    "info_transmission_effectifs",
    "indicateurs_effectifs",
    "manage_effectifs",
    "configurer_mode_transmission",
)


def organismes_search_by_uai(*, uai: str) -> list[Organisme]:
    """Organismes of the référentiel with this UAI (public search of the sign-up wizard)."""
    return list(Organisme.objects.filter(uai=uai.strip().upper()).order_by("siret")[:20])


def organismes_search_by_siret(*, siret: str) -> list[Organisme]:
    """Organismes of the référentiel with this SIRET (public search of the sign-up wizard)."""
    return list(Organisme.objects.filter(siret=siret.strip()).order_by("uai")[:20])


def organisme_get_for_user(*, user, public_id, permission: str) -> Organisme:
    """The organisme if `user` has `permission` on it (an `Acl` attribute name); 404 otherwise."""
    if permission not in ORGANISME_PERMISSIONS:
        raise ValueError(f"permission inconnue : {permission}")
    scope = getattr(acl_for_user(user), permission)
    organisme = Organisme.objects.filter(scope.q(), public_id=public_id).distinct().first()
    if organisme is None:
        raise Http404("Organisme introuvable.")
    return organisme


def organisme_permissions_for_user(*, user, organisme: Organisme) -> OrganismePermissions:
    """What `user` may do on `organisme` (drives which blocks of the organisme card appear)."""
    return organisme_permissions(acl_for_user(user), organisme)


def user_is_administrateur(user) -> bool:
    organisation = getattr(user, "organisation", None)
    return (
        getattr(user, "account_status", None) == AccountStatus.CONFIRMED
        and organisation is not None
        and organisation.type == OrganisationType.ADMINISTRATEUR
    )


def organisation_has_confirmed_members(*, organisation: Organisation) -> bool:
    return organisation.membres.filter(account_status=AccountStatus.CONFIRMED).exists()


def organisation_membres(*, user) -> dict[str, QuerySet]:
    """The three lists of "Rôles et habilitations" for the user's own organisation."""
    organisation = user.organisation
    membres = User.objects.filter(organisation=organisation).order_by("nom", "prenom", "email")
    en_attente = membres.filter(account_status=AccountStatus.PENDING_ADMIN_VALIDATION)
    if user_is_administrateur(user):
        # Administrators validate any account not yet confirmed, whatever its organisation (§4.5).
        en_attente = User.objects.exclude(account_status=AccountStatus.CONFIRMED)
    return {
        "en_attente": en_attente.select_related("organisation__organisme").order_by("created_at"),
        "invitations": Invitation.objects.filter(organisation=organisation).select_related("author"),
        "actuels": membres.filter(account_status=AccountStatus.CONFIRMED),
    }


def membre_get_for_user(*, user, public_id) -> User:
    """A user of the caller's organisation (any account for an administrator); 404 otherwise."""
    queryset = User.objects.select_related("organisation")
    if not user_is_administrateur(user):
        queryset = queryset.filter(organisation_id=user.organisation_id)
    membre = queryset.filter(public_id=public_id).first()
    if membre is None:
        raise Http404("Utilisateur introuvable.")
    return membre


def invitation_get_for_user(*, user, public_id) -> Invitation:
    """An invitation of the caller's organisation; 404 otherwise."""
    invitation = Invitation.objects.filter(public_id=public_id, organisation_id=user.organisation_id).first()
    if invitation is None:
        raise Http404("Invitation introuvable.")
    return invitation


def invitation_get_by_token(*, token: str) -> Invitation:
    """The invitation behind an emailed link (expired ones included: the caller tells the user); 404 if unknown."""
    invitation = Invitation.objects.select_related("organisation__organisme").filter(token=token).first()
    if invitation is None:
        raise Http404("Invitation introuvable.")
    return invitation
