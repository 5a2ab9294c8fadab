"""Two workers writing the same learner at the same time (PostgreSQL: several sessions, row locks).

The upsert reads the stored learners with SELECT … FOR UPDATE and inserts new ones with ON CONFLICT DO NOTHING,
merging again those another session inserted meanwhile: whatever the interleaving, one effectif, merged values.
"""

import threading
from datetime import UTC, date, datetime

import pytest
from django.db import connection, transaction

from effectifs.models import Effectif
from effectifs.services import effectifs_upsert
from tests.factories import OrganismeFactory

pytestmark = [
    pytest.mark.postgresql,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]

NOW = datetime(2025, 3, 6, 10, 0, tzinfo=UTC)
WAIT = 30  # seconds: a bound on each wait, never reached when the locks behave


def _record(organisme_id, **values):
    return {
        "organisme_id": organisme_id,
        "annee_scolaire": "2024-2025",
        "id_erp_apprenant": "A1",
        "source": "ERP",
        "nom": "FLEURY",
        "prenom": "Léa",
        "date_de_naissance": date(2006, 3, 14),
        "date_entree": date(2024, 9, 1),
        "date_fin": date(2025, 8, 31),
        "contrats": [],
        **values,
    }


def _in_thread(function):
    """Run `function` in a thread with its own database session; return (thread, outcome dict)."""
    outcome = {}

    def run():
        try:
            outcome["value"] = function()
        except BaseException as exc:  # reported to the test
            outcome["error"] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def _blocked_on_a_lock(thread_started: threading.Event) -> None:
    """Wait until another session of this database waits on a lock (the second worker)."""
    thread_started.wait(WAIT)
    with connection.cursor() as cursor:
        for _ in range(WAIT * 20):
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return
            threading.Event().wait(0.05)
    pytest.fail("the second worker never waited on the first one's lock")


def test_a_learner_inserted_by_another_worker_meanwhile_is_merged_not_duplicated():
    organisme_id = OrganismeFactory().pk
    first_written, release_first = threading.Event(), threading.Event()

    def first_worker():
        with transaction.atomic():
            ids = effectifs_upsert(records=[_record(organisme_id, telephone="0612345678")], now=NOW)
            first_written.set()
            release_first.wait(WAIT)  # the transaction stays open: the row is not visible yet
        return ids

    first, first_outcome = _in_thread(first_worker)
    assert first_written.wait(WAIT), first_outcome
    second_started = threading.Event()

    def second_worker():
        second_started.set()
        # Sees no stored learner, inserts, and waits on the first worker's uncommitted row.
        return effectifs_upsert(records=[_record(organisme_id, nom="FLEURY-DURAND", telephone=None)], now=NOW)

    second, second_outcome = _in_thread(second_worker)
    _blocked_on_a_lock(second_started)
    release_first.set()
    first.join(WAIT)
    second.join(WAIT)

    assert "error" not in first_outcome and "error" not in second_outcome, (first_outcome, second_outcome)
    effectif = Effectif.objects.get()
    assert first_outcome["value"] == second_outcome["value"] == [effectif.pk]
    # The second record's non-empty values win; what it left empty keeps the first one's.
    assert (effectif.nom, effectif.telephone) == ("FLEURY-DURAND", "0612345678")
    assert effectif.parcours == [["2024-09-01", "INSCRIT"], ["2024-11-30", "ABANDON"]]
    assert effectif.periodes.count() == 2


def test_a_stored_learner_is_locked_until_the_other_worker_commits():
    organisme_id = OrganismeFactory().pk
    [effectif_id] = effectifs_upsert(records=[_record(organisme_id)], now=NOW)
    first_written, release_first = threading.Event(), threading.Event()
    statut_2, statut_3 = (2, "2024-10-01T00:00:00+00:00"), (3, "2024-11-01T00:00:00+00:00")

    def first_worker():
        with transaction.atomic():
            effectifs_upsert(records=[_record(organisme_id, statut_declare=statut_2)], now=NOW)
            first_written.set()
            release_first.wait(WAIT)

    first, first_outcome = _in_thread(first_worker)
    assert first_written.wait(WAIT), first_outcome
    second_started = threading.Event()
    second, second_outcome = _in_thread(
        lambda: (
            second_started.set(),
            effectifs_upsert(records=[_record(organisme_id, statut_declare=statut_3)], now=NOW),
        )[1]
    )
    _blocked_on_a_lock(second_started)
    release_first.set()
    first.join(WAIT)
    second.join(WAIT)

    assert "error" not in first_outcome and "error" not in second_outcome, (first_outcome, second_outcome)
    effectif = Effectif.objects.get()
    assert effectif.pk == effectif_id and second_outcome["value"] == [effectif_id]
    # Neither declared status is lost: the second worker read the history the first one committed.
    assert [(h["valeur_statut"], h["date_statut"]) for h in effectif.historique_statut] == [statut_2, statut_3]
