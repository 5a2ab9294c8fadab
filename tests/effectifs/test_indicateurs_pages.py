"""Mes indicateurs / Ses indicateurs: breakdowns, chart data, filters and the logged xlsx exports (§1.8, §5)."""

import io
import json

import pytest
import time_machine
from openpyxl import load_workbook

from effectifs.models import Effectif
from organismes.models import AuditLog, OrganisationType
from tests.effectifs.test_indicateurs import (
    NOW,
    ofa_user,
    operator_user,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(NOW, tick=False):
        yield


def test_mes_indicateurs_par_formation_and_par_organisme(client, population):
    Effectif.objects.filter(nom__startswith="RUPTURANT").update(
        formation_rncp="RNCP37682", formation_cfd="36T32603", formation_libelle_long="TSSR", formation_niveau="5"
    )
    client.force_login(ofa_user(population["cible"]))
    response = client.get("/indicateurs/")
    assert response.status_code == 200
    rows = {r["cfd_code"]: r for r in response.context["par_formation"]}
    assert rows["36T32603"]["rupturants"] == 20 and rows["50033616"]["apprenants"] == 15
    [organisme] = response.context["par_organisme"]
    assert (organisme["apprentis"], organisme["inscrits"], organisme["rupturants"], organisme["abandons"]) == (
        5,
        10,
        20,
        15,
    )
    html = response.content.decode()
    # Chart: a JSON data island read by static/js/indicateurs-chart.js, no inline script.
    assert 'id="indicateurs-chart-data" type="application/json"' in html
    assert 'src="/static/js/indicateurs-chart.js"' in html
    island = html.split('id="indicateurs-chart-data" type="application/json">')[1].split("</script>")[0]
    chart = json.loads(island)
    assert len(chart["labels"]) == 2 and {"apprentis", "abandons"} <= set(chart["values"][0])

    response = client.get("/indicateurs/", {"formation_niveaux": "5"})
    assert [r["cfd_code"] for r in response.context["par_formation"]] == ["36T32603"]


def test_bad_filters_give_french_errors(client, population):
    client.force_login(ofa_user(population["cible"]))
    response = client.get("/indicateurs/", {"mois": "2023-99", "formation_cfds": "ABC"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Mois invalide" in html and "Code diplôme invalide" in html


def test_export_par_organisme_is_logged(client, population):
    client.force_login(ofa_user(population["cible"]))
    response = client.get("/indicateurs/export/", {"liste": "organismes", "mois": "2023-04"})
    assert response.status_code == 200
    assert "tdb-indicateurs-organismes-2023-04-13.xlsx" in response["Content-Disposition"]
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows == [
        (
            "organisme_uai",
            "organisme_siret",
            "organisme_nom",
            "organisme_nature",
            "apprentis",
            "inscrits",
            "rupturants",
            "sorties",
        ),
        ("0802004U", "77937827200016", population["cible"].nom, "responsable_formateur", 5, 10, 20, 15),
    ]
    log = AuditLog.objects.get(action="telechargement_indicateurs_organismes")
    assert log.data["nombre"] == 1 and log.data["filtres"]["date"] == "2023-04-13"

    response = client.get("/indicateurs/export/", {"liste": "formations"})
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[1][:2] == ("RNCP34670", "50033616") and rows[1][4:] == (35, 5, 10, 20, 15)


@pytest.mark.parametrize(
    ("profil", "status"), [("cible", 200), ("responsable", 200), ("formateur", 404), ("dreets_autre", 404)]
)
def test_ses_indicateurs_permissions(client, population, profil, status):
    users = {
        "cible": lambda: ofa_user(population["cible"]),
        "responsable": lambda: ofa_user(population["responsable"]),
        "formateur": lambda: ofa_user(population["formateur"]),
        "dreets_autre": lambda: operator_user(OrganisationType.DREETS, region_id="53"),
    }
    client.force_login(users[profil]())
    url = f"/organismes/{population['cible'].public_id}/indicateurs/"
    assert client.get(url).status_code == status
    assert client.get(url + "export/").status_code == status


def test_dreets_sees_its_region_only(client, population):
    client.force_login(operator_user(OrganisationType.DREETS, region_id="84"))
    assert len(client.get("/indicateurs/").context["par_organisme"]) == 1
    client.force_login(operator_user(OrganisationType.DREETS, region_id="53"))
    assert client.get("/indicateurs/").context["par_organisme"] == []


def test_organisation_without_indicators_gets_404(client, population):
    client.force_login(UserFactory(organisation=None))
    assert client.get("/indicateurs/").status_code == 404
    assert client.get("/indicateurs/export/").status_code == 404
    html = client.get("/tableau-de-bord/").content.decode()
    assert "Votre organisation n'a pas accès aux indicateurs d'effectifs." in html
