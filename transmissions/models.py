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
from tdba.fields import JsonTextField


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
    # Set once none of its items is pending (at receipt when none is valid, else by the worker): the sweep and the
    # pending lots are found here, by a small partial index, instead of by an index of every pending queue item
    # (which kept the worker's outcome from being a HOT update: QueueItem.Meta).
    processed_at = models.DateTimeField("traité le", null=True, blank=True)

    class Meta:
        verbose_name = "lot reçu"
        verbose_name_plural = "lots reçus"
        ordering = ["-received_at"]
        indexes = [models.Index(fields=["received_at"], condition=Q(processed_at__isnull=True), name="lot_pending")]

    def __str__(self):
        return f"{self.get_source_display()} {self.received_at:%d/%m/%Y %H:%M} ({self.total})"


class QueueItem(models.Model):
    public_id = models.UUIDField("identifiant", default=uuid.uuid4, unique=True, editable=False)
    # No single-column index on lot nor source_organisme: queue_lot and queue_report start with them, and every
    # index is written twice per record (COPY at receipt, outcome of the worker) — docs/performance.md.
    # No database constraint on lot and source_organisme either: the receipt writes the lot it has just created and
    # the organisme of the key it has just authenticated, and a constraint would check them again for every record
    # (two lookups locking the parent row, about half the cost of writing a queue row: docs/performance.md). Django
    # applies on_delete (CASCADE, PROTECT) as before.
    lot = models.ForeignKey(Lot, on_delete=models.CASCADE, related_name="items", db_index=False, db_constraint=False)
    position = models.PositiveIntegerField("rang dans le lot")
    source = models.CharField("source", max_length=10, choices=Source)
    source_organisme = models.ForeignKey(
        Organisme,
        verbose_name="organisme transmetteur",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    # The record as sent (schema keys only, raw values), without the NIR: only `has_nir` is kept.
    # JSON text, not jsonb (tdba/fields.py): written once at receipt, read back whole by the worker.
    payload = JsonTextField("dossier reçu")
    has_nir = models.BooleanField("NIR transmis", default=False)
    # A valid record's normalised values, as their difference with `payload` (transmissions/validation/compact.py):
    # the worker does not validate again. Null for invalid records, and cleared once processed.
    normalise = JsonTextField("valeurs normalisées à la réception", null=True, blank=True)
    validation_errors = models.JSONField("erreurs", default=list, blank=True)
    error = models.TextField("erreur technique", blank=True)
    has_error = models.BooleanField("en erreur", default=False)
    created_at = models.DateTimeField("reçu le")
    processed_at = models.DateTimeField("traité le", null=True, blank=True)
    computed_day = models.DateField("jour de traitement")
    attempts = models.PositiveSmallIntegerField("tentatives", default=0)
    # The worker's outcome: pointers written once per record, never queried by them (no index, no database
    # constraint: both cost on every record, docs/performance.md). Deleting an effectif or an organisme still clears
    # them (SET_NULL, done by Django).
    effectif = models.ForeignKey(
        Effectif,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    organisme = models.ForeignKey(
        Organisme,
        verbose_name="organisme formateur",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )

    class Meta:
        verbose_name = "dossier en file d'attente"
        verbose_name_plural = "dossiers en file d'attente"
        # The worker's outcome changes no indexed column (the processing day is usually the receipt day), and the
        # table keeps room in its pages (fillfactor 50, migration 0007): the outcome is a HOT update, written next to
        # the received row without touching any index, at half the cost (docs/performance.md). Pending work is found
        # through Lot.processed_at, not through an index of pending items.
        indexes = [
            models.Index(fields=["source_organisme", "computed_day"], name="queue_report"),
            models.Index(fields=["lot", "position"], name="queue_lot"),
        ]

    def __str__(self):
        return str(self.public_id)


class ImportFichier(models.Model):
    """One Excel/CSV file uploaded on "Import des effectifs" (pages-import-sifa.md §2), from upload to import.

    The file itself is kept only until it is parsed (`contenu`, large files parsed by the worker); then the parsed
    rows and their validation results are kept so that the preview can be paged. Rows never hold a NIR.
    """

    class Etat(models.TextChoices):
        EN_COURS = "en_cours", "Analyse en cours"
        PRET = "pret", "Prêt"
        ERREUR = "erreur", "Fichier refusé"
        IMPORTE = "importe", "Importé"

    public_id = models.UUIDField("identifiant public", default=uuid.uuid4, unique=True, editable=False)
    organisme = models.ForeignKey(
        Organisme, verbose_name="organisme", on_delete=models.CASCADE, related_name="imports_fichier"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="utilisateur",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    nom_fichier = models.CharField("nom du fichier", max_length=255)
    etat = models.CharField("état", max_length=10, choices=Etat, default=Etat.EN_COURS)
    contenu = models.BinaryField("fichier en attente d'analyse", null=True, blank=True, editable=False)
    lignes_traitees = models.PositiveIntegerField("lignes vérifiées", default=0)
    lignes_total = models.PositiveIntegerField("lignes", default=0)
    message_erreur = models.TextField("message d'erreur", blank=True)
    code_erreur = models.CharField("code d'erreur", max_length=40, blank=True)
    # [{"line": n, "values": {key: value}}] (null values dropped) and, aligned, [[{message, path, code}], …].
    lignes = models.JSONField("lignes lues", default=list, blank=True)
    resultats = models.JSONField("résultats de la vérification", default=list, blank=True)
    colonnes = models.JSONField("colonnes", default=dict, blank=True)
    lignes_en_erreur = models.PositiveIntegerField("lignes en erreur", default=0)
    erreurs = models.PositiveIntegerField("erreurs", default=0)
    sans_contrat = models.PositiveIntegerField("lignes sans date de contrat", default=0)
    lot = models.ForeignKey(
        Lot, verbose_name="lot importé", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("téléversé le", auto_now_add=True)
    importe_le = models.DateTimeField("importé le", null=True, blank=True)

    class Meta:
        verbose_name = "import de fichier"
        verbose_name_plural = "imports de fichiers"
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.nom_fichier} ({self.get_etat_display()})"

    @property
    def peut_importer(self) -> bool:
        """The preview's gate: ready, at least one row, and no row in error."""
        return self.etat == self.Etat.PRET and self.lignes_total > 0 and self.lignes_en_erreur == 0
