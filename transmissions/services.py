"""Receiving dossiers apprenants: pre-validate, store durably, queue for the workers (api-v3.md §1.4, §3)."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.utils import timezone

from erp_keys.models import ExchangeKey
from organismes.models import Organisme
from tdba.ids import uuid7_texts
from tdba.jsonfast import dumps
from transmissions.models import Lot, QueueItem
from transmissions.validation import validate_dossier
from transmissions.validation.compact import normalized_delta


@dataclass(slots=True)
class ReceivedItem:
    """One stored record, as the answer shows it (the queue row is not read back)."""

    public_id: str  # canonical UUID text (tdba/ids.py)
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
    # Time-ordered public ids, drawn in one go (tdba/ids.py): they land together at the end of the index.
    public_ids = uuid7_texts(len(records), now)

    def receive(position: int, record) -> ReceivedItem:
        validation = validate_dossier(record)  # null values count as absent there
        valid = validation.is_valid
        return ReceivedItem(
            public_id=public_ids[position],
            source=source,
            stored=validation.stored,
            normalise=normalized_delta(validation.normalized, validation.stored, validation.changed) if valid else None,
            validation_errors=validation.errors,
            has_error=not valid,
            created_at=now,
            processed_at=None if valid else now,
            computed_day=day,
        )

    with transaction.atomic():
        lot = Lot.objects.create(
            source=source,
            source_organisme=source_organisme,
            exchange_key=exchange_key,
            user=user,
            received_at=now,
            total=len(records),
            invalid=0,  # counted below, as the records are validated
            processed_at=now if not records else None,  # nothing for the worker: already processed
        )
        received = (receive(position, record) for position, record in enumerate(records))
        if connection.vendor == "postgresql":
            # Validated slice by slice while PostgreSQL stores the previous slices (docs/performance.md).
            received = _copy_items(lot, received, source_organisme=source_organisme)
        else:
            received = list(received)
            QueueItem.objects.bulk_create(
                [_queue_item(lot, position, r, source_organisme) for position, r in enumerate(received)],
                batch_size=1000,
            )
        invalid = sum(1 for r in received if r.has_error)
        if invalid:
            lot.invalid = invalid
            lot.processed_at = now if invalid == len(received) else None
            Lot.objects.filter(pk=lot.pk).update(invalid=lot.invalid, processed_at=lot.processed_at)
            Organisme.objects.filter(pk=source_organisme.pk).update(
                has_transmission_errors=True, transmission_errors_date=now, updated_at=now
            )
        if invalid < len(received):
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
# The columns that differ from one item of a lot to the next; the others are written once per lot in the row template.
_COPY_VARYING = ("public_id", "position", "source", "payload", "has_nir", "normalise", "validation_errors")
_COPY_VARYING += ("has_error", "created_at", "processed_at", "computed_day")
# They are written by position (% and a tuple: a third of str.format's time with eleven keywords): in model order.
if tuple(f.attname for f in _COPY_FIELDS if f.attname in _COPY_VARYING) != _COPY_VARYING:
    raise ImproperlyConfigured("transmissions.services._COPY_VARYING must follow QueueItem's field order")
_COPY_SLICE = 100  # rows per write


def _copy_text(value) -> str:
    """A value in COPY's text format. JSON comes as text from orjson, which writes no raw tab, newline nor carriage
    return (they are escaped in JSON strings): only its backslashes need doubling."""
    if value is None:
        return "\\N"
    if value is True or value is False:
        return "t" if value else "f"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | dict):
        value = dumps(value)
    text = str(value)
    if "\t" in text or "\n" in text or "\r" in text:
        raise ValueError("COPY text: a raw tab, newline or carriage return is not expected here")
    return text.replace("\\", "\\\\")


def _copy_items(lot: Lot, received: Iterable[ReceivedItem], *, source_organisme: Organisme) -> list[ReceivedItem]:
    """PostgreSQL: write the items with one COPY (performance, docs/performance.md).

    bulk_create sends the JSON payloads as arrays that psycopg escapes in Python, several times slower than
    the validation itself; COPY streams the rows as they are, without building model instances. The rows are
    written as COPY text, built with one template per lot (psycopg's write_row formatted each of the 17 values of
    each row on its own: 5 % of the answer time). The stored values are the same as bulk_create's (the ids are not
    read back: the answer only needs the public ids). ``received`` is consumed as the rows are written, so that the
    next slice is validated while PostgreSQL parses and indexes the previous one; the items are returned.
    """
    columns = ", ".join(connection.ops.quote_name(f.column) for f in _COPY_FIELDS)
    table = connection.ops.quote_name(QueueItem._meta.db_table)
    constants = dict(_COPY_DEFAULTS, lot_id=lot.pk, source_organisme_id=source_organisme.pk)
    template = (
        "\t".join(
            "%s" if f.attname in _COPY_VARYING else _copy_text(constants[f.attname]).replace("%", "%%")
            for f in _COPY_FIELDS
        )
        + "\n"
    )
    texts: dict = {}  # the items of a lot share their receipt time and day: formatted once

    def text(value) -> str:
        if value not in texts:
            texts[value] = _copy_text(value)
        return texts[value]

    # Sent in slices while the next rows are formatted, so that PostgreSQL parses them meanwhile (one write at the end
    # made the server wait for the whole lot, then the answer wait for the server).
    items = []
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        lines = []
        for position, item in enumerate(received):
            items.append(item)
            payload = dict(item.stored)
            has_nir = payload.pop("has_nir", False)
            lines.append(
                template
                % (  # _COPY_VARYING
                    item.public_id,
                    position,
                    text(item.source),
                    dumps(payload).replace("\\", "\\\\"),
                    "t" if has_nir else "f",
                    "\\N" if item.normalise is None else dumps(item.normalise).replace("\\", "\\\\"),
                    _copy_text(item.validation_errors) if item.validation_errors else "[]",
                    "t" if item.has_error else "f",
                    text(item.created_at),
                    text(item.processed_at),
                    text(item.computed_day),
                )
            )
            if len(lines) == _COPY_SLICE:
                copy.write("".join(lines).encode())
                lines.clear()
        if lines:
            copy.write("".join(lines).encode())
    return items
