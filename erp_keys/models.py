"""ERP catalogue and exchange keys (api-v3.md §4).

Keys keep the real service's format (UUID v4, what ERPs expect) but TDBA stores only their SHA-256 digest:
the clear key is shown once, at generation, and never again.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from organismes.models import Organisme


class Erp(models.Model):
    """An ERP of the catalogue ("Sélectionnez votre ERP ou outil de gestion utilisé")."""

    unique_id = models.SlugField("identifiant", max_length=50, unique=True)
    name = models.CharField("nom", max_length=100)
    api_v3 = models.BooleanField("transmet par l'API v3", default=True)
    help_url = models.CharField("tutoriel (lien)", max_length=300, blank=True)
    help_file = models.FileField("tutoriel (fichier)", upload_to="erp_tutoriels/", blank=True)
    display_order = models.PositiveSmallIntegerField("ordre d'affichage", default=100)
    disabled = models.BooleanField("masqué", default=False)
    created_at = models.DateTimeField("créé le", default=timezone.now)

    class Meta:
        verbose_name = "ERP"
        verbose_name_plural = "ERP"
        ordering = ["display_order", "name"]

    def __str__(self):
        return self.name


class RevocationReason(models.TextChoices):
    REGENERATED = "regeneree", "Remplacée par une nouvelle clé"
    INACTIVE_12_MONTHS = "inactif_12_mois", "Inactive depuis 12 mois"
    REVOKED_BY_SUPPORT = "revoquee_support", "Révoquée par le support"


class ExchangeKey(models.Model):
    """An organisme's exchange key ("clé d'échange"), stored as a digest. At most one active key per organisme."""

    public_id = models.UUIDField("identifiant public", default=uuid.uuid4, unique=True, editable=False)
    organisme = models.ForeignKey(
        Organisme, verbose_name="organisme", on_delete=models.CASCADE, related_name="exchange_keys"
    )
    digest = models.CharField("empreinte SHA-256", max_length=64, unique=True)
    # The first characters only, so that a user can recognise the key pasted in the ERP ("e2378…").
    hint = models.CharField("début de la clé", max_length=8)
    generated_at = models.DateTimeField("générée le", default=timezone.now)
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="générée par",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    last_used_at = models.DateTimeField("dernière utilisation", null=True, blank=True)
    revoked_at = models.DateTimeField("révoquée le", null=True, blank=True)
    revoked_reason = models.CharField("motif de révocation", max_length=20, choices=RevocationReason, blank=True)
    # ERP handshake (/connexion-api): what the ERP says this key belongs to, for the user to confirm.
    api_uai = models.CharField("UAI transmise par l'ERP", max_length=20, blank=True)
    api_siret = models.CharField("SIRET transmis par l'ERP", max_length=20, blank=True)
    api_erp = models.CharField("ERP de la liaison", max_length=50, blank=True)
    api_configuration_date = models.DateTimeField("liaison ERP le", null=True, blank=True)

    class Meta:
        verbose_name = "clé d'échange"
        verbose_name_plural = "clés d'échange"
        ordering = ["-generated_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisme"], condition=Q(revoked_at__isnull=True), name="une_cle_active_par_organisme"
            )
        ]

    def __str__(self):
        return f"{self.hint}… ({self.organisme})"

    @property
    def active(self) -> bool:
        return self.revoked_at is None
