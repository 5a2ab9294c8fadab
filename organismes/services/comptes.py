"""Writes on accounts: sign-up, email validation, account validation, invitations, roles (§4.5)."""

import logging
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from organismes.emails import send_templated_email
from organismes.models import (
    INVITATION_VALIDITY_HOURS,
    REGIONAL_TYPES,
    Academie,
    AccountStatus,
    Departement,
    Invitation,
    Organisation,
    OrganisationRole,
    OrganisationType,
    Organisme,
    Region,
    Reseau,
    User,
)
from organismes.models import _invitation_token as _new_invitation_token

logger = logging.getLogger(__name__)

CGU_VERSION = "v1"
INVITATION_BATCH_MAX = 50
LAST_ADMIN_MESSAGE = "Impossible de retirer le dernier administrateur de l'organisation"
EMAIL_TAKEN_MESSAGE = "Cet email est déjà utilisé."


class AccountError(Exception):
    """A refused account operation; its message is French and shown to the user as is."""


def _absolute_url(request, url_name: str, *args) -> str:
    path = reverse(url_name, args=args)
    return request.build_absolute_uri(path) if request is not None else path


def organisation_get_or_create(
    *,
    type: str,
    organisme: Organisme | None = None,
    reseau: Reseau | None = None,
    region: Region | None = None,
    departement: Departement | None = None,
    academie: Academie | None = None,
) -> Organisation:
    """The shared organisation for this choice (one per organisme, réseau or territory), created if missing."""
    t = OrganisationType
    fields: dict = {"organisme": None, "reseau": None, "region": None, "departement": None, "academie": None}
    if type == t.ORGANISME_FORMATION:
        fields["organisme"] = organisme
    elif type == t.TETE_DE_RESEAU:
        fields["reseau"] = reseau
    elif type in REGIONAL_TYPES:
        fields["region"] = region
    elif type == t.DDETS:
        fields["departement"] = departement
    elif type == t.ACADEMIE:
        fields["academie"] = academie
    if any(v is None for k, v in fields.items() if k in _REQUIRED_FIELD.get(type, ())):
        raise AccountError("Organisation incomplète.")
    organisation = Organisation.objects.filter(type=type, **fields).order_by("pk").first()
    if organisation is None:
        organisation, _ = Organisation.objects.get_or_create(type=type, **fields)
    return organisation


_REQUIRED_FIELD = {
    OrganisationType.ORGANISME_FORMATION: ("organisme",),
    OrganisationType.TETE_DE_RESEAU: ("reseau",),
    OrganisationType.DREETS: ("region",),
    OrganisationType.DRAAF: ("region",),
    OrganisationType.CONSEIL_REGIONAL: ("region",),
    OrganisationType.CARIF_OREF_REGIONAL: ("region",),
    OrganisationType.DDETS: ("departement",),
    OrganisationType.ACADEMIE: ("academie",),
}


@transaction.atomic
def user_signup(
    *,
    request,
    organisation: Organisation,
    email: str,
    password: str,
    civilite: str,
    nom: str,
    prenom: str,
    fonction: str,
    telephone: str = "",
    invitation: Invitation | None = None,
) -> User:
    """Create an account from the sign-up wizard.

    Without an invitation the account waits for its email validation (allauth sends the activation link).
    With a valid invitation link the email is proven: the account is CONFIRMED with the invited role.
    """
    email = email.strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise AccountError(EMAIL_TAKEN_MESSAGE)
    if invitation is not None:
        if invitation.is_expired:
            raise AccountError(INVITATION_EXPIRED_MESSAGE)
        if invitation.email.lower() != email or invitation.organisation_id != organisation.pk:
            raise AccountError("Cette invitation ne correspond pas à votre adresse courriel.")
    elif Invitation.objects.filter(organisation=organisation, email__iexact=email).exists():
        # Without the emailed link the address is not proven: the invitation must be used.
        raise AccountError("Une invitation est en attente pour cet email. Utilisez le lien reçu par email.")

    is_ofa = organisation.type == OrganisationType.ORGANISME_FORMATION
    if invitation is not None:
        role = invitation.role or (OrganisationRole.MEMBER if is_ofa else "")
    elif is_ofa:
        # The first person of an organisme administers its organisation.
        role = OrganisationRole.MEMBER if organisation.membres.exists() else OrganisationRole.ADMIN
    else:
        role = ""
    user = User.objects.create_user(
        email,
        password,
        civilite=civilite,
        nom=nom.strip(),
        prenom=prenom.strip(),
        fonction=fonction.strip(),
        telephone=telephone.strip(),
        organisation=organisation,
        organisation_role=role,
        has_accept_cgu_version=CGU_VERSION,
    )
    address = EmailAddress.objects.create(user=user, email=email, primary=True, verified=invitation is not None)
    if invitation is not None:
        user.account_status = AccountStatus.CONFIRMED
        user.confirmed_at = timezone.now()
        user.save(update_fields=["account_status", "confirmed_at"])
        invitation.delete()
    else:
        address.send_confirmation(request, signup=True)
    return user


ACTIVATION_RESEND_COOLDOWN_SECONDS = 60
ACTIVATION_RESEND_COOLDOWN_MESSAGE = (
    "Un courriel vient d'être envoyé. Vous pourrez en demander un nouveau dans quelques instants."
)
ACTIVATION_NOT_PENDING_MESSAGE = (
    "Aucune inscription en attente de confirmation : si votre adresse courriel est déjà confirmée, "
    "aucun nouveau courriel n'est nécessaire ; sinon, merci de recommencer votre inscription."
)
# Reports of a missing réseau go to the team's mailbox: a few per client address and hour is plenty.
RESEAU_UNKNOWN_LIMIT = 5
RESEAU_UNKNOWN_WINDOW_SECONDS = 3600
TOO_MANY_REQUESTS_MESSAGE = "Trop de requêtes, veuillez réessayer plus tard."


class CooldownError(AccountError):
    """The same e-mail was asked for too recently: try again in a moment."""


def _throttle_allows(*, key: str, limit: int, window: int) -> bool:
    """Count one use of `key` in the shared cache; False past `limit` uses within `window` seconds.

    Like organismes/ratelimit.py, a cache failure lets the request through (fail open).
    """
    try:
        cache.add(key, 0, timeout=window)
        return cache.incr(key) <= limit
    except Exception:
        logger.warning("throttle unavailable for %s", key.split(":")[0], exc_info=True)
        return True


def user_activation_email_resend(*, request, public_id) -> User:
    """Send the activation link again to an account of the sign-up wizard that still waits for it.

    The caller identifies the account from its own session (never from a typed address), so this cannot be
    used to mail a stranger. One resend per account every ACTIVATION_RESEND_COOLDOWN_SECONDS.
    """
    user = User.objects.filter(public_id=public_id).first() if public_id else None
    if user is None or user.account_status != AccountStatus.PENDING_EMAIL_VALIDATION:
        raise AccountError(ACTIVATION_NOT_PENDING_MESSAGE)
    address = EmailAddress.objects.filter(user=user, email__iexact=user.email, verified=False).first()
    if address is None:
        raise AccountError(ACTIVATION_NOT_PENDING_MESSAGE)
    if not _throttle_allows(key=f"activation-resend:{user.pk}", limit=1, window=ACTIVATION_RESEND_COOLDOWN_SECONDS):
        raise CooldownError(ACTIVATION_RESEND_COOLDOWN_MESSAGE)
    address.send_confirmation(request, signup=True)
    return user


def reseau_unknown_report(*, nom: str, email: str, client_ip: str) -> None:
    """ "Autre Réseau": tell the TDBA team that a réseau is missing from the list; no account is created."""
    if not _throttle_allows(
        key=f"reseau-inconnu:{client_ip}", limit=RESEAU_UNKNOWN_LIMIT, window=RESEAU_UNKNOWN_WINDOW_SECONDS
    ):
        raise CooldownError(TOO_MANY_REQUESTS_MESSAGE)
    send_templated_email(
        template="reseau_inconnu",
        to=[settings.SUPPORT_EMAIL],
        context={"nom": nom, "email": email},
    )


@transaction.atomic
def user_email_confirmed(*, request, user: User) -> bool:
    """After the activation link: the account waits for a validation, and the validators are told.

    Returns True when a confirmed member of the organisation will validate (else the TDBA team will).
    """
    user = User.objects.select_for_update(of=("self",)).select_related("organisation").get(pk=user.pk)
    organisation = user.organisation
    validators = list(
        User.objects.filter(organisation=organisation, account_status=AccountStatus.CONFIRMED)
        .exclude(pk=user.pk)
        .values_list("email", flat=True)
    )
    if user.account_status != AccountStatus.PENDING_EMAIL_VALIDATION:
        return bool(validators)
    user.account_status = AccountStatus.PENDING_ADMIN_VALIDATION
    user.save(update_fields=["account_status"])
    by_members = bool(validators)
    if not by_members:
        validators = [settings.SUPPORT_EMAIL]
    send_templated_email(
        template="demande_acces",
        to=validators,
        context={
            "demandeur": user,
            "organisation": organisation,
            "par_membres": by_members,
            "url": _absolute_url(request, "roles_habilitations"),
        },
    )
    return by_members


def _check_can_validate(*, actor: User, user: User) -> None:
    if actor.account_status != AccountStatus.CONFIRMED:
        raise PermissionDenied("Votre compte n'est pas encore validé.")
    if actor.organisation and actor.organisation.type == OrganisationType.ADMINISTRATEUR:
        if user.account_status == AccountStatus.CONFIRMED:
            raise PermissionDenied("Ce compte est déjà validé.")
        return
    if user.organisation_id != actor.organisation_id:
        raise Http404("Utilisateur introuvable.")
    if user.account_status != AccountStatus.PENDING_ADMIN_VALIDATION:
        raise PermissionDenied("Ce compte n'est pas en attente de validation.")


@transaction.atomic
def user_validate(*, request, actor: User, user: User) -> User:
    """Validate a pending account: a confirmed member of its organisation, or an administrator, may do it."""
    _check_can_validate(actor=actor, user=user)
    user.account_status = AccountStatus.CONFIRMED
    user.confirmed_at = timezone.now()
    user.save(update_fields=["account_status", "confirmed_at"])
    send_templated_email(
        template="acces_accorde",
        to=[user.email],
        context={
            "user": user,
            "ofa": user.organisation and user.organisation.type == OrganisationType.ORGANISME_FORMATION,
            "url": _absolute_url(request, "account_login"),
        },
    )
    return user


@transaction.atomic
def user_reject(*, actor: User, user: User) -> None:
    """Refuse a pending account: it is deleted and its owner is told."""
    _check_can_validate(actor=actor, user=user)
    email, context = user.email, {"user": user, "organisation": user.organisation}
    user.delete()
    send_templated_email(template="acces_refuse", to=[email], context=context)


def user_profile_update(*, user: User, civilite: str, prenom: str, nom: str, telephone: str, fonction: str) -> User:
    """ "Mes informations": the email (the login) never changes here."""
    user.civilite, user.prenom, user.nom = civilite, prenom.strip(), nom.strip()
    user.telephone, user.fonction = telephone.strip(), fonction.strip()
    user.save(update_fields=["civilite", "prenom", "nom", "telephone", "fonction"])
    return user


INVITATION_EXPIRED_MESSAGE = (
    "Cette invitation a expiré. Demandez à la personne qui vous a invité(e) de vous en envoyer une nouvelle."
)


def _is_ofa_admin(user: User) -> bool:
    return user.organisation is not None and (
        user.organisation.type != OrganisationType.ORGANISME_FORMATION
        or user.organisation_role == OrganisationRole.ADMIN
    )


def _send_invitation(*, request, invitation: Invitation) -> None:
    send_templated_email(
        template="invitation",
        to=[invitation.email],
        context={"invitation": invitation, "url": _absolute_url(request, "invitation_accepter", invitation.token)},
    )


def _invitation_problem(*, author: User, email: str) -> str | None:
    if email == author.email.lower():
        return "Vous ne pouvez pas vous inviter vous-même."
    existing = User.objects.filter(email__iexact=email).first()
    if existing is not None:
        if existing.organisation_id == author.organisation_id:
            return "Cet utilisateur est déjà présent dans votre organisation."
        return (
            "Cet utilisateur est déjà présent dans une autre organisation. "
            "Si vous pensez que c'est une erreur, merci de contacter le support."
        )
    if Invitation.objects.filter(organisation_id=author.organisation_id, email__iexact=email).exists():
        return "Une invitation a déjà été envoyée à cette adresse email"
    return None


@transaction.atomic
def invitation_create(*, request, author: User, email: str, role: str = "") -> Invitation:
    """Invite one person into the author's organisation (any confirmed member may; §4.5)."""
    if author.account_status != AccountStatus.CONFIRMED or author.organisation is None:
        raise PermissionDenied
    email = email.strip().lower()
    problem = _invitation_problem(author=author, email=email)
    if problem:
        raise AccountError(problem)
    is_ofa = author.organisation.type == OrganisationType.ORGANISME_FORMATION
    if is_ofa:
        # Only an OFA admin chooses the role; everybody else invites members.
        role = role if (role in OrganisationRole.values and _is_ofa_admin(author)) else OrganisationRole.MEMBER
    else:
        role = ""
    now = timezone.now()
    invitation = Invitation.objects.create(
        email=email,
        organisation=author.organisation,
        author=author,
        role=role,
        created_at=now,
        expires_at=now + timedelta(hours=INVITATION_VALIDITY_HOURS),
    )
    _send_invitation(request=request, invitation=invitation)
    return invitation


def invitation_batch_create(
    *, request, author: User, emails: list[str], roles: list[str] | None = None
) -> dict[str, str | None]:
    """Invite 1 to 50 people; OFA callers must be admins. Returns, per email, None or the French error."""
    if not _is_ofa_admin(author):
        raise PermissionDenied("Seuls les administrateurs de l'organisme peuvent inviter plusieurs personnes.")
    if not 1 <= len(emails) <= INVITATION_BATCH_MAX:
        raise AccountError(f"Indiquez entre 1 et {INVITATION_BATCH_MAX} adresses courriel.")
    roles = roles or [OrganisationRole.MEMBER] * len(emails)
    results: dict[str, str | None] = {}
    for email, role in zip(emails, roles, strict=True):
        email = email.strip().lower()
        if email in results:
            continue  # a duplicated email keeps its first role
        try:
            invitation_create(request=request, author=author, email=email, role=role)
            results[email] = None
        except AccountError as error:
            results[email] = str(error)
    return results


@transaction.atomic
def invitation_resend(*, request, author: User, invitation: Invitation) -> Invitation:
    """A new link valid 96 hours (the previous link stops working)."""
    if invitation.organisation_id != author.organisation_id:
        raise Http404
    now = timezone.now()
    invitation.token = _new_invitation_token()
    invitation.created_at = now
    invitation.expires_at = now + timedelta(hours=INVITATION_VALIDITY_HOURS)
    invitation.save(update_fields=["token", "created_at", "expires_at"])
    _send_invitation(request=request, invitation=invitation)
    return invitation


def invitation_cancel(*, author: User, invitation: Invitation) -> None:
    """Cancel an invitation of the author's organisation."""
    if invitation.organisation_id != author.organisation_id:
        raise Http404
    invitation.delete()


def _check_last_admin(*, membre: User) -> None:
    if membre.organisation_role != OrganisationRole.ADMIN or membre.account_status != AccountStatus.CONFIRMED:
        return
    admins = User.objects.select_for_update(of=("self",)).filter(
        organisation_id=membre.organisation_id,
        organisation_role=OrganisationRole.ADMIN,
        account_status=AccountStatus.CONFIRMED,
    )
    if [u.pk for u in admins] == [membre.pk]:
        raise AccountError(LAST_ADMIN_MESSAGE)


def _check_can_manage(*, actor: User, membre: User) -> None:
    if actor.account_status != AccountStatus.CONFIRMED:
        raise PermissionDenied
    if membre.organisation_id != actor.organisation_id:
        raise Http404("Utilisateur introuvable.")
    if membre.pk == actor.pk:
        raise AccountError("Vous ne pouvez pas modifier votre propre compte ici.")
    if not _is_ofa_admin(actor):
        raise PermissionDenied("Seuls les administrateurs de l'organisme peuvent gérer ses membres.")


@transaction.atomic
def membre_remove(*, actor: User, membre: User) -> None:
    """Delete a member's account (never the last confirmed admin of an OFA)."""
    _check_can_manage(actor=actor, membre=membre)
    _check_last_admin(membre=membre)
    membre.delete()


@transaction.atomic
def membre_role_change(*, actor: User, membre: User, role: str) -> User:
    """Change an OFA member's role; OFA admins only, never one's own, never the last admin's."""
    if actor.organisation is None or actor.organisation.type != OrganisationType.ORGANISME_FORMATION:
        raise PermissionDenied
    _check_can_manage(actor=actor, membre=membre)
    if role not in OrganisationRole.values:
        raise AccountError("Rôle inconnu.")
    if role != OrganisationRole.ADMIN:
        _check_last_admin(membre=membre)
    membre.organisation_role = role
    membre.save(update_fields=["organisation_role"])
    return membre
