"""The durable queue of received dossiers apprenants (api-v3.md §3.1) and the batches they came in.

Every received record (valid or not) is written here before the HTTP answer is sent. Valid ones are
pending until a Celery worker processes them; invalid ones are stored already processed, with their errors.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from effectifs.models import Effectif
from erp_keys.models import ExchangeKey
from organismes.models import Organisme


class Source(models.TextChoices):
    ERP = "ERP", "ERP (API v3)"
    FICHIER = "FICHIER", "Fichier Excel"


class Lot(models.Model):
    """One POST to /api/v3 or one Excel import."""

    public_id = models.UUIDField("identifiant public", default=uuid.uuid4, unique=True, editable=False)
    source = models.CharField("source", max_length=10, choices=Source)
    source_organisme = models.ForeignKey(
        Organisme, verbose_name="organisme transmetteur", on_delete=models.PROTECT, related_name="lots"
    )
    exchange_key = models.ForeignKey(
        ExchangeKey, verbose_name="clé d'échange", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="utilisateur",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    received_at = models.DateTimeField("reçu le")
    total = models.PositiveIntegerField("dossiers reçus", default=0)
    invalid = models.PositiveIntegerField("dossiers invalides à la réception", default=0)

    class Meta:
        verbose_name = "lot reçu"
        verbose_name_plural = "lots reçus"
        ordering = ["-received_at"]

    def __str__(self):
        return f"{self.get_source_display()} {self.received_at:%d/%m/%Y %H:%M} ({self.total})"


class QueueItem(models.Model):
    public_id = models.UUIDField("identifiant", default=uuid.uuid4, unique=True, editable=False)
    lot = models.ForeignKey(Lot, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField("rang dans le lot")
    source = models.CharField("source", max_length=10, choices=Source)
    source_organisme = models.ForeignKey(
        Organisme, verbose_name="organisme transmetteur", on_delete=models.PROTECT, related_name="+"
    )
    # The record as sent (schema keys only, raw values), without the NIR: only `has_nir` is kept.
    payload = models.JSONField("dossier reçu")
    has_nir = models.BooleanField("NIR transmis", default=False)
    validation_errors = models.JSONField("erreurs", default=list, blank=True)
    error = models.TextField("erreur technique", blank=True)
    has_error = models.BooleanField("en erreur", default=False)
    created_at = models.DateTimeField("reçu le")
    processed_at = models.DateTimeField("traité le", null=True, blank=True)
    computed_day = models.DateField("jour de traitement")
    attempts = models.PositiveSmallIntegerField("tentatives", default=0)
    effectif = models.ForeignKey(Effectif, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    organisme = models.ForeignKey(
        Organisme,
        verbose_name="organisme formateur",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "dossier en file d'attente"
        verbose_name_plural = "dossiers en file d'attente"
        indexes = [
            models.Index(fields=["created_at"], condition=Q(processed_at__isnull=True), name="queue_pending"),
            models.Index(fields=["source_organisme", "computed_day"], name="queue_report"),
            models.Index(fields=["lot", "position"], name="queue_lot"),
        ]

    def __str__(self):
        return str(self.public_id)
