"""Organisation-level indicators and lists, statuses-indicators-roles.md §6 H, through the pages.

The spec's shared fixture (OF cible in Morbihan, its formateur and responsable, an unrelated OF; réseaux
CCI and Compagnons du Devoir) with learners ingested through POST /api/v3 + the queue worker. Every
profile of the fixture sees exactly its scope.

TDBA follows the 2024 matrix (§4.3 "historical"), which changes two rows of the HEAD expectations of §6 H:
- Conseil régional: indicators of its own région (0 elsewhere) and the national transmission info
  (organismes of every département), never a nominative list (HEAD: 403 everywhere);
- Opérateur public national: every indicator, no nominative list (HEAD: 403 everywhere).
"""

from datetime import UTC, date, datetime, timedelta
from io import BytesIO

import pytest
from openpyxl import load_workbook

from effectifs import selectors
from effectifs.selectors import FiltresIndicateurs, FiltresTerritoire
from erp_keys.services import erp_key_generate
from organismes.models import AuditLog, Nature, Organisation, OrganisationType, Reseau
from tests.effectifs.test_indicateurs import ingest
from tests.factories import OrganismeFactory, RelationFactory, ReseauFactory, UserFactory
from tests.transmissions.conftest import dossier

D = date(2022, 10, 10)
NOW_H = datetime(2022, 10, 10, 10, 0, tzinfo=UTC)
CIBLE = {"uai": "0000000A", "siret": "00000000000018"}


@pytest.fixture
def fixture_h(db):
    return build_fixture_h()


def build_fixture_h() -> dict:
    """§6 shared fixture: four organismes with the same address (56 / 53 / 14) and réseaux; all FIABLE,
    responsable_formateur, first transmission 3 months before D (so they are "transmetteurs")."""
    cci = ReseauFactory(key="cci", nom="CCI")
    compagnons = ReseauFactory(key="comp_du_devoir", nom="Compagnons du Devoir", responsable=True)
    ReseauFactory(key="agri", nom="AGRI")
    common = {
        "region_id": "53",
        "departement_id": "56",
        "academie_id": "14",
        "reseaux": [cci, compagnons],
        "nature": Nature.RESPONSABLE_FORMATEUR,
        "first_transmission_date": NOW_H - timedelta(days=91),
        "last_transmission_date": NOW_H - timedelta(days=30),
    }
    cible = OrganismeFactory(**CIBLE, enseigne="ADEN Formations (Caen)", **common)
    formateur = OrganismeFactory(uai="0000000B", **common)
    responsable = OrganismeFactory(uai="0000000C", **common)
    non_lie = OrganismeFactory(uai="1111111B", **common)
    RelationFactory(responsable=cible, formateur=formateur)
    RelationFactory(responsable=responsable, formateur=cible)
    return {"cible": cible, "formateur": formateur, "responsable": responsable, "non_lie": non_lie}


def _record(**overrides) -> dict:
    base = {
        "etablissement_responsable_uai": CIBLE["uai"],
        "etablissement_responsable_siret": CIBLE["siret"],
        "etablissement_formateur_uai": CIBLE["uai"],
        "etablissement_formateur_siret": CIBLE["siret"],
        "annee_scolaire": "2022-2023",
        "email_contact": "camille.lefebvre@example.org",
        "tel_apprenant": "0612345678",
    }
    return dossier(**{**base, **overrides})


def _ingest(client, organismes, records):
    ingest(client, erp_key_generate(organisme=organismes["cible"]), records, now=NOW_H)
    # Ingestion stamps the transmission dates with "now": put back the fixture's.
    organismes["cible"].refresh_from_db()


@pytest.fixture
def apprenti_h(client, fixture_h):
    """One apprentice of OF cible at D (RNCP37682 / 36T32603, niveau 5)."""
    _ingest(
        client,
        fixture_h,
        [
            _record(
                id_erp_apprenant="H-APPRENTI",
                date_inscription_formation="2022-09-01",
                date_entree_formation="2022-09-01",
                date_fin_formation="2024-06-30",
                contrat_date_debut="2022-09-01",
                contrat_date_fin="2024-06-30",
                formation_rncp="RNCP37682",
                formation_cfd="36T32603",
            )
        ],
    )
    return fixture_h


@pytest.fixture
def abandon_h(client, fixture_h):
    """One learner of OF cible, session 2020-11-15 → later, no contract: ABANDON after 90 days."""
    _ingest(
        client,
        fixture_h,
        [
            _record(
                id_erp_apprenant="H-ABANDON",
                nom_apprenant="Sortie",
                date_inscription_formation="2020-11-15",
                date_entree_formation="2020-11-15",
                date_fin_formation="2023-11-15",
            )
        ],
    )
    return fixture_h


def _user(profile: str, organismes) -> object:
    t = OrganisationType
    kind, _, territory = profile.partition(":")
    values = {
        "OF cible": {"type": t.ORGANISME_FORMATION, "organisme": organismes["cible"]},
        "OF responsable": {"type": t.ORGANISME_FORMATION, "organisme": organismes["responsable"]},
        "OF formateur": {"type": t.ORGANISME_FORMATION, "organisme": organismes["formateur"]},
        "OF non lié": {"type": t.ORGANISME_FORMATION, "organisme": organismes["non_lie"]},
        "TDR même réseau": {"type": t.TETE_DE_RESEAU, "reseau": Reseau.objects.get(key="cci")},
        "TDR responsable": {"type": t.TETE_DE_RESEAU, "reseau": Reseau.objects.get(key="comp_du_devoir")},
        "TDR autre réseau": {"type": t.TETE_DE_RESEAU, "reseau": Reseau.objects.get(key="agri")},
        "DREETS": {"type": t.DREETS, "region_id": territory},
        "Conseil régional": {"type": t.CONSEIL_REGIONAL, "region_id": territory},
        "DDETS": {"type": t.DDETS, "departement_id": territory},
        "Académie": {"type": t.ACADEMIE, "academie_id": territory},
        "OPN": {"type": t.OPERATEUR_PUBLIC_NATIONAL, "nom": "Ministère de la Justice"},
        "Administrateur": {"type": t.ADMINISTRATEUR},
    }[kind]
    return UserFactory(organisation=Organisation.objects.create(**values))


# (profile, apprentis par département in "56" (0 → no row), organismes in "56" (0 → no row), par-organisme rows)
H_AGREGATS = [
    ("OF cible", 1, 2, 1),
    ("OF non lié", 0, 1, 0),
    ("OF formateur", 0, 1, 0),
    ("OF responsable", 1, 2, 1),
    ("TDR même réseau", 1, 4, 1),
    ("TDR responsable", 1, 4, 1),
    ("TDR autre réseau", 0, 0, 0),
    ("DREETS:53", 1, 4, 1),
    ("DREETS:76", 0, 4, 0),  # infoTransmissionEffectifs is national for public operators
    ("Conseil régional:53", 1, 4, 1),  # 2024 matrix (HEAD: 403)
    ("Conseil régional:76", 0, 4, 0),  # 2024 matrix (HEAD: 403)
    ("DDETS:56", 1, 4, 1),
    ("DDETS:31", 0, 4, 0),
    ("Académie:14", 1, 4, 1),
    ("Académie:16", 0, 4, 0),
    ("OPN", 1, 4, 1),  # 2024 matrix (HEAD: 403)
    ("Administrateur", 1, 4, 1),
]
TRANSVERSES = [p for p in H_AGREGATS if not p[0].startswith("OF ")]


def _organismes_row(n: int) -> dict:
    bloc = {"total": n, "responsables": 0, "responsablesFormateurs": n, "formateurs": 0, "inconnues": 0}
    return {
        "departement": "56",
        "totalOrganismes": bloc,
        "organismesTransmetteurs": bloc,
        "organismesNonTransmetteurs": dict.fromkeys(bloc, 0),
        "tauxCouverture": dict.fromkeys(bloc, 100),
    }


@pytest.mark.parametrize(("profile", "apprentis", "organismes", "par_organisme"), H_AGREGATS)
def test_h_selectors_per_profile(apprenti_h, profile, apprentis, organismes, par_organisme):
    user = _user(profile, apprenti_h)
    filtres = FiltresTerritoire(date=D)

    effectifs = selectors.indicateurs_effectifs_par_departement(user=user, filtres=filtres)
    expected = [{"departement": "56", "apprenants": 1, "apprentis": 1, "inscrits": 0, "rupturants": 0, "abandons": 0}]
    assert effectifs == (expected if apprentis else [])
    rows = selectors.indicateurs_organismes_par_departement(user=user, filtres=filtres)
    assert rows == ([_organismes_row(organismes)] if organismes else [])
    par_org = selectors.indicateurs_par_organisme(user=user, filtres=FiltresIndicateurs(date=D, today=D))
    assert len(par_org) == par_organisme
    if par_org:
        assert {k: par_org[0][k] for k in ("nom", "nature", "siret", "uai", "apprentis")} == {
            "nom": "ADEN Formations (Caen)",
            "nature": "responsable_formateur",
            "siret": "00000000000018",
            "uai": "0000000A",
            "apprentis": 1,
        }


@pytest.mark.parametrize(("profile", "apprentis", "organismes", "par_organisme"), TRANSVERSES)
def test_h_transverse_dashboard_per_profile(client, apprenti_h, profile, apprentis, organismes, par_organisme):
    client.force_login(_user(profile, apprenti_h))

    response = client.get("/tableau-de-bord/", {"mois": "2022-10"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "Aperçu des données de l’apprentissage de votre périmètre" in html
    assert response.context["indicateurs"]["apprentis"] == apprentis
    assert response.context["organismes"]["totalOrganismes"]["total"] == organismes
    assert [r["code"] for r in response.context["table_effectifs"]] == (["56"] if apprentis else [])
    # The map: one path per département, the legend, the Morbihan coloured when it has apprentis.
    assert html.count('class="departement departement-') == 2 * 101
    assert 'class="carte-legende"' in html
    morbihan = html.split('data-code="56"', 1)[1].split(">", 1)[0]
    assert ('fill="#FFFFFF"' not in morbihan) is bool(apprentis)


@pytest.mark.parametrize(
    ("profile", "sentence"),
    [
        ("TDR même réseau", "Votre périmètre : organismes du réseau CCI."),
        ("DREETS:53", "Votre périmètre : organismes de la région Bretagne."),
        ("Conseil régional:53", "Votre périmètre : organismes de la région Bretagne."),
        ("DDETS:56", "Votre périmètre : organismes du département Morbihan."),
        ("Académie:14", "Votre périmètre : organismes de l'académie de Rennes."),
        ("OPN", "Votre périmètre : tous les organismes nationaux."),
        ("Administrateur", "Votre périmètre : tous les organismes nationaux."),
    ],
)
def test_transverse_dashboard_perimeter_sentence_and_welcome(client, fixture_h, profile, sentence):
    user = _user(profile, fixture_h)
    client.force_login(user)
    html = client.get("/tableau-de-bord/").content.decode()
    assert sentence.replace("'", "&#x27;") in html
    assert "Bienvenue sur votre tableau de bord, Mme Camille Martin" in html
    assert user.organisation.label.upper().replace("'", "&#x27;") in html


def test_territory_filters_are_narrowed_to_the_scope(client, apprenti_h):
    client.force_login(_user("DDETS:56", apprenti_h))
    form = client.get("/tableau-de-bord/").context["form"]
    assert [c for c, _ in form.fields["organisme_departements"].choices] == ["", "56"]
    assert [c for c, _ in form.fields["organisme_regions"].choices] == ["", "53"]
    # A département outside the scope is refused (error shown), not silently widened.
    response = client.get("/tableau-de-bord/", {"mois": "2022-10", "organisme_departements": "75"})
    assert response.context["form"].errors["organisme_departements"]
    # Filtering on another académie of the scope's choices gives nothing; on its own gives the apprentice.
    client.force_login(_user("Administrateur", apprenti_h))
    ok = client.get("/tableau-de-bord/", {"mois": "2022-10", "organisme_academies": "14"})
    assert ok.context["indicateurs"]["apprentis"] == 1
    other = client.get("/tableau-de-bord/", {"mois": "2022-10", "organisme_regions": "11"})
    assert other.context["indicateurs"]["apprentis"] == 0
    assert other.context["organismes"]["totalOrganismes"]["total"] == 0


# --------------------------------------------------------------------------- nominative lists (§6 H)

ROW, EMPTY, REFUSED = "row", "empty", 403
# (profile, abandon list, apprenti list, contact columns)
H_NOMINATIFS = [
    ("OF cible", ROW, EMPTY, False),
    ("OF non lié", EMPTY, EMPTY, False),
    ("OF formateur", EMPTY, EMPTY, False),
    ("OF responsable", ROW, EMPTY, False),
    ("TDR même réseau", REFUSED, REFUSED, False),
    ("TDR responsable", ROW, EMPTY, False),
    ("TDR autre réseau", REFUSED, REFUSED, False),
    ("DREETS:53", ROW, REFUSED, True),
    ("DREETS:76", EMPTY, REFUSED, True),
    ("Conseil régional:53", REFUSED, REFUSED, False),
    ("Conseil régional:76", REFUSED, REFUSED, False),
    ("DDETS:56", ROW, REFUSED, True),
    ("DDETS:31", EMPTY, REFUSED, True),
    ("Académie:14", ROW, REFUSED, True),
    ("Académie:16", EMPTY, REFUSED, True),
    ("OPN", REFUSED, REFUSED, False),
    ("Administrateur", ROW, EMPTY, False),
]


def _download(client, type_: str):
    return client.get(f"/indicateurs/listes/{type_}/", {"mois": "2022-10", "confirm": "1"})


def _rows(response) -> tuple[list, list[list]]:
    sheet = load_workbook(BytesIO(response.content)).active
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    return values[0], values[1:]


@pytest.mark.parametrize(("profile", "abandon", "apprenti", "contact"), H_NOMINATIFS)
def test_h_nominative_lists_per_profile(client, abandon_h, profile, abandon, apprenti, contact):
    user = _user(profile, abandon_h)
    client.force_login(user)
    for type_, expected in (("abandon", abandon), ("apprenti", apprenti)):
        response = _download(client, type_)
        if expected == REFUSED:
            assert response.status_code == 403
            continue
        assert response.status_code == 200
        assert response["Content-Disposition"] == f'attachment; filename="tdb-effectifs-{type_}-2022-10-31.xlsx"'
        headers, rows = _rows(response)
        assert ("apprenant_courriel" in headers) is contact
        assert ("apprenant_telephone" in headers) is contact
        if expected == EMPTY:
            assert rows == []
            continue
        [row] = rows
        record = dict(zip(headers, row, strict=True))
        assert record["apprenant_nom"] == "SORTIE" or record["apprenant_nom"].upper() == "SORTIE"
        assert record["apprenant_statut"] == "ABANDON"
        assert record["organisme_uai"] == "0000000A"
        if contact:
            assert record["apprenant_courriel"] == "camille.lefebvre@example.org"
            assert record["apprenant_telephone"]
    logs = AuditLog.objects.filter(user=user, action="telechargement_liste_nominative")
    expected_logs = sum(1 for e in (abandon, apprenti) if e != REFUSED)
    assert logs.count() == expected_logs
    for log in logs:
        assert log.data["nombre"] == len(log.data["effectifs"])
        assert log.data["type"] in ("abandon", "apprenti")


def test_public_operators_read_the_notice_before_downloading(client, abandon_h):
    user = _user("DREETS:53", abandon_h)
    client.force_login(user)

    notice = client.get("/indicateurs/listes/abandon/", {"mois": "2022-10"})

    assert notice.status_code == 200
    html = notice.content.decode()
    assert "Téléchargement des listes nominatives" in html
    assert "cellules régionales interministérielles" in html
    assert "Annuler" in html and "J'ai compris" in html
    assert "confirm=1" in html
    assert not AuditLog.objects.filter(user=user).exists()
    # The dashboard cards link to the lists this profile may download, and only those.
    dashboard = client.get("/tableau-de-bord/", {"mois": "2022-10"})
    urls = {c["cle"]: c["url"] for c in dashboard.context["cartes_indicateurs"]}
    assert urls["abandons"].startswith("/indicateurs/listes/abandon/")
    assert urls["rupturants"] and urls["inscrits"]
    assert urls["apprenants"] == urls["apprentis"] == ""


def test_unknown_list_type_is_404(client, abandon_h):
    client.force_login(_user("Administrateur", abandon_h))
    assert client.get("/indicateurs/listes/inconnu/").status_code == 404


def test_anonymous_users_are_sent_to_login(client, fixture_h):
    for url in ("/indicateurs/listes/abandon/", "/organismes/", "/organismes/export/"):
        response = client.get(url)
        assert response.status_code == 302 and "/comptes/login/" in response.url
