"""Mes organismes / Mon réseau / Mon territoire / Tous les organismes (pages-import-sifa.md §1.7, §5)."""

from datetime import timedelta
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from organismes.models import AuditLog, Fiabilisation, Nature
from tests.effectifs.test_territoire import _user, build_fixture_h
from tests.factories import OrganismeFactory, RelationFactory, UserFactory


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


# "Ses organismes" (§1.1, §1.7): the formateurs of another organisme, for whoever sees its dashboard, within their
# own perimeter. OF cible (0000000A) has one formateur, 0000000B; OF responsable (0000000C) has OF cible.
SES_ORGANISMES = [
    ("TDR même réseau", "cible", ["0000000B"]),
    ("DREETS:53", "cible", ["0000000B"]),
    ("Administrateur", "cible", ["0000000B"]),
    ("OPN", "responsable", ["0000000A"]),
    ("OF responsable", "cible", []),  # its formateur's own formateurs are outside its perimeter
]


@pytest.mark.parametrize(("profile", "whose", "uais"), SES_ORGANISMES)
def test_ses_organismes_lists_the_formateurs_of_that_organisme(client, fixture_h, profile, whose, uais):
    organisme = fixture_h[whose]
    client.force_login(_user(profile, fixture_h))

    response = client.get(f"/organismes/{organisme.public_id}/organismes/")

    assert response.status_code == 200
    assert sorted(o.uai for o in response.context["page"]) == uais
    html = response.content.decode()
    assert "<h1>Ses organismes</h1>" in html
    assert f"établissements sous la gestion de {organisme.nom}" in html
    # Its sub-navigation, and exports and reset links that stay on that organisme.
    assert f'href="/organismes/{organisme.public_id}/tableau-de-bord/"' in html
    assert (f'href="/organismes/{organisme.public_id}/organismes/" aria-current="page"' in html) == bool(uais)
    assert f'href="/organismes/{organisme.public_id}/organismes/export/"' in html
    assert 'href="/organismes/export/' not in html


def test_son_tableau_de_bord_links_to_ses_organismes_only_when_it_has_formateurs(client, fixture_h):
    client.force_login(_user("Administrateur", fixture_h))
    cible, formateur = fixture_h["cible"], fixture_h["formateur"]

    assert (
        f"/organismes/{cible.public_id}/organismes/"
        in client.get(f"/organismes/{cible.public_id}/tableau-de-bord/").content.decode()
    )
    page = client.get(f"/organismes/{formateur.public_id}/tableau-de-bord/").content.decode()
    assert "Ses organismes" not in page
    assert client.get(f"/organismes/{formateur.public_id}/organismes/").status_code == 404


@pytest.mark.parametrize("profile", ["DREETS:76", "TDR autre réseau", "Académie:16", "OF non lié", "OF formateur"])
def test_ses_organismes_of_an_organisme_outside_the_scope_answers_404(client, fixture_h, profile):
    cible = fixture_h["cible"]
    client.force_login(_user(profile, fixture_h))

    for url in ("organismes/", "organismes/export/", "organismes/export/sans_effectifs/"):
        assert client.get(f"/organismes/{cible.public_id}/{url}").status_code == 404, url


def test_ses_organismes_never_shows_a_formateur_outside_the_users_perimeter(client, fixture_h):
    """A DREETS sees another région's organisme's dashboard only if it is in its région; its formateurs elsewhere
    stay hidden."""
    ailleurs = OrganismeFactory(uai="2222222C", region_id="76", departement_id="31", reseaux=[])
    RelationFactory(responsable=fixture_h["cible"], formateur=ailleurs)
    client.force_login(_user("DREETS:53", fixture_h))

    response = client.get(f"/organismes/{fixture_h['cible'].public_id}/organismes/")

    assert sorted(o.uai for o in response.context["page"]) == ["0000000B"]


def test_ses_organismes_exports_are_scoped_and_logged_on_that_organisme(client, fixture_h):
    cible = fixture_h["cible"]
    fixture_h["formateur"].__class__.objects.filter(pk=fixture_h["formateur"].pk).update(ferme=True)
    user = _user("TDR même réseau", fixture_h)
    client.force_login(user)

    listed = client.get(f"/organismes/{cible.public_id}/organismes/export/")
    ferme = client.get(f"/organismes/{cible.public_id}/organismes/export/siret_ferme/")

    assert [r[0] for r in _sheet(listed)[1]] == ["0000000B"]
    assert [r[0] for r in _sheet(ferme)[1]] == ["0000000B"]
    logs = AuditLog.objects.filter(user=user, action="telechargement_organismes").order_by("pk")
    assert [(log.organisme_id, log.data["type"]) for log in logs] == [
        (cible.pk, "organismes"),
        (cible.pk, "organismes_siret_ferme"),
    ]
    assert client.get(f"/organismes/{cible.public_id}/organismes/export/inconnu/").status_code == 404


def test_administrators_see_the_organismes_a_fiabiliser(client, fixture_h):
    Organisme = fixture_h["cible"].__class__
    Organisme.objects.update(fiabilisation_statut=Fiabilisation.FIABLE)
    Organisme.objects.filter(pk__in=[fixture_h["formateur"].pk, fixture_h["non_lie"].pk]).update(
        fiabilisation_statut=Fiabilisation.NON_FIABLE
    )
    a_fiabiliser = Organisme.objects.exclude(fiabilisation_statut=Fiabilisation.FIABLE).count()
    user = _user("Administrateur", fixture_h)
    client.force_login(user)

    dashboard = client.get("/tableau-de-bord/").content.decode()
    page = client.get("/organismes/a-completer/")
    export = client.get("/organismes/a-completer/export/")

    assert f"{a_fiabiliser} organismes à fiabiliser" in dashboard and 'href="/organismes/a-completer/"' in dashboard
    assert page.status_code == 200 and "<h1>Organismes à fiabiliser</h1>" in page.content.decode()
    listed = {o.uai for o in page.context["page"]}
    assert {"0000000B", "1111111B"} <= listed and not listed & {"0000000A", "0000000C"}
    assert page.context["indicateurs"]["fiables"] == 0
    exported = {r[0] for r in _sheet(export)[1]}
    assert exported == {o.uai for o in Organisme.objects.exclude(fiabilisation_statut=Fiabilisation.FIABLE)}
    assert 'href="/organismes/a-completer/export/"' in page.content.decode()


@pytest.mark.parametrize("profile", ["OPN", "DREETS:53", "TDR même réseau", "OF cible"])
def test_only_administrators_have_the_organismes_a_fiabiliser(client, fixture_h, profile):
    client.force_login(_user(profile, fixture_h))

    assert "à fiabiliser" not in client.get("/tableau-de-bord/").content.decode()
    for url in ("/organismes/a-completer/", "/organismes/a-completer/export/", "/organismes/a-completer/export/x/"):
        assert client.get(url).status_code == 404, url


def test_a_filter_value_that_does_not_exist_is_explained_not_applied(client, fixture_h):
    client.force_login(_user("Administrateur", fixture_h))

    response = client.get("/organismes/", {"departements": "zz", "search": "ADEN"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "zz n’en fait pas partie. Ce filtre n’est pas appliqué." in html
    assert sorted(o.uai for o in response.context["page"]) == ["0000000A"]  # the search still applies
