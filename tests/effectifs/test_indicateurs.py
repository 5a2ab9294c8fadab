"""Indicators at a date through the real ingestion path (statuses-indicators-roles.md §3, §6 D and F).

Records are POSTed to /api/v3 with a real key, processed by the queue worker, then counted by the
selectors: what an ERP sends is what the dashboard shows.
"""

from datetime import UTC, date, datetime, timedelta

import time_machine

from effectifs import selectors
from effectifs.models import Effectif
from effectifs.selectors import FiltresIndicateurs
from organismes.models import Fiabilisation, OrganisationType
from tests.factories import OrganisationFactory, ReseauFactory, UserFactory
from tests.transmissions.conftest import dossier
from transmissions.models import QueueItem
from transmissions.processing import queue_process_lot

D = date(2023, 4, 13)
NOW = datetime(2023, 4, 13, 10, 0, tzinfo=UTC)
EXPECTED_D = {"apprenants": 35, "apprentis": 5, "inscrits": 10, "abandons": 15, "rupturants": 20}


def ingest(client, key: str, records: list[dict], *, now: datetime = NOW) -> None:
    """POST the records as an ERP would, then run the worker on their lot (the real ingestion path)."""
    with time_machine.travel(now, tick=False):
        response = client.post(
            "/api/v3/dossiers-apprenants",
            data=records,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {key}",
        )
        assert response.status_code == 200, response.content
        ids = [d["_id"] for d in response.json()["data"]]
        for lot_id in set(QueueItem.objects.filter(public_id__in=ids).values_list("lot_id", flat=True)):
            queue_process_lot(lot_id=lot_id)
    errors = list(
        QueueItem.objects.filter(public_id__in=ids, has_error=True).values_list("validation_errors", flat=True)
    )
    assert errors == []


def record(n: int, *, prefix: str, entree: date, fin: date, **contrat) -> dict:
    extra = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in contrat.items()}
    return dossier(
        id_erp_apprenant=f"{prefix}-{n}",
        nom_apprenant=f"{prefix}{n:02d}",
        prenom_apprenant="Camille",
        annee_scolaire="2022-2023",
        date_de_naissance_apprenant="2004-02-29",
        date_inscription_formation=entree.isoformat(),
        date_entree_formation=entree.isoformat(),
        date_fin_formation=fin.isoformat(),
        **extra,
    )


def population_d(d: date = D) -> list[dict]:
    """§6 D: 5 APPRENTI, 10 INSCRIT, 15 ABANDON (90-day rule), 20 RUPTURANT at date d."""
    fin = d + timedelta(days=365)
    records = [
        record(i, prefix="APPRENTI", entree=d, fin=fin, contrat_date_debut=d, contrat_date_fin=fin) for i in range(5)
    ]
    records += [record(i, prefix="INSCRIT", entree=d, fin=fin) for i in range(10)]
    x = d - timedelta(days=191)
    records += [
        record(i, prefix="ABANDON", entree=x, fin=fin, contrat_date_debut=x, contrat_date_fin=x, contrat_date_rupture=x)
        for i in range(15)
    ]
    r = d - timedelta(days=100)
    records += [
        record(
            i,
            prefix="RUPTURANT",
            entree=r,
            fin=fin,
            contrat_date_debut=r,
            contrat_date_rupture=d,
            contrat_date_fin=d + timedelta(days=50),
        )
        for i in range(20)
    ]
    return records


def ofa_user(organisme):
    return UserFactory(organisation=OrganisationFactory(type=OrganisationType.ORGANISME_FORMATION, organisme=organisme))


def operator_user(type_: str, **territory):
    return UserFactory(organisation=OrganisationFactory(type=type_, organisme=None, **territory))


def filtres(d: date = D, **kwargs) -> FiltresIndicateurs:
    return FiltresIndicateurs(date=d, today=D, **kwargs)


def test_population_d_counts_through_ingestion(population):
    cible = population["cible"]
    assert Effectif.objects.filter(organisme=cible).count() == 50
    user = ofa_user(cible)

    assert selectors.indicateurs_effectifs(user=user, filtres=filtres(), organisme=cible) == EXPECTED_D
    # Perimeter total (fiable organismes): the same, the organisme is FIABLE.
    assert selectors.indicateurs_effectifs(user=user, filtres=filtres()) == EXPECTED_D


def test_responsable_counts_its_formateurs(population):
    responsable = population["responsable"]
    user = ofa_user(responsable)
    assert selectors.indicateurs_effectifs(user=user, filtres=filtres(), organisme=responsable) == EXPECTED_D
    [row] = selectors.indicateurs_par_organisme(user=user, filtres=filtres(), organisme=responsable)
    assert (row["uai"], row["apprentis"], row["rupturants"]) == ("0802004U", 5, 20)


def test_school_year_prefilter_and_status_at_other_dates(population):
    user = ofa_user(population["cible"])
    cible = population["cible"]
    # Same parcours, but D in 2023-2024: effectifs of 2022-2023 are never counted (§3.3 item 1).
    zeros = dict.fromkeys(EXPECTED_D, 0)
    assert selectors.indicateurs_effectifs(user=user, filtres=filtres(date(2023, 8, 1)), organisme=cible) == zeros
    # Before anyone started, nobody has a status yet.
    before = filtres(D - timedelta(days=200))
    assert selectors.indicateurs_effectifs(user=user, filtres=before, organisme=cible) == zeros
    # The day before D: apprentis and inscrits have not started, rupturants are still apprentices.
    veille = selectors.indicateurs_effectifs(user=user, filtres=filtres(D - timedelta(days=1)), organisme=cible)
    assert veille == {"apprenants": 20, "apprentis": 20, "inscrits": 0, "abandons": 15, "rupturants": 0}


def test_single_organisme_total_ignores_fiable_but_breakdowns_apply_it(population):
    cible = population["cible"]
    cible.fiabilisation_statut = Fiabilisation.NON_FIABLE
    cible.save()
    user = ofa_user(cible)
    assert selectors.indicateurs_effectifs(user=user, filtres=filtres(), organisme=cible) == EXPECTED_D
    assert selectors.indicateurs_effectifs(user=user, filtres=filtres())["apprenants"] == 0
    assert selectors.indicateurs_par_organisme(user=user, filtres=filtres(), organisme=cible) == []
    assert selectors.indicateurs_par_formation(user=user, filtres=filtres(), organisme=cible) == []


def test_par_formation_6f(client, famille, cle):
    """§6 F: one apprentice on RNCP37682 / 36T32603 at 2022-10-10."""
    d = date(2022, 10, 10)
    apprenti = dossier(
        id_erp_apprenant="F-1",
        annee_scolaire="2022-2023",
        formation_rncp="RNCP37682",
        formation_cfd="36T32603",
        date_inscription_formation="2022-09-01",
        date_entree_formation="2022-09-01",
        date_fin_formation="2024-06-30",
        contrat_date_debut="2022-09-05",
        contrat_date_fin="2024-06-30",
    )
    ingest(client, cle, [apprenti], now=datetime(2022, 10, 10, 10, tzinfo=UTC))
    # The intitulé and the niveau come from the certification référentiel (§1.6), which the ingestion does
    # not look up yet: set them as the référentiel correction would.
    Effectif.objects.filter(id_erp_apprenant="F-1").update(
        formation_libelle_long="TECHNICIEN SUPERIEUR SYSTEMES ET RESEAUX (TP)", formation_niveau="5"
    )
    cible = famille["cible"]
    rows = selectors.indicateurs_par_formation(
        user=ofa_user(cible), filtres=FiltresIndicateurs(date=d, today=d), organisme=cible
    )
    assert rows == [
        {
            "rncp_code": "RNCP37682",
            "cfd_code": "36T32603",
            "intitule": "TECHNICIEN SUPERIEUR SYSTEMES ET RESEAUX (TP)",
            "niveau_europeen": "5",
            "apprenants": 1,
            "apprentis": 1,
            "inscrits": 0,
            "rupturants": 0,
            "abandons": 0,
        }
    ]
    [niveau] = selectors.indicateurs_par_niveau(rows)
    assert (niveau["libelle"], niveau["apprentis"]) == ("Niveau 5 (BTS, DUT, DEUG)", 1)


def test_filters(population):
    cible = population["cible"]
    user = ofa_user(cible)
    Effectif.objects.filter(nom__startswith="RUPTURANT").update(formation_niveau="4", formation_annee=2)
    Effectif.objects.filter(nom__in=["APPRENTI00", "APPRENTI01"]).update(date_de_naissance=date(2008, 1, 1))

    def count(**kwargs):
        return selectors.indicateurs_effectifs(user=user, filtres=filtres(**kwargs), organisme=cible)

    assert count(niveaux=("4",))["rupturants"] == 20 and count(niveaux=("4",))["apprenants"] == 20
    assert count(annees=(2,))["apprenants"] == 20
    assert count(cfds=("50033616",)) == EXPECTED_D
    assert count(cfds=("ZZZZZZZZ",))["apprenants"] == 0
    # Ages relative to today (2023-04-13): born 2008 → 15 years old; 2004-02-29 → 19.
    assert count(tranches_age=("-18",)) == {**dict.fromkeys(EXPECTED_D, 0), "apprenants": 2, "apprentis": 2}
    assert count(tranches_age=("18-20",))["apprenants"] == 33
    assert count(tranches_age=("21-25", "26+"))["apprenants"] == 0
    assert count(organisme_search="0802004U") == EXPECTED_D
    assert count(organisme_search="77937827200016") == EXPECTED_D
    assert count(organisme_search="779378")["apprenants"] == 35
    assert count(organisme_search="0755805C")["apprenants"] == 0


def test_territory_join_and_national_semi_join_count_alike(population):
    """A territory's periods are joined to the effectifs, the country's are a semi-join on them (performance,
    docs/performance.md): with every organisme of the population in the région, both count the same, filters
    included."""
    Effectif.objects.filter(nom__startswith="RUPTURANT").update(formation_niveau="4", formation_annee=2)
    dreets = operator_user(OrganisationType.DREETS, region_id="84")
    national = operator_user(OrganisationType.OPERATEUR_PUBLIC_NATIONAL)
    for kwargs in (
        {},
        {"niveaux": ("4",)},
        {"annees": (2,)},
        {"organisme_search": "779378"},
        {"tranches_age": ("18-20",)},
    ):
        counts = selectors.indicateurs_effectifs(user=dreets, filtres=filtres(**kwargs))
        assert counts == selectors.indicateurs_effectifs(user=national, filtres=filtres(**kwargs)), kwargs
    assert selectors.indicateurs_effectifs(user=dreets, filtres=filtres()) == EXPECTED_D
    assert selectors.indicateurs_effectifs(user=dreets, filtres=filtres(niveaux=("4",)))["rupturants"] == 20


def test_scope_outsiders_count_nothing(population):
    cible = population["cible"]
    zeros = dict.fromkeys(EXPECTED_D, 0)
    # OF formateur (a formateur of the cible) and OF non lié: the cible is outside their scope.
    for organisme in (population["formateur"], population["non_lie"]):
        user = ofa_user(organisme)
        assert selectors.indicateurs_effectifs(user=user, filtres=filtres(), organisme=cible) == zeros
        assert selectors.indicateurs_effectifs(user=user, filtres=filtres()) == zeros
    dreets_meme = operator_user(OrganisationType.DREETS, region_id="84")
    dreets_autre = operator_user(OrganisationType.DREETS, region_id="53")
    assert selectors.indicateurs_effectifs(user=dreets_meme, filtres=filtres()) == EXPECTED_D
    assert selectors.indicateurs_effectifs(user=dreets_autre, filtres=filtres()) == zeros
    autre_reseau = UserFactory(
        organisation=OrganisationFactory(
            type=OrganisationType.TETE_DE_RESEAU, organisme=None, reseau=ReseauFactory(key="agri")
        )
    )
    assert selectors.indicateurs_effectifs(user=autre_reseau, filtres=filtres()) == zeros
