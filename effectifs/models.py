"""Effectifs: one learner × one formateur organisme × one school year (statuses-indicators-roles.md §1).

The status parcours is stored twice: as change points on the effectif (JSON, for display) and as
half-open periods in `EffectifStatutPeriode`, so that "status at date D" is a SQL range condition and
indicators at any date are computed by the database, not by Python loops.
"""

import uuid

from django.db import models
from django.db.models import Q

from organismes.models import Organisme


class SourceEffectif(models.TextChoices):
    ERP = "ERP", "ERP"
    FICHIER = "FICHIER", "Fichier"


class StatutApprenant(models.TextChoices):
    INSCRIT = "INSCRIT", "Inscrit sans contrat"
    APPRENTI = "APPRENTI", "Apprenti"
    RUPTURANT = "RUPTURANT", "Rupture de contrat"
    ABANDON = "ABANDON", "Abandon"
    FIN_DE_FORMATION = "FIN_DE_FORMATION", "Fin de formation"
    PRE_INSCRIT = "PRE_INSCRIT", "Pré-inscrit"


class Effectif(models.Model):
    public_id = models.UUIDField("identifiant public", default=uuid.uuid4, unique=True, editable=False)
    # The effectif belongs to the formateur; the responsable is only referenced (api-v3.md §3.4). No index of its
    # own: the identity constraint and the (organisme, année, naissance) index start with it (docs/performance.md).
    organisme = models.ForeignKey(
        Organisme,
        verbose_name="organisme formateur",
        on_delete=models.PROTECT,
        related_name="effectifs",
        db_index=False,
    )
    organisme_responsable = models.ForeignKey(
        Organisme,
        verbose_name="organisme responsable",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="effectifs_responsable",
    )
    id_erp_apprenant = models.CharField("identifiant ERP", max_length=255)
    annee_scolaire = models.CharField("année scolaire", max_length=9)
    source = models.CharField("source", max_length=10, choices=SourceEffectif)
    # No index: no page reads effectifs by their transmitter, and every index is written for every learner every
    # night (docs/performance.md). Deleting an organisme still clears it (SET_NULL, by Django).
    source_organisme = models.ForeignKey(
        Organisme,
        verbose_name="organisme transmetteur",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )

    # Apprenant.
    nom = models.CharField("nom", max_length=255)
    prenom = models.CharField("prénom", max_length=255)
    date_de_naissance = models.DateField("date de naissance")
    ine = models.CharField("INE", max_length=50, blank=True)
    sexe = models.CharField("sexe", max_length=1, blank=True)
    courriel = models.CharField("courriel", max_length=320, blank=True)
    telephone = models.CharField("téléphone", max_length=30, blank=True)
    has_nir = models.BooleanField("NIR transmis", default=False)
    rqth = models.BooleanField("RQTH", null=True, blank=True)
    date_rqth = models.DateField("date RQTH", null=True, blank=True)
    adresse_complete = models.CharField("adresse", max_length=500, blank=True)
    code_postal = models.CharField("code postal", max_length=5, blank=True)
    code_insee = models.CharField("code commune INSEE", max_length=5, blank=True)
    code_postal_naissance = models.CharField("code postal de naissance", max_length=5, blank=True)
    code_insee_naissance = models.CharField("code commune INSEE de naissance", max_length=5, blank=True)
    responsable_mail1 = models.CharField("courriel du responsable 1", max_length=320, blank=True)
    responsable_mail2 = models.CharField("courriel du responsable 2", max_length=320, blank=True)
    derniere_situation = models.PositiveIntegerField("situation N-1", null=True, blank=True)
    dernier_organisme_uai = models.CharField("établissement N-1", max_length=8, blank=True)
    type_cfa = models.CharField("type de CFA", max_length=2, blank=True)
    custom_statut_apprenant = models.CharField("statut dans l'ERP", max_length=255, blank=True)
    historique_statut = models.JSONField("historique des statuts déclarés", default=list, blank=True)

    # Formation.
    formation_cfd = models.CharField("code diplôme (CFD)", max_length=8, blank=True)
    formation_rncp = models.CharField("code RNCP", max_length=9, blank=True)
    formation_libelle_long = models.CharField("intitulé de la formation", max_length=500, blank=True)
    formation_niveau = models.CharField("niveau", max_length=2, blank=True)
    formation_annee = models.PositiveSmallIntegerField("année de formation", null=True, blank=True)
    date_inscription = models.DateField("date d'inscription", null=True, blank=True)
    date_entree = models.DateField("date d'entrée en formation", null=True, blank=True)
    date_fin = models.DateField("date de fin de formation", null=True, blank=True)
    duree_theorique_mois = models.PositiveSmallIntegerField("durée théorique (mois)", null=True, blank=True)
    duree_formation_relle = models.IntegerField("durée réelle (mois)", null=True, blank=True)
    formation_presentielle = models.BooleanField("formation présentielle", null=True, blank=True)
    obtention_diplome = models.BooleanField("diplôme obtenu", null=True, blank=True)
    date_obtention_diplome = models.DateField("date d'obtention du diplôme", null=True, blank=True)
    date_exclusion = models.DateField("date d'exclusion", null=True, blank=True)
    cause_exclusion = models.CharField("cause d'exclusion", max_length=500, blank=True)
    referent_handicap = models.JSONField("référent handicap", null=True, blank=True)
    lieu_de_formation = models.JSONField("lieu de formation", null=True, blank=True)

    # Up to 4 contracts {date_debut, date_fin, date_rupture, cause_rupture, siret}, replaced at each transmission.
    contrats = models.JSONField("contrats", default=list, blank=True)

    # Computed status: change points [[YYYY-MM-DD, STATUT], …] and the status today (refreshed weekly).
    parcours = models.JSONField("parcours", default=list, blank=True)
    statut_courant = models.CharField("statut actuel", max_length=20, choices=StatutApprenant, blank=True)
    statut_courant_depuis = models.DateField("statut actuel depuis", null=True, blank=True)
    # effectifs.statuts.contrat_incomplet of contrats and historique_statut, written with them.
    contrat_incomplet = models.BooleanField("contrat sans dates", default=False, editable=False)

    transmitted_at = models.DateTimeField("dernière transmission", null=True, blank=True)
    # The queue item (transmissions.QueueItem id: receipt order) whose values the effectif holds. Workers may take
    # lots out of order (several processes, a lot re-queued by the sweep): an older record never overwrites a newer
    # one. Not a foreign key: the queue is purged, the order stays.
    dernier_dossier_id = models.BigIntegerField("dernier dossier appliqué", null=True, blank=True, editable=False)
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    updated_at = models.DateTimeField("modifié le", auto_now=True)

    class Meta:
        verbose_name = "effectif"
        constraints = [
            models.UniqueConstraint(
                fields=["organisme", "annee_scolaire", "id_erp_apprenant"], name="effectif_identite_unique"
            )
        ]
        indexes = [
            # Birth date last: the duplicate check of Mes effectifs (same organisme, year, birth date, names)
            # finds its one or two candidates in the index instead of every learner of the organisme.
            models.Index(
                fields=["organisme", "annee_scolaire", "date_de_naissance"], name="effectif_organisme_annee_naiss"
            ),
            # Covering (id included): the indicators read school year, organisme and id from the index
            # alone, never the wide rows (effectifs.selectors.indicateurs._periodes).
            models.Index(fields=["annee_scolaire", "organisme"], include=["id"], name="effectif_annee_organisme_id"),
            models.Index(fields=["nom", "prenom"]),
        ]

    def __str__(self):
        return f"{self.prenom} {self.nom} ({self.annee_scolaire})"


class EffectifStatutPeriode(models.Model):
    """One period of a learner's parcours: `statut` from `debut` (included) to `fin` (excluded, None = open)."""

    # The primary key is (effectif, debut): a learner's periods never share a start (each lasts at least a day,
    # `periode_ordre`). Its index also holds statut and fin (INCLUDE, migration 0007): the status of a learner at a
    # date is read from the index alone. No database constraint on effectif: periods are written only
    # by the upsert, for the effectifs it has just locked or inserted in the same transaction, and deleted with them
    # (CASCADE, by Django); the check cost ~6 µs per period, ~15 % of writing them (docs/performance.md).
    pk = models.CompositePrimaryKey("effectif", "debut")
    effectif = models.ForeignKey(
        Effectif, on_delete=models.CASCADE, related_name="periodes", db_index=False, db_constraint=False
    )
    statut = models.CharField(max_length=20, choices=StatutApprenant)
    debut = models.DateField()
    fin = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = "période de statut"
        indexes = [models.Index(fields=["debut", "fin"])]
        constraints = [
            models.CheckConstraint(condition=Q(fin__isnull=True) | Q(fin__gt=models.F("debut")), name="periode_ordre")
        ]

    def __str__(self):
        return f"{self.statut} [{self.debut}, {self.fin or '…'})"


class Formation(models.Model):
    """A certification of the formation référentiel: what enriches the effectifs' formation (libellé, niveau).

    The real service reads the certification référentiel from another public API (statuses-indicators-roles.md
    §1.6); TDBA imports it from a file (`import_formations`, docs/referentiel.md). Codes are kept as the API
    normalises them (CFD in capitals, RNCP with its prefix), so that a record's codes find their formation.
    """

    cfd = models.CharField("code diplôme (CFD)", max_length=8, blank=True, db_index=True)
    rncp = models.CharField("code RNCP", max_length=9, blank=True, db_index=True)
    libelle_long = models.CharField("intitulé", max_length=500)
    libelle_court = models.CharField("intitulé court", max_length=200, blank=True)
    niveau = models.CharField("niveau européen", max_length=1, blank=True)

    class Meta:
        verbose_name = "formation du référentiel"
        verbose_name_plural = "formations du référentiel"
        ordering = ["libelle_long", "cfd", "rncp"]
        constraints = [
            models.UniqueConstraint(fields=["cfd", "rncp"], name="formation_codes_unique"),
            models.CheckConstraint(condition=~Q(cfd="", rncp=""), name="formation_un_code_au_moins"),
        ]

    def __str__(self):
        return f"{self.libelle_long} ({self.cfd or self.rncp})"
