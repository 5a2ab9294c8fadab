"""The Paramètres wizard (pages-import-sifa.md §1.10, api-v3.md §4.3-§4.5), walked with Django's test client."""

import html
import re
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.utils import timezone

from erp_keys.models import Erp, ExchangeKey, RevocationReason
from erp_keys.services import erp_key_authenticate, erp_key_generate, key_digest
from organismes.models import AuditLog, ModeTransmission
from tests.factories import OrganismeFactory, UserFactory

pytestmark = pytest.mark.django_db

KEY_IN_FIELD = re.compile(r'id="cle-echange" value="([0-9a-f-]{36})"')


def text(response) -> str:
    return html.unescape(response.content.decode())


def day(value) -> str:
    return timezone.localtime(value).strftime("%d/%m/%Y")


@pytest.fixture
def organisme():
    return OrganismeFactory(uai="0802004U", siret="77937827200016", raison_sociale="CFA DUMOULIN")


@pytest.fixture
def ofa(client, organisme):
    user = UserFactory(organisation__organisme=organisme, prenom="Odile", nom="Durand")
    client.force_login(user)
    return user


def connexion_api(client, **params):
    return client.get(f"/connexion-api?{urlencode(params)}")


def test_the_whole_journey_from_erp_choice_to_reset(client, ofa, organisme):
    page = text(client.get("/parametres/"))
    assert "Paramétrage de votre moyen de transmission" in page
    for wording in (
        "Vous avez un ERP ?",
        "Liez votre ou vos ERP au tableau de bord",
        "Vous n'avez pas d'ERP ?",
        "Importez vos effectifs avec un fichier Excel",
        "Un outil de gestion / ERP (Enterprise Ressource Planning ou PGI pour Progiciel de Gestion Intégré)",
    ):
        assert wording in page
    assert page.count("Choisir cette méthode") == 2

    page = text(client.get("/parametres/?etape=choix_erp"))
    assert "Sélectionnez votre ERP ou outil de gestion utilisé *" in page
    names = re.findall(r'<option value="[^"]+">([^<]+)</option>', page)
    assert names[:5] == ["Ypareo", "Gesti", "SC Form", "FCA Manager", "Aimaira"]
    assert names[-1] == "J'utilise un autre ERP"
    assert "Revenir en arrière" in page and "Confirmer" in page

    response = client.get("/parametres/?erp=gesti")
    assert response.status_code == 302 and response.url == "/parametres/?erpV3=gesti"

    page = text(client.get(response.url))
    for wording in (
        "Votre établissement utilise Gesti.",
        "Démarrer l'interfaçage avec Gesti.",
        "Comment générer votre clé d'échange",
        "1. Générer la clé en cliquant sur le bouton ci-dessous",
        "2. Copier la clé",
        "3. Retourner dans votre compte ERP pour la coller",
        "4. Finaliser en confirmant l'UAI et SIRET de votre établissement",
        "Générer la clé d'échange",
    ):
        assert wording in page

    # Generation: the key is in this response only, with the warning and the copy button.
    response = client.post("/parametres/cle/", {"erp": "gesti"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    page = text(response)
    key = KEY_IN_FIELD.search(page).group(1)
    assert "elle ne sera plus jamais affichée" in page and "Copier la clé" in page
    stored = ExchangeKey.objects.get(organisme=organisme)
    assert stored.digest == key_digest(key) and stored.hint == key[:5]
    assert AuditLog.objects.filter(action="erp_key_generated", organisme=organisme, user=ofa).count() == 1

    page = text(client.get("/parametres/?erpV3=gesti"))
    assert key not in page
    assert f"{key[:5]}…" in page
    assert "Générer une nouvelle clé d'échange" in page and "cessera de fonctionner immédiatement" in page

    # The ERP hands the user back with the key.
    response = connexion_api(client, siret="779 378 272 00016", uai="0802004U", erp="gesti", api_key=key)
    assert response.status_code == 302 and response.url == "/parametres/?erpV3=gesti"
    stored.refresh_from_db()
    organisme.refresh_from_db()
    assert (stored.api_siret, stored.api_uai, stored.api_erp) == ("779 378 272 00016", "0802004U", "gesti")
    assert stored.api_configuration_date is not None
    assert organisme.erps == ["gesti"] and organisme.mode_de_transmission == ""
    assert AuditLog.objects.filter(action="erp_key_handshake", organisme=organisme).count() == 1

    page = text(client.get(response.url))
    for wording in (
        "Finalisez l'opération de paramétrage pour transmettre vos effectifs.",
        "Vous avez correctement installé la nouvelle clé d'échange sur votre ERP.",
        "Confirmez que l'UAI et le SIRET indiqués ci-dessous correspondent à votre établissement :",
        "<td>CFA DUMOULIN</td>",
        "<td>779 378 272 00016</td>",
        "<td>0802004U</td>",
        f"Transmet</span> · MAJ : {day(stored.api_configuration_date)}",
        "Je ne confirme pas",
        "Je confirme",
    ):
        assert wording in page
    assert key not in page

    response = client.post("/parametres/confirmer/", {"erp": "gesti"})
    assert response.status_code == 302 and response.url == "/parametres/"
    organisme.refresh_from_db()
    assert organisme.mode_de_transmission == ModeTransmission.API
    assert organisme.erps == ["gesti"] and organisme.erp_unsupported == ""
    assert organisme.mode_de_transmission_configuration_author_fullname == "Odile Durand"
    assert AuditLog.objects.filter(action="erp_configuration_confirmed", organisme=organisme, user=ofa).exists()

    page = text(client.get("/parametres/"))
    assert "Votre moyen de transmission est paramétré avec Gesti." in page
    assert f"(configuré le {day(organisme.mode_de_transmission_configuration_date)} par Odile Durand)" in page
    assert "Réinitialiser ma configuration" in page
    assert key not in page

    page = text(client.get("/parametres/reinitialiser/"))
    assert "Voulez-vous vraiment réinitialiser" in page and f"({key[:5]}…) reste valable" in page
    response = client.post("/parametres/reinitialiser/")
    assert response.status_code == 302 and response.url == "/parametres/"
    organisme.refresh_from_db()
    stored.refresh_from_db()
    assert organisme.mode_de_transmission == "" and organisme.erps == [] and organisme.erp_unsupported == ""
    assert organisme.mode_de_transmission_configuration_date is None
    assert organisme.mode_de_transmission_configuration_author_fullname == ""
    assert (stored.api_siret, stored.api_uai, stored.api_configuration_date) == ("", "", None)
    assert erp_key_authenticate(key).pk == stored.pk, "the reset keeps the key"
    assert AuditLog.objects.filter(action="erp_configuration_reset", organisme=organisme, user=ofa).exists()
    assert "Vous avez un ERP ?" in text(client.get("/parametres/"))


def test_je_ne_confirme_pas_offers_support_and_changes_nothing(client, ofa, organisme):
    key = erp_key_generate(organisme=organisme, user=ofa)
    connexion_api(client, siret="77937827200016", uai="0802004U", erp="gesti", api_key=key)
    organisme.refresh_from_db()
    before = (organisme.mode_de_transmission, organisme.erps, organisme.mode_de_transmission_configuration_date)
    audit_count = AuditLog.objects.count()

    page = text(client.get("/parametres/?erpV3=gesti&confirmation=non"))

    assert "mailto:tableau-de-bord@apprentissage.beta.gouv.fr?subject=Mauvaise%20configuration" in page
    assert "Rien n'a été modifié" in page
    organisme.refresh_from_db()
    assert (organisme.mode_de_transmission, organisme.erps, organisme.mode_de_transmission_configuration_date) == before
    assert AuditLog.objects.count() == audit_count
    assert "Je confirme" in text(client.get("/parametres/?erpV3=gesti")), "the user may still confirm later"


def test_confirming_without_handshake_stores_nothing(client, ofa, organisme):
    erp_key_generate(organisme=organisme, user=ofa)

    response = client.post("/parametres/confirmer/", {"erp": "gesti"}, follow=True)

    assert "ne s'est pas encore connecté" in text(response)
    organisme.refresh_from_db()
    assert organisme.mode_de_transmission == "" and organisme.erps == []


def test_pas_d_erp_sets_manual_mode(client, ofa, organisme):
    response = client.post("/parametres/sans-erp/")

    assert response.status_code == 302
    organisme.refresh_from_db()
    assert organisme.mode_de_transmission == ModeTransmission.MANUEL and organisme.erp_unsupported == ""
    assert organisme.mode_de_transmission_configuration_author_fullname == "Odile Durand"
    page = text(client.get("/parametres/"))
    assert "Votre établissement n'utilise pas d'ERP." in page
    assert "Cliquez ci-dessous pour transmettre manuellement vos effectifs." in page
    assert "Réinitialiser ma configuration" in page


def test_another_erp_is_recorded_and_the_organisme_uses_excel(client, ofa, organisme):
    page = text(client.get("/parametres/?erp=other"))
    assert "Votre établissement utilise un autre ERP." in page
    assert "Veuillez indiquer le nom de votre ERP :" in page

    response = client.post("/parametres/autre-erp/", {"nom": "  Mon ERP maison "})

    assert response.status_code == 302
    organisme.refresh_from_db()
    assert organisme.mode_de_transmission == ModeTransmission.MANUEL
    assert organisme.erp_unsupported == "Mon ERP maison"
    page = text(client.get("/parametres/"))
    assert "Votre moyen de transmission est Mon ERP maison." in page
    assert "Actuellement, cet ERP n'est pas encore interfaçé avec le tableau de bord." in page
    assert "En attendant, veuillez téléverser manuellement vos effectifs." in page


def test_a_catalogue_erp_without_api_v3_asks_for_its_name(client, ofa):
    page = text(client.get("/parametres/?erp=fcamanager"))

    assert "Votre établissement utilise un autre ERP." in page
    assert 'value="FCA Manager"' in page


def test_invalid_inputs_of_the_wizard(client, ofa, organisme):
    assert "ERP inconnu." in text(client.get("/parametres/?erp=nope"))
    response = client.post("/parametres/autre-erp/", {"nom": "   "})
    assert response.status_code == 400 and "Veuillez indiquer le nom de votre ERP." in text(response)
    assert "L'ERP nope n'est pas pris en charge." in text(client.get("/parametres/?erpV3=nope"))
    for url in ("/parametres/cle/", "/parametres/confirmer/", "/parametres/sans-erp/", "/parametres/autre-erp/"):
        assert client.get(url).status_code == 405
    organisme.refresh_from_db()
    assert organisme.mode_de_transmission == "" and not ExchangeKey.objects.exists()


def test_tutorial_link_when_the_erp_has_one(client, ofa):
    Erp.objects.filter(unique_id="gesti").update(help_url="/static/tutoriels/Gestibase-2024.pdf")

    page = text(client.get("/parametres/?erpV3=gesti"))

    assert "Tutoriel pour Gesti" in page and 'href="/static/tutoriels/Gestibase-2024.pdf"' in page
    assert "Tutoriel pour" not in text(client.get("/parametres/?erpV3=filiz"))


def test_regenerating_from_the_wizard_invalidates_the_old_key(client, ofa, organisme):
    old = erp_key_generate(organisme=organisme, user=ofa)

    new = KEY_IN_FIELD.search(text(client.post("/parametres/cle/", {"erp": "gesti"}))).group(1)

    assert new != old
    assert erp_key_authenticate(old) is None and erp_key_authenticate(new).organisme == organisme


def test_revoked_key_state_offers_a_new_key(client, ofa, organisme):
    erp_key_generate(organisme=organisme, user=ofa)
    revoked_at = timezone.now() - timedelta(days=3)
    ExchangeKey.objects.update(revoked_at=revoked_at, revoked_reason=RevocationReason.INACTIVE_12_MONTHS)
    organisme.mode_de_transmission = ModeTransmission.API
    organisme.erps = ["ymag"]
    organisme.mode_de_transmission_configuration_date = timezone.now() - timedelta(days=400)
    organisme.save()

    page = text(client.get("/parametres/"))
    assert "Votre moyen de transmission est paramétré avec Ypareo." in page
    assert "Votre clé d'échange a expiré" in page
    assert (
        f"Votre clé d'échange a été désactivée le {day(revoked_at)} faute de transmission depuis plus de 12 mois. "
        "Vos effectifs ne sont plus transmis au tableau de bord."
    ) in page
    assert "Générer une nouvelle clé d'échange" in page

    page = text(client.post("/parametres/cle/"))
    assert "Nouvelle clé d'échange générée" in page and "Votre nouvelle clé d'échange" in page
    key = KEY_IN_FIELD.search(page).group(1)
    assert erp_key_authenticate(key).organisme == organisme
    assert "Votre clé d'échange a expiré" not in text(client.get("/parametres/"))
