"""Mes effectifs / Ses effectifs: the nominative list, the learner detail and the export (§1.6, §5)."""

import io
from datetime import date

import pytest
import time_machine
from openpyxl import load_workbook

from effectifs.models import Effectif
from effectifs.selectors import EXPORT_COLUMNS
from organismes.models import AuditLog, OrganisationType
from tests.effectifs.test_indicateurs import (
    NOW,
    ingest,
    ofa_user,
    operator_user,
    record,
)
from tests.factories import OrganisationFactory, RelationFactory, ReseauFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def cible_client(client, population):
    client.force_login(ofa_user(population["cible"]))
    return client


def test_list_defaults_to_the_current_school_year_and_paginates(cible_client):
    response = cible_client.get("/effectifs/")
    assert response.status_code == 200
    page = response.context["page"]
    assert page.paginator.count == 50 and len(page.object_list) == 10
    html = response.content.decode()
    assert "50</strong> apprenant(es) trouvé(es)" in html
    for header in ("Période", "Nom", "Prénom", "Formation", "Source", "Statut actuel"):
        assert header in html

    response = cible_client.get(
        "/effectifs/", {"filtre": "1", "annee_scolaire": "2022-2023", "par_page": 20, "page": 3}
    )
    assert len(response.context["page"].object_list) == 10
    # Another school year: empty.
    response = cible_client.get("/effectifs/", {"filtre": "1", "annee_scolaire": "2023-2024"})
    assert response.context["page"].paginator.count == 0


def test_status_filter_search_and_sort(cible_client):
    response = cible_client.get("/effectifs/", {"statut": "RUPTURANT", "par_page": 50})
    rows = list(response.context["page"].object_list)
    assert len(rows) == 20 and {e.statut_actuel for e in rows} == {"RUPTURANT"}
    assert "Rupture de contrat" in response.content.decode()
    assert "depuis le 13/04/2023" in response.content.decode()

    response = cible_client.get("/effectifs/", {"recherche": "abandon03"})
    assert [e.nom for e in response.context["page"].object_list] == ["ABANDON03"]

    response = cible_client.get("/effectifs/", {"tri": "nom", "ordre": "desc"})
    assert response.context["page"].object_list[0].nom == "RUPTURANT19"
    response = cible_client.get("/effectifs/", {"tri": "statut", "ordre": "asc", "par_page": 50})
    assert response.context["page"].object_list[0].statut_actuel == "ABANDON"


def test_bad_filter_values_do_not_break_the_page(cible_client):
    response = cible_client.get("/effectifs/", {"statut": "N'IMPORTE", "par_page": "9999", "page": "abc", "tri": "x"})
    assert response.status_code == 200
    assert "Certains filtres sont invalides" in response.content.decode()


def test_list_query_count_is_bounded(cible_client, django_assert_max_num_queries):
    with django_assert_max_num_queries(14):
        response = cible_client.get("/effectifs/", {"par_page": 50})
    assert len(response.context["page"].object_list) == 50


def test_duplicates_are_flagged(client, famille, cle):
    twins = [
        record(1, prefix="JUMEAU", entree=date(2022, 9, 1), fin=date(2024, 6, 30)),
        record(2, prefix="JUMEAU", entree=date(2022, 9, 1), fin=date(2024, 6, 30)),
        record(3, prefix="SEUL", entree=date(2022, 9, 1), fin=date(2024, 6, 30)),
    ]
    twins[1]["nom_apprenant"] = twins[0]["nom_apprenant"]
    ingest(client, cle, twins)
    client.force_login(ofa_user(famille["cible"]))
    response = client.get("/effectifs/")
    flags = {e.id_erp_apprenant: e.doublon for e in response.context["page"].object_list}
    assert flags == {"JUMEAU-1": True, "JUMEAU-2": True, "SEUL-3": False}
    assert "Doublon" in response.content.decode()
    response = client.get("/effectifs/", {"filtre": "1", "anomalie": "doublon"})
    assert response.context["page"].paginator.count == 2
    # The dashboard warns about them.
    html = client.get("/tableau-de-bord/").content.decode()
    assert "Nous avons détecté 2 effectifs en duplicat." in html
    effectif = Effectif.objects.get(id_erp_apprenant="JUMEAU-1")
    html = client.get(f"/effectifs/apprenant/{effectif.public_id}/").content.decode()
    assert "Duplicat détecté" in html and "JUMEAU-2" in html


def test_learner_detail_with_its_timeline(cible_client, population):
    effectif = Effectif.objects.get(id_erp_apprenant="RUPTURANT-0")
    response = cible_client.get(f"/effectifs/apprenant/{effectif.public_id}/")
    assert response.status_code == 200
    steps = response.context["timeline"]
    assert [s["statut"] for s in steps] == ["APPRENTI", "RUPTURANT", "ABANDON"]
    assert [s["courant"] for s in steps] == [False, True, False]
    html = response.content.decode()
    assert "tdba-frise__etape--rupturant" in html and "Rupture de contrat" in html
    assert "03/01/2023" in html  # contract start, D − 100 days


@pytest.mark.parametrize(
    ("profil", "status"),
    [("cible", 200), ("responsable", 200), ("formateur", 404), ("non_lie", 404), ("reseau", 404), ("dreets", 404)],
)
def test_ses_effectifs_and_detail_permissions(client, population, profil, status):
    users = {
        "cible": lambda: ofa_user(population["cible"]),
        "responsable": lambda: ofa_user(population["responsable"]),
        "formateur": lambda: ofa_user(population["formateur"]),
        "non_lie": lambda: ofa_user(population["non_lie"]),
        "reseau": lambda: UserFactory(
            organisation=OrganisationFactory(
                type=OrganisationType.TETE_DE_RESEAU, organisme=None, reseau=ReseauFactory(key="cci")
            )
        ),
        "dreets": lambda: operator_user(OrganisationType.DREETS, region_id="84"),
    }
    client.force_login(users[profil]())
    cible = population["cible"]
    effectif = Effectif.objects.filter(organisme=cible).first()
    assert client.get(f"/organismes/{cible.public_id}/effectifs/").status_code == status
    assert client.get(f"/organismes/{cible.public_id}/effectifs/export/").status_code == status
    assert client.get(f"/effectifs/apprenant/{effectif.public_id}/").status_code == status


def test_partial_responsibility_hides_names(client, population):
    responsable = population["responsable"]
    responsable.relations_formateurs.update(responsabilite_partielle=True)
    client.force_login(ofa_user(responsable))
    assert client.get(f"/organismes/{population['cible'].public_id}/effectifs/").status_code == 404
    # Its own list does not include the partially managed formateur.
    assert client.get("/effectifs/").context["page"].paginator.count == 0


def test_responsable_own_list_includes_fully_managed_formateurs(client, population):
    client.force_login(ofa_user(population["responsable"]))
    response = client.get("/effectifs/")
    assert response.context["page"].paginator.count == 50
    assert "Organisme formateur" in response.content.decode()


def test_non_ofa_users_get_an_explanation(client, population):
    client.force_login(operator_user(OrganisationType.DREETS, region_id="84"))
    response = client.get("/effectifs/")
    assert response.status_code == 200
    assert "Ses effectifs" in response.content.decode()


def test_export_contents_and_audit_log(cible_client, population):
    response = cible_client.get("/effectifs/export/", {"statut": "APPRENTI"})
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="tdb-effectifs-2023-04-13.xlsx"'
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == EXPORT_COLUMNS
    assert len(rows) == 6
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["organisme_uai"] == "0802004U" and first["organisme_siret"] == "77937827200016"
    assert first["apprenant_nom"].startswith("APPRENTI") and first["apprenant_statut"] == "APPRENTI"
    assert first["apprenant_date_de_naissance"] == "2004-02-29"
    assert first["formation_cfd"] == "50033616" and first["formation_rncp"] == "RNCP34670"

    log = AuditLog.objects.get(action="telechargement_effectifs")
    assert log.user.organisation.organisme == population["cible"] and log.organisme == population["cible"]
    assert log.data["nombre"] == 5 and len(log.data["effectifs"]) == 5
    assert log.data["filtres"]["statut_courant"] == ["APPRENTI"]


def test_export_neutralises_formulas(client, famille, cle):
    ingest(client, cle, [record(1, prefix="X", entree=date(2022, 9, 1), fin=date(2024, 6, 30))])
    Effectif.objects.update(nom='=HYPERLINK("http://evil")')
    client.force_login(ofa_user(famille["cible"]))
    sheet = load_workbook(io.BytesIO(client.get("/effectifs/export/").content)).active
    nom = next(sheet.iter_rows(min_row=2, values_only=True))[4]
    assert not str(nom).startswith("=")


def test_formateur_relation_needs_full_access(client, population):
    """A second responsable with a full link also sees the cible's learners."""
    other = RelationFactory(formateur=population["cible"]).responsable
    client.force_login(ofa_user(other))
    assert client.get(f"/organismes/{population['cible'].public_id}/effectifs/").status_code == 200
