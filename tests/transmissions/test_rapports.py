"""Transmission reports (pages-import-sifa.md §4, api-v3.md §3.10), built from real POSTs and real processing."""

import html
import io
import re
from datetime import timedelta

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from organismes.models import AuditLog, OrganisationType, Organisme
from tests.factories import OrganisationFactory, OrganismeFactory, ReseauFactory, UserFactory
from tests.transmissions.conftest import dossier
from transmissions.models import QueueItem
from transmissions.processing import queue_process_lot

UNKNOWN_FORMATEUR_SIRET = "77937827200024"
UNKNOWN_RESPONSABLE = {"etablissement_responsable_uai": "0755805D", "etablissement_responsable_siret": "11111111111111"}


def _text(response) -> str:
    body = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", html.unescape(body))


def push(api, records):
    """POST like an ERP, then run the worker on what was queued."""
    response = api(data=records)
    assert response.status_code == 200, response.content
    ids = [item["_id"] for item in response.json()["data"]]
    for lot_id in set(QueueItem.objects.filter(public_id__in=ids).values_list("lot_id", flat=True)):
        queue_process_lot(lot_id=lot_id)
    return response


def ofa_user(organisme):
    return UserFactory(organisation__organisme=organisme)


@pytest.fixture
def day():
    return timezone.now().date()


@pytest.fixture
def report(api, fixture_couple):
    """One day of the fixture formateur: 1 success, 2 unknown formateur, 1 unknown responsable, 1 invalid."""
    push(
        api,
        [
            dossier(id_erp_apprenant="OK-1", nom_apprenant="Valide", prenom_apprenant="Vera"),
            dossier(id_erp_apprenant="F-1", etablissement_formateur_siret=UNKNOWN_FORMATEUR_SIRET),
            dossier(id_erp_apprenant="F-2", etablissement_formateur_siret=UNKNOWN_FORMATEUR_SIRET),
            dossier(id_erp_apprenant="R-1", **UNKNOWN_RESPONSABLE),
            dossier(
                id_erp_apprenant="X-1",
                nom_apprenant="Invalide",
                prenom_apprenant="Iris",
                etablissement_formateur_uai="080204U",
                formation_cfd="5003361",
            ),
        ],
    )
    return fixture_couple[0]


def test_list_per_day_counts_sent_items_newest_first_with_pending(api, client, fixture_couple, day):
    formateur, _ = fixture_couple
    push(api, [dossier(id_erp_apprenant="A"), dossier(id_erp_apprenant="B", formation_cfd="x")])
    QueueItem.objects.update(computed_day=day - timedelta(days=3))
    # Today: one valid record still waiting for the worker.
    api(data=[dossier(id_erp_apprenant="C")])
    client.force_login(ofa_user(formateur))

    response = client.get(reverse("transmissions"))

    assert response.status_code == 200
    text = _text(response)
    assert "Mes transmissions" in text
    for column in ("Date de transmission", "Transmission", "Effectifs transmis", "Effectifs en échec", "Total"):
        assert column in text
    rows = response.context["rows"]
    assert [(r["day"], r["success"], r["error"], r["pending"], r["total"]) for r in rows] == [
        (day, 0, 0, 1, 1),
        (day - timedelta(days=3), 1, 1, 0, 2),
    ]
    assert "En cours de traitement" in text and "dont 1 en cours de traitement" in text
    assert "Incomplète" in text
    assert reverse("transmissions_jour", args=[day.isoformat()]) in response.content.decode()


def test_list_shows_only_what_this_organisme_sent(api, client, fixture_couple):
    _, responsable = fixture_couple
    push(api, [dossier()])
    client.force_login(ofa_user(responsable))
    # The responsable received nothing it sent itself: its own list is empty.
    response = client.get(reverse("transmissions"))
    assert response.context["rows"] == []
    assert "Aucune transmission reçue" in _text(response)


def test_list_is_paginated_server_side(api, client, fixture_couple, day):
    formateur, _ = fixture_couple
    push(api, [dossier(id_erp_apprenant=str(n)) for n in range(7)])
    for offset, item in enumerate(QueueItem.objects.order_by("pk")):
        QueueItem.objects.filter(pk=item.pk).update(computed_day=day - timedelta(days=offset))
    client.force_login(ofa_user(formateur))

    first = client.get(reverse("transmissions"), {"par": 5})
    second = client.get(reverse("transmissions"), {"par": 5, "page": 2})

    assert [r["day"] for r in first.context["rows"]] == [day - timedelta(days=n) for n in range(5)]
    assert [r["day"] for r in second.context["rows"]] == [day - timedelta(days=n) for n in (5, 6)]
    assert "page=2" in first.content.decode()


def test_opening_the_list_clears_the_error_flag_for_the_organisme_users_only(api, client, fixture_couple):
    formateur, _ = fixture_couple
    push(api, [dossier(formation_cfd="x")])
    formateur.refresh_from_db()
    assert formateur.has_transmission_errors

    client.force_login(UserFactory(organisation__type=OrganisationType.ADMINISTRATEUR))
    client.get(reverse("organisme_transmissions", args=[formateur.public_id]))
    formateur.refresh_from_db()
    assert formateur.has_transmission_errors  # an administrator looking does not hide the alert from the CFA

    client.force_login(ofa_user(formateur))
    client.get(reverse("transmissions"))
    formateur.refresh_from_db()
    assert not formateur.has_transmission_errors


def test_day_report_error_summary_and_rows(client, report, day):
    client.force_login(ofa_user(report))

    response = client.get(reverse("transmissions_jour", args=[day.isoformat()]))

    assert response.status_code == 200
    text = _text(response)
    assert f"Rapport du {day:%d/%m/%Y}" in text
    assert "Effectifs en échec (4)" in text and "Effectifs transmis (1)" in text
    # 2 + 1 "non trouvé" errors, and the invalid record's UAI and CFD.
    assert response.context["summary"].total == 5
    assert "5 erreurs ont été détectées." in text
    assert "Voici les erreurs les plus récurrentes." in text
    assert (
        f"Couple UAI 0802004U / SIRET {UNKNOWN_FORMATEUR_SIRET} du site formateur n'est pas reconnu : "
        "2 effectifs en erreur"
    ) in text
    assert (
        "Couple UAI 0755805D / SIRET 11111111111111 du site responsable n'est pas reconnu : 1 effectif en erreur"
        in (text)
    )
    assert "qui n’existe pas sur le Tableau de bord de l’apprentissage" in text
    for column in ("Apprenant", "Date de naissance", "Code Diplôme", "RNCP", "Heure d'envoi", "Erreurs"):
        assert column in text
    rows = response.context["error_rows"]
    # Sorted by processing time: the record refused at reception comes first.
    invalid = rows[0]
    assert invalid["apprenant"] == "Iris Invalide"
    assert invalid["erreurs"] == 2 and invalid["date_de_naissance"] == "21/05/2007"
    assert re.fullmatch(r"\d{2}:\d{2}:\d{2}\.\d{3}", invalid["heure"])
    by_key = {champ.key: champ for champ in invalid["champs"]}
    assert by_key["formation_cfd"].label == "Code CFD de la formation"
    assert by_key["formation_cfd"].errors == [{"message": "Code CFD invalide", "code": "cfd_invalide"}]
    assert by_key["nom_apprenant"].required and by_key["nom_apprenant"].value == "Invalide"
    assert "Code CFD invalide" in text and "cfd_invalide" in text
    assert "Veuillez corriger ces données directement dans votre ERP" in text
    # The reference's wording for an unknown couple, in the row's detail.
    assert "Couple UAI/SIRET du formateur non trouvé dans le Référentiel de l’apprentissage" in text


def test_day_report_success_tab_groups_by_receiving_formateur(client, report, day):
    client.force_login(ofa_user(report))

    response = client.get(reverse("transmissions_jour", args=[day.isoformat()]), {"onglet": "transmis"})

    groups = response.context["success_rows"]
    assert [(g["siret"], g["uai"], g["effectifs"]) for g in groups] == [("77937827200016", "0802004U", 1)]
    text = _text(response)
    assert "Identifiez les organismes vers lesquels les effectifs ont été transmis et affectés." in text
    for column in ("Nom de l'établissement", "SIRET", "UAI", "Adresse", "Effectifs"):
        assert column in text
    assert reverse("organisme_detail", args=[report.public_id]) in response.content.decode()


def test_day_without_data_and_impossible_dates(client, fixture_couple):
    client.force_login(ofa_user(fixture_couple[0]))
    empty = client.get(reverse("transmissions_jour", args=["2020-01-01"]))
    assert empty.status_code == 200 and "Effectifs en échec (0)" in _text(empty)
    assert client.get("/transmissions/2026-02-30/").status_code == 404
    assert client.get("/transmissions/hier/").status_code == 404


def test_xlsx_download_one_line_per_error_formula_safe_and_logged(api, client, fixture_couple, day):
    from openpyxl import load_workbook

    formateur, _ = fixture_couple
    user = ofa_user(formateur)
    push(
        api,
        [
            dossier(id_erp_apprenant="OK"),
            dossier(
                id_erp_apprenant="HACK",
                nom_apprenant='=HYPERLINK("http://evil.example","clic")',
                formation_cfd="5003361",
                formation_rncp="RNCP1",
            ),
            dossier(id_erp_apprenant="F-1", etablissement_formateur_siret=UNKNOWN_FORMATEUR_SIRET),
        ],
    )
    client.force_login(user)

    response = client.get(reverse("transmissions_jour_xlsx", args=[day.isoformat()]))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert f"tdb-rapport-transmission-0802004U-{day.isoformat()}.xlsx" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == (
        "Date de transmission",
        "Nom",
        "Prénom",
        "Identifiant ERP",
        "Champ",
        "Valeur reçue",
        "Message",
        "Code",
    )
    lines = rows[1:]
    assert len(lines) == 4  # CFD + RNCP of HACK, the formateur couple (UAI and SIRET) of F-1
    assert {(line[3], line[4], line[7]) for line in lines} == {
        ("HACK", "formation_cfd", "cfd_invalide"),
        ("HACK", "formation_rncp", "rncp_invalide"),
        ("F-1", "etablissement_formateur_uai", "organisme_formateur_non_trouve"),
        ("F-1", "etablissement_formateur_siret", "organisme_formateur_non_trouve"),
    }
    hack = next(line for line in lines if line[3] == "HACK")
    assert hack[1] == '\'=HYPERLINK("http://evil.example","clic")'
    cell = next(row for row in sheet.iter_rows(min_row=2) if row[3].value == "HACK")[1]
    assert cell.data_type == "s"  # text, not a formula
    assert next(line for line in lines if line[4] == "formation_cfd")[5] == "5003361"
    log = AuditLog.objects.get(action="rapport_transmission_telecharge")
    assert log.user == user and log.organisme == formateur
    assert log.data == {"jour": day.isoformat(), "lignes": 4}


# --- Who may see a report --------------------------------------------------------------------------------


def _urls(organisme, day):
    return [
        reverse("organisme_transmissions", args=[organisme.public_id]),
        reverse("organisme_transmissions_jour", args=[organisme.public_id, day.isoformat()]),
        reverse("organisme_transmissions_jour_xlsx", args=[organisme.public_id, day.isoformat()]),
    ]


def test_the_organisme_sees_its_reports_by_both_urls(client, report, day):
    client.force_login(ofa_user(report))
    for url in [*_urls(report, day), reverse("transmissions"), reverse("transmissions_jour", args=[day])]:
        assert client.get(url).status_code == 200, url
    assert "Mes transmissions" in _text(client.get(_urls(report, day)[0]))


def test_administrators_see_any_organisme_reports(client, report, day):
    client.force_login(UserFactory(organisation__type=OrganisationType.ADMINISTRATEUR))
    for url in _urls(report, day):
        assert client.get(url).status_code == 200, url
    page = client.get(_urls(report, day)[0])
    assert "Ses transmissions" in _text(page) and len(page.context["rows"]) == 1


@pytest.mark.parametrize("who", ["autre_ofa", "responsable", "reseau", "dreets"])
def test_others_get_404(client, report, day, who):
    responsable = Organisme.objects.get(siret="77568013501139")
    reseau = ReseauFactory()
    report.reseaux.add(reseau)
    users = {
        "autre_ofa": lambda: ofa_user(OrganismeFactory()),
        # Its formateur's data are not its transmissions: only the sender configures and reads them.
        "responsable": lambda: ofa_user(responsable),
        "reseau": lambda: UserFactory(
            organisation=OrganisationFactory(type=OrganisationType.TETE_DE_RESEAU, reseau=reseau)
        ),
        "dreets": lambda: UserFactory(
            organisation=OrganisationFactory(type=OrganisationType.DREETS, region_id=report.region_id)
        ),
    }
    client.force_login(users[who]())
    for url in _urls(report, day):
        assert client.get(url).status_code == 404, url
    assert not AuditLog.objects.filter(action="rapport_transmission_telecharge").exists()


@pytest.mark.parametrize("kind", [OrganisationType.TETE_DE_RESEAU, OrganisationType.DREETS])
def test_mes_transmissions_is_404_without_an_organisme_de_formation(client, db, kind):
    extra = {"reseau": ReseauFactory()} if kind == OrganisationType.TETE_DE_RESEAU else {"region_id": "84"}
    client.force_login(UserFactory(organisation=OrganisationFactory(type=kind, **extra)))
    assert client.get(reverse("transmissions")).status_code == 404


# --- Bounded queries -------------------------------------------------------------------------------------


def test_list_and_day_pages_run_a_bounded_number_of_queries(
    api, client, fixture_couple, day, django_assert_max_num_queries
):
    formateur, _ = fixture_couple
    records = [dossier(id_erp_apprenant=f"OK-{n}") for n in range(15)]
    records += [dossier(id_erp_apprenant=f"KO-{n}", formation_cfd="x") for n in range(15)]
    records += [
        dossier(id_erp_apprenant=f"F-{n}", etablissement_formateur_siret=UNKNOWN_FORMATEUR_SIRET) for n in range(15)
    ]
    push(api, records)
    for offset in range(1, 8):
        QueueItem.objects.filter(payload__id_erp_apprenant=f"OK-{offset}").update(
            computed_day=day - timedelta(days=offset)
        )
    client.force_login(ofa_user(formateur))
    client.get(reverse("transmissions"))  # warm the session

    with django_assert_max_num_queries(11):
        assert client.get(reverse("transmissions")).status_code == 200
    # Session, user, ACL, organisme, then: counts, summary (3), two paginated tabs (2 x 2): whatever the rows.
    with django_assert_max_num_queries(16):
        assert client.get(reverse("transmissions_jour", args=[day])).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(reverse("transmissions_jour_xlsx", args=[day])).status_code == 200


# --- Dashboard alert -------------------------------------------------------------------------------------


def test_dashboard_alert_include_links_to_the_day_report(rf, fixture_couple):
    formateur, _ = fixture_couple
    formateur.has_transmission_errors = True
    formateur.transmission_errors_date = timezone.now()
    content = render_to_string("transmissions/_alerte_erreurs.html", {"organisme": formateur})
    day = formateur.transmission_errors_date.date()  # UTC, as the reports
    shown = timezone.localdate(formateur.transmission_errors_date)
    text = " ".join(content.split())
    assert f"Bonjour, des erreurs ont été détectées dans vos données le {shown:%d/%m/%Y}." in text
    assert reverse("organisme_transmissions_jour", args=[formateur.public_id, day]) in content

    formateur.has_transmission_errors = False
    assert render_to_string("transmissions/_alerte_erreurs.html", {"organisme": formateur}).strip() == ""
