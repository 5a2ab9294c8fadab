"""Public pages in a real headless Chromium: no console error (CSP violations included), screenshots."""

import copy
import os
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

# Playwright's sync API runs an event loop in this thread; Django would otherwise refuse ORM calls.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).parent / "screenshots"
NAVIGATION_PROCESSOR = "tdba.context_processors.navigation"
PUBLIC_PAGES = ["home", "faq", "glossaire", "contact", "cgu", "mentions_legales", "accessibilite"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]


@pytest.fixture(autouse=True)
def _navigation_context_processor(settings):
    """base.html needs tdba.context_processors.navigation (added to settings by the integrator)."""
    templates = copy.deepcopy(settings.TEMPLATES)
    processors = templates[0]["OPTIONS"]["context_processors"]
    if NAVIGATION_PROCESSOR not in processors:
        processors.append(NAVIGATION_PROCESSOR)
    settings.TEMPLATES = templates


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    SCREENSHOTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


class Problems:
    """Console errors, uncaught exceptions and failed requests seen by a page."""

    def __init__(self, page):
        self.items = []
        self.watch(page)

    def watch(self, page):
        page.on("console", lambda msg: msg.type == "error" and self.items.append(f"console: {msg.text}"))
        page.on("pageerror", lambda exc: self.items.append(f"exception: {exc}"))
        page.on("requestfailed", lambda req: self.items.append(f"failed: {req.url} {req.failure}"))
        page.on("response", lambda resp: resp.status >= 400 and self.items.append(f"{resp.status}: {resp.url}"))


def test_home_page_renders_without_console_error(browser, live_server):
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    problems = Problems(page)

    page.goto(live_server.url + reverse("home"))
    page.wait_for_load_state("networkidle")

    # DSFR's JavaScript ran (it marks the document) and its stylesheet applies.
    assert page.locator("html").get_attribute("data-fr-js") == "true"
    assert "RÉPUBLIQUE\nFRANÇAISE" in page.locator(".fr-header .fr-logo").inner_text()
    assert page.locator(".fr-header__service-title .fr-badge").inner_text() == "BETA"
    assert page.get_by_role("heading", level=1).inner_text() == "Tableau de bord de l'apprentissage"
    assert page.get_by_role("link", name="Je m'inscris").is_visible()
    page.screenshot(path=SCREENSHOTS / "home.png", full_page=True)

    # The "Question ?" menu opens on click (DSFR collapse) and shows its three links.
    page.get_by_role("button", name="Question ?").click()
    menu = page.locator("#menu-question")
    menu.get_by_role("link", name="Glossaire").wait_for(state="visible")
    assert menu.get_by_role("link", name="Foire aux questions").is_visible()
    assert menu.get_by_role("link", name="Contact").is_visible()
    page.wait_for_timeout(500)  # let the DSFR collapse animation end before the screenshot
    page.screenshot(path=SCREENSHOTS / "home-menu-question.png")

    # The dark theme (system preference) keeps the landing readable.
    dark = browser.new_page(viewport={"width": 1280, "height": 900}, locale="fr-FR", color_scheme="dark")
    problems.watch(dark)
    dark.goto(live_server.url + reverse("home"))
    dark.wait_for_load_state("networkidle")
    assert dark.locator("html").get_attribute("data-fr-theme") == "dark"
    dark.screenshot(path=SCREENSHOTS / "home-dark.png")

    assert problems.items == []


def test_public_pages_have_no_console_error(browser, live_server):
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    problems = Problems(page)

    for url_name in PUBLIC_PAGES[1:]:
        page.goto(live_server.url + reverse(url_name))
        page.wait_for_load_state("networkidle")
        assert page.locator("html").get_attribute("data-fr-js") == "true", url_name
        page.screenshot(path=SCREENSHOTS / f"{url_name}.png", full_page=True)

    assert problems.items == []


def test_404_page_in_the_browser(browser, live_server):
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    problems = Problems(page)
    url = live_server.url + "/cette-page-n-existe-pas/"

    response = page.goto(url)
    page.wait_for_load_state("networkidle")

    assert response.status == 404
    assert page.get_by_role("heading", level=1).inner_text() == "Page non trouvée"
    page.screenshot(path=SCREENSHOTS / "404.png")
    # The page's own 404 status is expected (Chromium also logs it); nothing else may fail.
    expected = {
        f"404: {url}",
        "console: Failed to load resource: the server responded with a status of 404 (Not Found)",
    }
    unexpected = [item for item in problems.items if item not in expected]
    assert unexpected == []


def test_home_on_a_phone_opens_the_menu(browser, live_server):
    page = browser.new_page(viewport={"width": 390, "height": 844}, locale="fr-FR", is_mobile=True)
    problems = Problems(page)

    page.goto(live_server.url + reverse("home"))
    page.wait_for_load_state("networkidle")
    page.screenshot(path=SCREENSHOTS / "home-mobile.png")

    page.locator("#bouton-menu-principal").click()
    modal = page.locator("#menu-principal")
    modal.get_by_role("link", name="Accueil").wait_for(state="visible")
    # DSFR copies the header tools (S'inscrire / Se connecter) into the mobile menu.
    assert modal.get_by_role("link", name="Se connecter").is_visible()
    modal.get_by_role("button", name="Question ?").click()
    modal.get_by_role("link", name="Glossaire").wait_for(state="visible")
    page.wait_for_timeout(500)
    page.screenshot(path=SCREENSHOTS / "home-mobile-menu.png")

    assert problems.items == []


def test_signed_in_header_shows_the_account_menu(browser, live_server):
    from tests.factories import OrganisationFactory, UserFactory

    # live_server flushes the database between tests (reference territories included): an organisation
    # that needs no territory keeps this test independent of the others.
    user = UserFactory(prenom="Camille", nom="Martin", organisation=OrganisationFactory(type="TETE_DE_RESEAU"))
    client = Client()
    client.force_login(user)
    session_cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    context.add_cookies(
        [{"name": django_settings.SESSION_COOKIE_NAME, "value": session_cookie, "url": live_server.url}]
    )
    page = context.new_page()
    problems = Problems(page)

    page.goto(live_server.url + reverse("faq"))
    page.wait_for_load_state("networkidle")
    page.locator(".fr-header__tools").get_by_role("button", name="Mon compte", exact=True).click()
    page.get_by_role("button", name="Déconnexion").wait_for(state="visible")
    page.wait_for_timeout(500)
    page.screenshot(path=SCREENSHOTS / "faq-signed-in-account-menu.png")

    # On a phone, DSFR copies the account menu (logout form included) into the burger menu.
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    page.wait_for_load_state("networkidle")
    page.locator("#bouton-menu-principal").click()
    modal = page.locator("#menu-principal")
    modal.get_by_role("button", name="Mon compte", exact=True).click()
    modal.get_by_role("button", name="Déconnexion").wait_for(state="visible")
    page.wait_for_timeout(500)
    page.screenshot(path=SCREENSHOTS / "faq-signed-in-mobile-menu.png")

    modal.get_by_role("button", name="Déconnexion").click()
    page.wait_for_load_state("networkidle")
    assert page.url == live_server.url + reverse("home")
    assert page.locator(".fr-header__tools-links a", has_text="Se connecter").count() == 1
    assert page.locator("#menu-compte").count() == 0
    # allauth's message is a DSFR alert that static/js/tdba.js lets the user close (no inline onclick).
    alert = page.locator(".fr-alert")
    assert "Vous êtes déconnecté(e)." in alert.inner_text()
    page.screenshot(path=SCREENSHOTS / "home-after-logout.png")
    alert.get_by_role("button", name="Masquer le message").click()
    assert page.locator(".fr-alert").count() == 0

    assert problems.items == []
