"""A night of 20 000 dossiers through the real API while the workers are SIGKILLed and Redis restarts (issue 11).

Everything is real: the API view (test client, exchange key, lots of 2 000), the database (PostgreSQL in CI), a
Redis server of the test's own (see conftest.py) and `celery -A tdba worker` subprocesses (2 processes on
PostgreSQL). On SQLite (laptop runs) the night is 10 000 dossiers in lots of 1 000 with one worker process, with the
same faults at the same points. The faults:

* four SIGKILLs of the worker (process group: main process and pool children) while it is in the middle of a lot;
  the chunk it held is rolled back, the message it held stays unacknowledged in Redis (visibility timeout: 1 h);
* Redis killed (no persistence: every queued message is lost) while a worker is mid-lot, two lots pushed while it
  is down, then restarted; Redis killed and restarted again during the final drain.

Recovery comes from `transmissions.sweep_pending`, which celery beat runs every minute in production and which
re-queues the lots holding dossiers pending for more than two minutes. The test runs that real task in its own
process in place of beat, as seen two minutes later (its clock is moved forward, nothing in the database is
touched), so that it need not wait: after each worker restart, after the Redis restart, and every few seconds of
the final drain. Afterwards each accepted dossier must have been processed exactly once.
"""

import signal
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.db import connection
from django.db.models import Count, Q
from django.utils import timezone

from effectifs.models import Effectif
from tests.transmissions.conftest import dossier
from transmissions import processing
from transmissions.models import Lot, QueueItem
from transmissions.tasks import sweep_pending

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("reference_data")]

URL = "/api/v3/dossiers-apprenants"
BATCHES = 10
# Lots of 2 000 (the API's maximum) on PostgreSQL, 20 000 dossiers; SQLite (laptop runs) has one writer at a time and
# processes ~5 times slower (no COPY, no SKIP LOCKED, one worker process): lots of 1 000, 10 000 dossiers, the same
# faults at the same points.
BATCH_SIZE = {"postgresql": 2000, "sqlite": 1000}
RESENT = 10  # learners of the previous batch sent again (updated) in each batch
INVALID = 2  # refused at receipt, in each batch
WAIT = 90  # seconds; a bound on each wait, not a speed check
BEAT_EVERY = 5  # seconds between two sweeps of the final drain (beat: every minute)


@dataclass
class Night:
    lots: list[int] = field(default_factory=list)
    accepted: list[str] = field(default_factory=list)  # public ids answered without error
    refused: list[str] = field(default_factory=list)  # public ids answered with validation errors
    posted_while_redis_down: int = 0
    post_seconds: list[tuple[bool, float]] = field(default_factory=list)  # (Redis down, duration), reported only
    kills: int = 0
    kills_mid_lot: int = 0
    redis_restarts: int = 0
    sweeps: int = 0
    requeued: int = 0
    done_before: dict[int, int] = field(default_factory=dict)
    events: list[str] = field(default_factory=list)


def _night(size: int) -> list[list[dict]]:
    """10 batches of `size`: fresh learners, 10 of the previous batch updated, 1 sent twice in the batch, 2 invalid."""
    batches = []
    for b in range(BATCHES):
        fresh = [
            dossier(id_erp_apprenant=f"N{b}-{n:05d}", nom_apprenant=f"Nom {b}-{n}")
            for n in range(size - RESENT * (b > 0) - 1 - INVALID)
        ]
        resent = [
            dossier(id_erp_apprenant=f"N{b - 1}-{n:05d}", nom_apprenant=f"Nom {b - 1}-{n} v{b}")
            for n in range(RESENT if b > 0 else 0)
        ]
        invalid = [
            dossier(id_erp_apprenant=f"X{b}-uai", etablissement_formateur_uai="0802004"),
            dossier(id_erp_apprenant=f"X{b}-date", date_de_naissance_apprenant="2007-13-45"),
        ]
        twice = dossier(id_erp_apprenant=f"N{b}-00001", nom_apprenant=f"Nom {b}-1 bis")
        third = len(fresh) // 3
        batch = [*resent, *fresh[:third], invalid[0], *fresh[third : 2 * third], invalid[1], *fresh[2 * third :], twice]
        assert len(batch) == size
        batches.append(batch)
    return batches


def _post(http_client, key: str, records: list[dict], night: Night, *, redis_down: bool = False) -> None:
    before = Lot.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    start = time.monotonic()
    response = http_client.post(URL, records, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}")
    night.post_seconds.append((redis_down, time.monotonic() - start))
    if response.status_code != 200:
        stored = QueueItem.objects.filter(lot__gt=before).count()
        during = " pendant la panne de Redis" if redis_down else ""
        pytest.fail(
            f"POST{during} : {response.status_code} au lieu de 200, alors que {stored} dossiers sont enregistrés "
            f"en base (un ERP qui réessaie les enverrait deux fois) : {response.content[:300]!r}"
        )
    data = response.json()["data"]
    assert len(data) == len(records)
    night.accepted += [d["_id"] for d in data if not d["has_error"]]
    night.refused += [d["_id"] for d in data if d["has_error"]]
    night.lots.append(QueueItem.objects.get(public_id=data[0]["_id"]).lot_id)
    night.posted_while_redis_down += len(records) if redis_down else 0


def _median(night: Night, *, down: bool) -> float:
    durations = sorted(seconds for redis_down, seconds in night.post_seconds if redis_down is down)
    return durations[len(durations) // 2]


def _wait_for(condition, worker, what: str):
    deadline = time.monotonic() + WAIT
    while not (result := condition()):
        if worker is not None:
            worker.assert_alive()
        if time.monotonic() >= deadline:
            pending = QueueItem.objects.filter(processed_at__isnull=True).count()
            log = worker.log() if worker is not None else ""
            pytest.fail(f"{what}: still waiting after {WAIT} s ({pending} dossiers pending); worker log:\n{log}")
        time.sleep(0.02)
    return result


def _done_per_lot(lots: list[int]) -> dict[int, int]:
    return dict(QueueItem.objects.filter(lot__in=lots, attempts__gt=0).values_list("lot").annotate(n=Count("pk")))


def _start(worker, night: Night) -> None:
    """Start a worker, noting what was done before it: a lot a killed worker left half done is not progress."""
    night.done_before = _done_per_lot(night.lots)
    worker.start()


def _mid_lot(lots: list[int], night: Night) -> list[int]:
    """Lots of which the current worker has committed some dossiers, and which still hold pending ones."""
    return [
        lot
        for lot, done, pending in QueueItem.objects.filter(lot__in=lots)
        .values("lot")
        .annotate(done=Count("pk", filter=Q(attempts__gt=0)), pending=Count("pk", filter=Q(processed_at__isnull=True)))
        .values_list("lot", "done", "pending")
        if pending and done > night.done_before.get(lot, 0)
    ]


def _kill_mid_lot(worker, lots: list[int], night: Night) -> None:
    """SIGKILL the worker while a lot is half done; if that lot ended between the look and the kill, start again."""
    for _ in range(3):
        _wait_for(lambda: _mid_lot(lots, night), worker, "waiting for the worker to be mid-lot")
        worker.kill(signal.SIGKILL)
        night.kills += 1
        mid_way = _mid_lot(lots, night)  # the worker is dead: this is the state it left
        if mid_way:
            night.kills_mid_lot += 1
            pending = QueueItem.objects.filter(processed_at__isnull=True).count()
            positions = [night.lots.index(lot) for lot in mid_way]
            night.events.append(f"SIGKILL #{night.kills} : lots {positions} à moitié traités, {pending} en attente")
            return
        _start(worker, night)
    pytest.fail("three SIGKILLs in a row missed every lot in progress")


def _beat(night: Night, monkeypatch) -> None:
    """What celery beat runs every minute (`sweep_pending`), as it would see the night two minutes later."""
    later = timezone.now() + timedelta(minutes=2, seconds=1)
    with monkeypatch.context() as patch:
        patch.setattr(processing, "timezone", SimpleNamespace(now=lambda: later))
        night.requeued += sweep_pending.apply().get()
    night.sweeps += 1


def _drain(worker, redis_server, night: Night, monkeypatch) -> None:
    """Beat every few seconds until nothing is pending; Redis is killed and restarted once on the way."""
    deadline, last_beat, restarted = time.monotonic() + WAIT, 0.0, False
    while QueueItem.objects.filter(lot__in=night.lots, processed_at__isnull=True).exists():
        worker.assert_alive()
        if not restarted and _mid_lot(night.lots, night):
            redis_server.kill()
            redis_server.start()
            night.redis_restarts += 1
            night.events.append("Redis tué puis relancé pendant la vidange finale, worker au milieu d'un lot")
            restarted = True
        if time.monotonic() - last_beat >= BEAT_EVERY:
            _beat(night, monkeypatch)
            last_beat = time.monotonic()
        if time.monotonic() >= deadline:
            pending = QueueItem.objects.filter(processed_at__isnull=True).count()
            pytest.fail(f"{pending} dossiers still pending after {WAIT} s of drain; worker log:\n{worker.log()}")
        time.sleep(0.1)


def test_nuit_de_20000_dossiers_sigkill_et_redemarrage_de_redis(
    http_client, transmetteur, night_worker, broker, monkeypatch, capsys
):
    formateur, key = transmetteur
    worker, redis_server, night = night_worker, broker, Night()
    size = BATCH_SIZE[connection.vendor]
    batches = _night(size)
    start = time.monotonic()

    # Worker 1 starts; two lots; SIGKILL #1 mid-lot.
    _start(worker, night)
    for b in (0, 1):
        _post(http_client, key, batches[b], night)
    _kill_mid_lot(worker, night.lots, night)

    # No worker while two more lots arrive; worker 2 and beat (which re-queues the killed worker's lot); SIGKILL #2.
    for b in (2, 3):
        _post(http_client, key, batches[b], night)
    _start(worker, night)
    _beat(night, monkeypatch)
    _kill_mid_lot(worker, night.lots, night)

    # Worker 3 (no beat yet: the killed worker's messages stay lost); Redis killed while it is mid-lot.
    _post(http_client, key, batches[4], night)
    _start(worker, night)
    _wait_for(lambda: _mid_lot(night.lots, night), worker, "waiting for worker 3 to be mid-lot")
    redis_server.kill()
    # The ERPs keep pushing: each dossier is in the database before the answer; there is no broker to tell.
    for b in (5, 6):
        _post(http_client, key, batches[b], night, redis_down=True)
    worker.assert_alive()  # the worker outlives its broker
    valid = 2 * (size - INVALID)
    assert QueueItem.objects.filter(lot__in=night.lots[5:7], processed_at__isnull=True).count() == valid
    redis_server.start()  # empty: every queued message is gone
    night.redis_restarts += 1
    night.events.append(f"Redis tué puis relancé, {night.posted_while_redis_down} dossiers reçus pendant la panne")
    _beat(night, monkeypatch)
    # Lots 5 and 6 exist in the new Redis only through beat: worker 3 reconnected and works on them. SIGKILL #3.
    _kill_mid_lot(worker, night.lots[5:7], night)

    # Two lots with no worker; worker 4 and beat; SIGKILL #4; the last lot; worker 5 drains (Redis restarts again).
    for b in (7, 8):
        _post(http_client, key, batches[b], night)
    _start(worker, night)
    _beat(night, monkeypatch)
    _kill_mid_lot(worker, night.lots, night)
    _post(http_client, key, batches[9], night)
    _start(worker, night)
    _drain(worker, redis_server, night, monkeypatch)
    elapsed = time.monotonic() - start

    # Every dossier of the night was stored and answered.
    records = [r for batch in batches for r in batch]
    items = QueueItem.objects.filter(lot__in=night.lots)
    assert len(night.lots) == BATCHES and items.count() == len(records) == BATCHES * size
    assert len(night.refused) == BATCHES * INVALID
    assert len(night.accepted) == len(records) - BATCHES * INVALID
    assert not QueueItem.objects.filter(processed_at__isnull=True).exists(), "dossiers left pending"

    # Accepted: each processed exactly once (one committed attempt), each bound to an effectif.
    accepted = QueueItem.objects.filter(public_id__in=night.accepted)
    assert accepted.count() == len(night.accepted)
    assert accepted.filter(has_error=False, effectif__isnull=False, processed_at__isnull=False).count() == len(
        night.accepted
    )
    attempts = dict(accepted.values_list("attempts").annotate(n=Count("pk")))
    assert attempts == {1: len(night.accepted)}, f"attempts per accepted dossier: {attempts}"

    # Refused at receipt: never sent to a worker, never an effectif.
    refused = QueueItem.objects.filter(public_id__in=night.refused)
    assert refused.filter(has_error=True, attempts=0, effectif__isnull=True).count() == len(night.refused)
    assert not Effectif.objects.filter(id_erp_apprenant__startswith="X").exists()

    # One effectif per learner: the dossiers of a learner sent twice all point to the same one.
    effectif_of = defaultdict(set)
    for id_erp, effectif_id in accepted.values_list("payload__id_erp_apprenant", "effectif_id"):
        effectif_of[id_erp].add(effectif_id)
    learners = {r["id_erp_apprenant"] for r in records if not r["id_erp_apprenant"].startswith("X")}
    assert set(effectif_of) == learners
    assert all(len(ids) == 1 for ids in effectif_of.values()), "a learner has several effectifs"
    doubles = list(
        Effectif.objects.values("organisme", "annee_scolaire", "id_erp_apprenant")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
    )
    assert doubles == []
    effectifs = dict(Effectif.objects.filter(organisme=formateur).values_list("id_erp_apprenant", "pk"))
    assert len(effectifs) == Effectif.objects.count() == len(learners)
    assert all(effectifs[id_erp] in ids for id_erp, ids in effectif_of.items())

    # Nothing lost, nothing duplicated.
    lost = accepted.filter(Q(processed_at__isnull=True) | Q(effectif__isnull=True)).count()
    duplicated = sum(len(ids) - 1 for ids in effectif_of.values()) + len(doubles)
    assert lost == duplicated == 0

    # The faults really happened.
    assert night.kills_mid_lot >= 4 and night.redis_restarts == 2
    assert night.posted_while_redis_down == 2 * size

    # A learner sent twice holds the last version received, whatever order the workers took the lots in.
    sent = defaultdict(list)
    for record in records:
        sent[record["id_erp_apprenant"]].append(record["nom_apprenant"])
    sent_twice = {id_erp: noms[-1] for id_erp, noms in sent.items() if len(noms) > 1 and id_erp in learners}
    stale = sum(
        nom.casefold() != sent_twice[id_erp].casefold()
        for id_erp, nom in Effectif.objects.filter(id_erp_apprenant__in=sent_twice).values_list(
            "id_erp_apprenant", "nom"
        )
    )
    assert stale == 0, f"{stale}/{len(sent_twice)} learners sent twice hold an older version"
    with capsys.disabled():
        print(
            f"\nNuit ({connection.vendor}) : {len(records)} dossiers envoyés en {len(night.lots)} lots, "
            f"{len(night.accepted)} acceptés, {len(night.refused)} refusés à la réception, "
            f"{night.posted_while_redis_down} reçus pendant la panne de Redis ; "
            f"{night.kills} SIGKILL (dont {night.kills_mid_lot} au milieu d'un lot), "
            f"{night.redis_restarts} redémarrages de Redis, {worker.starts} workers, {night.sweeps} balayages "
            f"({night.requeued} lots relancés) ; {len(learners)} effectifs, perdus {lost}, doublons {duplicated}, "
            f"{stale}/{len(sent_twice)} apprenants envoyés deux fois gardent une version antérieure ; "
            f"POST : {_median(night, down=False):.2f} s (médiane), {_median(night, down=True):.2f} s Redis arrêté ; "
            f"nuit en {elapsed:.1f} s\n  " + "\n  ".join(night.events)
        )
