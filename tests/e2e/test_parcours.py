"""The journey of an OFA in headless Chromium (issue 11): sign up → validation → ERP key → API batch → SIFA.

Sign up through the wizard, activate the account with the emailed link, have an administrator validate it on
"Rôles et habilitations", log in, choose an ERP and generate its key, copy it, play the ERP handshake
(/connexion-api), confirm, push a batch with the key through the real API of the live server, process the queue,
then check "Mon tableau de bord" and "Mes effectifs", import an Excel file and download the SIFA file.
A screenshot of each step goes to tests/e2e/screenshots/parcours-NN-<étape>.png.
"""

import datetime as dt
import json
import os
import re
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.core import mail
from django.urls import reverse

from tests.transmissions.fichiers_import import TODAY, annee_scolaire, ligne, xlsx

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

UAI = "0802004U"
SIRET = "77937827200016"
EMAIL = "claire.durand@cfa-parcours.fr"
PASSWORD = "Parcours-Solide-2026!"

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


class Steps:
    """Numbered full-page screenshots: parcours-01-inscription.png, parcours-02-…"""

    def __init__(self, page):
        self.page = page
        self.n = 0

    def shot(self, name: str, page=None) -> None:
        self.n += 1
        (page or self.page).screenshot(path=SCREENSHOTS / f"parcours-{self.n:02d}-{name}.png", full_page=True)


def record(nom: str, prenom: str, id_erp: str, *, apprenti: bool = False) -> dict:
    """A valid v3 record (tests/transmissions/conftest.py `dossier()`) for the organisme, formateur and responsable;
    an apprenti has a contract running over the SIFA observation date (31 December)."""
    contrat = {}
    if apprenti:
        contrat = {
            "contrat_date_debut": (TODAY - dt.timedelta(days=20)).isoformat(),
            "contrat_date_fin": (TODAY + dt.timedelta(days=700)).isoformat(),
        }
    return {
        **contrat,
        "nom_apprenant": nom,
        "prenom_apprenant": prenom,
        "date_de_naissance_apprenant": "2007-05-21",
        "annee_scolaire": annee_scolaire(),
        "id_erp_apprenant": id_erp,
        "date_inscription_formation": (TODAY - dt.timedelta(days=40)).isoformat(),
        "date_entree_formation": (TODAY - dt.timedelta(days=30)).isoformat(),
        "date_fin_formation": (TODAY + dt.timedelta(days=700)).isoformat(),
        "etablissement_responsable_uai": UAI,
        "etablissement_responsable_siret": SIRET,
        "etablissement_formateur_uai": UAI,
        "etablissement_formateur_siret": SIRET,
        "formation_rncp": "RNCP34670",
        "formation_cfd": "50033616",
        "duree_theorique_formation_mois": 24,
    }


def login(page, live_server, email: str, password: str) -> None:
    page.goto(live_server.url + reverse("account_login"))
    page.fill("#id_login", email)
    page.fill("#id_password", password)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state("networkidle")


def test_parcours_ofa(browser, live_server, reference_data):
    from allauth.account.models import EmailAddress

    from effectifs.models import Effectif
    from organismes.models import AccountStatus, OrganisationType, User
    from tests.factories import OrganismeFactory, UserFactory
    from transmissions.models import QueueItem
    from transmissions.processing import queue_process_chunk

    organisme = OrganismeFactory(uai=UAI, siret=SIRET, raison_sociale="CFA DU PARCOURS")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    context.set_default_timeout(10_000)
    page = context.new_page()
    steps = Steps(page)
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(f"exception: {exc}"))
    page.on("console", lambda msg: msg.type == "error" and problems.append(f"console: {msg.text}"))

    # 1. Sign-up wizard: "Vous représentez :" → an OFA (the radio submits its form, inscription.js).
    page.goto(live_server.url + reverse("inscription"))
    steps.shot("inscription")
    page.get_by_text("Un CFA ou organisme de formation").click()
    page.wait_for_url("**/inscription/organisme-formation/")

    # 2. SIRET search, then "Ceci est mon organisme".
    page.locator("label[for=select-siret]").click()
    page.wait_for_url("**select=siret**")
    page.get_by_label("SIRET de votre organisme").fill(SIRET)
    page.get_by_role("button", name="Rechercher").click()
    page.wait_for_load_state("networkidle")
    found = page.locator(".tdba-organisme-identifie")
    assert "CFA DU PARCOURS" in found.inner_text()
    steps.shot("recherche-siret")
    found.get_by_role("button", name="Ceci est mon organisme").click()
    page.wait_for_url("**/inscription/profil/")

    # 3. The profile form.
    assert f"UAI : {UAI} - SIRET : {SIRET}" in page.locator(".fr-alert--success").inner_text()
    page.get_by_label("Votre courriel").fill(EMAIL)
    page.locator("label[for=id_civilite_1]").click()
    page.get_by_label("Votre nom").fill("Durand")
    page.get_by_label("Votre prénom").fill("Claire")
    page.get_by_label("Votre fonction au sein de l'établissement").fill("Responsable administrative")
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.locator("label[for=id_cgu]").click()
    page.locator("label[for=id_accepte_contact]").click()
    steps.shot("profil")
    page.get_by_role("button", name="S’inscrire").click()
    page.wait_for_url("**/inscription/bravo/")
    assert page.get_by_role("heading", name="Vérifiez votre boite mail !").is_visible()
    steps.shot("verifiez-boite-mail")
    user = User.objects.get(email=EMAIL)
    assert user.account_status == AccountStatus.PENDING_EMAIL_VALIDATION

    # 4. The activation link of the email (locmem backend, shared with the live server's thread).
    activation = [m for m in mail.outbox if EMAIL in m.to]
    assert activation, [m.subject for m in mail.outbox]
    links = re.findall(r"https?://\S+", activation[-1].body)
    link = next(url for url in links if "confirm" in url)
    page.goto(link)
    steps.shot("activation")
    page.get_by_role("button", name="J'active mon compte").click()
    page.wait_for_url("**/inscription/en-attente/")
    steps.shot("compte-en-attente")
    user.refresh_from_db()
    assert user.account_status == AccountStatus.PENDING_ADMIN_VALIDATION

    # 5. An administrator validates the account on "Rôles et habilitations" (another browser context).
    admin = UserFactory(email="admin@tdba.example.org", organisation__type=OrganisationType.ADMINISTRATEUR)
    # allauth's mandatory email verification: the factory's account needs its verified address to log in.
    EmailAddress.objects.create(user=admin, email=admin.email, verified=True, primary=True)
    admin_context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    admin_page = admin_context.new_page()
    login(admin_page, live_server, "admin@tdba.example.org", "Motdepasse-solide-123")
    admin_page.goto(live_server.url + reverse("roles_habilitations"))
    row = admin_page.locator("tr", has_text=EMAIL)
    row.get_by_role("button", name="Valider le compte").click()
    admin_page.wait_for_load_state("networkidle")
    assert admin_page.get_by_text(f"Le compte de {EMAIL} a été validé.").is_visible()
    steps.shot("validation-admin", admin_page)
    admin_context.close()
    user.refresh_from_db()
    assert user.account_status == AccountStatus.CONFIRMED

    # 6. The new user logs in.
    login(page, live_server, EMAIL, PASSWORD)
    steps.shot("connecte")
    assert page.get_by_role("link", name="Paramètres").first.is_visible()

    # 7. Paramètres → "Vous avez un ERP ?" → Ypareo → Confirmer.
    page.get_by_role("link", name="Paramètres").first.click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("heading", name="Vous avez un ERP ?").is_visible()
    steps.shot("parametres")
    page.locator(".tdba-methode", has_text="Vous avez un ERP ?").get_by_role(
        "link", name="Choisir cette méthode"
    ).click()
    page.wait_for_load_state("networkidle")
    page.get_by_label("Sélectionnez votre ERP ou outil de gestion utilisé *").select_option(label="Ypareo")
    steps.shot("choix-erp")
    page.get_by_role("button", name="Confirmer").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("Votre établissement utilise Ypareo.").is_visible()
    steps.shot("erp-ypareo")

    # 8. "Générer la clé d'échange", then "Copier la clé": the clipboard holds the key shown.
    page.get_by_role("button", name="Générer la clé d'échange").click()
    page.wait_for_load_state("networkidle")
    key = page.locator("#cle-echange").input_value()
    assert len(key) >= 20, key
    page.get_by_role("button", name="Copier la clé").click()
    page.wait_for_timeout(300)
    assert page.evaluate("navigator.clipboard.readText()") == key
    assert "Copié" in page.locator("#cle-echange-copie").inner_text()
    steps.shot("cle-copiee")

    # 9. The ERP hands the user back with the key (/connexion-api) → "Je confirme" → "configuré le …".
    query = urlencode({"siret": SIRET, "uai": UAI, "erp": "ymag", "api_key": key})
    page.goto(f"{live_server.url}{reverse('connexion_api')}?{query}")
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("Vous avez correctement installé la nouvelle clé d'échange sur votre ERP.").is_visible()
    steps.shot("connexion-api-finalisation")
    page.get_by_role("button", name="Je confirme").click()
    page.wait_for_load_state("networkidle")
    configure = page.locator(".tdba-configure").inner_text()
    assert "Votre moyen de transmission est paramétré avec Ypareo." in configure, configure
    assert f"configuré le {dt.date.today():%d/%m/%Y} par Claire Durand" in configure, configure
    steps.shot("configure")

    # 10. The ERP pushes a batch of 3 records through the real API of the live server.
    batch = [
        record("Lefebvre", "Camille", "PARCOURS-001", apprenti=True),
        record("Moreau", "Lucas", "PARCOURS-002", apprenti=True),
        record("Garnier", "Inès", "PARCOURS-003"),
    ]
    request = urllib.request.Request(  # noqa: S310 (the live server's own http URL)
        live_server.url + "/api/v3/dossiers-apprenants",
        data=json.dumps(batch).encode(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (the live server's own URL)
        status, answer = response.status, json.loads(response.read())
    assert status in (200, 201, 202), (status, answer)

    # 11. The worker's job, run in this process (the live server shares the database).
    while queue_process_chunk():
        pass
    assert not QueueItem.objects.filter(processed_at__isnull=True).exists()
    assert Effectif.objects.filter(organisme=organisme).count() == 3

    # 12. "Mon tableau de bord" counts the 3 apprenants: 2 apprentis, 1 jeune sans contrat.
    page.get_by_role("link", name="Mon tableau de bord").first.click()
    page.wait_for_load_state("networkidle")
    valeur = page.locator(".tdba-indicateur--principal .tdba-indicateur__valeur").inner_text()
    assert valeur.strip() == "3", valeur
    assert page.locator(".tdba-indicateur--apprentis .tdba-indicateur__valeur").inner_text().strip() == "2"
    assert page.locator(".tdba-indicateur--inscrits .tdba-indicateur__valeur").inner_text().strip() == "1"
    steps.shot("tableau-de-bord")

    # 13. "Mes effectifs" lists them.
    page.get_by_role("link", name="Mes effectifs").first.click()
    page.wait_for_load_state("networkidle")
    table = page.locator(".tdba-table-effectifs tbody").inner_text()
    for nom in ("LEFEBVRE", "MOREAU", "GARNIER"):
        assert nom in table, table
    steps.shot("mes-effectifs")

    # 14. Import an Excel file: preview "Valide", "Valider l'import", then the worker processes it.
    page.goto(live_server.url + reverse("televersement"))
    page.wait_for_load_state("networkidle")
    steps.shot("televersement")
    rows = [
        ligne(
            nom_apprenant="Petit",
            prenom_apprenant="Nora",
            etablissement_responsable_uai=UAI,
            etablissement_responsable_siret=SIRET,
            etablissement_formateur_uai=UAI,
            etablissement_formateur_siret=SIRET,
        )
    ]
    page.set_input_files(
        "input[name=fichier]", files=[{"name": "effectifs.xlsx", "mimeType": XLSX_TYPE, "buffer": xlsx(rows)}]
    )
    page.get_by_role("button", name="Importer le fichier").click()
    page.wait_for_load_state("networkidle")
    assert "Le format de votre fichier a été correctement rempli." in page.locator(".fr-alert--success").inner_text()
    assert page.locator("tbody .fr-badge--success").first.text_content().strip() == "Valide"
    steps.shot("import-apercu-valide")
    page.get_by_role("button", name="Valider l'import").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("Votre fichier a été accepté : consultez le rapport de transmission.").is_visible()
    steps.shot("import-accepte")
    while queue_process_chunk():
        pass
    page.get_by_role("link", name="Mes effectifs").first.click()
    page.wait_for_load_state("networkidle")
    assert "PETIT" in page.locator(".tdba-table-effectifs tbody").inner_text()

    # 15. "Mon enquête SIFA" (learners in contract on 31 December: the 2 apprentis): the .csv starts with the BOM.
    page.get_by_role("link", name="Mon enquête SIFA").first.click()
    page.wait_for_load_state("networkidle")
    assert "Vous avez 2 effectifs au total" in page.locator("main").inner_text()
    steps.shot("enquete-sifa")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Télécharger le fichier SIFA au format .csv").click()
    download = download_info.value
    content = Path(download.path()).read_bytes()
    assert download.suggested_filename.endswith(".csv"), download.suggested_filename
    assert content.startswith(b"\xef\xbb\xbf"), content[:20]
    text = content.decode("utf-8-sig")
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == 2, text
    assert "LEFEBVRE" in text.upper() and "MOREAU" in text.upper(), text
    steps.shot("sifa-telecharge")

    assert problems == []
    context.close()
