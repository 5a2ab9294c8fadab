"""Receiving dossiers apprenants: pre-validate, store durably, queue for the workers (api-v3.md §1.4, §3)."""

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from django.db import connection, transaction
from django.utils import timezone

from erp_keys.models import ExchangeKey
from organismes.models import Organisme
from tdba.ids import uuid7_batch
from tdba.jsonfast import dumps
from transmissions.models import Lot, QueueItem
from transmissions.validation import strip_nulls, validate_dossier
from transmissions.validation.compact import normalized_delta


@dataclass(slots=True)
class ReceivedItem:
    """One stored record, as the answer shows it (the queue row is not read back)."""

    public_id: uuid.UUID
    source: str
    stored: dict
    normalise: dict | None
    validation_errors: list
    has_error: bool
    created_at: datetime
    processed_at: datetime | None
    computed_day: date


@dataclass
class ReceiveResult:
    lot: Lot
    items: list[ReceivedItem]

    @property
    def has_invalid(self) -> bool:
        return self.lot.invalid > 0


def transmission_receive(
    *,
    records: list,
    source: str,
    source_organisme: Organisme,
    exchange_key: ExchangeKey | None = None,
    user=None,
    now: datetime | None = None,
) -> ReceiveResult:
    """Validate each record synchronously and write all of them (valid or not) before returning.

    Invalid records are stored already processed with their errors and are never picked up by a worker;
    valid ones stay pending and are processed once the transaction has committed.
    """
    from transmissions.tasks import enqueue_on_commit, process_lot

    now = now or timezone.now()
    day = now.date()
    prepared = []
    for position, record in enumerate(records):
        validation = validate_dossier(strip_nulls(record) if isinstance(record, dict) else record)
        prepared.append((position, validation))
    invalid = sum(1 for _, v in prepared if not v.is_valid)

    with transaction.atomic():
        lot = Lot.objects.create(
            source=source,
            source_organisme=source_organisme,
            exchange_key=exchange_key,
            user=user,
            received_at=now,
            total=len(prepared),
            invalid=invalid,
        )
        # Time-ordered public ids, drawn in one go (tdba/ids.py): they land together at the end of the index.
        public_ids = uuid7_batch(len(prepared), now)
        received = [
            ReceivedItem(
                public_id=public_ids[position],
                source=source,
                stored=validation.stored,
                normalise=(
                    normalized_delta(validation.normalized, validation.stored, validation.changed)
                    if validation.is_valid
                    else None
                ),
                validation_errors=validation.errors,
                has_error=not validation.is_valid,
                created_at=now,
                processed_at=None if validation.is_valid else now,
                computed_day=day,
            )
            for position, validation in prepared
        ]
        if connection.vendor == "postgresql":
            _copy_items(lot, received, source_organisme=source_organisme)
        else:
            QueueItem.objects.bulk_create(
                [_queue_item(lot, position, r, source_organisme) for position, r in enumerate(received)],
                batch_size=1000,
            )
        if invalid:
            Organisme.objects.filter(pk=source_organisme.pk).update(
                has_transmission_errors=True, transmission_errors_date=now, updated_at=now
            )
        if invalid < len(prepared):
            enqueue_on_commit(process_lot, lot.pk)
    return ReceiveResult(lot, received)


def _queue_item(lot: Lot, position: int, received: ReceivedItem, source_organisme: Organisme) -> QueueItem:
    return QueueItem(
        lot=lot,
        position=position,
        public_id=received.public_id,
        source=received.source,
        source_organisme=source_organisme,
        payload={k: v for k, v in received.stored.items() if k != "has_nir"},
        has_nir=bool(received.stored.get("has_nir")),
        normalise=received.normalise,
        validation_errors=received.validation_errors,
        has_error=received.has_error,
        created_at=received.created_at,
        processed_at=received.processed_at,
        computed_day=received.computed_day,
    )


# Every column but the primary key, in model order: what COPY writes for a new queue item.
_COPY_FIELDS = [f for f in QueueItem._meta.concrete_fields if not f.primary_key]
# The columns a new item leaves at the model's default (attempts, error, effectif, organisme…).
_COPY_DEFAULTS = {f.attname: f.get_default() for f in _COPY_FIELDS}


def _copy_items(lot: Lot, received: list[ReceivedItem], *, source_organisme: Organisme) -> None:
    """PostgreSQL: write the items with one COPY (performance, docs/performance.md).

    bulk_create sends the JSON payloads as arrays that psycopg escapes in Python, several times slower than
    the validation itself; COPY streams the rows as they are, without building model instances. The stored
    values are the same as bulk_create's (the ids are not read back: the answer only needs the public ids).
    """
    columns = ", ".join(connection.ops.quote_name(f.column) for f in _COPY_FIELDS)
    names = [f.attname for f in _COPY_FIELDS]
    table = connection.ops.quote_name(QueueItem._meta.db_table)
    row = dict(_COPY_DEFAULTS, lot_id=lot.pk, source_organisme_id=source_organisme.pk)
    row["validation_errors"] = None
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for position, item in enumerate(received):
            payload = dict(item.stored)
            has_nir = bool(payload.pop("has_nir", False))
            row.update(
                public_id=item.public_id,
                position=position,
                source=item.source,
                payload=dumps(payload),
                has_nir=has_nir,
                normalise=None if item.normalise is None else dumps(item.normalise),
                validation_errors=dumps(item.validation_errors) if item.validation_errors else "[]",
                has_error=item.has_error,
                created_at=item.created_at,
                processed_at=item.processed_at,
                computed_day=item.computed_day,
            )
            copy.write_row([row[n] for n in names])
