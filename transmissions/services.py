"""Receiving dossiers apprenants: pre-validate, store durably, queue for the workers (api-v3.md §1.4, §3)."""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
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
        QueueItem.objects.bulk_create(items, batch_size=1000)
        if invalid:
            Organisme.objects.filter(pk=source_organisme.pk).update(
                has_transmission_errors=True, transmission_errors_date=now, updated_at=now
            )
        if invalid < len(prepared):
            transaction.on_commit(lambda: process_lot.delay(lot.pk))
    return ReceiveResult(lot, [ReceivedItem(item, v.stored) for item, (_, v) in zip(items, prepared, strict=True)])
