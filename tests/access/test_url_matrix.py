"""Access matrix: every route of the URL conf × every profile of §6 → the expected HTTP status (issue 11).

The routes come from the resolver (tests/access/routes.py): a route without an entry in ROUTES fails
`test_every_route_has_an_entry`, and an entry whose route is gone fails `test_no_entry_for_a_missing_route`.

Expectations follow the 2024 matrix (statuses-indicators-roles.md §4.3 "historical", as organismes/permissions.py
does) on the fixture's "OF cible": anonymous users are sent to the login page from every private page, public
pages answer 200, and an object outside the user's scope answers 404 (conventions.md). The API answers 403
without a Bearer key, whoever is logged in (api-v3.md §1.2); keys are exercised in test_api_keys.py.

POST requests carry an empty or minimal body: a profile without the right must never get a 2xx or a redirect
that changed something (404/403/405/302-to-login), and a profile with the right gets the page's normal answer.
"""

from dataclasses import dataclass, field

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import reverse

from tests.access.conftest import ANONYME, PROFILES, Monde, Objets
from tests.access.routes import url_conf_routes

LOGIN = "login"  # 302 to the login page, with ?next=
OK, FOUND, BAD, FORBIDDEN, NOT_FOUND, NOT_ALLOWED, GONE = 200, 302, 400, 403, 404, 405, 410

LOGGED = frozenset(PROFILES) - {ANONYME}
OF = frozenset({"of_cible", "of_responsable", "of_formateur", "of_non_lie"})
# Permissions on "OF cible" (tests/organismes/test_permissions.py, 2024 matrix).
MANAGE = frozenset({"of_cible", "of_responsable", "tdr_responsable", "administrateur"})
INDICATEURS = frozenset(
    {
        "of_cible",
        "of_responsable",
        "tdr_meme_reseau",
        "tdr_responsable",
        "dreets_meme",
        "ddets_meme",
        "academie_meme",
        "cr_meme",
        "opn",
        "administrateur",
    }
)
CONFIGURER = frozenset({"of_cible", "administrateur"})
# Organisations with a non-empty `view_contacts` scope (Mes organismes / Mon réseau / Mon territoire).
PERIMETRE = LOGGED - OF
# OFA with formateurs under them ("Mes organismes" of an OFA).
OF_AVEC_FORMATEURS = frozenset({"of_cible", "of_responsable"})
# Nominative "abandon" list (§6 H): OFA (full access), TDR responsable, DREETS/DDETS/Académie, administrator.
NOMINATIF_ABANDON = OF | {
    "tdr_responsable",
    "dreets_meme",
    "dreets_autre",
    "ddets_meme",
    "ddets_autre",
    "academie_meme",
    "academie_autre",
    "administrateur",
}


def expect(default, *, anonyme=LOGIN, **groups) -> dict[str, object]:
    """{profile: status}: `default` for logged-in profiles, then `name=(profiles, status)` overrides in order."""
    table = dict.fromkeys(LOGGED, default)
    table[ANONYME] = anonyme
    for profiles, status in groups.values():
        for profile in profiles:
            table[profile] = status
    return table


def only(profiles, status=OK, *, other=NOT_FOUND, anonyme=LOGIN) -> dict[str, object]:
    return expect(other, anonyme=anonyme, yes=(profiles, status))


PUBLIC = expect(OK, anonyme=OK)
PRIVATE = expect(OK)
POST_ONLY = expect(NOT_ALLOWED)


@dataclass(frozen=True)
class Route:
    """How to build the URL (from the fixture and one side's objects) and what each profile gets."""

    url: object  # Callable[[Monde, Objets], str]
    get: dict[str, object]
    post: dict[str, object] | None = None
    data: dict = field(default_factory=dict)
    # Bears an object of one organisme: the cross checks swap in OF non lié's object.
    objet: bool = False
    # What OF cible gets on OF non lié's object and the reverse (test_cross_object): 404 unless said otherwise.
    cross: object = NOT_FOUND


def _r(name, *args):
    return lambda m, o: reverse(name, args=[a(m, o) if callable(a) else a for a in args])


def _org(m: Monde, o: Objets):
    return o.organisme.public_id


def _jour(m: Monde, o: Objets):
    return o.jour.isoformat()


def _import(m: Monde, o: Objets):
    return o.import_id


def _effectif(m: Monde, o: Objets):
    return o.effectif_id


def _membre(m: Monde, o: Objets):
    return o.membre_id


def _invitation(m: Monde, o: Objets):
    return o.invitation_id


def _token(m: Monde, o: Objets):
    return o.invitation_token


def _queue_item(m: Monde, o: Objets):
    return o.queue_item_id


# The API without a key: 403 for everyone, a session grants nothing (api-v3.md §1.2).
API_NO_KEY = expect(FORBIDDEN, anonyme=FORBIDDEN)
# The home page sends a signed-in user to their dashboard.
HOME = expect(FOUND, anonyme=OK)

ROUTES: dict[str, Route] = {
    # --- Public pages (tdba/urls.py) ---------------------------------------------------------------------
    "home": Route(_r("home"), HOME),
    "faq": Route(_r("faq"), PUBLIC),
    "glossaire": Route(_r("glossaire"), PUBLIC),
    "contact": Route(_r("contact"), PUBLIC),
    "cgu": Route(_r("cgu"), PUBLIC),
    "mentions_legales": Route(_r("mentions_legales"), PUBLIC),
    "accessibilite": Route(_r("accessibilite"), PUBLIC),
    # --- allauth (comptes/) ------------------------------------------------------------------------------
    "account_login": Route(_r("account_login"), expect(FOUND, anonyme=OK), post=expect(FOUND, anonyme=OK)),
    "account_logout": Route(_r("account_logout"), expect(OK, anonyme=FOUND), post=expect(FOUND, anonyme=FOUND)),
    "account_inactive": Route(_r("account_inactive"), PUBLIC),
    # Sign-up goes through the wizard: allauth's form is closed (its "closed" page), signed-in users go home.
    "account_signup": Route(_r("account_signup"), expect(FOUND, anonyme=OK), post=expect(FOUND, anonyme=OK)),
    "account_reauthenticate": Route(_r("account_reauthenticate"), PRIVATE),
    # "Mes informations" shows the e-mail read-only (pages-import-sifa.md §1.11): allauth's e-mail management
    # page (add an address, make it primary) should not be reachable.
    "account_email": Route(_r("account_email"), expect(NOT_FOUND)),
    # Shadows allauth's page above (same path): closed for everyone.
    "compte_email_desactive": Route(_r("compte_email_desactive"), expect(NOT_FOUND)),
    "account_email_verification_sent": Route(_r("account_email_verification_sent"), PUBLIC),
    "account_change_password": Route(_r("account_change_password"), PRIVATE, post=PRIVATE),
    "account_set_password": Route(_r("account_set_password"), expect(FOUND)),
    "account_reset_password": Route(_r("account_reset_password"), PUBLIC, post=PUBLIC),
    # Login by code is off: nothing to confirm.
    "account_confirm_login_code": Route(_r("account_confirm_login_code"), expect(FOUND)),
    # Re-authentication by e-mailed code (allauth ≥ 65.22): codes are off, nothing to request nor confirm.
    "account_request_reauthentication_code": Route(_r("account_request_reauthentication_code"), expect(FOUND)),
    "account_confirm_reauthentication_code": Route(_r("account_confirm_reauthentication_code"), expect(FOUND)),
    "account_confirm_email": Route(_r("account_confirm_email", "cle-inconnue"), PUBLIC),
    "account_reset_password_from_key_done": Route(_r("account_reset_password_from_key_done"), PUBLIC),
    "account_reset_password_from_key": Route(
        lambda m, o: reverse("account_reset_password_from_key", kwargs={"uidb36": "1", "key": "cle-inconnue"}),
        PUBLIC,
    ),
    "account_reset_password_done": Route(_r("account_reset_password_done"), PUBLIC),
    # --- API v3 (transmissions/api/urls.py): without a key ----------------------------------------------
    "api_v3_dossiers": Route(_r("api_v3_dossiers"), API_NO_KEY, post=API_NO_KEY),
    "api_v3_test": Route(_r("api_v3_test"), API_NO_KEY, post=API_NO_KEY),
    "api_v3_validate": Route(_r("api_v3_validate"), API_NO_KEY, post=API_NO_KEY),
    "api_v3_etat": Route(_r("api_v3_etat", _queue_item), API_NO_KEY, post=API_NO_KEY, objet=True),
    "api_v3_openapi": Route(_r("api_v3_openapi"), PUBLIC),
    "api_v3_doc": Route(_r("api_v3_doc"), PUBLIC),
    # --- organismes ----------------------------------------------------------------------------------------
    # The public card: every signed-in user (§4.4 "any authenticated user").
    "organisme_detail": Route(_r("organisme_detail", _org), PRIVATE, objet=True, cross=OK),
    "inscription": Route(_r("inscription"), PUBLIC, post=PUBLIC),
    "inscription_organisme_formation": Route(
        _r("inscription_organisme_formation"), PUBLIC, post=expect(FOUND, anonyme=FOUND)
    ),
    "inscription_recherche_resultats": Route(_r("inscription_recherche_resultats"), PUBLIC),
    "inscription_organisme_inconnu": Route(_r("inscription_organisme_inconnu"), PUBLIC),
    "inscription_operateur_public": Route(_r("inscription_operateur_public"), PUBLIC, post=PUBLIC),
    "inscription_reseau": Route(_r("inscription_reseau"), PUBLIC, post=PUBLIC),
    # "Autre Réseau": the form re-renders (empty body), the page after it is static.
    "inscription_reseau_inconnu": Route(_r("inscription_reseau_inconnu"), PUBLIC, post=PUBLIC),
    "inscription_reseau_autre": Route(_r("inscription_reseau_autre"), PUBLIC),
    "inscription_autre": Route(_r("inscription_autre"), PUBLIC),
    # Without a step 2 in the session, the profile step sends back to step 1.
    "inscription_profil": Route(
        _r("inscription_profil"), expect(FOUND, anonyme=FOUND), post=expect(FOUND, anonyme=FOUND)
    ),
    "inscription_bravo": Route(_r("inscription_bravo"), PUBLIC),
    # POST only; without an account of this session's sign-up: back to "Vérifiez votre boite mail !" with a message.
    "inscription_renvoyer_activation": Route(
        _r("inscription_renvoyer_activation"),
        expect(NOT_ALLOWED, anonyme=NOT_ALLOWED),
        post=expect(FOUND, anonyme=FOUND),
    ),
    "inscription_en_attente": Route(_r("inscription_en_attente"), PUBLIC),
    # The e-mailed link is public: it opens the profile step (the token is the secret).
    "invitation_accepter": Route(_r("invitation_accepter", _token), expect(FOUND, anonyme=FOUND)),
    "mon_compte": Route(_r("mon_compte"), PRIVATE, post=PRIVATE),
    "roles_habilitations": Route(_r("roles_habilitations"), PRIVATE),
    "roles_inviter": Route(_r("roles_inviter"), POST_ONLY, post=expect(BAD)),
    "roles_inviter_groupe": Route(_r("roles_inviter_groupe"), POST_ONLY, post=expect(BAD)),
    # A pending account of OF cible's organisation: its members, and administrators for validate / reject.
    "membre_valider": Route(
        _r("membre_valider", _membre), POST_ONLY, post=only({"of_cible", "administrateur"}, FOUND), objet=True
    ),
    "membre_refuser": Route(
        _r("membre_refuser", _membre), POST_ONLY, post=only({"of_cible", "administrateur"}, FOUND), objet=True
    ),
    "membre_supprimer": Route(_r("membre_supprimer", _membre), POST_ONLY, post=only({"of_cible"}, FOUND), objet=True),
    "membre_role": Route(_r("membre_role", _membre), POST_ONLY, post=only({"of_cible"}, FOUND), objet=True),
    "invitation_renvoyer": Route(
        _r("invitation_renvoyer", _invitation), POST_ONLY, post=only({"of_cible"}, FOUND), objet=True
    ),
    "invitation_annuler": Route(
        _r("invitation_annuler", _invitation), POST_ONLY, post=only({"of_cible"}, FOUND), objet=True
    ),
    # --- erp_keys: Paramètres of the user's own OFA ----------------------------------------------------------
    "parametres": Route(_r("parametres"), only(OF)),
    "parametres_sans_erp": Route(_r("parametres_sans_erp"), POST_ONLY, post=only(OF, FOUND)),
    "parametres_autre_erp": Route(_r("parametres_autre_erp"), POST_ONLY, post=only(OF, BAD)),
    "parametres_cle": Route(_r("parametres_cle"), POST_ONLY, post=only(OF, OK)),
    "parametres_confirmer": Route(_r("parametres_confirmer"), POST_ONLY, post=only(OF, FOUND)),
    "parametres_reinitialiser": Route(_r("parametres_reinitialiser"), only(OF), post=only(OF, FOUND)),
    # … of another organisme: `configurerModeTransmission` (OF cible itself and administrators).
    "organisme_parametres": Route(_r("organisme_parametres", _org), only(CONFIGURER), objet=True),
    "organisme_parametres_sans_erp": Route(
        _r("organisme_parametres_sans_erp", _org), POST_ONLY, post=only(CONFIGURER, FOUND), objet=True
    ),
    "organisme_parametres_autre_erp": Route(
        _r("organisme_parametres_autre_erp", _org), POST_ONLY, post=only(CONFIGURER, BAD), objet=True
    ),
    "organisme_parametres_cle": Route(
        _r("organisme_parametres_cle", _org), POST_ONLY, post=only(CONFIGURER, OK), objet=True
    ),
    "organisme_parametres_confirmer": Route(
        _r("organisme_parametres_confirmer", _org), POST_ONLY, post=only(CONFIGURER, FOUND), objet=True
    ),
    "organisme_parametres_reinitialiser": Route(
        _r("organisme_parametres_reinitialiser", _org),
        only(CONFIGURER),
        post=only(CONFIGURER, FOUND),
        objet=True,
    ),
    # A formateur's key, generated by whoever manages its effectifs (`manageEffectifs`).
    "organisme_cle_echange": Route(_r("organisme_cle_echange", _org), only(MANAGE), post=only(MANAGE), objet=True),
    # The ERP hands the user back: anonymous → the login/sign-up page; an OFA without the query string → 400;
    # anyone else → 403 "refus" (the page explains that only the OFA itself may confirm).
    "connexion_api": Route(_r("connexion_api"), expect(FORBIDDEN, anonyme=OK, of=(OF, BAD))),
    # --- effectifs: own organisme ---------------------------------------------------------------------------
    "tableau_de_bord": Route(_r("tableau_de_bord"), PRIVATE),
    # Other organisations get the "sans organisme" page.
    "mes_effectifs": Route(_r("mes_effectifs"), PRIVATE),
    "mes_effectifs_export": Route(_r("mes_effectifs_export"), only(OF)),
    "effectif_detail": Route(_r("effectif_detail", _effectif), only(MANAGE), objet=True),
    "mes_indicateurs": Route(_r("mes_indicateurs"), PRIVATE),
    "mes_indicateurs_export": Route(_r("mes_indicateurs_export"), PRIVATE),
    # … another organisme.
    "organisme_tableau_de_bord": Route(_r("organisme_tableau_de_bord", _org), only(INDICATEURS), objet=True),
    "organisme_indicateurs": Route(_r("organisme_indicateurs", _org), only(INDICATEURS), objet=True),
    "organisme_indicateurs_export": Route(_r("organisme_indicateurs_export", _org), only(INDICATEURS), objet=True),
    "organisme_effectifs": Route(_r("organisme_effectifs", _org), only(MANAGE), objet=True),
    "organisme_effectifs_export": Route(_r("organisme_effectifs_export", _org), only(MANAGE), objet=True),
    # --- effectifs: SIFA (effectifs/urls_sifa.py) -------------------------------------------------------------
    "enquete_sifa": Route(_r("enquete_sifa"), PRIVATE),
    # Without any transmission the file is disabled: back to the page (OF responsable and OF formateur).
    "enquete_sifa_fichier": Route(
        _r("enquete_sifa_fichier", "csv"),
        only({"of_cible", "of_non_lie"}, other=NOT_FOUND) | {"of_responsable": FOUND, "of_formateur": FOUND},
    ),
    "enquete_sifa_type_cfa": Route(_r("enquete_sifa_type_cfa"), POST_ONLY, post=only(OF, FOUND)),
    "organisme_enquete_sifa": Route(_r("organisme_enquete_sifa", _org), only(MANAGE), objet=True),
    "organisme_enquete_sifa_fichier": Route(
        _r("organisme_enquete_sifa_fichier", _org, "csv"), only(MANAGE), objet=True
    ),
    "organisme_enquete_sifa_type_cfa": Route(
        _r("organisme_enquete_sifa_type_cfa", _org), POST_ONLY, post=only(MANAGE, FOUND), objet=True
    ),
    # --- effectifs: territories (effectifs/urls_territoire.py) ------------------------------------------------
    "mes_organismes": Route(_r("mes_organismes"), only(PERIMETRE | OF_AVEC_FORMATEURS)),
    "mes_organismes_export": Route(_r("mes_organismes_export"), only(PERIMETRE | OF_AVEC_FORMATEURS)),
    "mes_organismes_probleme_export": Route(
        _r("mes_organismes_probleme_export", "sans_effectifs"), only(PERIMETRE | OF_AVEC_FORMATEURS)
    ),
    # Administrators only: the organismes à fiabiliser (§1.5).
    "organismes_a_fiabiliser": Route(_r("organismes_a_fiabiliser"), only({"administrateur"})),
    "organismes_a_fiabiliser_export": Route(_r("organismes_a_fiabiliser_export"), only({"administrateur"})),
    "organismes_a_fiabiliser_probleme_export": Route(
        _r("organismes_a_fiabiliser_probleme_export", "sans_effectifs"), only({"administrateur"})
    ),
    # "Ses organismes": OF cible has a formateur; whoever sees its dashboard gets the list (within their perimeter).
    "organisme_organismes": Route(_r("organisme_organismes", _org), only(INDICATEURS), objet=True),
    "organisme_organismes_export": Route(_r("organisme_organismes_export", _org), only(INDICATEURS), objet=True),
    "organisme_organismes_probleme_export": Route(
        _r("organisme_organismes_probleme_export", _org, "sans_effectifs"), only(INDICATEURS), objet=True
    ),
    # Not an object of someone else: a list the organisation type does not have → 403 (§6 H).
    "liste_nominative": Route(_r("liste_nominative", "abandon"), only(NOMINATIF_ABANDON, other=FORBIDDEN)),
    "indicateurs_nationaux": Route(_r("indicateurs_nationaux"), PUBLIC),
    "api_indicateurs_national": Route(_r("api_indicateurs_national"), PUBLIC),
    # --- transmissions: reports of the own OFA, then of another organisme (`configurerModeTransmission`) -------
    "transmissions": Route(_r("transmissions"), only(OF)),
    "transmissions_jour": Route(_r("transmissions_jour", _jour), only(OF)),
    "transmissions_jour_xlsx": Route(_r("transmissions_jour_xlsx", _jour), only(OF)),
    "organisme_transmissions": Route(_r("organisme_transmissions", _org), only(CONFIGURER), objet=True),
    "organisme_transmissions_jour": Route(
        _r("organisme_transmissions_jour", _org, _jour), only(CONFIGURER), objet=True
    ),
    "organisme_transmissions_jour_xlsx": Route(
        _r("organisme_transmissions_jour_xlsx", _org, _jour), only(CONFIGURER), objet=True
    ),
    # --- transmissions: Excel import (`manageEffectifs`; a draft import belongs to the user who uploaded it) ---
    "televersement": Route(_r("televersement"), only(OF), post=only(OF)),
    "televersement_modele": Route(_r("televersement_modele"), PRIVATE),
    "televersement_fichier": Route(_r("televersement_fichier", _import), only({"of_cible"}), objet=True),
    "televersement_etat": Route(_r("televersement_etat", _import), only({"of_cible"}), objet=True),
    "televersement_importer": Route(
        _r("televersement_importer", _import), POST_ONLY, post=only({"of_cible"}, FOUND), objet=True
    ),
    "organisme_televersement": Route(_r("organisme_televersement", _org), only(MANAGE), post=only(MANAGE), objet=True),
    "organisme_televersement_fichier": Route(
        _r("organisme_televersement_fichier", _org, _import), only({"of_cible"}), objet=True
    ),
    "organisme_televersement_etat": Route(
        _r("organisme_televersement_etat", _org, _import), only({"of_cible"}), objet=True
    ),
    "organisme_televersement_importer": Route(
        _r("organisme_televersement_importer", _org, _import),
        POST_ONLY,
        post=only({"of_cible"}, FOUND),
        objet=True,
    ),
}


# --- Completeness -------------------------------------------------------------------------------------------


def test_every_route_has_an_entry():
    missing = sorted(set(url_conf_routes()) - set(ROUTES))
    assert not missing, "Routes sans entrée dans tests/access/test_url_matrix.py ROUTES :\n" + "\n".join(
        f"  {name}: {url_conf_routes()[name]}" for name in missing
    )


def test_no_entry_for_a_missing_route():
    stale = sorted(set(ROUTES) - set(url_conf_routes()))
    assert not stale, f"Entrées de ROUTES sans route dans l'URL conf : {stale}"


def test_every_entry_names_every_profile():
    for name, route in ROUTES.items():
        for method, table in (("GET", route.get), ("POST", route.post)):
            if table is not None:
                assert set(table) == set(PROFILES), (name, method, set(PROFILES) ^ set(table))


# --- The matrix ---------------------------------------------------------------------------------------------


def client_for(monde: Monde, profile: str) -> Client:
    """A fresh client on the profile's session: a logout or a session change in one request stays there."""
    client = Client()
    session_key = monde.session_keys.get(profile)
    if session_key:
        client.cookies[settings.SESSION_COOKIE_NAME] = session_key
    return client


def request(monde: Monde, profile: str, method: str, url: str, data: dict):
    """One request in a savepoint rolled back afterwards (a POST that changed something is undone), with the
    rate-limit counters reset (they live in the cache)."""
    cache.clear()
    client = client_for(monde, profile)
    with transaction.atomic():
        response = client.get(url) if method == "GET" else client.post(url, data=data)
        transaction.set_rollback(True)
    return response


def mismatch(response, expected) -> str | None:
    """None if the response is what the entry says, else a one-line description."""
    location = response.get("Location", "")
    if expected == LOGIN:
        if response.status_code == 302 and location.startswith(reverse("account_login")):
            return None
        return f"{response.status_code} {location!r}, attendu 302 vers la connexion"
    if response.status_code == expected:
        return None
    return f"{response.status_code} {location!r}, attendu {expected}"


def _route_cases():
    for name, route in ROUTES.items():
        for method, table in (("GET", route.get), ("POST", route.post)):
            if table is not None:
                yield pytest.param(name, method, id=f"{name}-{method}")


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "method"), list(_route_cases()))
def test_route(monde, name, method):
    """Every profile on one route (one test per route keeps the matrix fast: the fixture is built once)."""
    route = ROUTES[name]
    table = route.get if method == "GET" else route.post
    url = route.url(monde, monde.cible)
    errors = []
    for profile in PROFILES:
        problem = mismatch(request(monde, profile, method, url, route.data), table[profile])
        if problem:
            errors.append(f"  {profile}: {problem}")
    assert not errors, f"{method} {url} ({name}):\n" + "\n".join(errors)


# --- Cross-object checks: OF non lié's objects are nobody else's, and OF cible's are not OF non lié's -------

CROSS_PROFILES = {
    # profile → the side whose objects it must not reach
    "of_cible": "non_lie",
    "of_responsable": "non_lie",
    "of_formateur": "non_lie",
    "of_non_lie": "cible",
}


def _cross_cases():
    for name, route in ROUTES.items():
        if not route.objet or name.startswith("api_"):
            continue  # the API's objects belong to a key: tests/access/test_api_keys.py
        for method, table in (("GET", route.get), ("POST", route.post)):
            if table is None or table is POST_ONLY:
                continue
            yield pytest.param(name, method, id=f"{name}-{method}")


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "method"), list(_cross_cases()))
def test_cross_object(monde, name, method):
    route = ROUTES[name]
    errors = []
    for profile, side in CROSS_PROFILES.items():
        url = route.url(monde, getattr(monde, side))
        expected = route.cross
        problem = mismatch(request(monde, profile, method, url, route.data), expected)
        if problem:
            errors.append(f"  {profile} sur {url}: {problem}")
    assert not errors, f"{method} {name}, objets d'un autre organisme :\n" + "\n".join(errors)


# --- Django admin (excluded from the matrix) ----------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("profile", "expected"),
    [(ANONYME, "admin_login"), ("of_cible", "admin_login"), ("opn", "admin_login"), ("administrateur", OK)],
)
def test_admin(monde, profile, expected):
    """Non-staff users are sent to the admin login; the administrator (a superuser, like the demo's) gets in."""
    from tests.access.routes import admin_urls

    errors = []
    for url in admin_urls():
        response = request(monde, profile, "GET", url, {})
        if expected == "admin_login":
            location = response.get("Location", "")
            # LoginRequiredMiddleware sends anonymous users to the site's login before the admin sees them.
            logins = (
                (reverse("admin:login"),) if profile != ANONYME else (reverse("admin:login"), reverse("account_login"))
            )
            if response.status_code != 302 or not location.startswith(logins):
                errors.append(f"  {url}: {response.status_code} {location!r}, attendu 302 vers /admin/login/")
        elif response.status_code != expected:
            errors.append(f"  {url}: {response.status_code}, attendu {expected}")
    assert not errors, f"admin ({profile}):\n" + "\n".join(errors)
