"""Indicateurs nationaux: the public page and the public JSON endpoint (statuses-indicators-roles.md §3.6, §6 I).

The §6 D population (5 apprentis, 10 inscrits, 15 abandons, 20 rupturants at 2023-04-13) is ingested
through POST /api/v3 + the queue worker for an organisme of the Morbihan, with three other FIABLE
organismes there; all four first transmitted on 2023-01-01.
"""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from erp_keys.services import erp_key_generate
from organismes.models import Nature, Organisme
from tests.effectifs.test_indicateurs import ingest, population_d
from tests.factories import OrganismeFactory
from tests.transmissions.conftest import FORMATEUR, RESPONSABLE

URL = "/api/v1/indicateurs/national"
DATE_I = "2023-04-13T10:00Z"
MORBIHAN = {"region_id": "53", "departement_id": "56", "academie_id": "14"}
BLOC_I = {"total": 4, "responsables": 1, "responsablesFormateurs": 2, "formateurs": 1, "inconnues": 0}
EXPECTED_I = {
    "indicateursEffectifs": [
        {"departement": "56", "apprenants": 35, "abandons": 15, "apprentis": 5, "inscrits": 10, "rupturants": 20}
    ],
    "indicateursOrganismes": [
        {
            "departement": "56",
            "totalOrganismes": BLOC_I,
            "organismesTransmetteurs": BLOC_I,
            "organismesNonTransmetteurs": dict.fromkeys(BLOC_I, 0),
            "tauxCouverture": dict.fromkeys(BLOC_I, 100),
        }
    ],
}


@pytest.fixture
def population_i(client, db):
    cible = OrganismeFactory(**FORMATEUR, nature=Nature.RESPONSABLE_FORMATEUR, **MORBIHAN)
    OrganismeFactory(**RESPONSABLE, nature=Nature.RESPONSABLE, **MORBIHAN)
    OrganismeFactory(nature=Nature.FORMATEUR, **MORBIHAN)
    OrganismeFactory(nature=Nature.RESPONSABLE_FORMATEUR, **MORBIHAN)
    ingest(client, erp_key_generate(organisme=cible), population_d())
    Organisme.objects.update(first_transmission_date=datetime(2023, 1, 1, tzinfo=UTC))
    return cible


def test_i_national_json(client, population_i):
    response = client.get(URL, {"date": DATE_I})

    assert response.status_code == 200
    assert response.json() == EXPECTED_I
    assert response["RateLimit-Limit"]


def test_i_national_json_with_plain_date_and_territory_filters(client, population_i):
    assert client.get(URL, {"date": "2023-04-13", "organisme_regions": "53"}).json() == EXPECTED_I
    assert client.get(URL, {"date": "2023-04-13", "organisme_departements": "56,35"}).json() == EXPECTED_I
    other = client.get(URL, {"date": "2023-04-13", "organisme_regions": "11"}).json()
    assert other == {"indicateursEffectifs": [], "indicateursOrganismes": []}
    # Bassins d'emploi are not populated on organismes: the filter matches nothing (§3.4 quirk).
    quirk = client.get(URL, {"date": "2023-04-13", "organisme_bassinsEmploi": "5315"}).json()
    assert quirk == {"indicateursEffectifs": [], "indicateursOrganismes": []}


def test_i_transmitters_are_counted_from_their_first_transmission(client, population_i):
    before = client.get(URL, {"date": "2022-12-31"}).json()["indicateursOrganismes"][0]
    assert before["organismesTransmetteurs"]["total"] == 0
    assert before["organismesNonTransmetteurs"]["total"] == 4
    assert before["tauxCouverture"]["total"] == 0
    # A closed or non-fiable organisme is not counted at all.
    Organisme.objects.filter(nature=Nature.FORMATEUR).update(ferme=True)
    row = client.get(URL, {"date": DATE_I}).json()["indicateursOrganismes"][0]
    assert row["totalOrganismes"]["formateurs"] == 0
    assert row["tauxCouverture"]["formateurs"] == 100  # 100 when the total is 0


def test_national_json_is_cached_per_filters_and_day(client, population_i):
    with CaptureQueriesContext(connection) as first:
        assert client.get(URL, {"date": DATE_I}).json() == EXPECTED_I
    assert len(first) >= 2
    Organisme.objects.update(ferme=True)  # the cache still serves the hour-old answer
    with CaptureQueriesContext(connection) as second:
        assert client.get(URL, {"date": DATE_I}).json() == EXPECTED_I
    assert len(second) == 0
    # Other filters are another cache entry.
    assert client.get(URL, {"date": DATE_I, "organisme_regions": "53"}).json()["indicateursOrganismes"] == []


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"foo": "bar"}, "Erreur de validation"),
        ({"date": "2023-04-13", "organisme_reseaux": "cci"}, "Erreur de validation"),
        ({"organisme_regions": "99"}, "Erreur de validation"),
        ({"date": "13/04/2023"}, "Date invalide : « 13/04/2023 ». Format attendu : AAAA-MM-JJ."),
        ({"date": "2023-02-30"}, "Date invalide : « 2023-02-30 ». Format attendu : AAAA-MM-JJ."),
    ],
)
def test_national_json_rejects_bad_queries(client, db, params, message):
    response = client.get(URL, params)
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "Bad Request"
    assert body["message"] == message


def test_national_json_is_rate_limited(client, db, settings):
    settings.TDBA = {**settings.TDBA, "RATE_LIMIT_PUBLIC": (3, 60)}
    statuses = [client.get(URL, {"date": "2023-04-13"}).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = client.get(URL)
    assert response.status_code == 429
    assert response["RateLimit-Remaining"] == "0"
    assert response["Retry-After"]


def test_national_page_is_public(client, population_i):
    response = client.get("/national/indicateurs/", {"mois": "2023-04"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "Aperçu des chiffres-clés de l’apprentissage" in html
    # April 2023 → D = 30 April 2023: the 20 rupturants have been so for 17 days, the rest unchanged.
    assert (
        "Le 30 avril 2023, le tableau de bord de l’apprentissage recense 35 apprenants, dont 5 apprentis, "
        "10 jeunes en formation sans contrat et 20 rupturants."
    ) in html
    assert html.count('class="departement departement-') == 2 * 101
    assert response.context["organismes"]["tauxCouverture"]["total"] == 100
    assert [r["code"] for r in response.context["table_effectifs"]] == ["56"]
    # No download on the public page.
    assert all(c["url"] == "" for c in response.context["cartes_indicateurs"])
    assert "Télécharger la liste" not in html


def test_national_page_territory_filter(client, population_i):
    response = client.get("/national/indicateurs/", {"mois": "2023-04", "organisme_regions": "11"})
    assert response.context["indicateurs"]["apprenants"] == 0
    response = client.get("/national/indicateurs/", {"mois": "2023-04", "organisme_academies": "14"})
    assert response.context["indicateurs"]["apprenants"] == 35
