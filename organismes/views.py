"""Pages of organismes and accounts: organisme card, sign-up wizard (§1.3), "Mon compte" (§1.11)."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from organismes import selectors, services
from organismes.adapters import PENDING_SESSION_KEY
from organismes.forms import (
    AUTRE_RESEAU,
    InformationsForm,
    InvitationForm,
    InvitationGroupeeForm,
    OperateurTypeForm,
    ProfilForm,
    RechercheOrganismeForm,
    ReseauForm,
    ReseauInconnuForm,
    RoleForm,
    TerritoireForm,
    TypeOrganisationForm,
)
from organismes.models import (
    REGIONAL_TYPES,
    Academie,
    AccountStatus,
    Departement,
    Invitation,
    OrganisationRole,
    OrganisationType,
    Organisme,
    Region,
    Reseau,
)
from organismes.ratelimit import client_ip

WIZARD_SESSION_KEY = "inscription"
WIZARD_RESTART_MESSAGE = "Votre inscription est incomplète ou a expiré : merci de recommencer."
# The account just created by this browser (its public id), for "Renvoyer le courriel de confirmation".
SIGNUP_ACCOUNT_SESSION_KEY = "inscription_compte"


def organisme_detail(request, public_id):
    """The organisme card of the seeds ("Son tableau de bord" for someone else's organisme)."""
    organisme = selectors.organisme_get_public(public_id=public_id)
    permissions = selectors.organisme_permissions_for_user(user=request.user, organisme=organisme)
    return render(request, "organismes/organisme_detail.html", {"organisme": organisme, "permissions": permissions})


# --- Sign-up wizard -------------------------------------------------------------------------------------


@login_not_required
def inscription(request):
    """Step 1: "Vous représentez :"."""
    form = TypeOrganisationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        return redirect(f"inscription_{form.cleaned_data['type'].replace('-', '_')}")
    return render(request, "organismes/inscription/type.html", {"form": form})


def _search(request) -> tuple[RechercheOrganismeForm, list[Organisme] | None]:
    mode = request.GET.get("select") if request.GET.get("select") in ("uai", "siret") else "uai"
    # Switching UAI / SIRET only reloads the form: no "obligatoire" error before anything was typed.
    form = RechercheOrganismeForm(request.GET if mode in request.GET else None, initial={"select": mode})
    results = None
    if form.is_bound and form.is_valid():
        if form.mode == "siret":
            results = selectors.organismes_search_by_siret(siret=form.cleaned_data["siret"])
        else:
            results = selectors.organismes_search_by_uai(uai=form.cleaned_data["uai"])
    return form, results


@login_not_required
def inscription_organisme_formation(request):
    """Step 2 for an OFA: search by UAI or SIRET (GET), then "Ceci est mon organisme" (POST)."""
    if request.method == "POST":
        organisme = Organisme.objects.filter(public_id=_uuid_or_none(request.POST.get("organisme"))).first()
        if organisme is None:
            messages.error(request, "Organisme introuvable.")
            return redirect("inscription_organisme_formation")
        if organisme.ferme:
            messages.error(request, f"Le SIRET {organisme.siret} est un établissement fermé.")
            return redirect("inscription_organisme_formation")
        request.session[WIZARD_SESSION_KEY] = {"type": OrganisationType.ORGANISME_FORMATION, "organisme": organisme.pk}
        return redirect("inscription_profil")
    form, results = _search(request)
    return render(request, "organismes/inscription/organisme_formation.html", {"form": form, "results": results})


@login_not_required
@require_safe
def inscription_recherche_resultats(request):
    """The results block alone, fetched by static/js/inscription.js while the user types."""
    form, results = _search(request)
    return render(
        request, "organismes/inscription/_resultats.html", {"form": form, "results": results, "partial": True}
    )


@login_not_required
@require_safe
def inscription_organisme_inconnu(request):
    return render(request, "organismes/inscription/organisme_inconnu.html")


@login_not_required
def inscription_operateur_public(request):
    """Step 2 for a public operator: its type (GET, so it works without JavaScript), then its territory."""
    source = request.POST if request.method == "POST" else request.GET
    type_form = OperateurTypeForm(source if "type" in source else None)
    territoire_form = None
    if type_form.is_bound and type_form.is_valid():
        operateur_type = type_form.cleaned_data["type"]
        territoire_form = TerritoireForm(
            request.POST if request.method == "POST" else None, operateur_type=operateur_type
        )
        if request.method == "POST" and territoire_form.is_valid():
            choice = {"type": operateur_type}
            if territoire_form.territoire_kind:
                choice[territoire_form.territoire_kind] = territoire_form.cleaned_data["territoire"].pk
            request.session[WIZARD_SESSION_KEY] = choice
            return redirect("inscription_profil")
    return render(
        request,
        "organismes/inscription/operateur_public.html",
        {"type_form": type_form, "territoire_form": territoire_form},
    )


@login_not_required
def inscription_reseau(request):
    """Step 2 for a réseau: the réseau list."""
    form = ReseauForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["reseau"] == AUTRE_RESEAU:
            return redirect("inscription_reseau_inconnu")
        request.session[WIZARD_SESSION_KEY] = {
            "type": OrganisationType.TETE_DE_RESEAU,
            "reseau": form.cleaned_data["reseau"].pk,
        }
        return redirect("inscription_profil")
    return render(request, "organismes/inscription/reseau.html", {"form": form})


@login_not_required
def inscription_reseau_inconnu(request):
    """ "Autre Réseau": the team is told about the missing réseau; no account is created."""
    form = ReseauInconnuForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.reseau_unknown_report(
                nom=form.cleaned_data["nom"], email=form.cleaned_data["email"], client_ip=client_ip(request)
            )
        except services.AccountError as error:
            form.add_error(None, str(error))
            status = 429
        else:
            return redirect("inscription_reseau_autre")
    return render(request, "organismes/inscription/reseau_inconnu.html", {"form": form}, status=status)


@login_not_required
@require_safe
def inscription_reseau_autre(request):
    return render(request, "organismes/inscription/reseau_autre.html")


@login_not_required
@require_safe
def inscription_autre(request):
    return render(request, "organismes/inscription/autre.html")


def _uuid_or_none(value):
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def _wizard_choice(request) -> dict | None:
    """Re-read and re-check the organisation chosen at step 2 (the session only holds identifiers)."""
    data = request.session.get(WIZARD_SESSION_KEY)
    if not isinstance(data, dict):
        return None
    token = data.get("invitation")
    if token:
        invitation = (
            Invitation.objects.select_related("organisation__organisme", "organisation__reseau")
            .filter(token=str(token))
            .first()
        )
        if invitation is None or invitation.is_expired:
            return None
        organisation = invitation.organisation
        return {
            "type": organisation.type,
            "invitation": invitation,
            "organisation": organisation,
            "label": organisation.label,
        }
    t = OrganisationType
    kind = data.get("type")
    lookups = {
        "organisme": lambda pk: Organisme.objects.filter(pk=pk, ferme=False).first(),
        "reseau": lambda pk: Reseau.objects.filter(pk=pk).first(),
        "region": lambda pk: Region.objects.filter(pk=pk).first(),
        "departement": lambda pk: Departement.objects.filter(pk=pk).first(),
        "academie": lambda pk: Academie.objects.filter(pk=pk).first(),
    }
    if kind == t.ORGANISME_FORMATION:
        needed = "organisme"
    elif kind == t.TETE_DE_RESEAU:
        needed = "reseau"
    elif kind in REGIONAL_TYPES:
        needed = "region"
    elif kind == t.DDETS:
        needed = "departement"
    elif kind == t.ACADEMIE:
        needed = "academie"
    elif kind in (t.CARIF_OREF_NATIONAL, t.OPERATEUR_PUBLIC_NATIONAL):
        return {"type": kind, "kwargs": {}, "label": t(kind).label}
    else:
        return None
    value = data.get(needed)
    # Organismes and réseaux are stored by integer id, territories by their code.
    if not isinstance(value, int if needed in ("organisme", "reseau") else str):
        return None
    obj = lookups[needed](value)
    if obj is None:
        return None
    if needed == "organisme":
        label = f"{obj.nom} — UAI : {obj.uai or 'Inconnu'} - SIRET : {obj.siret}"
    elif needed == "reseau":
        label = f"Réseau {obj.nom}"
    else:
        label = f"{t(kind).label} — Territoire : {obj}"
    return {"type": kind, "kwargs": {needed: obj}, "label": label}


@login_not_required
def inscription_profil(request):
    """Step 3: the profile; creates the account."""
    choice = _wizard_choice(request)
    if choice is None:
        messages.error(request, WIZARD_RESTART_MESSAGE)
        return redirect("inscription")
    invitation = choice.get("invitation")
    form = ProfilForm(
        request.POST or None,
        organisation_type=choice["type"],
        email_locked=invitation.email if invitation else "",
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            organisation = choice.get("organisation") or services.organisation_get_or_create(
                type=choice["type"], **choice["kwargs"]
            )
            user = services.user_signup(
                request=request,
                organisation=organisation,
                invitation=invitation,
                email=data["email"],
                password=data["password1"],
                civilite=data["civilite"],
                nom=data["nom"],
                prenom=data["prenom"],
                fonction=data["fonction"],
                telephone=data["telephone"],
            )
        except services.AccountError as error:
            form.add_error(None, str(error))
        else:
            request.session.pop(WIZARD_SESSION_KEY, None)
            if user.account_status == AccountStatus.CONFIRMED:
                messages.success(request, "Votre compte a été créé. Vous pouvez désormais vous connecter.")
                return redirect("account_login")
            request.session[SIGNUP_ACCOUNT_SESSION_KEY] = str(user.public_id)
            return redirect("inscription_bravo")
    return render(request, "organismes/inscription/profil.html", {"form": form, "choice": choice})


@login_not_required
@require_safe
def inscription_bravo(request):
    can_resend = bool(request.session.get(SIGNUP_ACCOUNT_SESSION_KEY))
    return render(request, "organismes/inscription/bravo.html", {"can_resend": can_resend})


@login_not_required
@require_POST
def inscription_renvoyer_activation(request):
    """ "Renvoyer le courriel de confirmation": only to the account this browser has just created."""
    try:
        services.user_activation_email_resend(
            request=request, public_id=_uuid_or_none(request.session.get(SIGNUP_ACCOUNT_SESSION_KEY))
        )
    except services.CooldownError as error:
        messages.warning(request, str(error))
    except services.AccountError as error:
        # Confirmed, deleted or never created here: nothing more to send from this session.
        request.session.pop(SIGNUP_ACCOUNT_SESSION_KEY, None)
        messages.error(request, str(error))
    else:
        messages.success(request, "Le courriel de confirmation a été renvoyé.")
    return redirect("inscription_bravo")


@login_not_required
@require_safe
def inscription_en_attente(request):
    par_gestionnaire = bool(request.session.get(PENDING_SESSION_KEY, False))
    return render(request, "organismes/inscription/en_attente.html", {"par_gestionnaire": par_gestionnaire})


@login_not_required
@require_safe
def invitation_accepter(request, token):
    """The link of an invitation email: the profile step with the email locked."""
    invitation = selectors.invitation_get_by_token(token=token)
    if invitation.is_expired:
        return render(
            request,
            "organismes/inscription/invitation_expiree.html",
            {"message": services.INVITATION_EXPIRED_MESSAGE},
            status=410,
        )
    request.session[WIZARD_SESSION_KEY] = {"invitation": invitation.token}
    return redirect("inscription_profil")


# --- Mon compte -----------------------------------------------------------------------------------------


def mon_compte(request):
    """ "Mes informations": profile (email read-only); the password changes through allauth."""
    user = request.user
    initial = {f: getattr(user, f) for f in ("civilite", "prenom", "nom", "telephone", "fonction", "email")}
    form = InformationsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.user_profile_update(
            user=user,
            civilite=data["civilite"],
            prenom=data["prenom"],
            nom=data["nom"],
            telephone=data["telephone"],
            fonction=data["fonction"],
        )
        messages.success(request, "Vos informations ont été enregistrées.")
        return redirect("mon_compte")
    return render(request, "organismes/compte/informations.html", {"form": form})


def _require_organisation(request):
    if request.user.organisation_id is None or request.user.account_status != AccountStatus.CONFIRMED:
        raise PermissionDenied


@require_safe
def roles_habilitations(request):
    """ "Gestion des rôles et habilitations": pending accounts, invitations, current users."""
    _require_organisation(request)
    return _render_roles(request)


def _render_roles(request, *, invitation_form=None, groupe_form=None, status=200):
    user = request.user
    lists = selectors.organisation_membres(user=user)
    is_ofa = user.organisation.type == OrganisationType.ORGANISME_FORMATION
    return render(
        request,
        "organismes/compte/roles_habilitations.html",
        {
            **lists,
            "is_ofa": is_ofa,
            "is_ofa_admin": is_ofa and user.organisation_role == OrganisationRole.ADMIN,
            "can_manage": not is_ofa or user.organisation_role == OrganisationRole.ADMIN,
            "invitation_form": invitation_form or InvitationForm(),
            "groupe_form": groupe_form or InvitationGroupeeForm(),
            "roles": OrganisationRole.choices,
        },
        status=status,
    )


def _roles_action(request, action, success_message):
    """Run a service for "Rôles et habilitations"; refusals become a French error message."""
    _require_organisation(request)
    try:
        action()
    except services.AccountError as error:
        messages.error(request, str(error))
    except PermissionDenied as error:
        if not str(error):
            raise
        messages.error(request, str(error))
    else:
        messages.success(request, success_message)
    return redirect("roles_habilitations")


@require_POST
def roles_inviter(request):
    _require_organisation(request)
    form = InvitationForm(request.POST)
    if not form.is_valid():
        return _render_roles(request, invitation_form=form, status=400)
    return _roles_action(
        request,
        lambda: services.invitation_create(
            request=request, author=request.user, email=form.cleaned_data["email"], role=form.cleaned_data["role"]
        ),
        "Un email d'invitation a été envoyé au destinataire.",
    )


@require_POST
def roles_inviter_groupe(request):
    _require_organisation(request)
    form = InvitationGroupeeForm(request.POST)
    if not form.is_valid():
        return _render_roles(request, groupe_form=form, status=400)
    emails = form.cleaned_data["emails"]
    try:
        results = services.invitation_batch_create(
            request=request, author=request.user, emails=emails, roles=[form.cleaned_data["role"]] * len(emails)
        )
    except (services.AccountError, PermissionDenied) as error:
        messages.error(request, str(error) or "Action non autorisée.")
        return redirect("roles_habilitations")
    sent = [e for e, problem in results.items() if problem is None]
    if sent:
        messages.success(request, f"{len(sent)} invitation(s) envoyée(s).")
    for email, problem in results.items():
        if problem:
            messages.error(request, f"{email} : {problem}")
    return redirect("roles_habilitations")


@require_POST
def membre_valider(request, public_id):
    _require_organisation(request)
    membre = selectors.membre_get_for_user(user=request.user, public_id=public_id)
    return _roles_action(
        request,
        lambda: services.user_validate(request=request, actor=request.user, user=membre),
        f"Le compte de {membre.email} a été validé.",
    )


@require_POST
def membre_refuser(request, public_id):
    _require_organisation(request)
    membre = selectors.membre_get_for_user(user=request.user, public_id=public_id)
    return _roles_action(
        request,
        lambda: services.user_reject(actor=request.user, user=membre),
        f"La demande de {membre.email} a été refusée.",
    )


@require_POST
def membre_supprimer(request, public_id):
    _require_organisation(request)
    membre = selectors.membre_get_for_user(user=request.user, public_id=public_id)
    if membre.organisation_id != request.user.organisation_id:
        raise Http404
    return _roles_action(
        request,
        lambda: services.membre_remove(actor=request.user, membre=membre),
        f"Le compte de {membre.email} a été supprimé.",
    )


@require_POST
def membre_role(request, public_id):
    _require_organisation(request)
    membre = selectors.membre_get_for_user(user=request.user, public_id=public_id)
    if membre.organisation_id != request.user.organisation_id:
        raise Http404
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Rôle inconnu.")
        return redirect("roles_habilitations")
    return _roles_action(
        request,
        lambda: services.membre_role_change(actor=request.user, membre=membre, role=form.cleaned_data["role"]),
        f"Le rôle de {membre.email} a été modifié.",
    )


@require_POST
def invitation_renvoyer(request, public_id):
    _require_organisation(request)
    invitation = selectors.invitation_get_for_user(user=request.user, public_id=public_id)
    return _roles_action(
        request,
        lambda: services.invitation_resend(request=request, author=request.user, invitation=invitation),
        "L'invitation a été renvoyée.",
    )


@require_POST
def invitation_annuler(request, public_id):
    _require_organisation(request)
    invitation = selectors.invitation_get_for_user(user=request.user, public_id=public_id)
    return _roles_action(
        request,
        lambda: services.invitation_cancel(author=request.user, invitation=invitation),
        "L'invitation a été annulée.",
    )


def email_management_disabled(request):
    """allauth's e-mail management (add an address, make it primary) is not offered: the e-mail is the
    identifier an organisation validated, read-only in "Mon compte" (pages-import-sifa.md §1.11)."""
    raise Http404("La gestion des adresses courriel n'est pas disponible.")
