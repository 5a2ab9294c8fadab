"""Pages of the Paramètres wizard (pages-import-sifa.md §1.10), the ERP link-back /connexion-api (api-v3.md §4.3)
and a formateur's exchange key page (§4.8, `manageEffectifs`).

The clear key exists only in the response to the POST that generated it: it is never stored (not even in the
session) and that response is not cached.
"""

from urllib.parse import quote, urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from erp_keys import selectors, services
from erp_keys.forms import ErpChoiceForm, ErpIdForm, ErpUnsupportedForm
from organismes.models import AccountStatus, ModeTransmission, OrganisationType, Organisme
from organismes.permissions import acl_for_user
from tdba.navigation import LOGIN_URL_NAME, reverse_or_none, signup_url

SUPPORT_SUBJECT = "Mauvaise configuration paramétrage ERP - API"
CONNEXION_API_PARAMS = {"siret", "uai", "erp"}
CONNEXION_API_MAX_LENGTHS = {"siret": 20, "uai": 20, "erp": 50, "api_key": 200}
# Where "Téléverser les effectifs" leads, once the Excel import registers one of these URL names.
TELEVERSEMENT_URL_NAMES = ("televersement", "effectifs_televersement")
ETAPES_CLE = (
    "1. Générer la clé en cliquant sur le bouton ci-dessous",
    "2. Copier la clé",
    "3. Retourner dans votre compte ERP pour la coller",
    "4. Finaliser en confirmant l'UAI et SIRET de votre établissement",
)


# --- Paramètres ------------------------------------------------------------------------------------------


def _urls(organisme: Organisme, public_id) -> dict[str, str]:
    """The wizard's URLs: under /parametres/ for the user's own organisme, /organismes/<uuid>/parametres/ else."""
    names = ("parametres", "sans_erp", "autre_erp", "cle", "confirmer", "reinitialiser")
    if public_id is None:
        urls = {name: reverse("parametres" if name == "parametres" else f"parametres_{name}") for name in names}
    else:
        urls = {
            name: reverse(
                "organisme_parametres" if name == "parametres" else f"organisme_parametres_{name}",
                args=[organisme.public_id],
            )
            for name in names
        }
    if public_id is None:
        urls["effectifs"] = reverse_or_none("mes_effectifs") or ""
    else:
        urls["effectifs"] = _reverse_with_id("organisme_effectifs", organisme.public_id) or ""
    urls["televersement"] = next(filter(None, map(reverse_or_none, TELEVERSEMENT_URL_NAMES)), "")
    return urls


def _reverse_with_id(name: str, public_id) -> str | None:
    try:
        return reverse(name, args=[public_id])
    except NoReverseMatch:  # that page does not exist yet
        return None


def _mailto(subject: str) -> str:
    return f"mailto:{settings.SUPPORT_EMAIL}?subject={quote(subject)}"


def _render_parametres(request, organisme: Organisme, public_id, etat: str, status: int = 200, **extra):
    """The Paramètres page in one of its states (`etat` picks the partial template)."""
    active_key = selectors.exchange_key_active(organisme=organisme)
    context = {
        "organisme": organisme,
        "own_organisme": public_id is None,
        "urls": _urls(organisme, public_id),
        "etat": etat,
        "active_key": active_key,
        "expired_key": selectors.exchange_key_expired(organisme=organisme),
        "clear_key": "",
        "erp": None,
        "erp_id": "",
        "verified": bool(active_key and active_key.api_siret and active_key.api_uai),
        "non_confirme": False,
        "erp_names": selectors.erp_names(unique_ids=list(organisme.erps or [])),
        "support_email": settings.SUPPORT_EMAIL,
        "support_mailto": _mailto(SUPPORT_SUBJECT),
        "choice_form": None,
        "unsupported_form": None,
        "tutoriel_url": "",
        "modes": ModeTransmission,
        **extra,
    }
    # The step of "Comment générer votre clé d'échange" the user is at: generate, copy, or paste it in the ERP.
    context["etapes"] = ETAPES_CLE
    context["etape_courante"] = 2 if context["clear_key"] else 3 if active_key else 1
    erp = context["erp"]
    if erp is not None:
        context["tutoriel_url"] = erp.help_file.url if erp.help_file else erp.help_url
    response = render(request, "erp_keys/parametres.html", context, status=status)
    if context["clear_key"]:
        # The only copy of the key: keep it out of every cache and the browser history.
        response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "HEAD"])
def parametres(request, public_id=None):
    """The page "Paramétrage de votre moyen de transmission": the state follows the organisme and the query string.

    ?etape=choix_erp opens the ERP choice, ?erp=<id> is that choice submitted, ?etape=autre_erp asks the
    name of an unsupported ERP, ?erpV3=<id> opens the key step of a v3 ERP (and its "Finalisez" state
    once the ERP called /connexion-api back).
    """
    organisme = selectors.organisme_for_parametres(user=request.user, public_id=public_id)
    etape = request.GET.get("etape", "")
    if "erp" in request.GET:
        form = ErpChoiceForm(request.GET)
        if not form.is_valid():
            return _render_parametres(request, organisme, public_id, "choix_erp", choice_form=form)
        erp = form.chosen_erp
        if erp is not None and erp.api_v3:
            return redirect(f"{_urls(organisme, public_id)['parametres']}?{urlencode({'erpV3': erp.unique_id})}")
        # An ERP that does not speak API v3 (or "J'utilise un autre ERP"): its name, then the Excel import.
        initial = {"nom": erp.name} if erp is not None else {}
        return _render_parametres(
            request, organisme, public_id, "autre_erp", unsupported_form=ErpUnsupportedForm(initial=initial)
        )
    if "erpV3" in request.GET:
        erp_id = request.GET.get("erpV3", "")
        return _render_parametres(
            request,
            organisme,
            public_id,
            "v3",
            erp=selectors.erp_get(unique_id=erp_id),
            erp_id=erp_id,
            non_confirme=request.GET.get("confirmation") == "non",
        )
    if etape == "choix_erp":
        return _render_parametres(request, organisme, public_id, "choix_erp", choice_form=ErpChoiceForm())
    if etape == "autre_erp":
        return _render_parametres(request, organisme, public_id, "autre_erp", unsupported_form=ErpUnsupportedForm())
    if organisme.mode_de_transmission:
        return _render_parametres(request, organisme, public_id, "configure")
    return _render_parametres(request, organisme, public_id, "choix_methode")


@require_POST
def parametres_sans_erp(request, public_id=None):
    """No ERP ("Vous n'avez pas d'ERP ?"): the organisme imports Excel files (mode MANUEL)."""
    organisme = selectors.organisme_for_parametres(user=request.user, public_id=public_id)
    services.erp_configuration_set(organisme=organisme, user=request.user, mode_de_transmission=ModeTransmission.MANUEL)
    return redirect(_urls(organisme, public_id)["parametres"])


@require_POST
def parametres_autre_erp(request, public_id=None):
    """An ERP that cannot transmit yet: its name is recorded, and the organisme imports Excel files meanwhile."""
    organisme = selectors.organisme_for_parametres(user=request.user, public_id=public_id)
    form = ErpUnsupportedForm(request.POST)
    if not form.is_valid():
        return _render_parametres(request, organisme, public_id, "autre_erp", status=400, unsupported_form=form)
    services.erp_configuration_set(
        organisme=organisme,
        user=request.user,
        mode_de_transmission=ModeTransmission.MANUEL,
        erp_unsupported=form.cleaned_data["nom"],
    )
    return redirect(_urls(organisme, public_id)["parametres"])


@never_cache
@require_POST
def parametres_cle(request, public_id=None):
    """Generate a key: it is shown in this response only, and the previous one stops working at once."""
    organisme = selectors.organisme_for_parametres(user=request.user, public_id=public_id)
    form = ErpIdForm(request.POST)
    erp_id = form.cleaned_data["erp"] if form.is_valid() else ""
    clear_key = services.erp_key_generate(organisme=organisme, user=request.user)
    if erp_id:
        return _render_parametres(
            request,
            organisme,
            public_id,
            "v3",
            erp=selectors.erp_get(unique_id=erp_id),
            erp_id=erp_id,
            clear_key=clear_key,
        )
    # From the configured page ("Votre clé d'échange a expiré" → "Générer une nouvelle clé d'échange").
    return _render_parametres(request, organisme, public_id, "configure", clear_key=clear_key)


@require_POST
def parametres_confirmer(request, public_id=None):
    """Confirm ("Je confirme") that the UAI and SIRET sent by the ERP are the organisme's: mode API."""
    organisme = selectors.organisme_for_parametres(user=request.user, public_id=public_id)
    form = ErpIdForm(request.POST)
    erp_id = form.cleaned_data["erp"] if form.is_valid() else ""
    erp = selectors.erp_get(unique_id=erp_id)
    urls = _urls(organisme, public_id)
    if erp is None or not erp.api_v3:
        messages.error(request, "Cet ERP n'est pas pris en charge. Veuillez contacter le support.")
        return redirect(urls["parametres"])
    if not services.erp_configuration_confirm(organisme=organisme, user=request.user, erp=erp.unique_id):
        messages.error(
            request,
            "Votre ERP ne s'est pas encore connecté avec votre clé d'échange : "
            "collez-la dans votre ERP, puis suivez le lien qu'il vous propose.",
        )
        return redirect(f"{urls['parametres']}?{urlencode({'erpV3': erp.unique_id})}")
    messages.success(request, "Votre moyen de transmission est paramétré.")
    return redirect(urls["parametres"])


@require_http_methods(["GET", "HEAD", "POST"])
def parametres_reinitialiser(request, public_id=None):
    """Reset the configuration, after a confirmation page. The exchange key stays valid."""
    organisme = selectors.organisme_for_parametres(user=request.user, public_id=public_id)
    urls = _urls(organisme, public_id)
    if request.method == "POST":
        services.erp_configuration_reset(organisme=organisme, user=request.user)
        messages.success(request, "Votre configuration a été réinitialisée.")
        return redirect(urls["parametres"])
    return render(
        request,
        "erp_keys/reinitialiser.html",
        {
            "organisme": organisme,
            "urls": urls,
            "active_key": selectors.exchange_key_active(organisme=organisme),
        },
    )


# --- /connexion-api: the ERP hands the user back -----------------------------------------------------------


def _connexion_api_page(request, situation: str, status: int) -> HttpResponse:
    return render(
        request,
        "erp_keys/connexion_api.html",
        {
            "situation": situation,
            "login_url": _with_next(reverse_or_none(LOGIN_URL_NAME) or "", request.get_full_path()),
            "signup_url": _with_next(signup_url(), request.get_full_path()),
            "support_email": settings.SUPPORT_EMAIL,
            "support_mailto": _mailto(SUPPORT_SUBJECT),
        },
        status=status,
    )


def _with_next(url: str, next_url: str) -> str:
    return f"{url}?{urlencode({'next': next_url})}" if url else ""


def _connexion_api_params(request) -> dict[str, str] | None:
    """The query string if it is exactly {siret, uai, erp, api_key?}, each once and non-empty; None otherwise."""
    lists = dict(request.GET.lists())
    keys = set(lists)
    if not (keys == CONNEXION_API_PARAMS or keys == CONNEXION_API_PARAMS | {"api_key"}):
        return None
    params = {}
    for key, values in lists.items():
        if len(values) != 1 or not values[0].strip() or len(values[0]) > CONNEXION_API_MAX_LENGTHS[key]:
            return None
        # Stored as sent (§4.6): the user compares them with their establishment on the next screen.
        params[key] = values[0]
    return params


@login_not_required
@never_cache
@require_http_methods(["GET", "HEAD"])
def connexion_api(request):
    """GET /connexion-api?siret=…&uai=…&erp=…&api_key=… (api-v3.md §4.3 step 4)."""
    user = request.user
    if not user.is_authenticated:
        return _connexion_api_page(request, "anonyme", 200)
    if user.account_status != AccountStatus.CONFIRMED:
        return _connexion_api_page(request, "non_confirme", 403)
    organisation = user.organisation
    organisme = (
        organisation.organisme if organisation and organisation.type == OrganisationType.ORGANISME_FORMATION else None
    )
    if organisme is None or not acl_for_user(user).configurer_mode_transmission.contains(organisme):
        return _connexion_api_page(request, "refus", 403)
    params = _connexion_api_params(request)
    if params is None:
        return _connexion_api_page(request, "probleme", 400)
    parametres_url = f"{reverse('parametres')}?{urlencode({'erpV3': params['erp']})}"
    if "api_key" not in params:
        # The ERP starts the flow from its side: the user generates a key (or sees the one they have).
        return redirect(parametres_url)
    accepted = services.erp_key_handshake(
        organisme=organisme,
        user=user,
        siret=params["siret"],
        uai=params["uai"],
        erp=params["erp"],
        api_key=params["api_key"],
    )
    if not accepted:
        # The reference logs the user out on a wrong key (its verify-user answers 403).
        logout(request)
        messages.error(request, "Vous n'avez pas les droits pour accéder à cette page.")
        return redirect("home")
    return redirect(parametres_url)


# --- A formateur's key, generated by its responsable (manageEffectifs) ------------------------------------


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def organisme_cle_echange(request, public_id):
    """The exchange key of an organisme the user fully manages: generate it, see it once, copy it."""
    organisme = selectors.organisme_for_key_management(user=request.user, public_id=public_id)
    clear_key = ""
    if request.method == "POST":
        clear_key = services.erp_key_generate(organisme=organisme, user=request.user)
    response = render(
        request,
        "erp_keys/cle_echange.html",
        {
            "organisme": organisme,
            "clear_key": clear_key,
            "active_key": selectors.exchange_key_active(organisme=organisme),
            "expired_key": selectors.exchange_key_expired(organisme=organisme),
        },
    )
    if clear_key:
        response["Cache-Control"] = "no-store"
    return response
