"""/connexion-api (api-v3.md §4.3 step 4, erp_keys/views.py) against bad links (issue 11).

Documented behaviour: anonymous → 200 page asking to log in (nothing stored); unconfirmed account → 403; a user who
is not an OFA → 403; a query string that is not exactly {siret, uai, erp[, api_key]}, each once, non-empty and short
(siret/uai 20, erp 50, api_key 200 characters) → 400 "Un problème de configuration a été détecté.", the user stays
logged in; a wrong, replaced, revoked or other organisme's key → logged out, redirected home with "Vous n'avez pas
les droits pour accéder à cette page."; the right key → identifiers stored as sent, shown escaped.
"""

from urllib.parse import urlencode

import pytest
from django.utils import timezone

from erp_keys.models import ExchangeKey
from erp_keys.services import erp_key_generate
from organismes.models import AccountStatus, AuditLog, OrganisationType
from tests.bad_inputs.conftest import OVERLONG, SQL, XSS_SCRIPT, XSS_SVG, assert_escaped, page_text, refused_for_nul
from tests.factories import OrganisationFactory, OrganismeFactory, UserFactory

pytestmark = pytest.mark.django_db

PROBLEME = "Un problème de configuration a été détecté."
REFUS = "Vous n'avez pas les droits pour accéder à cette page."
SIRET, UAI = "77937827200016", "0802004U"


@pytest.fixture
def organisme():
    return OrganismeFactory(uai=UAI, siret=SIRET)


@pytest.fixture
def user(client, organisme):
    user = UserFactory(organisation__organisme=organisme)
    client.force_login(user)
    return user


@pytest.fixture
def key(organisme, user):
    return erp_key_generate(organisme=organisme, user=user)


def query(key, **overrides) -> str:
    params = {"siret": SIRET, "uai": UAI, "erp": "ymag", "api_key": key, **overrides}
    return urlencode({k: v for k, v in params.items() if v is not None})


def assert_nothing_stored(organisme):
    organisme.refresh_from_db()
    assert organisme.erps == []
    assert not ExchangeKey.objects.exclude(api_siret="").exists()
    assert not AuditLog.objects.filter(action="erp_key_handshake").exists()


BAD_QUERIES = {
    "empty": "",
    "missing-siret": "uai={UAI}&erp=ymag&api_key={key}",
    "missing-uai": "siret={SIRET}&erp=ymag&api_key={key}",
    "missing-erp": "siret={SIRET}&uai={UAI}&api_key={key}",
    "only-key": "api_key={key}",
    "extra": "siret={SIRET}&uai={UAI}&erp=ymag&api_key={key}&next=/admin/",
    "extra-xss": "siret={SIRET}&uai={UAI}&erp=ymag&api_key={key}&%3Cscript%3E=1",
    "misspelt": "SIRET={SIRET}&uai={UAI}&erp=ymag&api_key={key}",
    "dup-siret": "siret={SIRET}&siret={SIRET}&uai={UAI}&erp=ymag&api_key={key}",
    "dup-uai": "siret={SIRET}&uai={UAI}&uai=0000000A&erp=ymag&api_key={key}",
    "dup-erp": "siret={SIRET}&uai={UAI}&erp=ymag&erp=gesti&api_key={key}",
    "dup-key": "siret={SIRET}&uai={UAI}&erp=ymag&api_key={key}&api_key={key}",
    "empty-siret": "siret=&uai={UAI}&erp=ymag&api_key={key}",
    "empty-uai": "siret={SIRET}&uai=&erp=ymag&api_key={key}",
    "empty-erp": "siret={SIRET}&uai={UAI}&erp=&api_key={key}",
    "empty-key": "siret={SIRET}&uai={UAI}&erp=ymag&api_key=",
    "blank-erp": "siret={SIRET}&uai={UAI}&erp=%20%20&api_key={key}",
    "flag-without-value": "siret={SIRET}&uai={UAI}&erp&api_key={key}",
    "long-siret": "siret=" + "1" * 21 + "&uai={UAI}&erp=ymag&api_key={key}",
    "long-uai": "siret={SIRET}&uai=" + "A" * 21 + "&erp=ymag&api_key={key}",
    "long-erp": "siret={SIRET}&uai={UAI}&erp=" + "e" * 51 + "&api_key={key}",
    "long-key": "siret={SIRET}&uai={UAI}&erp=ymag&api_key=" + "k" * 201,
    "10000-siret": "siret=" + OVERLONG + "&uai={UAI}&erp=ymag&api_key={key}",
    "10000-erp": "siret={SIRET}&uai={UAI}&erp=" + OVERLONG + "&api_key={key}",
    "10000-key": "siret={SIRET}&uai={UAI}&erp=ymag&api_key=" + OVERLONG,
    "xss-too-long": "siret={SIRET}&uai={UAI}&erp=ymag&api_key={key}&uai=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    "semicolons": "siret={SIRET};uai={UAI};erp=ymag;api_key={key}",
}


@pytest.mark.parametrize("case", list(BAD_QUERIES))
def test_bad_query_strings_are_a_400_and_keep_the_user_logged_in(client, organisme, key, case):
    response = client.get("/connexion-api?" + BAD_QUERIES[case].format(key=key, SIRET=SIRET, UAI=UAI))

    assert response.status_code == 400
    assert PROBLEME in page_text(response)
    assert "_auth_user_id" in client.session
    assert_nothing_stored(organisme)
    assert_escaped(response, XSS_SCRIPT)


@pytest.mark.parametrize(
    "overrides",
    [
        {"api_key": "mauvaise-cle"},
        {"api_key": "é" * 50},
        {"api_key": SQL},
        {"api_key": XSS_SCRIPT},
        {"api_key": "\x00"},
        {"api_key": "\u202e" + "x" * 40},
    ],
    ids=["wrong", "non-ascii", "sql", "xss", "nul", "rtl"],
)
def test_wrong_keys_log_the_user_out(client, organisme, key, overrides):
    response = client.get("/connexion-api?" + query(key, **overrides))
    if refused_for_nul(response, *overrides.values()):
        assert_nothing_stored(organisme)
        return

    assert response.status_code == 302 and response.url == "/"
    assert "_auth_user_id" not in client.session
    assert REFUS in page_text(client.get("/"))
    assert_nothing_stored(organisme)


def test_revoked_key(client, organisme, key):
    ExchangeKey.objects.update(revoked_at=timezone.now())

    response = client.get("/connexion-api?" + query(key))

    assert response.status_code == 302 and "_auth_user_id" not in client.session
    assert_nothing_stored(organisme)


def test_replaced_key(client, organisme, key, user):
    erp_key_generate(organisme=organisme, user=user)

    response = client.get("/connexion-api?" + query(key))

    assert response.status_code == 302 and "_auth_user_id" not in client.session


def test_another_organismes_key(client, organisme, user):
    other = erp_key_generate(organisme=OrganismeFactory())

    response = client.get("/connexion-api?" + query(other))

    assert response.status_code == 302 and "_auth_user_id" not in client.session
    assert_nothing_stored(organisme)


@pytest.mark.parametrize("value", [XSS_SCRIPT, SQL, OVERLONG], ids=["xss", "sql", "long"])
def test_anonymous_gets_the_login_page_with_the_return_url_escaped(client, organisme, value):
    response = client.get("/connexion-api?" + query("k", erp=value))

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert_escaped(response, value)
    assert_nothing_stored(organisme)


def test_unconfirmed_user_is_a_403(client, organisme):
    key = erp_key_generate(organisme=organisme)
    client.force_login(
        UserFactory(organisation__organisme=organisme, account_status=AccountStatus.PENDING_EMAIL_VALIDATION)
    )

    response = client.get("/connexion-api?" + query(key))

    assert response.status_code == 403
    assert_nothing_stored(organisme)


@pytest.mark.parametrize("kind", [OrganisationType.DREETS, OrganisationType.TETE_DE_RESEAU])
def test_not_an_ofa_is_a_403(client, organisme, kind):
    key = erp_key_generate(organisme=organisme)
    client.force_login(UserFactory(organisation=OrganisationFactory(type=kind, region_id="53")))

    response = client.get("/connexion-api?" + query(key))

    assert response.status_code == 403 and REFUS in page_text(response)
    assert_nothing_stored(organisme)


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_other_methods_are_a_405(client, organisme, key, method):
    response = getattr(client, method)("/connexion-api?" + query(key))

    assert response.status_code == 405
    assert_nothing_stored(organisme)


@pytest.mark.parametrize(
    "overrides",
    [
        {"siret": XSS_SVG},
        {"uai": "<b>0802004U</b>"},
        {"erp": XSS_SVG},
        {"erp": "ymag\u202e\u200b"},
        {"siret": "7793 7827 2000 16", "uai": "0802004u"},
        {"erp": "ÿmàg-éèà"},
    ],
    ids=["siret-svg", "uai-bold", "erp-svg", "erp-rtl", "spaced", "non-ascii"],
)
def test_the_right_key_stores_identifiers_as_sent_and_the_page_escapes_them(client, organisme, key, overrides):
    response = client.get("/connexion-api?" + query(key, **overrides))

    assert response.status_code == 302
    stored = ExchangeKey.objects.get(revoked_at__isnull=True)
    for field, value in overrides.items():
        assert getattr(stored, f"api_{field}") == value
    page = client.get(response.url)
    assert page.status_code == 200
    assert_escaped(page, *overrides.values())
    assert "<b>0802004U</b>" not in page.content.decode()
