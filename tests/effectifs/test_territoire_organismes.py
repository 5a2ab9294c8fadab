"""Mes organismes / Mon réseau / Mon territoire / Tous les organismes (pages-import-sifa.md §1.7, §5)."""

from datetime import timedelta
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from organismes.models import AuditLog, Nature
from tests.effectifs.test_territoire import _user, build_fixture_h
from tests.factories import OrganismeFactory, UserFactory


@pytest.fixture
def fixture_h(db):
    return build_fixture_h()


# (profile, UAIs listed among the fixture's four, page title) — the viewContacts scope (§3.7 D).
ALL = ["0000000A", "0000000B", "0000000C", "1111111B"]
LISTES = [
    ("TDR même réseau", ALL, "Mon réseau"),
    ("TDR autre réseau", [], "Mon réseau"),
    ("DREETS:53", ALL, "Mon territoire"),
    ("DREETS:76", [], "Mon territoire"),
    ("DDETS:56", ALL, "Mon territoire"),
    ("Académie:16", [], "Mon territoire"),
    ("Conseil régional:53", ALL, "Mon territoire"),
    ("OPN", ALL, "Tous les organismes"),
    ("Administrateur", ALL, "Tous les organismes"),
    ("OF cible", ["0000000B"], "Mes organismes"),  # its formateurs only
    ("OF responsable", ["0000000A"], "Mes organismes"),
]


@pytest.mark.parametrize(("profile", "uais", "titre"), LISTES)
def test_each_profile_lists_exactly_its_scope(client, fixture_h, profile, uais, titre):
    client.force_login(_user(profile, fixture_h))

    response = client.get("/organismes/")

    assert response.status_code == 200
    assert sorted(o.uai for o in response.context["page"]) == uais
    assert f"<h1>{titre}</h1>" in response.content.decode()
    assert response.context["indicateurs"]["organismes"] == len(uais)


def test_ofa_without_formateurs_has_no_list(client, fixture_h):
    client.force_login(_user("OF formateur", fixture_h))
    assert client.get("/organismes/").status_code == 404
    assert client.get("/organismes/export/").status_code == 404


def test_rows_link_to_the_organisme_pages_per_permissions(client, fixture_h):
    cible = fixture_h["cible"]
    client.force_login(_user("TDR responsable", fixture_h))
    html = client.get("/organismes/").content.decode()
    assert f"/organismes/{cible.public_id}/tableau-de-bord/" in html
    assert f"/organismes/{cible.public_id}/effectifs/" in html
    assert "UAI : 0000000A - SIRET : 00000000000018" in html

    client.force_login(_user("DREETS:53", fixture_h))
    html = client.get("/organismes/").content.decode()
    assert f"/organismes/{cible.public_id}/indicateurs/" in html
    assert f"/organismes/{cible.public_id}/effectifs/" not in html


@pytest.mark.parametrize("profile", ["DREETS:76", "TDR autre réseau", "Académie:16", "Conseil régional:76"])
def test_an_organisme_outside_the_scope_answers_404(client, fixture_h, profile):
    client.force_login(_user(profile, fixture_h))
    cible = fixture_h["cible"]
    assert client.get(f"/organismes/{cible.public_id}/tableau-de-bord/").status_code == 404
    assert client.get(f"/organismes/{cible.public_id}/indicateurs/").status_code == 404


def test_search_and_filters(client, fixture_h):
    now = timezone.now()
    fixture_h["cible"].__class__.objects.filter(pk=fixture_h["cible"].pk).update(
        last_transmission_date=now - timedelta(days=3), commune="Lorient"
    )
    fixture_h["formateur"].__class__.objects.filter(pk=fixture_h["formateur"].pk).update(
        last_transmission_date=now - timedelta(days=45), nature=Nature.INCONNUE
    )
    fixture_h["responsable"].__class__.objects.filter(pk=fixture_h["responsable"].pk).update(
        last_transmission_date=None, uai=None, ferme=True
    )
    client.force_login(_user("Administrateur", fixture_h))

    def uais(**params):
        return sorted(o.uai or "-" for o in client.get("/organismes/", params).context["page"])

    assert uais(search="ADEN") == ["0000000A"]
    assert uais(search="aden formations") == ["0000000A"]
    assert uais(search="00000000000018") == ["0000000A"]
    assert uais(search="Lor") == ["0000000A"]
    assert uais(search="1111") == ["1111111B"]
    assert uais(transmission="recent") == ["0000000A"]
    assert uais(transmission="1_3_mois") == ["0000000B"]
    assert uais(transmission="jamais") == ["-"]
    assert uais(transmission="arrete") == ["1111111B"]  # the fixture transmitted last in 2022
    assert uais(nature="inconnue") == ["0000000B"]
    assert uais(etatUAI="non_determinee") == ["-"]
    assert uais(ferme="ferme") == ["-"]
    assert uais(ferme="ouvert", departements="56") == ["0000000A", "0000000B", "1111111B"]
    assert uais(departements="75") == []
    indicateurs = client.get("/organismes/").context["indicateurs"]
    assert indicateurs == {
        "organismes": 4,
        "fiables": 4,
        "sans_effectifs": 2,  # never (responsable) + the unrelated one transmitted in 2022
        "nature_inconnue": 1,
        "siret_ferme": 1,
        "uai_non_determine": 1,
    }


def _sheet(response):
    rows = [list(r) for r in load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True)]
    return rows[0], rows[1:]


def test_list_export_is_read_back_and_logged(client, fixture_h):
    contact = _user("OF cible", fixture_h)
    contact.telephone = "0102030405"
    contact.save()
    UserFactory(organisation=contact.organisation)  # a later member is not the contact
    user = _user("DDETS:56", fixture_h)
    client.force_login(user)

    response = client.get("/organismes/export/", {"search": "ADEN"})

    assert response.status_code == 200
    today = timezone.localdate()
    assert response["Content-Disposition"] == f'attachment; filename="tdb-organismes-{today:%d-%m-%y}.xlsx"'
    headers, rows = _sheet(response)
    assert headers == [
        "uai",
        "siret",
        "raison_sociale",
        "enseigne",
        "nature",
        "departement",
        "region",
        "commune",
        "adresse",
        "dernière transmission",
        "email de contact",
        "téléphone de contact",
    ]
    [row] = rows
    assert row[:2] == ["0000000A", "00000000000018"]
    assert row[5:7] == ["56", "Bretagne"]
    assert row[-2:] == [contact.email, "0102030405"]
    log = AuditLog.objects.get(user=user, action="telechargement_organismes")
    assert log.data["type"] == "organismes" and log.data["nombre"] == 1


def test_problem_list_exports(client, fixture_h):
    fixture_h["non_lie"].__class__.objects.filter(pk=fixture_h["non_lie"].pk).update(ferme=True)
    user = _user("TDR même réseau", fixture_h)
    client.force_login(user)

    response = client.get("/organismes/export/siret_ferme/")

    assert response["Content-Disposition"] == 'attachment; filename="tdb-organismes-siret_ferme.xlsx"'
    _, rows = _sheet(response)
    assert [r[0] for r in rows] == ["1111111B"]
    assert AuditLog.objects.get(user=user).data["type"] == "organismes_siret_ferme"
    assert client.get("/organismes/export/inconnu/").status_code == 404


def test_list_page_query_count_is_bounded(client, fixture_h):
    client.force_login(_user("Administrateur", fixture_h))
    client.get("/organismes/")  # warm the session and the user
    with CaptureQueriesContext(connection) as few:
        client.get("/organismes/")
    for _ in range(30):
        OrganismeFactory(reseaux=[])
    with CaptureQueriesContext(connection) as many:
        response = client.get("/organismes/")
    assert len(response.context["page"]) == 20
    assert len(many) == len(few)
    assert len(many) <= 12


def test_transverse_dashboard_query_count_is_bounded(client, fixture_h):
    client.force_login(_user("Administrateur", fixture_h))
    client.get("/tableau-de-bord/")
    with CaptureQueriesContext(connection) as few:
        client.get("/tableau-de-bord/")
    for n in range(10):
        OrganismeFactory(departement_id="75", region_id="11", academie_id="01", uai=f"{9000000 + n}Z")
    with CaptureQueriesContext(connection) as many:
        client.get("/tableau-de-bord/")
    assert len(many) == len(few) <= 10
