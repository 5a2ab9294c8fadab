"""/connexion-api, where the ERP hands the user back (api-v3.md §4.3 step 4, §4.6, X-8): every bad input."""

import html
from urllib.parse import quote, urlencode

import pytest
from django.utils import timezone

from erp_keys.models import ExchangeKey, RevocationReason
from erp_keys.services import erp_key_generate
from organismes.models import AccountStatus, AuditLog, OrganisationType
from tests.factories import OrganisationFactory, OrganismeFactory, UserFactory

pytestmark = pytest.mark.django_db

PROBLEME = "Un problème de configuration a été détecté."
REFUS = "Vous n'avez pas les droits pour accéder à cette page."


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def organisme():
    return OrganismeFactory(uai="0802004U", siret="77937827200016")


@pytest.fixture
def ofa(client, organisme):
    user = UserFactory(organisation__organisme=organisme)
    client.force_login(user)
    return user


@pytest.fixture
def key(organisme, ofa):
    return erp_key_generate(organisme=organisme, user=ofa)


def params(key, **overrides) -> dict:
    return {"siret": "77937827200016", "uai": "0802004U", "erp": "ymag", "api_key": key, **overrides}


def assert_nothing_stored(organisme):
    organisme.refresh_from_db()
    assert organisme.erps == []
    assert not ExchangeKey.objects.exclude(api_siret="").exists()
    assert not AuditLog.objects.filter(action="erp_key_handshake").exists()


def assert_logged_out_home(client, response):
    assert response.status_code == 302 and response.url == "/"
    assert "_auth_user_id" not in client.session
    # The message survives the logout and shows on the next page.
    assert REFUS in text(client.get("/", follow=True))


def test_right_key_records_the_handshake(client, organisme, key):
    response = client.get(f"/connexion-api?{urlencode(params(key))}")

    assert response.status_code == 302 and response.url == "/parametres/?erpV3=ymag"
    stored = ExchangeKey.objects.get(revoked_at__isnull=True)
    assert (stored.api_siret, stored.api_uai, stored.api_erp) == ("77937827200016", "0802004U", "ymag")
    organisme.refresh_from_db()
    assert organisme.erps == ["ymag"]
    # Twice: the ERP is added once (addToSet).
    client.get(f"/connexion-api?{urlencode(params(key))}")
    organisme.refresh_from_db()
    assert organisme.erps == ["ymag"]


def test_anonymous_user_is_asked_to_log_in_keeping_the_return_url(client, organisme, key):
    client.logout()
    query = urlencode(params(key))

    response = client.get(f"/connexion-api?{query}")

    assert response.status_code == 200
    page = text(response)
    assert "Bienvenue sur le tableau de bord" in page
    assert "Veuillez vous connecter ou créer un compte" in page
    assert "Se connecter" in page and "Créer un compte" in page
    assert f"next={quote('/connexion-api?' + query, safe='')}" in response.content.decode().replace("&amp;", "&")
    assert_nothing_stored(organisme)


def test_unconfirmed_user_waits_for_validation(client, organisme):
    user = UserFactory(organisation__organisme=organisme, account_status=AccountStatus.PENDING_ADMIN_VALIDATION)
    key = erp_key_generate(organisme=organisme)
    client.force_login(user)

    response = client.get(f"/connexion-api?{urlencode(params(key))}")

    assert response.status_code == 403 and "Votre compte est en cours de validation." in text(response)
    assert_nothing_stored(organisme)


@pytest.mark.parametrize("kind", [OrganisationType.DREETS, OrganisationType.ADMINISTRATEUR])
def test_users_who_are_not_an_ofa_are_refused(client, organisme, kind):
    key = erp_key_generate(organisme=organisme)
    user = UserFactory(organisation=OrganisationFactory(type=kind, region_id="53"))
    client.force_login(user)

    response = client.get(f"/connexion-api?{urlencode(params(key))}")

    assert response.status_code == 403 and REFUS in text(response)
    assert_nothing_stored(organisme)


@pytest.mark.parametrize(
    "query",
    [
        "uai=0802004U&erp=ymag&api_key={key}",  # siret missing
        "siret=77937827200016&erp=ymag&api_key={key}",  # uai missing
        "siret=77937827200016&uai=0802004U&api_key={key}",  # erp missing
        "siret=77937827200016&uai=0802004U&erp=&api_key={key}",  # erp empty
        "siret=77937827200016&uai=0802004U&erp=ymag&api_key={key}&foo=bar",  # extra parameter
        "siret=77937827200016&uai=0802004U&erp=ymag&apiKey={key}",  # misspelt parameter
        "siret=77937827200016&siret=11111111111111&uai=0802004U&erp=ymag&api_key={key}",  # duplicated
        "siret=77937827200016&uai=0802004U&erp=ymag&api_key={key}&api_key={key}",  # duplicated key
        "",
    ],
)
def test_bad_query_strings(client, organisme, key, query):
    response = client.get("/connexion-api?" + query.format(key=key))

    assert response.status_code == 400
    page = text(response)
    assert PROBLEME in page and "tableau-de-bord@apprentissage.beta.gouv.fr" in page
    assert "_auth_user_id" in client.session, "a bad link does not log the user out"
    assert_nothing_stored(organisme)


def test_without_api_key_and_without_key_the_flow_starts_on_the_parametres_page(client, ofa, organisme):
    response = client.get("/connexion-api?siret=77937827200016&uai=0802004U&erp=ymag")

    assert response.status_code == 302 and response.url == "/parametres/?erpV3=ymag"
    assert not ExchangeKey.objects.exists()


def test_without_api_key_an_existing_key_is_left_alone(client, organisme, key):
    response = client.get("/connexion-api?siret=77937827200016&uai=0802004U&erp=ymag")

    assert response.status_code == 302 and response.url == "/parametres/?erpV3=ymag"
    assert_nothing_stored(organisme)


def test_wrong_key_logs_the_user_out(client, organisme, key):
    response = client.get(f"/connexion-api?{urlencode(params('e2378fa0-0000-4000-8000-000000000000'))}")

    assert_logged_out_home(client, response)
    assert_nothing_stored(organisme)
    assert AuditLog.objects.filter(action="erp_key_handshake_refused", organisme=organisme).exists()


def test_wrong_key_when_the_organisme_has_no_key(client, ofa, organisme):
    response = client.get(f"/connexion-api?{urlencode(params('e2378fa0-0000-4000-8000-000000000000'))}")

    assert_logged_out_home(client, response)
    assert_nothing_stored(organisme)


def test_replaced_key_is_a_wrong_key(client, organisme, key, ofa):
    erp_key_generate(organisme=organisme, user=ofa)

    assert_logged_out_home(client, client.get(f"/connexion-api?{urlencode(params(key))}"))
    assert_nothing_stored(organisme)


def test_revoked_key_is_a_wrong_key(client, organisme, key):
    ExchangeKey.objects.update(revoked_at=timezone.now(), revoked_reason=RevocationReason.INACTIVE_12_MONTHS)

    assert_logged_out_home(client, client.get(f"/connexion-api?{urlencode(params(key))}"))
    assert_nothing_stored(organisme)


def test_another_organismes_key_is_a_wrong_key(client, organisme, ofa):
    other = OrganismeFactory()
    other_key = erp_key_generate(organisme=other)

    response = client.get(f"/connexion-api?{urlencode(params(other_key, siret=other.siret, uai=other.uai))}")

    assert_logged_out_home(client, response)
    assert_nothing_stored(organisme)
    other.refresh_from_db()
    assert other.erps == []
