"""From POST to effectif: the durable queue and the worker (api-v3.md §1.4, §3, checklist §5.3, §5.13, §5.18)."""

from datetime import date, timedelta
from importlib import import_module

import pytest
from django.db.models import ProtectedError
from django.utils import timezone

from effectifs.models import Effectif, EffectifStatutPeriode
from erp_keys.services import erp_key_generate
from tests.transmissions.conftest import dossier
from transmissions.models import Lot, QueueItem
from transmissions.processing import lot_close, queue_process_chunk, queue_process_lot, queue_sweep

FULL = dossier(
    nom_apprenant="Moreau",
    prenom_apprenant="Yanis",
    date_de_naissance_apprenant="2005-11-03T00:00:00.000Z",
    statut_apprenant=3,
    date_metier_mise_a_jour_statut="2025-11-17T09:12:00Z",
    id_erp_apprenant="YP-778812",
    nir_apprenant="1 05 11 75 056 123 45",
    tel_apprenant="06 12 34 56 78",
    sexe_apprenant="M",
    annee_formation=2,
    date_inscription_formation="2024-06-15",
    date_entree_formation="2024-09-02",
    date_fin_formation="2026-06-30",
    contrat_date_debut="2024-09-16",
    contrat_date_fin="2026-06-30",
    contrat_date_rupture="2025-03-14",
    cause_rupture_contrat="résiliation",
    siret_employeur="123 456 789 01234",
    contrat_date_debut_2="2025-04-07",
    contrat_date_fin_2="2026-06-30",
    annee_scolaire="2024-2025",
)


def _process_all(response):
    lots = {item.lot_id for item in QueueItem.objects.filter(public_id__in=[d["_id"] for d in response.json()["data"]])}
    for lot_id in lots:
        queue_process_lot(lot_id=lot_id)


def test_valid_records_are_queued_durably_then_processed_into_effectifs(api, fixture_couple):
    formateur, responsable = fixture_couple
    response = api(data=[FULL, dossier(bidule="blabla")])

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "OK" and body["message"] == "Queued" and "detail" not in body
    first = body["data"][0]
    assert first["has_nir"] is True and "nir_apprenant" not in first
    assert first["validation_errors"] == [] and first["has_error"] is False and "processed_at" not in first
    assert first["api_version"] == "v3" and first["source"] == "ERP"
    assert first["source_organisme_id"] == str(formateur.public_id)
    assert first["tel_apprenant"] == "06 12 34 56 78"  # the raw value, normalised later by the worker
    assert "bidule" not in body["data"][1]
    # Durable before the answer: both rows exist, pending.
    assert QueueItem.objects.filter(processed_at__isnull=True).count() == 2
    assert not any("nir_apprenant" in payload for payload in QueueItem.objects.values_list("payload", flat=True))

    _process_all(response)

    assert Effectif.objects.count() == 2
    effectif = Effectif.objects.get(id_erp_apprenant="YP-778812")
    assert (effectif.nom, effectif.telephone, effectif.has_nir, effectif.sexe) == ("MOREAU", "0612345678", True, "M")
    assert effectif.organisme == formateur and effectif.organisme_responsable == responsable
    assert [c["siret"] for c in effectif.contrats] == ["12345678901234", None]
    assert effectif.parcours == [
        ["2024-09-02", "INSCRIT"],
        ["2024-09-16", "APPRENTI"],
        ["2025-03-14", "RUPTURANT"],
        ["2025-04-07", "APPRENTI"],
        ["2026-06-30", "FIN_DE_FORMATION"],
    ]
    assert [h["valeur_statut"] for h in effectif.historique_statut] == [3]
    item = QueueItem.objects.get(public_id=first["_id"])
    assert item.processed_at and not item.has_error and item.effectif == effectif and item.organisme == formateur
    formateur.refresh_from_db()
    assert formateur.first_transmission_date and formateur.last_transmission_date
    assert formateur.erps == ["ERP"] and formateur.api_version == "v3"
    assert formateur.last_erp_transmission_date is not None


def test_invalid_records_are_stored_processed_never_reach_the_worker_and_flag_the_transmitter(api, fixture_couple):
    formateur, _ = fixture_couple
    response = api(data=[dossier(), dossier(etablissement_formateur_uai="0802004", email_contact="")])

    body = response.json()
    assert body["detail"] == "Some data are invalid"
    invalid = body["data"][1]
    assert invalid["has_error"] is True and "processed_at" in invalid
    assert {e["message"] for e in invalid["validation_errors"]} == {"UAI invalide", "Email non valide"}
    assert all(e["code"] for e in invalid["validation_errors"])
    formateur.refresh_from_db()
    assert formateur.has_transmission_errors and formateur.transmission_errors_date

    _process_all(response)

    assert Effectif.objects.count() == 1
    assert QueueItem.objects.get(public_id=invalid["_id"]).effectif is None


def test_unknown_organisme_is_an_asynchronous_error(api, fixture_couple):
    response = api(data=[dossier(etablissement_formateur_uai="1111111B")])

    _process_all(response)

    item = QueueItem.objects.get()
    assert item.has_error and item.effectif is None
    assert item.validation_errors == [
        {
            "message": "organisme formateur non trouvé",
            "path": ["etablissement_formateur_uai", "etablissement_formateur_siret"],
            "code": "organisme_formateur_non_trouve",
        }
    ]
    assert Effectif.objects.count() == 0


def test_incoherent_dates_and_incomplete_contracts(api, fixture_couple):
    response = api(
        data=[
            dossier(id_erp_apprenant="1", date_fin_formation="2024-01-01"),
            dossier(id_erp_apprenant="2", contrat_date_fin="2026-06-30"),
        ]
    )
    _process_all(response)

    dates, contrat = QueueItem.objects.order_by("position")
    assert [e["code"] for e in dates.validation_errors] == ["dates_formation_incoherentes"]
    assert [e["message"] for e in contrat.validation_errors] == [
        "Information de contrat incomplète : contrat_date_debut manquant mais ce champ est renseigné",
        "Information de contrat incomplète : contrat_date_fin, cause_rupture_contrat ou contrat_date_rupture "
        "nécessite la présence de contrat_date_debut",
    ]
    assert Effectif.objects.count() == 0


def test_the_same_batch_posted_twice_yields_no_duplicate(api, fixture_couple):
    for _ in range(2):
        _process_all(api(data=[FULL, dossier()]))
    assert Effectif.objects.count() == 2
    assert QueueItem.objects.count() == 4


def test_stored_rows_keep_every_character_as_sent(api, fixture_couple):
    # The receipt writes the queue rows as COPY text: backslashes, tabs, newlines, braces, quotes, "\\N" and
    # characters beyond the BMP must reach the database (and the answer) unchanged.
    tricky = 'C:\\dossiers\\N {0} {lot_id}\t"guillemets"\nligne 2\r\\\\ é 😀 \\u00e9'
    records = [
        dossier(adresse_apprenant=tricky, cause_exclusion_formation="{position}\\", id_erp_apprenant="\\N"),
        dossier(adresse_apprenant=tricky, date_entree_formation="le 8 septembre\\"),  # invalid: kept with its error
    ]
    body = api(data=records).json()

    for sent, answered in zip(records, body["data"], strict=True):
        item = QueueItem.objects.get(public_id=answered["_id"])
        for key in ("adresse_apprenant", "cause_exclusion_formation", "id_erp_apprenant", "date_entree_formation"):
            if key in sent:
                assert item.payload[key] == answered[key] == sent[key], key
        assert item.validation_errors == answered["validation_errors"]
        assert item.has_error is answered["has_error"]
    assert [e["path"] for e in body["data"][1]["validation_errors"]] == [["date_entree_formation"]]
    valid = QueueItem.objects.get(public_id=body["data"][0]["_id"])
    assert valid.normalise is not None and valid.processed_at is None and valid.position == 0
    assert valid.lot.items.count() == 2 and valid.attempts == 0 and valid.error == "" and valid.effectif_id is None


def test_an_invalid_update_leaves_the_effectif_untouched(api, fixture_couple):
    _process_all(api(data=[dossier(statut_apprenant=2, date_metier_mise_a_jour_statut="2025-09-01")]))
    response = api(data=[dossier(statut_apprenant="test", date_metier_mise_a_jour_statut="2025-10-01")])

    assert response.json()["data"][0]["validation_errors"][0]["message"] == "Valeurs possibles: 0,2,3"
    _process_all(response)
    assert [h["valeur_statut"] for h in Effectif.objects.get().historique_statut] == [2]


def test_a_lost_message_is_recovered_by_the_sweep(api, fixture_couple):
    """Accepted, but no worker ever ran (killed, or the broker lost the message): the sweep finds the lot."""
    response = api(data=[dossier()])
    lot_id = QueueItem.objects.get().lot_id
    assert queue_sweep() == []  # too recent to be considered lost

    lost = queue_sweep(now=timezone.now() + timedelta(minutes=5))

    assert lost == [lot_id]
    queue_process_lot(lot_id=lot_id)
    assert Effectif.objects.count() == 1
    assert queue_sweep(now=timezone.now() + timedelta(minutes=5)) == []
    assert response.status_code == 200


def test_a_lot_is_open_until_none_of_its_items_is_pending(api, fixture_couple):
    api(data=[dossier(), dossier(id_erp_apprenant="B-2"), dossier(sexe_apprenant="Homme")])
    lot = Lot.objects.get()
    assert lot.processed_at is None  # two valid records wait for the worker
    assert (lot.total, lot.invalid) == (3, 1)

    queue_process_lot(lot_id=lot.pk)

    lot.refresh_from_db()
    assert lot.processed_at is not None
    assert queue_sweep(now=timezone.now() + timedelta(minutes=5)) == []


def test_a_lot_without_valid_records_is_processed_at_receipt(api, fixture_couple):
    api(data=[dossier(sexe_apprenant="Homme"), dossier(date_entree_formation="hier")])
    lot = Lot.objects.get()
    assert (lot.total, lot.invalid, lot.processed_at) == (2, 2, lot.received_at)
    api(data=[])
    assert Lot.objects.filter(processed_at__isnull=True).count() == 0
    assert queue_sweep(now=timezone.now() + timedelta(minutes=5)) == []


def test_a_batch_validated_slice_by_slice_is_stored_whole_and_in_order(api, fixture_couple):
    # The receipt validates the next rows while PostgreSQL stores the previous ones (services._copy_items): invalid
    # records in the first, a middle and the last slice are counted and kept at their place.
    invalid_at = {0, 5, 150, 249}
    records = [
        dossier(id_erp_apprenant=f"S-{i}", **({"sexe_apprenant": "Homme"} if i in invalid_at else {}))
        for i in range(250)
    ]
    response = api(data=records)

    data = response.json()["data"]
    assert [d["id_erp_apprenant"] for d in data] == [f"S-{i}" for i in range(250)]
    assert {i for i, d in enumerate(data) if d["has_error"]} == invalid_at
    lot = Lot.objects.get()
    assert (lot.total, lot.invalid, lot.processed_at) == (250, 4, None)
    stored = list(QueueItem.objects.filter(lot=lot).order_by("position").values_list("public_id", "has_error"))
    assert [(str(public_id), has_error) for public_id, has_error in stored] == [
        (d["_id"], d["has_error"]) for d in data
    ]
    _process_all(response)
    assert Effectif.objects.count() == 246


def test_a_lot_still_holding_a_pending_item_stays_open_for_the_sweep(api, fixture_couple):
    # A worker killed between two chunks: some items processed, one pending, the lot not closed.
    api(data=[dossier(), dossier(id_erp_apprenant="B-2")])
    lot = Lot.objects.get()
    queue_process_lot(lot_id=lot.pk)
    QueueItem.objects.filter(position=1).update(processed_at=None, effectif=None)
    Lot.objects.update(processed_at=None)

    assert lot_close(lot_id=lot.pk) is False
    assert queue_sweep(now=timezone.now() + timedelta(minutes=5)) == [lot.pk]
    assert queue_process_lot(lot_id=lot.pk) == 1  # processed again, then closed
    assert Lot.objects.get().processed_at is not None


def test_processing_without_a_lot_takes_the_oldest_open_lot_first(api, fixture_couple):
    api(data=[dossier(id_erp_apprenant="A-1")])
    api(data=[dossier(id_erp_apprenant="B-1")])
    first, second = Lot.objects.order_by("received_at", "pk")
    done_first = QueueItem.objects.filter(lot=first)
    done_first.update(processed_at=timezone.now())  # processed, but the lot was never closed

    assert queue_process_chunk() == 1
    assert set(Effectif.objects.values_list("id_erp_apprenant", flat=True)) == {"B-1"}
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.processed_at is not None and second.processed_at is None  # closed once found empty
    assert queue_process_chunk() == 0
    assert Lot.objects.filter(processed_at__isnull=True).count() == 0


def test_the_migration_closes_the_lots_without_pending_items(api, fixture_couple):
    from django.apps import apps

    lots_processed = import_module("transmissions.migrations.0007_lot_processed_queue_hot").lots_processed
    api(data=[dossier(id_erp_apprenant="A-1")])
    api(data=[dossier(id_erp_apprenant="B-1")])
    api(data=[dossier(sexe_apprenant="Homme")])
    done, pending, invalid = Lot.objects.order_by("received_at", "pk")
    queue_process_lot(lot_id=done.pk)
    Lot.objects.update(processed_at=None)  # as before the migration

    lots_processed(apps, None)

    item = QueueItem.objects.get(lot=done)
    assert Lot.objects.get(pk=done.pk).processed_at == item.processed_at
    assert Lot.objects.get(pk=pending.pk).processed_at is None
    assert Lot.objects.get(pk=invalid.pk).processed_at == QueueItem.objects.get(lot=invalid).processed_at


def test_processing_twice_is_idempotent(api, fixture_couple):
    response = api(data=[dossier()])
    lot_id = QueueItem.objects.get().lot_id
    assert queue_process_lot(lot_id=lot_id) == 1
    assert queue_process_lot(lot_id=lot_id) == 0
    assert Effectif.objects.count() == 1
    assert response.status_code == 200


def test_validate_endpoint_stores_nothing(api):
    response = api("/api/v3/dossiers-apprenants/validate", [dossier(), dossier(sexe_apprenant="Homme")])
    body = response.json()
    assert body["valid"] is False
    assert [r["valid"] for r in body["data"]] == [True, False]
    assert body["data"][1]["validation_errors"][0]["message"] == "M, H ou F attendu"
    assert QueueItem.objects.count() == 0


def test_queue_state_is_not_visible_to_another_key(api, client, fixture_couple):
    queue_id = api(data=[dossier()]).json()["data"][0]["_id"]
    url = f"/api/v3/dossiers-apprenants/{queue_id}"

    assert client.get(url).status_code == 403
    other_key = erp_key_generate(organisme=fixture_couple[1])
    response = client.get(url, HTTP_AUTHORIZATION=f"Bearer {other_key}")
    assert response.status_code == 404
    assert response.json()["message"] == "Aucun dossier avec cet identifiant pour cette clé."


def test_queue_state_reports_processing(client, fixture_couple):
    key = erp_key_generate(organisme=fixture_couple[0])
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    response = client.post("/api/v3/dossiers-apprenants", [dossier()], content_type="application/json", **headers)
    queue_id = response.json()["data"][0]["_id"]
    assert client.get(f"/api/v3/dossiers-apprenants/{queue_id}", **headers).json()["etat"] == "en_attente"

    queue_process_lot(lot_id=QueueItem.objects.get().lot_id)

    state = client.get(f"/api/v3/dossiers-apprenants/{queue_id}", **headers).json()
    assert state["etat"] == "traite" and state["effectif_id"] == str(Effectif.objects.get().public_id)
    assert date.fromisoformat(state["processed_at"][:10]) == timezone.now().date()


def test_first_transmission_date_is_kept_and_last_is_moved(api, fixture_couple):
    """Checklist §5.13 O-1/O-2: the first date is set once, the last one at every successful processing."""
    formateur, _ = fixture_couple
    _process_all(api(data=[dossier()]))
    formateur.refresh_from_db()
    first, last = formateur.first_transmission_date, formateur.last_transmission_date

    _process_all(api(data=[dossier(id_erp_apprenant="AUTRE")]))

    formateur.refresh_from_db()
    assert formateur.first_transmission_date == first
    assert formateur.last_transmission_date > last


def test_automatic_corrections_reach_the_effectif(api, fixture_couple):
    """Checklist §5.3 ING-4: empty phone, same-year school year, RNCP spacing, sexe 2, duration in years."""
    record = dossier(
        tel_apprenant="",
        annee_scolaire="2022-2022",
        formation_rncp="  34-670  ",
        sexe_apprenant=2,
        duree_theorique_formation=2,
        duree_theorique_formation_mois=...,
    )
    _process_all(api(data=[record]))

    effectif = Effectif.objects.get()
    assert (effectif.telephone, effectif.annee_scolaire, effectif.formation_rncp) == ("", "2022-2022", "RNCP34670")
    assert (effectif.sexe, effectif.duree_theorique_mois) == ("F", 24)


def test_the_worker_uses_the_values_normalised_at_receipt_without_validating_again(api, fixture_couple, monkeypatch):
    response = api(data=[FULL])
    item = QueueItem.objects.get()
    assert item.normalise["nom_apprenant"] == "MOREAU" and "nir_apprenant" not in str(item.normalise)

    def refuse(*args, **kwargs):
        raise AssertionError("validated again")

    monkeypatch.setattr("transmissions.processing.validate_dossier", refuse)
    _process_all(response)

    effectif = Effectif.objects.get()
    assert (effectif.nom, effectif.telephone, effectif.has_nir) == ("MOREAU", "0612345678", True)
    assert effectif.date_de_naissance == date(2005, 11, 3) and len(effectif.contrats) == 2
    item.refresh_from_db()
    assert item.normalise is None and item.effectif_id == effectif.pk  # cleared once processed


def test_values_normalised_by_another_version_are_validated_again(api, fixture_couple):
    response = api(data=[FULL])
    # Received before a release that changed normalisation: its delta is not trusted (and this one is wrong).
    QueueItem.objects.update(normalise={"_v": 0, "nom_apprenant": "FAUX"})

    _process_all(response)

    assert Effectif.objects.get().nom == "MOREAU"


def test_a_queue_item_without_normalised_values_is_validated_again(api, fixture_couple):
    """Items received before the receipt kept them: the worker validates, and still refuses what is invalid."""
    response = api(data=[FULL, dossier(id_erp_apprenant="B-2")])
    QueueItem.objects.update(normalise=None)
    QueueItem.objects.filter(payload__id_erp_apprenant="B-2").update(
        payload={**dossier(id_erp_apprenant="B-2"), "date_entree_formation": "pas une date"}
    )

    _process_all(response)

    assert list(Effectif.objects.values_list("nom", flat=True)) == ["MOREAU"]
    rejected = QueueItem.objects.get(payload__id_erp_apprenant="B-2")
    assert rejected.has_error and rejected.validation_errors[0]["path"] == ["date_entree_formation"]


def test_deleting_an_effectif_still_removes_its_periods_and_clears_the_queue_pointer(api, fixture_couple):
    """The periods and the queue's outcome pointers have no database constraint: Django's on_delete does the work."""
    formateur, _ = fixture_couple
    _process_all(api(data=[FULL, dossier(id_erp_apprenant="D-2")]))
    effectif = Effectif.objects.get(id_erp_apprenant="YP-778812")
    assert EffectifStatutPeriode.objects.filter(effectif=effectif).exists()

    effectif.delete()

    assert not EffectifStatutPeriode.objects.filter(effectif_id=effectif.pk).exists()
    item = QueueItem.objects.get(payload__id_erp_apprenant="YP-778812")
    assert item.effectif_id is None and item.organisme_id == formateur.pk
    assert QueueItem.objects.get(payload__id_erp_apprenant="D-2").effectif_id is not None


def test_a_lot_deleted_takes_its_items_and_a_transmitter_stays_protected(api, fixture_couple):
    """The queue's lot and source_organisme have no database constraint: Django's on_delete still applies."""
    formateur, _ = fixture_couple
    api(data=[FULL])
    kept = QueueItem.objects.get().lot_id
    api(data=[dossier(id_erp_apprenant="L-2")])

    with pytest.raises(ProtectedError):
        formateur.delete()
    Lot.objects.exclude(pk=kept).delete()

    assert list(QueueItem.objects.values_list("lot_id", flat=True)) == [kept]
