""" "Import des effectifs" in headless Chromium: modal, upload, preview, switch, import (pages-import-sifa.md §2)."""

import os
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

from tests.transmissions.fichiers_import import ligne, xlsx

# Playwright's sync API runs an event loop in this thread; Django would otherwise refuse ORM calls.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).parent / "screenshots"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    SCREENSHOTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


def problems_of(page) -> list[str]:
    items: list[str] = []
    page.on("console", lambda msg: msg.type == "error" and items.append(f"console: {msg.text}"))
    page.on("pageerror", lambda exc: items.append(f"exception: {exc}"))
    page.on("response", lambda resp: resp.status >= 400 and items.append(f"{resp.status}: {resp.url}"))
    return items


def signed_in_page(browser, live_server):
    from tests.factories import OrganismeFactory, UserFactory

    # live_server flushes the database between tests (territories included): organismes without territory.
    territory = {"region_id": None, "departement_id": None, "academie_id": None}
    OrganismeFactory(uai="0755805C", siret="77568013501139", **territory)
    formateur = OrganismeFactory(uai="0802004U", siret="77937827200016", **territory)
    user = UserFactory(organisation__organisme=formateur)
    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    context.add_cookies(
        [
            {
                "name": django_settings.SESSION_COOKIE_NAME,
                "value": client.cookies[django_settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    return context.new_page()


def test_upload_preview_switch_and_import(browser, live_server, tmp_path):
    page = signed_in_page(browser, live_server)
    problems = problems_of(page)

    page.goto(live_server.url + reverse("televersement"))
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("data-fr-js") == "true"
    assert page.get_by_role("heading", level=1).inner_text() == "Import des effectifs"
    page.screenshot(path=SCREENSHOTS / "import-televersement.png", full_page=True)

    # "Les données obligatoires": DSFR's own script opens the dialog from the button.
    page.get_by_role("button", name="Les données obligatoires").click()
    modal = page.locator("#modale-donnees-obligatoires")
    modal.get_by_text("Les données obligatoires à renseigner").wait_for(state="visible")
    page.wait_for_timeout(400)
    page.screenshot(path=SCREENSHOTS / "import-modale-donnees.png")
    modal.get_by_role("button", name="Fermer").click()
    modal.get_by_text("Les données obligatoires à renseigner").wait_for(state="hidden")

    # A file with one row in error: the preview tells which and blocks the import.
    rows = [
        ligne(),
        ligne(nom_apprenant="Martin", prenom_apprenant="Jules", email_contact=None),
        ligne(nom_apprenant="Bernard", prenom_apprenant="Zoé", etablissement_formateur_uai="0999999Z"),
    ]
    page.set_input_files(
        "input[name=fichier]", files=[{"name": "effectifs.xlsx", "mimeType": XLSX_TYPE, "buffer": xlsx(rows)}]
    )
    page.get_by_role("button", name="Importer le fichier").click()
    page.wait_for_load_state("networkidle")
    assert "2 erreurs ont été détectées dans votre fichier." in page.locator(".fr-alert--error").inner_text()
    caption = page.locator(".tdba-import-table caption").inner_text()
    assert caption == "Votre fichier inclut 3 ligne(s), dont 2 est/sont en erreur"
    assert page.get_by_role("button", name="Valider l'import").is_disabled()
    page.screenshot(path=SCREENSHOTS / "import-apercu-erreurs.png", full_page=True)

    # The switch applies itself (import.js) and keeps only the rows in error; a row's detail opens.
    assert not page.get_by_role("button", name="Appliquer").is_visible()
    page.locator("label[for=seulement-erreurs]").click()
    page.wait_for_url("**erreurs=1**")
    assert page.locator("tbody tr[id^=ligne-]").count() == 2
    page.get_by_text("Toutes les valeurs de la ligne 3").click()
    page.screenshot(path=SCREENSHOTS / "import-apercu-lignes-en-erreur.png", full_page=True)

    # A corrected file: valid preview, then the import and its success page.
    page.get_by_role("link", name="Téléverser un nouveau fichier").first.click()
    page.wait_for_load_state("networkidle")
    fixed = [ligne(), ligne(nom_apprenant="Martin", prenom_apprenant="Jules")]
    page.set_input_files(
        "input[name=fichier]", files=[{"name": "effectifs.xlsx", "mimeType": XLSX_TYPE, "buffer": xlsx(fixed)}]
    )
    page.get_by_role("button", name="Importer le fichier").click()
    page.wait_for_load_state("networkidle")
    assert "Le format de votre fichier a été correctement rempli." in page.locator(".fr-alert--success").inner_text()
    assert page.locator("tbody .fr-badge--success").count() == 2
    page.screenshot(path=SCREENSHOTS / "import-apercu-valide.png", full_page=True)

    page.get_by_role("button", name="Valider l'import").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("Votre fichier a été accepté : consultez le rapport de transmission.").is_visible()
    assert page.get_by_role("link", name="Voir le rapport de transmission").is_visible()
    page.screenshot(path=SCREENSHOTS / "import-accepte.png", full_page=True)
    # The rows went through the same durable queue as the API (the worker is not part of this journey).
    from transmissions.models import QueueItem

    assert set(QueueItem.objects.values_list("source", flat=True)) == {"FICHIER"}
    assert QueueItem.objects.count() == 2

    assert problems == []
