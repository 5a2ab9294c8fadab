"""Who may use the Paramètres wizard (`configurerModeTransmission`, api-v3.md §4.8, R-4) and who may generate
a formateur's key (`manageEffectifs`), tested from both sides."""

import pytest

from erp_keys.models import ExchangeKey
from erp_keys.services import erp_key_authenticate
from organismes.models import AccountStatus, ModeTransmission, Organisation, OrganisationType
from tests.factories import OrganismeFactory, RelationFactory, ReseauFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def organismes():
    cci = ReseauFactory(key="cci", nom="CCI")
    compagnons = ReseauFactory(key="comp_du_devoir", nom="Compagnons du Devoir", responsable=True)
    common = {"region_id": "53", "departement_id": "56", "academie_id": "14", "reseaux": [cci, compagnons]}
    cible = OrganismeFactory(**common)
    formateur = OrganismeFactory(**common)
    formateur_partiel = OrganismeFactory(**common)
    responsable = OrganismeFactory(**common)
    non_lie = OrganismeFactory(**common)
    RelationFactory(responsable=cible, formateur=formateur)
    RelationFactory(responsable=cible, formateur=formateur_partiel, responsabilite_partielle=True)
    RelationFactory(responsable=responsable, formateur=cible)
    return {
        "cible": cible,
        "formateur": formateur,
        "formateur_partiel": formateur_partiel,
        "responsable": responsable,
        "non_lie": non_lie,
        "cci": cci,
        "compagnons": compagnons,
    }


def login(client, organismes, profile: str):
    t = OrganisationType
    values = {
        "OF cible": {"type": t.ORGANISME_FORMATION, "organisme": organismes["cible"]},
        "OF responsable": {"type": t.ORGANISME_FORMATION, "organisme": organismes["responsable"]},
        "OF formateur": {"type": t.ORGANISME_FORMATION, "organisme": organismes["formateur"]},
        "OF non lié": {"type": t.ORGANISME_FORMATION, "organisme": organismes["non_lie"]},
        "TDR même réseau": {"type": t.TETE_DE_RESEAU, "reseau": organismes["cci"]},
        "TDR responsable": {"type": t.TETE_DE_RESEAU, "reseau": organismes["compagnons"]},
        "DREETS": {"type": t.DREETS, "region_id": "53"},
        "DDETS": {"type": t.DDETS, "departement_id": "56"},
        "Académie": {"type": t.ACADEMIE, "academie_id": "14"},
        "Conseil régional": {"type": t.CONSEIL_REGIONAL, "region_id": "53"},
        "OPN": {"type": t.OPERATEUR_PUBLIC_NATIONAL, "nom": "Ministère"},
        "Administrateur": {"type": t.ADMINISTRATEUR},
    }[profile]
    user = UserFactory(organisation=Organisation.objects.create(**values))
    client.force_login(user)
    return user


ALLOWED = ["OF cible", "Administrateur"]
REFUSED = [
    "OF responsable",
    "OF formateur",
    "OF non lié",
    "TDR même réseau",
    "TDR responsable",
    "DREETS",
    "DDETS",
    "Académie",
    "Conseil régional",
    "OPN",
]


@pytest.mark.parametrize("profile", ALLOWED)
def test_of_cible_and_administrateur_configure_the_organisme(client, organismes, profile):
    cible = organismes["cible"]
    login(client, organismes, profile)
    base = f"/organismes/{cible.public_id}/parametres/"

    assert "Vous avez un ERP ?" in client.get(base).content.decode()
    assert client.post(f"{base}sans-erp/").status_code == 302
    cible.refresh_from_db()
    assert cible.mode_de_transmission == ModeTransmission.MANUEL
    response = client.post(f"{base}cle/", {"erp": "ymag"})
    assert response.status_code == 200 and ExchangeKey.objects.get().organisme == cible
    assert client.post(f"{base}reinitialiser/").status_code == 302


@pytest.mark.parametrize("profile", REFUSED)
def test_everyone_else_gets_404(client, organismes, profile):
    cible = organismes["cible"]
    login(client, organismes, profile)
    base = f"/organismes/{cible.public_id}/parametres/"

    assert client.get(base).status_code == 404
    assert client.get(f"{base}?erpV3=ymag").status_code == 404
    assert client.get(f"{base}reinitialiser/").status_code == 404
    for action in ("sans-erp/", "autre-erp/", "cle/", "confirmer/", "reinitialiser/"):
        assert client.post(f"{base}{action}", {"erp": "ymag", "nom": "X"}).status_code == 404
    cible.refresh_from_db()
    assert cible.mode_de_transmission == "" and not ExchangeKey.objects.exists()


@pytest.mark.parametrize("profile", ["DREETS", "Administrateur", "TDR responsable"])
def test_own_parametres_page_is_for_ofa_users_only(client, organismes, profile):
    login(client, organismes, profile)

    assert client.get("/parametres/").status_code == 404
    assert client.post("/parametres/cle/").status_code == 404


def test_unconfirmed_ofa_user_cannot_configure(client, organismes):
    user = login(client, organismes, "OF cible")
    user.account_status = AccountStatus.PENDING_ADMIN_VALIDATION
    user.save()

    assert client.get("/parametres/").status_code == 404
    assert client.post("/parametres/cle/").status_code == 404


def test_anonymous_user_is_sent_to_the_login_page(client, organismes):
    response = client.get("/parametres/")

    assert response.status_code == 302 and "/comptes/login/" in response.url


def test_parametres_menu_entry_for_ofa_users(client, organismes):
    login(client, organismes, "OF cible")

    assert 'href="/parametres/"' in client.get("/mon-compte/").content.decode()


def test_responsable_generates_the_key_of_a_formateur_it_fully_controls(client, organismes):
    formateur = organismes["formateur"]
    login(client, organismes, "OF cible")
    url = f"/organismes/{formateur.public_id}/cle-echange/"

    page = client.get(url).content.decode()
    assert "Générer la clé d" in page
    response = client.post(url)

    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    key = ExchangeKey.objects.get(organisme=formateur)
    content = response.content.decode()
    start = content.index('id="cle-echange" value="') + len('id="cle-echange" value="')
    clear = content[start : start + 36]
    assert erp_key_authenticate(clear).pk == key.pk
    again = client.get(url).content.decode()
    assert clear not in again and f"{clear[:5]}…" in again


@pytest.mark.parametrize(
    ("profile", "target"),
    [
        ("OF cible", "formateur_partiel"),
        ("OF cible", "responsable"),
        ("OF formateur", "cible"),
        ("OF non lié", "formateur"),
        ("DREETS", "formateur"),
        ("TDR même réseau", "formateur"),
    ],
)
def test_key_page_refused_without_full_management(client, organismes, profile, target):
    login(client, organismes, profile)
    url = f"/organismes/{organismes[target].public_id}/cle-echange/"

    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    assert not ExchangeKey.objects.exists()
