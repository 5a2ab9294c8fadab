"""Organismes (CFA / OFA), territories, réseaux, and the users with their organisation.

Organismes follow statuses-indicators-roles.md §5; territories §5.5; organisations and users §4.
"""

import secrets
import uuid
from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

UAI_PATTERN = r"^[0-9]{7}[A-Z]$"
SIRET_PATTERN = r"^[0-9]{14}$"
uai_validator = RegexValidator(UAI_PATTERN, "UAI invalide (7 chiffres et 1 lettre majuscule).")
siret_validator = RegexValidator(SIRET_PATTERN, "SIRET invalide (14 chiffres).")


class Region(models.Model):
    code = models.CharField("code", max_length=3, primary_key=True)
    nom = models.CharField("nom", max_length=100)

    class Meta:
        verbose_name = "région"
        ordering = ["nom"]

    def __str__(self):
        return self.nom


class Academie(models.Model):
    code = models.CharField("code", max_length=2, primary_key=True)
    nom = models.CharField("nom", max_length=100)

    class Meta:
        verbose_name = "académie"
        ordering = ["nom"]

    def __str__(self):
        return self.nom


class Departement(models.Model):
    code = models.CharField("code", max_length=3, primary_key=True)
    nom = models.CharField("nom", max_length=100)
    region = models.ForeignKey(Region, verbose_name="région", on_delete=models.PROTECT, related_name="departements")
    academie = models.ForeignKey(
        Academie, verbose_name="académie", on_delete=models.PROTECT, related_name="departements"
    )

    class Meta:
        verbose_name = "département"
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} - {self.nom}"


class Reseau(models.Model):
    """A network of organismes (CCI, CMA, MFR…). `responsable` networks may manage their members' effectifs."""

    key = models.SlugField("identifiant", max_length=50, unique=True)
    nom = models.CharField("nom", max_length=200)
    responsable = models.BooleanField(
        "réseau responsable", default=False, help_text="Donne la gestion des effectifs des organismes du réseau."
    )

    class Meta:
        verbose_name = "réseau"
        ordering = ["nom"]

    def __str__(self):
        return self.nom


class Nature(models.TextChoices):
    RESPONSABLE = "responsable", "Responsable"
    FORMATEUR = "formateur", "Formateur"
    RESPONSABLE_FORMATEUR = "responsable_formateur", "Responsable et formateur"
    LIEU_FORMATION = "lieu_formation", "Lieu de formation"
    INCONNUE = "inconnue", "Inconnue"


class Fiabilisation(models.TextChoices):
    FIABLE = "FIABLE", "Fiable"
    NON_FIABLE = "NON_FIABLE", "Non fiable"


class ModeTransmission(models.TextChoices):
    API = "API", "API (ERP)"
    MANUEL = "MANUEL", "Fichier Excel"


class Organisme(models.Model):
    """A training organisation identified by its (UAI, SIRET) couple; effectifs belong to the formateur."""

    public_id = models.UUIDField("identifiant public", default=uuid.uuid4, unique=True, editable=False)
    uai = models.CharField("UAI", max_length=8, null=True, blank=True, validators=[uai_validator])
    siret = models.CharField("SIRET", max_length=14, validators=[siret_validator])
    raison_sociale = models.CharField("raison sociale", max_length=255, blank=True)
    enseigne = models.CharField("enseigne", max_length=255, blank=True)
    nature = models.CharField("nature", max_length=30, choices=Nature, default=Nature.INCONNUE)
    ferme = models.BooleanField("SIRET fermé", default=False)
    fiabilisation_statut = models.CharField(
        "fiabilisation", max_length=12, choices=Fiabilisation, default=Fiabilisation.NON_FIABLE
    )
    qualiopi = models.BooleanField("certifié Qualiopi", null=True, blank=True)

    adresse_numero = models.CharField("numéro", max_length=20, blank=True)
    adresse_voie = models.CharField("voie", max_length=255, blank=True)
    adresse_complement = models.CharField("complément", max_length=255, blank=True)
    code_postal = models.CharField("code postal", max_length=5, blank=True)
    code_insee = models.CharField("code commune INSEE", max_length=5, blank=True)
    commune = models.CharField("commune", max_length=80, blank=True)
    adresse_complete = models.CharField("adresse complète", max_length=400, blank=True)
    departement = models.ForeignKey(
        Departement, verbose_name="département", null=True, blank=True, on_delete=models.PROTECT
    )
    # Région and académie are denormalised from the département so that scopes filter without joins.
    region = models.ForeignKey(Region, verbose_name="région", null=True, blank=True, on_delete=models.PROTECT)
    academie = models.ForeignKey(Academie, verbose_name="académie", null=True, blank=True, on_delete=models.PROTECT)

    reseaux = models.ManyToManyField(Reseau, verbose_name="réseaux", blank=True, related_name="organismes")
    formateurs = models.ManyToManyField(
        "self",
        through="OrganismeRelation",
        through_fields=("responsable", "formateur"),
        symmetrical=False,
        related_name="responsables",
        blank=True,
    )

    # Transmission (filled by ingestion and the Paramètres wizard).
    first_transmission_date = models.DateTimeField("première transmission", null=True, blank=True)
    last_transmission_date = models.DateTimeField("dernière transmission", null=True, blank=True)
    last_erp_transmission_date = models.DateTimeField("dernière transmission ERP émise", null=True, blank=True)
    organisme_transmetteur = models.ForeignKey(
        "self",
        verbose_name="organisme transmetteur",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    api_version = models.CharField("version d'API", max_length=5, blank=True)
    mode_de_transmission = models.CharField(
        "moyen de transmission", max_length=10, choices=ModeTransmission, blank=True
    )
    mode_de_transmission_configuration_date = models.DateTimeField("configuré le", null=True, blank=True)
    mode_de_transmission_configuration_author_fullname = models.CharField("configuré par", max_length=255, blank=True)
    erps = models.JSONField("ERP", default=list, blank=True)
    erp_unsupported = models.CharField("autre ERP", max_length=255, blank=True)
    has_transmission_errors = models.BooleanField("erreurs de transmission", default=False)
    transmission_errors_date = models.DateTimeField("date des erreurs de transmission", null=True, blank=True)

    created_at = models.DateTimeField("créé le", auto_now_add=True)
    updated_at = models.DateTimeField("modifié le", auto_now=True)

    class Meta:
        verbose_name = "organisme"
        ordering = ["raison_sociale", "siret"]
        constraints = [
            models.UniqueConstraint(fields=["uai", "siret"], name="organisme_uai_siret_unique"),
            # NULL UAIs are distinct in SQL: keep one organisme per SIRET when the UAI is unknown.
            models.UniqueConstraint(fields=["siret"], condition=Q(uai__isnull=True), name="organisme_siret_sans_uai"),
            models.CheckConstraint(condition=Q(siret__regex=SIRET_PATTERN), name="organisme_siret_format"),
            models.CheckConstraint(
                condition=Q(uai__isnull=True) | Q(uai__regex=UAI_PATTERN), name="organisme_uai_format"
            ),
        ]
        indexes = [
            models.Index(fields=["siret"]),
            models.Index(fields=["uai"]),
            models.Index(fields=["region", "departement"]),
        ]

    def __str__(self):
        return f"{self.nom} ({self.uai or 'UAI inconnue'} / {self.siret})"

    @property
    def nom(self) -> str:
        return self.enseigne or self.raison_sociale or "Organisme inconnu"

    @property
    def siren(self) -> str:
        return self.siret[:9]

    @property
    def siret_affiche(self) -> str:
        """SIRET as the seeds print it: SIREN, a space, then the NIC ("484012464 00091")."""
        return f"{self.siret[:9]} {self.siret[9:]}"

    @property
    def fiable(self) -> bool:
        # Indicators count an organisme as reliable only if its couple is in the référentiel and its SIRET is open.
        return self.fiabilisation_statut == Fiabilisation.FIABLE and not self.ferme

    @property
    def domiciliation(self) -> str:
        if self.adresse_complete:
            return self.adresse_complete
        parts = [self.adresse_numero, self.adresse_voie, self.adresse_complement, self.code_postal, self.commune]
        return " ".join(p for p in parts if p)


class OrganismeRelation(models.Model):
    """A responsable (gestionnaire) → formateur link, from the catalogue of formations (§5.3)."""

    responsable = models.ForeignKey(Organisme, on_delete=models.CASCADE, related_name="relations_formateurs")
    formateur = models.ForeignKey(Organisme, on_delete=models.CASCADE, related_name="relations_responsables")
    responsabilite_partielle = models.BooleanField(
        "responsabilité partielle",
        default=False,
        help_text="Le formateur a plusieurs responsables de SIREN différents : pas d'accès aux listes nominatives.",
    )

    class Meta:
        verbose_name = "relation responsable → formateur"
        verbose_name_plural = "relations responsable → formateur"
        constraints = [
            models.UniqueConstraint(fields=["responsable", "formateur"], name="relation_unique"),
            models.CheckConstraint(condition=~Q(responsable=models.F("formateur")), name="relation_pas_soi_meme"),
        ]

    def __str__(self):
        return f"{self.responsable_id} → {self.formateur_id}"


class OrganisationType(models.TextChoices):
    ORGANISME_FORMATION = "ORGANISME_FORMATION", "Organisme de formation (OFA)"
    TETE_DE_RESEAU = "TETE_DE_RESEAU", "Tête de réseau"
    DREETS = "DREETS", "D(R)(I)EETS"
    DRAAF = "DRAAF", "DRAAF"
    DDETS = "DDETS", "DDETS"
    ACADEMIE = "ACADEMIE", "Académie"
    CONSEIL_REGIONAL = "CONSEIL_REGIONAL", "Conseil régional"
    CARIF_OREF_REGIONAL = "CARIF_OREF_REGIONAL", "CARIF-OREF régional"
    CARIF_OREF_NATIONAL = "CARIF_OREF_NATIONAL", "CARIF-OREF national"
    OPERATEUR_PUBLIC_NATIONAL = "OPERATEUR_PUBLIC_NATIONAL", "Opérateur public national"
    ADMINISTRATEUR = "ADMINISTRATEUR", "Administrateur"


REGIONAL_TYPES = frozenset(
    {
        OrganisationType.DREETS,
        OrganisationType.DRAAF,
        OrganisationType.CONSEIL_REGIONAL,
        OrganisationType.CARIF_OREF_REGIONAL,
    }
)


class Organisation(models.Model):
    """What a user belongs to: an OFA (one organisme), a réseau, a public operator on a territory, or the admins.

    Organisations are shared: every DREETS Bretagne user belongs to the same row (§4.1).
    """

    public_id = models.UUIDField("identifiant public", default=uuid.uuid4, unique=True, editable=False)
    type = models.CharField("type", max_length=30, choices=OrganisationType)
    organisme = models.ForeignKey(
        Organisme, verbose_name="organisme", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reseau = models.ForeignKey(Reseau, verbose_name="réseau", null=True, blank=True, on_delete=models.PROTECT)
    region = models.ForeignKey(Region, verbose_name="région", null=True, blank=True, on_delete=models.PROTECT)
    departement = models.ForeignKey(
        Departement, verbose_name="département", null=True, blank=True, on_delete=models.PROTECT
    )
    academie = models.ForeignKey(Academie, verbose_name="académie", null=True, blank=True, on_delete=models.PROTECT)
    nom = models.CharField("nom", max_length=255, blank=True)
    created_at = models.DateTimeField("créée le", auto_now_add=True)

    class Meta:
        verbose_name = "organisation"
        constraints = [
            models.CheckConstraint(
                condition=~Q(type=OrganisationType.ORGANISME_FORMATION) | Q(organisme__isnull=False),
                name="organisation_ofa_a_un_organisme",
            ),
            models.UniqueConstraint(
                fields=["organisme"],
                condition=Q(type=OrganisationType.ORGANISME_FORMATION),
                name="organisation_ofa_unique",
            ),
        ]

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        t = OrganisationType
        if self.type == t.ORGANISME_FORMATION and self.organisme:
            return f"OFA UAI : {self.organisme.uai or 'Inconnu'} - SIRET : {self.organisme.siret}"
        if self.type == t.TETE_DE_RESEAU and self.reseau:
            return f"Réseau {self.reseau.nom}"
        if self.type in REGIONAL_TYPES and self.region:
            return f"{t(self.type).label} {self.region.nom}"
        if self.type == t.DDETS and self.departement:
            return f"DDETS {self.departement.nom}"
        if self.type == t.ACADEMIE and self.academie:
            return f"Académie {self.academie.nom}"
        if self.nom:
            return self.nom
        return t(self.type).label


class AccountStatus(models.TextChoices):
    PENDING_EMAIL_VALIDATION = "PENDING_EMAIL_VALIDATION", "En attente de validation de l'adresse courriel"
    PENDING_ADMIN_VALIDATION = "PENDING_ADMIN_VALIDATION", "En attente de validation du compte"
    CONFIRMED = "CONFIRMED", "Confirmé"


class OrganisationRole(models.TextChoices):
    ADMIN = "admin", "Administrateur"
    MEMBER = "member", "Membre"


class Civilite(models.TextChoices):
    MADAME = "Madame", "Madame"
    MONSIEUR = "Monsieur", "Monsieur"


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **extra_fields):
        if not email:
            raise ValueError("L'adresse courriel est obligatoire.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        extra_fields.setdefault("account_status", AccountStatus.CONFIRMED)
        return self.create_user(email, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person using TDBA. One organisation per user (§4.5)."""

    public_id = models.UUIDField("identifiant public", default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField("courriel", unique=True)
    civilite = models.CharField("civilité", max_length=10, choices=Civilite, blank=True)
    nom = models.CharField("nom", max_length=150, blank=True)
    prenom = models.CharField("prénom", max_length=150, blank=True)
    telephone = models.CharField("téléphone", max_length=30, blank=True)
    fonction = models.CharField("fonction", max_length=150, blank=True)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name="organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="membres",
    )
    organisation_role = models.CharField("rôle", max_length=10, choices=OrganisationRole, blank=True)
    account_status = models.CharField(
        "état du compte", max_length=30, choices=AccountStatus, default=AccountStatus.PENDING_EMAIL_VALIDATION
    )
    has_accept_cgu_version = models.CharField("version des CGU acceptée", max_length=20, blank=True)
    is_staff = models.BooleanField("accès à l'administration technique", default=False)
    is_active = models.BooleanField("actif", default=True)
    created_at = models.DateTimeField("créé le", default=timezone.now)
    confirmed_at = models.DateTimeField("validé le", null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = "utilisateur"

    def __str__(self):
        return self.email

    @property
    def full_name(self) -> str:
        return f"{self.prenom} {self.nom}".strip()

    def get_full_name(self):
        return self.full_name

    def get_short_name(self):
        return self.prenom


class AuditLog(models.Model):
    """Who did what, when: key events (generation, handshake, confirmation, reset, revocation) and downloads."""

    action = models.CharField("action", max_length=60, db_index=True)
    created_at = models.DateTimeField("date", default=timezone.now, db_index=True)
    user = models.ForeignKey(
        User, verbose_name="utilisateur", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    organisme = models.ForeignKey(
        Organisme, verbose_name="organisme", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    data = models.JSONField("détails", default=dict, blank=True)

    class Meta:
        verbose_name = "journal d'audit"
        verbose_name_plural = "journal d'audit"
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.created_at:%d/%m/%Y %H:%M} {self.action}"


INVITATION_VALIDITY_HOURS = 96


def _invitation_token() -> str:
    return secrets.token_hex(50)


def _invitation_expiry():
    return timezone.now() + timedelta(hours=INVITATION_VALIDITY_HOURS)


class Invitation(models.Model):
    """An invitation to join an organisation; it expires 96 hours after it was (re)sent (§4.5)."""

    public_id = models.UUIDField("identifiant public", default=uuid.uuid4, unique=True, editable=False)
    token = models.CharField("jeton", max_length=100, unique=True, default=_invitation_token, editable=False)
    email = models.EmailField("courriel")
    organisation = models.ForeignKey(
        Organisation, verbose_name="organisation", on_delete=models.CASCADE, related_name="invitations"
    )
    author = models.ForeignKey(
        User, verbose_name="auteur", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    role = models.CharField("rôle", max_length=10, choices=OrganisationRole, blank=True)
    created_at = models.DateTimeField("envoyée le", default=timezone.now)
    expires_at = models.DateTimeField("expire le", default=_invitation_expiry)

    class Meta:
        verbose_name = "invitation"
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "email"], name="invitation_unique_par_organisation"),
        ]

    def __str__(self):
        return f"{self.email} → {self.organisation}"

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at
