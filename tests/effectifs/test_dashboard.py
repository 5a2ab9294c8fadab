"""Mon tableau de bord / Son tableau de bord through the pages (pages-import-sifa.md §1.4, §1.5; spec §6 D, H)."""

import pytest
import time_machine

from organismes.models import OrganisationType
from tests.effectifs.test_indicateurs import (
    EXPECTED_D,
    NOW,
    ofa_user,
    operator_user,
)
from tests.factories import OrganisationFactory, OrganismeFactory, ReseauFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(NOW, tick=False):
        yield


def test_ofa_dashboard_shows_population_d(client, population):
    client.force_login(ofa_user(population["cible"]))
    response = client.get("/tableau-de-bord/")
    assert response.status_code == 200
    assert response.context["indicateurs"] == EXPECTED_D
    html = response.content.decode()
    assert "Aperçu de vos effectifs (année scolaire 2022-2023)" in html
    for label in (
        "apprenants",
        "dont apprentis",
        "dont rupturants",
        "dont jeunes sans contrat",
        "sorties d’apprentissage",
    ):
        assert label in html
    assert "Les indicateurs sont nuls" not in html
    assert "Vous êtes sur votre espace, Mme Camille Martin" in html


def test_month_picker_reads_the_last_day_of_the_month(client, population):
    client.force_login(ofa_user(population["cible"]))
    # March 2023: D = 2023-03-31, before apprentis and inscrits start; rupturants still in contract.
    response = client.get("/tableau-de-bord/", {"mois": "2023-03"})
    assert response.context["indicateurs"] == {
        "apprenants": 20,
        "apprentis": 20,
        "inscrits": 0,
        "abandons": 15,
        "rupturants": 0,
    }
    # September 2023 belongs to 2023-2024: nothing of 2022-2023 is counted.
    response = client.get("/tableau-de-bord/", {"mois": "2023-09"})
    assert "(année scolaire 2023-2024)" in response.content.decode()
    assert response.context["indicateurs"]["apprenants"] == 0


@pytest.mark.parametrize("mois", ["2023-13", "avril", "0000-01", "1900-01", "2023-4'; DROP"])
def test_month_picker_bad_input_gives_a_french_error(client, population, mois):
    client.force_login(ofa_user(population["cible"]))
    response = client.get("/tableau-de-bord/", {"mois": mois})
    assert response.status_code == 200
    assert "Mois invalide" in response.content.decode()
    assert response.context["indicateurs"] == EXPECTED_D  # falls back on today


def test_empty_state_when_nothing_is_transmitted(client, famille):
    client.force_login(ofa_user(famille["non_lie"]))
    html = client.get("/tableau-de-bord/").content.decode()
    assert "Les indicateurs sont nuls car votre établissement ne transmet pas encore ses effectifs." in html
    assert "Aperçu de vos effectifs (année scolaire 2022-2023)" in html


def test_responsable_dashboard_covers_its_formateurs_with_the_repartition(client, population):
    client.force_login(ofa_user(population["responsable"]))
    response = client.get("/tableau-de-bord/")
    assert response.context["indicateurs"] == EXPECTED_D
    html = response.content.decode()
    assert "Répartition des effectifs par niveau et formations" in html
    assert "Niveau inconnu" in html  # the ingestion does not fill the niveau yet
    assert "votre établissement et vos organismes formateurs" in html


def test_quality_panel_and_duplicates(client, population):
    client.force_login(ofa_user(population["cible"]))
    response = client.get("/tableau-de-bord/")
    qualite = response.context["qualite"]
    # Every learner misses SIFA fields or is fine; the minimal records carry no sexe: apprentis/rupturants flagged.
    assert len(qualite.ids["sifa"]) == 25
    assert qualite.ids["doublon"] == set()
    assert qualite.score == round(100 * 25 / 50)
    assert "Qualité des données" in response.content.decode()


@pytest.mark.parametrize(
    ("profil", "status"),
    [
        ("cible", 200),
        ("responsable", 200),
        ("formateur", 404),
        ("non_lie", 404),
        ("reseau_meme", 200),
        ("reseau_autre", 404),
        ("dreets_meme", 200),
        ("dreets_autre", 404),
        ("ddets_meme", 200),
        ("conseil_regional_autre", 404),
    ],
)
def test_son_tableau_de_bord_permissions(client, population, profil, status):
    """§6 D/H: who may see the cible's dashboard; everyone else gets 404."""
    users = {
        "cible": lambda: ofa_user(population["cible"]),
        "responsable": lambda: ofa_user(population["responsable"]),
        "formateur": lambda: ofa_user(population["formateur"]),
        "non_lie": lambda: ofa_user(population["non_lie"]),
        "reseau_meme": lambda: UserFactory(
            organisation=OrganisationFactory(
                type=OrganisationType.TETE_DE_RESEAU, organisme=None, reseau=ReseauFactory(key="cci")
            )
        ),
        "reseau_autre": lambda: UserFactory(
            organisation=OrganisationFactory(
                type=OrganisationType.TETE_DE_RESEAU, organisme=None, reseau=ReseauFactory(key="agri")
            )
        ),
        "dreets_meme": lambda: operator_user(OrganisationType.DREETS, region_id="84"),
        "dreets_autre": lambda: operator_user(OrganisationType.DREETS, region_id="53"),
        "ddets_meme": lambda: operator_user(OrganisationType.DDETS, departement_id="01"),
        "conseil_regional_autre": lambda: operator_user(OrganisationType.CONSEIL_REGIONAL, region_id="53"),
    }
    client.force_login(users[profil]())
    response = client.get(f"/organismes/{population['cible'].public_id}/tableau-de-bord/")
    assert response.status_code == status
    if status == 200:
        assert response.context["indicateurs"] == EXPECTED_D
        assert "Aperçu de ses effectifs" in response.content.decode() or profil == "cible"


def test_perimeter_dashboard_for_public_operators(client, population):
    client.force_login(operator_user(OrganisationType.DREETS, region_id="84"))
    response = client.get("/tableau-de-bord/")
    assert response.status_code == 200
    assert response.context["indicateurs"] == EXPECTED_D
    assert "Votre périmètre : organismes de la région Auvergne-Rhône-Alpes." in response.content.decode()

    client.force_login(operator_user(OrganisationType.DREETS, region_id="53"))
    response = client.get("/tableau-de-bord/")
    assert response.context["indicateurs"]["apprenants"] == 0


def test_perimeter_dashboard_counts_fiable_organismes_only(client, population):
    cible = population["cible"]
    cible.ferme = True
    cible.save()
    client.force_login(operator_user(OrganisationType.DREETS, region_id="84"))
    assert client.get("/tableau-de-bord/").context["indicateurs"]["apprenants"] == 0


def test_home_redirects_signed_in_users_to_the_dashboard(client, famille):
    client.force_login(ofa_user(famille["cible"]))
    response = client.get("/")
    assert response.status_code == 302 and response.url == "/tableau-de-bord/"


def test_anonymous_is_sent_to_login(client, famille):
    response = client.get("/tableau-de-bord/")
    assert response.status_code == 302 and "/comptes/login/" in response.url


def test_dashboard_of_an_organisme_without_user_access(client, db):
    other = OrganismeFactory()
    client.force_login(ofa_user(OrganismeFactory()))
    assert client.get(f"/organismes/{other.public_id}/tableau-de-bord/").status_code == 404


def test_dashboard_shows_recent_refusals_by_rule_code_and_the_error_alert(client, famille, cle):
    from tests.transmissions.conftest import dossier

    response = client.post(
        "/api/v3/dossiers-apprenants",
        [dossier(etablissement_formateur_uai="0802004"), dossier(id_erp_apprenant="2", sexe_apprenant="Homme")],
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {cle}",
    )
    assert response.status_code == 200
    client.force_login(ofa_user(famille["cible"]))

    html = client.get("/tableau-de-bord/").content.decode()

    assert "Dossiers refusés lors des transmissions des 7 derniers jours" in html
    assert "<code>uai_invalide</code> : 1 dossier" in html and "<code>sexe_invalide</code> : 1 dossier" in html
    assert "des erreurs ont été détectées dans vos données" in html


def test_refusals_of_another_organisme_are_not_shown(client, famille, cle):
    from tests.transmissions.conftest import dossier

    client.post(
        "/api/v3/dossiers-apprenants",
        [dossier(etablissement_formateur_uai="0802004")],
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {cle}",
    )
    client.force_login(ofa_user(famille["responsable"]))

    html = client.get("/tableau-de-bord/").content.decode()

    assert "Dossiers refusés" not in html and "uai_invalide" not in html
