"""Mon enquête SIFA / Son enquête SIFA: the page, the two files, "Type de CFA" for all, permissions (§3).

Every learner comes in through the real ingestion path (POST /api/v3, then the worker on its lot),
with the clock frozen on 15 January 2025: the snapshot is 31/12/2024 and the candidate school years
are "2024-2024" and "2024-2025".
"""

import io
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.conf import settings
from django.shortcuts import resolve_url
from openpyxl import load_workbook

from effectifs import sifa
from effectifs.models import Effectif
from organismes.models import AuditLog, OrganisationType
from tests.effectifs.test_indicateurs import ingest, ofa_user, operator_user
from tests.factories import OrganisationFactory, ReseauFactory, UserFactory
from tests.transmissions.conftest import dossier

pytestmark = pytest.mark.django_db

NOW = datetime(2025, 1, 15, 10, 0, tzinfo=UTC)
BOM = b"\xef\xbb\xbf"


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(NOW, tick=False):
        yield


def apprenant(id_erp: str, *, entree: str = "2024-09-02", fin: str = "2026-06-30", **overrides) -> dict:
    """A record of the 2024-2025 school year whose formation runs from `entree` to `fin`."""
    fields = {
        "id_erp_apprenant": id_erp,
        "nom_apprenant": id_erp,
        "prenom_apprenant": "Camille",
        "annee_scolaire": "2024-2025",
        "date_inscription_formation": entree,
        "date_entree_formation": entree,
        "date_fin_formation": fin,
    }
    fields.update(overrides)
    return dossier(**fields)


def en_contrat(id_erp: str, *, debut: str = "2024-09-02", fin: str = "2026-06-30", **overrides) -> dict:
    return apprenant(id_erp, entree=debut, fin=fin, contrat_date_debut=debut, contrat_date_fin=fin, **overrides)


# The learner whose line is checked byte for byte: every field our model holds is filled.
GASTON = en_contrat(
    "GASTON",
    nom_apprenant="Dupuis-Lefèvre",
    prenom_apprenant="Gaston",
    ine_apprenant="1234567890A",
    date_de_naissance_apprenant="2005-02-01",
    sexe_apprenant="M",
    rqth_apprenant=False,
    email_contact="gaston@example.org",
    tel_apprenant="+33612345678",
    adresse_apprenant="64 bis, route de Paris",
    code_postal_apprenant="44000",
    code_commune_insee_apprenant="44109",
    code_postal_de_naissance_apprenant="44000",
    code_commune_insee_de_naissance_apprenant="44109",
    responsable_apprenant_mail1="parent@example.org",
    derniere_situation=3103,
    dernier_organisme_uai="0441234X",
    type_cfa="10",
    annee_formation=2,
    siret_employeur="12345678900017",
)
# Same format as tests/effectifs/test_sifa.py, written by hand from the column table (§3.6); the API
# stores the nom in capitals. The columns our model does not hold (REGIME_SCO, PCS, NATIO, SIT_AV_APP,
# TYPE_EMP, the employer's postcode, NAF and size, the legal representative's phone) are empty.
GASTON_LINE = (
    b'"1234567890A";"0755805C";"10";"0802004U";"NC";"NC";"APP";"50033616";"";24;22;"2A";'
    b'"DUPUIS LEFEVRE";"";"Gaston";"";"";"64 bis, route de Paris";"44000";"44109";'
    b'"0612345678";;"";"";"";"gaston@example.org";"parent@example.org";"";'
    b'"01022005";"44109";"1";;;"0";;;"";3103;"0441234X";'
    b';"";"02092024";;;;;"12345678900017"'
)


def population_sifa() -> list[dict]:
    """One learner per case of the 31-December rule (§3.4)."""
    return [
        GASTON,
        # Contract broken on 15/11: rupturant on 31/12 (less than 180 days without contract).
        en_contrat("RUPTURANT", contrat_date_rupture="2024-11-15"),
        # No contract, entered 77 days before 31/12: inscrit sans contrat.
        apprenant("INSCRIT", entree="2024-10-15"),
        # No contract for more than 90 days: abandon on 31/12.
        apprenant("ABANDON", entree="2024-09-02"),
        # Formation and contract ended on 20/12: fin de formation on 31/12.
        en_contrat("FINI", fin="2024-12-20"),
        # Starts after the snapshot.
        en_contrat("JANVIER", debut="2025-01-06"),
        # The "N-N" school year is a candidate too.
        en_contrat("ANNEE-N-N", debut="2024-01-08", fin="2025-06-30", annee_scolaire="2024-2024"),
        # In contract on 31/12 but of another school year: not a candidate.
        en_contrat("ANNEE-AVANT", debut="2023-09-04", fin="2025-06-30", annee_scolaire="2023-2024"),
    ]


INCLUS = {"GASTON", "RUPTURANT", "ANNEE-N-N"}


@pytest.fixture
def enquete(client, famille, cle):
    ingest(client, cle, population_sifa(), now=NOW)
    return famille


@pytest.fixture
def cible_client(client, enquete):
    client.force_login(ofa_user(enquete["cible"]))
    return client


def noms(response) -> set[str]:
    return {ligne.effectif.id_erp_apprenant for ligne in response.context["page"].object_list}


# --------------------------------------------------------------------------- inclusion and page


def test_page_lists_the_learners_in_contract_on_31_december(cible_client):
    response = cible_client.get("/enquete-sifa/")
    assert response.status_code == 200
    assert noms(response) == INCLUS
    html = response.content.decode()
    assert "<h1>Mon Enquête SIFA</h1>" in html
    assert "Vous avez <strong>3</strong> effectifs au total, en contrat au 31 décembre 2024" in html
    assert "date d’observation 31/12/2024" in html and "année scolaire 2024-2025" in html
    for text in (
        "Transmettre vos effectifs au Tableau de bord ne vous dispense pas de répondre à l’enquête annuelle SIFA.",
        "La date d’observation est fixée au 31 décembre de l’année N",
        "Quelques conseils sur le fichier SIFA et sa manipulation :",
        "L’enquête SIFA sera terminée dès lors que le fichier est accepté par la plateforme SIFA.",
        "Choisissez le format du fichier",
        "Recommandé si données complètes",
        "Recommandé si données manquantes",
        "Afficher uniquement les données manquantes pour SIFA",
    ):
        assert text in html
    for header in ("Nom", "Prénom", "Formation", "Source", "Statut actuel", "État de la donnée"):
        assert f'<th scope="col">{header}' in html
    assert "CFD : 50033616 - RNCP : RNCP34670" in html
    assert "Rupture de contrat" in html  # current status of the rupturant


def test_missing_fields_are_named_in_french(cible_client):
    response = cible_client.get("/enquete-sifa/")
    lignes = {ligne.effectif.id_erp_apprenant: ligne for ligne in response.context["page"].object_list}
    assert lignes["GASTON"].complet
    # The minimal v3 record lacks everything SIFA needs beyond the names, birth date and durations.
    assert lignes["RUPTURANT"].manquants == (
        "apprenant.adresse_naissance.code_postal",
        "apprenant.sexe",
        "apprenant.derniere_situation",
        "apprenant.dernier_organisme_uai",
        "apprenant.type_cfa",
        "apprenant.adresse.voie",
        "apprenant.adresse.code_postal",
        "apprenant.adresse.commune",
    )
    html = response.content.decode()
    assert "Complète pour SIFA" in html
    assert "8 manquante(s) pour SIFA" in html
    assert "Champ(s) manquant(s) : Code postal de naissance, Sexe, Situation de l’apprenant" in html
    assert "Type de CFA, Adresse : voie, Adresse : code postal, Adresse : commune" in html
    # The warning next to the download buttons.
    assert "Parmi les 3 effectifs que vous avez déclarés, 2 d'entre eux ne comportent pas" in html


def test_toggle_search_and_filters(cible_client):
    response = cible_client.get("/enquete-sifa/", {"only_sifa_missing_fields": "on"})
    assert noms(response) == {"RUPTURANT", "ANNEE-N-N"}
    assert 'name="only_sifa_missing_fields" value="on" checked' in response.content.decode()
    # The totals stay those of the whole survey.
    assert response.context["enquete"].total == 3
    assert noms(cible_client.get("/enquete-sifa/", {"recherche": "dupuis"})) == {"GASTON"}
    assert noms(cible_client.get("/enquete-sifa/", {"source": "FICHIER"})) == set()
    response = cible_client.get("/enquete-sifa/", {"source": "N'IMPORTE"})
    assert "Certains filtres sont invalides" in response.content.decode()


def test_pagination_and_bounded_query_count(client, famille, cle, django_assert_max_num_queries):
    ingest(client, cle, [en_contrat(f"APPRENTI-{n:02d}") for n in range(45)], now=NOW)
    client.force_login(ofa_user(famille["cible"]))
    with django_assert_max_num_queries(10):
        response = client.get("/enquete-sifa/")
    page = response.context["page"]
    assert page.paginator.count == 45 and len(page.object_list) == 20
    assert "1 / 3" in response.content.decode()
    assert len(client.get("/enquete-sifa/", {"page": 3}).context["page"].object_list) == 5
    with django_assert_max_num_queries(10):
        assert client.get("/enquete-sifa/fichier.csv").status_code == 200


# --------------------------------------------------------------------------- files


def test_csv_byte_for_byte_and_audit_log(cible_client, enquete):
    response = cible_client.get("/enquete-sifa/fichier.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    nom = enquete["cible"].nom.replace(" ", "-")
    assert response["Content-Disposition"] == f'attachment; filename="tdb-donnees-sifa-{nom}-2025-01-15.csv"'
    content = response.content
    assert content.startswith(BOM) and not content.endswith(b"\n")
    lines = content[len(BOM) :].split(b"\n")
    assert len(lines) == 3  # no header row
    gaston = next(line for line in lines if b'"Gaston"' in line)
    assert gaston == GASTON_LINE

    log = AuditLog.objects.get(action="telechargement_sifa")
    assert log.user.organisation.organisme == enquete["cible"] and log.organisme == enquete["cible"]
    assert log.data["format"] == "csv" and log.data["nombre"] == 3 and log.data["incomplets"] == 2
    assert set(log.data["effectifs"]) == set(
        Effectif.objects.filter(id_erp_apprenant__in=INCLUS).values_list("pk", flat=True)
    )


def test_xlsx_read_back(cible_client, enquete):
    response = cible_client.get("/enquete-sifa/fichier.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"].endswith('-2025-01-15.xlsx"')
    sheet = load_workbook(io.BytesIO(response.content))["Data"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == sifa.COLUMNS
    assert len(rows) == 4
    gaston = dict(zip(rows[0], next(r for r in rows[1:] if r[14] == "Gaston"), strict=True))
    assert gaston["NUMERO_UAI"] == "0755805C" and gaston["SIT_FORM"] == "0802004U"
    assert gaston["DUR_FORM_THEO"] == 24 and gaston["DATE_NAIS"] == "01022005" and gaston["SIT_N_1"] == 3103
    sans_ine = next(r for r in rows[1:] if r[14] == "Camille")
    assert sans_ine[0] == '=""'  # the INE placeholder stays text
    assert AuditLog.objects.get(action="telechargement_sifa").data["format"] == "xlsx"


def test_unknown_format_is_404(cible_client):
    assert cible_client.get("/enquete-sifa/fichier.pdf").status_code == 404


# --------------------------------------------------------------------------- type de CFA


def test_type_cfa_applied_to_all_after_confirmation(cible_client, client, cle):
    response = cible_client.post("/enquete-sifa/type-cfa/", {"type_cfa": "09"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Êtes-vous sûr de vouloir appliquer ce paramètre à tous les effectifs ?" in html
    assert "09 – CFA associatif" in html
    assert not Effectif.objects.filter(type_cfa="09").exists()

    response = cible_client.post("/enquete-sifa/type-cfa/", {"type_cfa": "09", "confirmation": "True"}, follow=True)
    assert "Type de CFA « CFA associatif » appliqué à 3 effectifs." in response.content.decode()
    types = dict(Effectif.objects.values_list("id_erp_apprenant", "type_cfa"))
    assert {k for k, v in types.items() if v == "09"} == INCLUS
    assert types["INSCRIT"] == "" and types["ANNEE-AVANT"] == ""
    assert AuditLog.objects.get(action="sifa_type_cfa").data["nombre"] == 3

    # A later transmission without a type de CFA keeps the applied value (merge rule).
    ingest(client, cle, [en_contrat("RUPTURANT", contrat_date_rupture="2024-11-15")], now=NOW)
    assert Effectif.objects.get(id_erp_apprenant="RUPTURANT").type_cfa == "09"
    lines = cible_client.get("/enquete-sifa/fichier.csv").content[len(BOM) :].split(b"\n")
    assert all(line.split(b";")[2] == b'"09"' for line in lines)


def test_type_cfa_rejects_unknown_codes(cible_client):
    response = cible_client.post("/enquete-sifa/type-cfa/", {"type_cfa": "99", "confirmation": "True"}, follow=True)
    assert "Choisissez un type de CFA dans la liste." in response.content.decode()
    assert not Effectif.objects.exclude(type_cfa__in=("", "10")).exists()
    assert cible_client.get("/enquete-sifa/type-cfa/").status_code == 405


# --------------------------------------------------------------------------- disabled state


def test_disabled_before_a_first_transmission(client, famille):
    client.force_login(ofa_user(famille["cible"]))
    response = client.get("/enquete-sifa/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Désactivé car votre organisme n&#x27;a encore rien transmis" in html
    assert "Télécharger le fichier SIFA" not in html and "fichier.csv" not in html
    response = client.get("/enquete-sifa/fichier.csv", follow=True)
    assert response.redirect_chain == [("/enquete-sifa/", 302)]
    assert not AuditLog.objects.filter(action="telechargement_sifa").exists()
    response = client.post("/enquete-sifa/type-cfa/", {"type_cfa": "09", "confirmation": "True"})
    assert response.status_code == 302


# --------------------------------------------------------------------------- permissions


def _users(enquete) -> dict:
    responsable_reseau = ReseauFactory(key="compagnons", nom="Compagnons", responsable=True)
    enquete["cible"].reseaux.add(responsable_reseau)
    return {
        "cible": lambda: ofa_user(enquete["cible"]),
        "responsable": lambda: ofa_user(enquete["responsable"]),
        "admin": lambda: operator_user(OrganisationType.ADMINISTRATEUR),
        "reseau_responsable": lambda: UserFactory(
            organisation=OrganisationFactory(
                type=OrganisationType.TETE_DE_RESEAU, organisme=None, reseau=responsable_reseau
            )
        ),
        "formateur": lambda: ofa_user(enquete["formateur"]),
        "non_lie": lambda: ofa_user(enquete["non_lie"]),
        "reseau": lambda: UserFactory(
            organisation=OrganisationFactory(
                type=OrganisationType.TETE_DE_RESEAU, organisme=None, reseau=ReseauFactory(key="cci")
            )
        ),
        "dreets": lambda: operator_user(OrganisationType.DREETS, region_id="84"),
    }


@pytest.mark.parametrize(
    ("profil", "status"),
    [
        ("cible", 200),
        ("responsable", 200),
        ("admin", 200),
        ("reseau_responsable", 200),
        ("formateur", 404),
        ("non_lie", 404),
        ("reseau", 404),
        ("dreets", 404),
    ],
)
def test_son_enquete_sifa_permissions(client, enquete, profil, status):
    client.force_login(_users(enquete)[profil]())
    base = f"/organismes/{enquete['cible'].public_id}/enquete-sifa/"
    response = client.get(base)
    assert response.status_code == status
    assert client.get(f"{base}fichier.csv").status_code == status
    assert client.get(f"{base}fichier.xlsx").status_code == status
    response_post = client.post(f"{base}type-cfa/", {"type_cfa": "09", "confirmation": "True"})
    assert response_post.status_code == (302 if status == 200 else 404)
    if status == 200:
        assert Effectif.objects.filter(type_cfa="09").count() == 3
        if profil != "cible":
            html = response.content.decode()
            assert "<h1>Son Enquête SIFA</h1>" in html and "Son enquête SIFA" in html
    else:
        assert not Effectif.objects.filter(type_cfa="09").exists()
        assert not AuditLog.objects.filter(action__in=("telechargement_sifa", "sifa_type_cfa")).exists()


def test_own_page_is_the_users_organisme_only(client, enquete):
    """The responsable's own survey lists its own learners (none), not its formateurs'."""
    client.force_login(ofa_user(enquete["responsable"]))
    response = client.get("/enquete-sifa/")
    assert response.status_code == 200
    assert "Désactivé car votre organisme n&#x27;a encore rien transmis" in response.content.decode()


def test_non_ofa_users_get_an_explanation(client, enquete):
    client.force_login(operator_user(OrganisationType.DREETS, region_id="84"))
    response = client.get("/enquete-sifa/")
    assert response.status_code == 200
    assert "Son enquête SIFA" in response.content.decode()
    assert client.get("/enquete-sifa/fichier.csv").status_code == 404


def test_anonymous_goes_to_login(client, enquete):
    for url in (
        "/enquete-sifa/",
        "/enquete-sifa/fichier.csv",
        f"/organismes/{enquete['cible'].public_id}/enquete-sifa/",
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == f"{resolve_url(settings.LOGIN_URL)}?next={url}"


def test_snapshot_follows_the_school_year(client, enquete):
    """From August the snapshot is 31 December of the current year: nothing of 2024-2025 is counted in 2025-2026."""
    with time_machine.travel(datetime(2025, 8, 1, 10, 0, tzinfo=UTC), tick=False):
        client.force_login(ofa_user(enquete["cible"]))
        response = client.get("/enquete-sifa/")
    assert response.context["enquete"].snapshot == date(2025, 12, 31)
    assert noms(response) == set()
