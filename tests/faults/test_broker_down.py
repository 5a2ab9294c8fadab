"""Redis down while an ERP pushes or an OFA uploads a large file: answered, stored, picked up by the sweep later.

The work is committed before the task is queued; a broker that cannot be reached must not turn that success into
a 500 (an ERP would send the same records again, an OFA would upload again). The beat sweep re-queues what is left.
"""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from tests.factories import UserFactory
from tests.transmissions.fichiers_import import ligne, xlsx
from transmissions import imports
from transmissions.models import ImportFichier, QueueItem
from transmissions.tasks import sweep_pending

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("reference_data")]

WAIT = 60  # seconds: a bound on the wait for the worker, not a speed check


def _wait_for(predicate, worker, what: str) -> None:
    import time

    deadline = time.monotonic() + WAIT
    while not predicate():
        worker.assert_alive()
        if time.monotonic() > deadline:
            pytest.fail(f"{what} not done after {WAIT} s; worker log:\n{worker.log()}")
        time.sleep(0.2)


def test_an_upload_while_redis_is_down_is_kept_then_prepared_after_the_sweep(broker, night_worker, transmetteur):
    formateur, _ = transmetteur
    user = UserFactory(organisation__organisme=formateur)
    content = xlsx([ligne(prenom_apprenant=f"Prénom{i}") for i in range(1000)])
    assert len(content) > imports.SYNC_MAX_BYTES  # the large-file path: parsed by a worker

    broker.kill()
    fichier = imports.import_create(organisme=formateur, user=user, filename="effectifs.xlsx", content=content)

    fichier.refresh_from_db()
    assert (fichier.etat, fichier.contenu is not None) == (ImportFichier.Etat.EN_COURS, True)
    assert imports.imports_sweep() == []  # too recent: its message may still be on its way

    broker.start()
    night_worker.start()
    # Beat's sweep, as seen three minutes later.
    with time_machine.travel(timezone.now() + timedelta(minutes=3), tick=True):
        assert imports.imports_sweep() == [fichier.pk]
        assert sweep_pending() == 1  # run here in place of beat: it queues the work on the restarted Redis

    def prepared():
        fichier.refresh_from_db()
        return fichier.etat != ImportFichier.Etat.EN_COURS

    _wait_for(prepared, night_worker, "the upload's analysis")
    assert (fichier.etat, fichier.lignes_total, fichier.lignes_en_erreur) == (ImportFichier.Etat.PRET, 1000, 0)
    assert fichier.contenu is None


def test_a_push_while_redis_is_down_is_answered_and_processed_after_the_sweep(
    broker, night_worker, transmetteur, http_client
):
    from tests.transmissions.conftest import dossier

    _, key = transmetteur
    broker.kill()
    response = http_client.post(
        "/api/v3/dossiers-apprenants",
        data=[dossier(id_erp_apprenant=f"R-{n}") for n in range(50)],
        content_type="application/json",
        headers={"Authorization": f"Bearer {key}"},
    )

    assert response.status_code == 200, response.content[:300]
    assert QueueItem.objects.filter(processed_at__isnull=True).count() == 50

    broker.start()
    night_worker.start()
    with time_machine.travel(timezone.now() + timedelta(minutes=3), tick=True):
        assert sweep_pending() == 1  # run here in place of beat: it queues the work on the restarted Redis
    _wait_for(lambda: not QueueItem.objects.filter(processed_at__isnull=True).exists(), night_worker, "the lot")
    assert QueueItem.objects.filter(effectif__isnull=False).count() == 50
