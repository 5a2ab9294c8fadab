"""Receiving dossiers apprenants: pre-validate, store durably, queue for the workers (api-v3.md §1.4, §3)."""

import json
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from erp_keys.models import ExchangeKey
from organismes.models import Organisme
from transmissions.models import Lot, QueueItem
from transmissions.validation import strip_nulls, validate_dossier


@dataclass
class ReceivedItem:
    item: QueueItem
    stored: dict


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
    from transmissions.tasks import process_lot

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
        items = [
            QueueItem(
                lot=lot,
                position=position,
                source=source,
                source_organisme=source_organisme,
                payload={k: v for k, v in validation.stored.items() if k != "has_nir"},
                has_nir=bool(validation.stored.get("has_nir")),
                validation_errors=validation.errors,
                has_error=not validation.is_valid,
                created_at=now,
                processed_at=None if validation.is_valid else now,
                computed_day=day,
            )
            for position, validation in prepared
        ]
        if connection.vendor == "postgresql":
            _copy_items(items)
        else:
            QueueItem.objects.bulk_create(items, batch_size=1000)
        if invalid:
            Organisme.objects.filter(pk=source_organisme.pk).update(
                has_transmission_errors=True, transmission_errors_date=now, updated_at=now
            )
        if invalid < len(prepared):
            transaction.on_commit(lambda: process_lot.delay(lot.pk))
    return ReceiveResult(lot, [ReceivedItem(item, v.stored) for item, (_, v) in zip(items, prepared, strict=True)])


# Every column but the primary key, in model order: what COPY writes for a new queue item.
_COPY_FIELDS = [f for f in QueueItem._meta.concrete_fields if not f.primary_key]
_JSON_COLUMNS = frozenset(f.attname for f in _COPY_FIELDS if f.get_internal_type() == "JSONField")


def _copy_items(items: list[QueueItem]) -> None:
    """PostgreSQL: write the items with one COPY (performance, docs/performance.md).

    bulk_create sends the JSON payloads as arrays that psycopg escapes in Python, several times slower than
    the validation itself; COPY streams the rows as they are. The stored values are the same (the ids are not
    read back: the answer only needs the public identifiers).
    """
    columns = ", ".join(connection.ops.quote_name(f.column) for f in _COPY_FIELDS)
    names = [f.attname for f in _COPY_FIELDS]
    table = connection.ops.quote_name(QueueItem._meta.db_table)
    dumps = json.dumps
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for item in items:
            values = item.__dict__
            copy.write_row([dumps(values[n]) if n in _JSON_COLUMNS else values[n] for n in names])
