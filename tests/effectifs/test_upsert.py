"""The upsert shared by the API and the Excel import (api-v3.md §3.5, checklist §5.12)."""

from datetime import UTC, date, datetime

import pytest

from effectifs.models import Effectif, EffectifStatutPeriode
from effectifs.services import effectifs_upsert, historique_merge
from tests.factories import OrganismeFactory

NOW = datetime(2025, 3, 6, 10, 0, tzinfo=UTC)


def _record(organisme, **overrides):
    record = {
        "organisme_id": organisme.pk,
        "annee_scolaire": "2024-2025",
        "id_erp_apprenant": "A1",
        "source": "ERP",
        "nom": "FLEURY",
        "prenom": "Léa",
        "date_de_naissance": date(2006, 3, 14),
        "telephone": "0612345678",
        "date_entree": date(2024, 9, 1),
        "date_fin": date(2025, 8, 31),
        "contrats": [{"date_debut": "2024-10-01", "date_fin": "2025-08-31", "date_rupture": None}],
    }
    record.update(overrides)
    return record


@pytest.mark.django_db
def test_creates_the_effectif_with_its_parcours_and_periods():
    organisme = OrganismeFactory()

    [effectif_id] = effectifs_upsert(records=[_record(organisme)], now=NOW)

    effectif = Effectif.objects.get(pk=effectif_id)
    assert effectif.parcours == [
        ["2024-09-01", "INSCRIT"],
        ["2024-10-01", "APPRENTI"],
        ["2025-08-31", "FIN_DE_FORMATION"],
    ]
    assert (effectif.statut_courant, effectif.statut_courant_depuis) == ("APPRENTI", date(2024, 10, 1))
    assert list(effectif.periodes.order_by("debut").values_list("statut", "debut", "fin")) == [
        ("INSCRIT", date(2024, 9, 1), date(2024, 10, 1)),
        ("APPRENTI", date(2024, 10, 1), date(2025, 8, 31)),
        ("FIN_DE_FORMATION", date(2025, 8, 31), None),
    ]
    assert effectif.transmitted_at == NOW


@pytest.mark.django_db
def test_merge_keeps_non_empty_values_replaces_contracts_and_keeps_identity():
    organisme = OrganismeFactory()
    [first_id] = effectifs_upsert(records=[_record(organisme)], now=NOW)
    first = Effectif.objects.get(pk=first_id)

    [second_id] = effectifs_upsert(
        records=[_record(organisme, nom="FLEURY 2", prenom="", telephone=None, contrats=[])], now=NOW
    )

    assert Effectif.objects.count() == 1
    effectif = Effectif.objects.get()
    assert (effectif.pk, effectif.public_id, effectif.created_at) == (first.pk, first.public_id, first.created_at)
    assert second_id == first.pk
    assert (effectif.nom, effectif.prenom, effectif.telephone) == ("FLEURY 2", "Léa", "0612345678")
    assert effectif.contrats == []
    # Without a contract the learner reads INSCRIT, then ABANDON on day 91.
    assert effectif.parcours == [["2024-09-01", "INSCRIT"], ["2024-11-30", "ABANDON"]]
    assert EffectifStatutPeriode.objects.filter(effectif=effectif).count() == 2


@pytest.mark.django_db
def test_a_batch_of_known_and_new_learners_replaces_only_the_known_ones_periods():
    organisme = OrganismeFactory()
    [known_id, other_id] = effectifs_upsert(
        records=[_record(organisme), _record(organisme, id_erp_apprenant="B2")], now=NOW
    )

    ids = effectifs_upsert(
        records=[_record(organisme, contrats=[]), _record(organisme, id_erp_apprenant="C3")], now=NOW
    )

    assert ids[0] == known_id
    periods = {
        effectif_id: list(
            EffectifStatutPeriode.objects.filter(effectif_id=effectif_id).order_by("debut").values_list("statut", "fin")
        )
        for effectif_id in (known_id, other_id, ids[1])
    }
    # The known learner lost its contract: its periods are rewritten, not added to the old ones.
    assert periods[known_id] == [("INSCRIT", date(2024, 11, 30)), ("ABANDON", None)]
    # Untouched by the batch, the other learner keeps its three periods; the new one gets its own.
    assert len(periods[other_id]) == 3
    assert len(periods[ids[1]]) == 3
    assert EffectifStatutPeriode.objects.count() == 8


@pytest.mark.django_db
def test_identity_is_formateur_school_year_and_erp_id():
    organisme, other = OrganismeFactory(), OrganismeFactory()
    effectifs_upsert(
        records=[
            _record(organisme),
            _record(organisme, annee_scolaire="2025-2026"),
            _record(other),
            _record(organisme, id_erp_apprenant="A2"),
        ],
        now=NOW,
    )
    assert Effectif.objects.count() == 4


@pytest.mark.django_db
def test_the_same_learner_twice_in_one_batch_is_merged_in_order():
    organisme = OrganismeFactory()
    ids = effectifs_upsert(records=[_record(organisme), _record(organisme, nom="DURAND")], now=NOW)
    assert ids[0] == ids[1] == Effectif.objects.get().pk
    assert Effectif.objects.get().nom == "DURAND"


def test_historique_merge_appends_sorts_and_drops_later_entries():
    existing = [
        {"valeur_statut": 2, "date_statut": "2024-07-01T00:00:00+00:00"},
        {"valeur_statut": 3, "date_statut": "2024-09-01T00:00:00+00:00"},
        {"valeur_statut": 2, "date_statut": "2024-12-01T00:00:00+00:00"},
    ]
    assert historique_merge(existing, None, None, NOW) is existing
    assert historique_merge(existing, 3, "2024-09-01T00:00:00+00:00", NOW) is existing

    merged = historique_merge(existing, 3, "2024-10-01T00:00:00+00:00", NOW)

    assert [(h["valeur_statut"], h["date_statut"][:10]) for h in merged] == [
        (2, "2024-07-01"),
        (3, "2024-09-01"),
        (3, "2024-10-01"),
    ]
    assert merged[-1]["date_reception"] == NOW.isoformat()


@pytest.mark.django_db
def test_weekly_refresh_moves_the_current_status_to_the_new_date():
    import time_machine

    from effectifs.tasks import refresh_statut_courant

    organisme = OrganismeFactory()
    effectifs_upsert(records=[_record(organisme, contrats=[])], now=NOW)
    assert Effectif.objects.get().statut_courant == "ABANDON"  # 2025-03-06: more than 90 days without contract

    effectifs_upsert(records=[_record(organisme, id_erp_apprenant="A2", annee_scolaire="2025-2026")], now=NOW)
    with time_machine.travel(datetime(2025, 9, 15, tzinfo=UTC), tick=False):
        updated = refresh_statut_courant()

    # Only the current school years (2025-2025, 2025-2026) are refreshed.
    assert updated == 1
    refreshed = Effectif.objects.get(id_erp_apprenant="A2")
    assert (refreshed.statut_courant, refreshed.statut_courant_depuis) == ("FIN_DE_FORMATION", date(2025, 8, 31))


@pytest.mark.django_db
def test_an_older_record_processed_late_never_overwrites_a_newer_one():
    """Workers may take lots out of receipt order (several processes, the sweep): the queue id decides."""
    organisme = OrganismeFactory()
    [effectif_id] = effectifs_upsert(records=[_record(organisme, nom="RECENT", dernier_dossier_id=20)], now=NOW)

    ids = effectifs_upsert(
        records=[_record(organisme, nom="ANCIEN", telephone="0700000000", contrats=[], dernier_dossier_id=12)],
        now=NOW,
    )

    effectif = Effectif.objects.get()
    assert ids == [effectif_id] == [effectif.pk]
    assert (effectif.nom, effectif.telephone, effectif.dernier_dossier_id) == ("RECENT", "0612345678", 20)
    assert len(effectif.contrats) == 1 and effectif.statut_courant == "APPRENTI"

    effectifs_upsert(records=[_record(organisme, nom="PLUS RECENT", dernier_dossier_id=31)], now=NOW)
    assert Effectif.objects.get().nom == "PLUS RECENT"


@pytest.mark.django_db
def test_in_one_batch_the_most_recent_record_wins_whatever_its_place():
    organisme = OrganismeFactory()
    effectifs_upsert(
        records=[
            _record(organisme, nom="RECENT", dernier_dossier_id=9),
            _record(organisme, nom="ANCIEN", telephone="0700000000", dernier_dossier_id=4),
        ],
        now=NOW,
    )
    effectif = Effectif.objects.get()
    assert (effectif.nom, effectif.telephone, effectif.dernier_dossier_id) == ("RECENT", "0612345678", 9)


@pytest.mark.django_db
def test_a_batch_mixing_older_and_newer_records_than_the_stored_one_applies_only_the_newer():
    organisme = OrganismeFactory()
    effectifs_upsert(records=[_record(organisme, nom="STOCKE", telephone="0611111111", dernier_dossier_id=7)], now=NOW)

    effectifs_upsert(
        records=[
            _record(organisme, nom="ANCIEN", telephone="0700000000", dernier_dossier_id=5),
            _record(organisme, nom="NOUVEAU", telephone=None, dernier_dossier_id=9),
        ],
        now=NOW,
    )
    effectif = Effectif.objects.get()
    # The older record's telephone does not slip in through the newer record's empty value.
    assert (effectif.nom, effectif.telephone, effectif.dernier_dossier_id) == ("NOUVEAU", "0611111111", 9)


@pytest.mark.django_db
def test_contract_without_dates_is_flagged_at_each_upsert_for_the_quality_card():
    from effectifs.selectors import qualite_donnees
    from tests.factories import UserFactory

    organisme = OrganismeFactory()
    user = UserFactory(organisation__organisme=organisme)
    sans_fin = [{"date_debut": "2024-10-01", "date_fin": None, "date_rupture": None}]
    effectifs_upsert(
        records=[
            _record(organisme, contrats=sans_fin),
            # Declared apprentice by the ERP (status 3) without any contract start.
            _record(organisme, id_erp_apprenant="A2", contrats=[], statut_declare=(3, "2024-10-01T00:00:00+00:00")),
            _record(organisme, id_erp_apprenant="A3"),
        ],
        now=NOW,
    )
    flagged = set(Effectif.objects.filter(contrat_incomplet=True).values_list("id_erp_apprenant", flat=True))
    assert flagged == {"A1", "A2"}
    qualite = qualite_donnees(user=user, organisme=organisme, today=NOW.date())
    assert qualite.ids["contrat"] == set(Effectif.objects.filter(contrat_incomplet=True).values_list("pk", flat=True))

    # The next night brings the contract's end date: the flag goes.
    effectifs_upsert(records=[_record(organisme)], now=NOW)
    assert not Effectif.objects.get(id_erp_apprenant="A1").contrat_incomplet


@pytest.mark.django_db
def test_the_migration_flags_the_effectifs_already_stored():
    from importlib import import_module

    from django.apps import apps

    organisme = OrganismeFactory()
    effectifs_upsert(
        records=[
            _record(organisme, contrats=[{"date_debut": "2024-10-01", "date_fin": None}]),
            _record(organisme, id_erp_apprenant="A2"),
        ],
        now=NOW,
    )
    Effectif.objects.update(contrat_incomplet=False)  # as stored before the column existed

    import_module("effectifs.migrations.0003_effectif_dernier_dossier").compute_contrat_incomplet(apps, None)

    assert list(Effectif.objects.filter(contrat_incomplet=True).values_list("id_erp_apprenant", flat=True)) == ["A1"]
