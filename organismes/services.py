"""Writes on organismes: référentiel import, relations, natures (§5); accounts, invitations and roles (§4.5)."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
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
    Fiabilisation,
    Invitation,
    Nature,
    Organisation,
    OrganisationRole,
    OrganisationType,
    Organisme,
    OrganismeRelation,
    Region,
    Reseau,
    User,
)
from organismes.models import _invitation_token as _new_invitation_token
from organismes.referentiel import ReferentielRow, RejectedRow, clean_row

# Fields the référentiel owns on an organisme (transmission fields are never touched by an import).
REFERENTIEL_FIELDS = (
    "raison_sociale",
    "enseigne",
    "ferme",
    "fiabilisation_statut",
    "qualiopi",
    "adresse_numero",
    "adresse_voie",
    "adresse_complement",
    "code_postal",
    "code_insee",
    "commune",
    "adresse_complete",
    "departement_id",
    "region_id",
    "academie_id",
)


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    reset_non_fiable: int = 0
    rejected: list[RejectedRow] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@transaction.atomic
def referentiel_import(*, raw_rows: list[tuple[int, dict]], reset_absent: bool = True) -> ImportReport:
    """Upsert organismes from référentiel rows, then rebuild relations and natures.

    Idempotent: importing the same file twice changes nothing the second time. A couple present in the
    file is "fiable" (§5.4); with `reset_absent`, organismes missing from the file become "non fiable",
    as the real daily import does.
    """
    report = ImportReport()
    rows: dict[tuple[str | None, str], ReferentielRow] = {}
    for line, raw in raw_rows:
        row = clean_row(line, raw)
        if isinstance(row, RejectedRow):
            report.rejected.append(row)
        elif row.couple in rows:
            report.rejected.append(RejectedRow(line, f"couple UAI/SIRET déjà présent ligne {rows[row.couple].line}"))
        else:
            rows[row.couple] = row

    departements = {d.code: d for d in Departement.objects.all()}
    existing = {(o.uai, o.siret): o for o in Organisme.objects.all()}
    reseaux = {r.key.upper(): r for r in Reseau.objects.all()}

    to_create, to_update = [], []
    for couple, row in rows.items():
        values = _organisme_values(row, departements)
        organisme = existing.get(couple)
        if organisme is None:
            organisme = Organisme(uai=row.uai, siret=row.siret, **values)
            to_create.append(organisme)
            existing[couple] = organisme
        elif any(getattr(organisme, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(organisme, k, v)
            to_update.append(organisme)
        else:
            report.unchanged += 1
    Organisme.objects.bulk_create(to_create, batch_size=1000)
    Organisme.objects.bulk_update(to_update, REFERENTIEL_FIELDS, batch_size=1000)
    report.created, report.updated = len(to_create), len(to_update)

    if reset_absent:
        absent = [o.pk for couple, o in existing.items() if couple not in rows]
        report.reset_non_fiable = (
            Organisme.objects.filter(pk__in=absent)
            .exclude(fiabilisation_statut=Fiabilisation.NON_FIABLE)
            .update(fiabilisation_statut=Fiabilisation.NON_FIABLE)
        )

    # Réseaux: create unknown keys (an admin can rename them later), then set memberships.
    for key in sorted({k for row in rows.values() for k in row.reseaux} - set(reseaux)):
        reseaux[key] = Reseau.objects.create(key=key.lower(), nom=key)
        report.warnings.append(f"réseau « {key} » créé")
    through = Organisme.reseaux.through
    imported_ids = [existing[c].pk for c in rows]
    wanted = {(existing[c].pk, reseaux[k].pk) for c, row in rows.items() for k in row.reseaux}
    current = set(through.objects.filter(organisme_id__in=imported_ids).values_list("organisme_id", "reseau_id"))
    for organisme_id, reseau_id in current - wanted:
        through.objects.filter(organisme_id=organisme_id, reseau_id=reseau_id).delete()
    through.objects.bulk_create([through(organisme_id=o, reseau_id=r) for o, r in wanted - current])

    # Relations: the file lists, for each organisme, its responsables.
    relations = set()
    self_responsible = set()
    for couple, row in rows.items():
        formateur = existing[couple]
        for r_couple in row.responsables:
            responsable = existing.get(r_couple)
            if responsable is None:
                report.warnings.append(
                    f"ligne {row.line} : responsable {r_couple[0] or 'sans UAI'}/{r_couple[1]} introuvable, "
                    "relation ignorée"
                )
            elif responsable.pk == formateur.pk:
                self_responsible.add(formateur.pk)
            else:
                relations.add((responsable.pk, formateur.pk))
    stale = [
        pk
        for pk, r, f in OrganismeRelation.objects.filter(formateur_id__in=imported_ids).values_list(
            "pk", "responsable_id", "formateur_id"
        )
        if (r, f) not in relations
    ]
    OrganismeRelation.objects.filter(pk__in=stale).delete()
    existing_relations = set(OrganismeRelation.objects.values_list("responsable_id", "formateur_id"))
    OrganismeRelation.objects.bulk_create(
        [OrganismeRelation(responsable_id=r, formateur_id=f) for r, f in relations - existing_relations]
    )
    explicit_natures = {existing[c].pk: row.nature for c, row in rows.items() if row.nature}
    organismes_relations_compute(explicit_natures=explicit_natures, self_responsible=self_responsible)
    return report


def _organisme_values(row: ReferentielRow, departements: dict[str, Departement]) -> dict:
    departement = departements.get(row.departement) if row.departement else None
    fiable = row.present and row.uai is not None
    return {
        "raison_sociale": row.raison_sociale,
        "enseigne": row.enseigne,
        "ferme": row.ferme,
        "fiabilisation_statut": Fiabilisation.FIABLE if fiable else Fiabilisation.NON_FIABLE,
        "qualiopi": row.qualiopi,
        "adresse_numero": row.numero,
        "adresse_voie": row.voie,
        "adresse_complement": row.complement,
        "code_postal": row.code_postal,
        "code_insee": row.code_insee,
        "commune": row.commune,
        "adresse_complete": row.adresse,
        "departement_id": departement.code if departement else None,
        "region_id": departement.region_id if departement else None,
        "academie_id": departement.academie_id if departement else None,
    }


def organismes_relations_compute(
    *, explicit_natures: dict[int, str] | None = None, self_responsible: set[int] | None = None
) -> None:
    """Recompute every organisme's nature (§5.2) and each relation's partial responsibility (§5.3)."""
    explicit_natures = explicit_natures or {}
    self_responsible = self_responsible or set()
    pairs = list(OrganismeRelation.objects.values_list("pk", "responsable_id", "formateur_id"))
    sirens = dict(Organisme.objects.values_list("pk", "siret"))
    has_formateurs = {r for _, r, _ in pairs} | self_responsible
    has_responsables = {f for _, _, f in pairs} | self_responsible
    responsables_sirens = defaultdict(set)
    for _, r, f in pairs:
        responsables_sirens[f].add(sirens[r][:9])

    partial, full = [], []
    for pk, r, f in pairs:
        # Same SIREN: never partial; otherwise partial when the formateur answers to several SIRENs.
        is_partial = sirens[r][:9] != sirens[f][:9] and len(responsables_sirens[f]) > 1
        (partial if is_partial else full).append(pk)
    OrganismeRelation.objects.filter(pk__in=partial).update(responsabilite_partielle=True)
    OrganismeRelation.objects.filter(pk__in=full).update(responsabilite_partielle=False)

    by_nature = defaultdict(list)
    for pk in sirens:
        if pk in explicit_natures:
            nature = explicit_natures[pk]
        elif pk in has_formateurs and pk in has_responsables:
            nature = Nature.RESPONSABLE_FORMATEUR
        elif pk in has_responsables:
            nature = Nature.FORMATEUR
        elif pk in has_formateurs:
            nature = Nature.RESPONSABLE
        else:
            continue  # no relation and no explicit nature: keep what the organisme has
        by_nature[nature].append(pk)
    for nature, pks in by_nature.items():
        Organisme.objects.filter(pk__in=pks).exclude(nature=nature).update(nature=nature)


# --- Accounts: sign-up, email validation, account validation, invitations, roles (§4.5) -------------------

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
