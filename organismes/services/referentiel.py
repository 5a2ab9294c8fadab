"""Writes on organismes from the référentiel: import, relations, natures (statuses-indicators-roles.md §5)."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction

from organismes.models import Departement, Fiabilisation, Nature, Organisme, OrganismeRelation, Reseau
from organismes.referentiel import ReferentielRow, RejectedRow, clean_row

# Fields the référentiel owns on an organisme (transmission fields are never touched by an import).
REFERENTIEL_FIELDS = (
    "raison_sociale",
    "enseigne",
    "ferme",
    "fiabilisation_statut",
    "qualiopi",
    "adresse_numero",
    "adresse_voie",
    "adresse_complement",
    "code_postal",
    "code_insee",
    "commune",
    "adresse_complete",
    "departement_id",
    "region_id",
    "academie_id",
)


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    reset_non_fiable: int = 0
    rejected: list[RejectedRow] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@transaction.atomic
def referentiel_import(*, raw_rows: list[tuple[int, dict]], reset_absent: bool = True) -> ImportReport:
    """Upsert organismes from référentiel rows, then rebuild relations and natures.

    Idempotent: importing the same file twice changes nothing the second time. A couple present in the
    file is "fiable" (§5.4); with `reset_absent`, organismes missing from the file become "non fiable",
    as the real daily import does.
    """
    report = ImportReport()
    rows: dict[tuple[str | None, str], ReferentielRow] = {}
    for line, raw in raw_rows:
        row = clean_row(line, raw)
        if isinstance(row, RejectedRow):
            report.rejected.append(row)
        elif row.couple in rows:
            report.rejected.append(RejectedRow(line, f"couple UAI/SIRET déjà présent ligne {rows[row.couple].line}"))
        else:
            rows[row.couple] = row

    departements = {d.code: d for d in Departement.objects.all()}
    existing = {(o.uai, o.siret): o for o in Organisme.objects.all()}
    reseaux = {r.key.upper(): r for r in Reseau.objects.all()}

    to_create, to_update = [], []
    for couple, row in rows.items():
        values = _organisme_values(row, departements)
        organisme = existing.get(couple)
        if organisme is None:
            organisme = Organisme(uai=row.uai, siret=row.siret, **values)
            to_create.append(organisme)
            existing[couple] = organisme
        elif any(getattr(organisme, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(organisme, k, v)
            to_update.append(organisme)
        else:
            report.unchanged += 1
    Organisme.objects.bulk_create(to_create, batch_size=1000)
    Organisme.objects.bulk_update(to_update, REFERENTIEL_FIELDS, batch_size=1000)
    report.created, report.updated = len(to_create), len(to_update)

    if reset_absent:
        absent = [o.pk for couple, o in existing.items() if couple not in rows]
        report.reset_non_fiable = (
            Organisme.objects.filter(pk__in=absent)
            .exclude(fiabilisation_statut=Fiabilisation.NON_FIABLE)
            .update(fiabilisation_statut=Fiabilisation.NON_FIABLE)
        )

    # Réseaux: create unknown keys (an admin can rename them later), then set memberships.
    for key in sorted({k for row in rows.values() for k in row.reseaux} - set(reseaux)):
        reseaux[key] = Reseau.objects.create(key=key.lower(), nom=key)
        report.warnings.append(f"réseau « {key} » créé")
    through = Organisme.reseaux.through
    imported_ids = [existing[c].pk for c in rows]
    wanted = {(existing[c].pk, reseaux[k].pk) for c, row in rows.items() for k in row.reseaux}
    current = set(through.objects.filter(organisme_id__in=imported_ids).values_list("organisme_id", "reseau_id"))
    for organisme_id, reseau_id in current - wanted:
        through.objects.filter(organisme_id=organisme_id, reseau_id=reseau_id).delete()
    through.objects.bulk_create([through(organisme_id=o, reseau_id=r) for o, r in wanted - current])

    # Relations: the file lists, for each organisme, its responsables.
    relations = set()
    self_responsible = set()
    for couple, row in rows.items():
        formateur = existing[couple]
        for r_couple in row.responsables:
            responsable = existing.get(r_couple)
            if responsable is None:
                report.warnings.append(
                    f"ligne {row.line} : responsable {r_couple[0] or 'sans UAI'}/{r_couple[1]} introuvable, "
                    "relation ignorée"
                )
            elif responsable.pk == formateur.pk:
                self_responsible.add(formateur.pk)
            else:
                relations.add((responsable.pk, formateur.pk))
    stale = [
        pk
        for pk, r, f in OrganismeRelation.objects.filter(formateur_id__in=imported_ids).values_list(
            "pk", "responsable_id", "formateur_id"
        )
        if (r, f) not in relations
    ]
    OrganismeRelation.objects.filter(pk__in=stale).delete()
    existing_relations = set(OrganismeRelation.objects.values_list("responsable_id", "formateur_id"))
    OrganismeRelation.objects.bulk_create(
        [OrganismeRelation(responsable_id=r, formateur_id=f) for r, f in relations - existing_relations]
    )
    explicit_natures = {existing[c].pk: row.nature for c, row in rows.items() if row.nature}
    organismes_relations_compute(explicit_natures=explicit_natures, self_responsible=self_responsible)
    return report


def _organisme_values(row: ReferentielRow, departements: dict[str, Departement]) -> dict:
    departement = departements.get(row.departement) if row.departement else None
    fiable = row.present and row.uai is not None
    return {
        "raison_sociale": row.raison_sociale,
        "enseigne": row.enseigne,
        "ferme": row.ferme,
        "fiabilisation_statut": Fiabilisation.FIABLE if fiable else Fiabilisation.NON_FIABLE,
        "qualiopi": row.qualiopi,
        "adresse_numero": row.numero,
        "adresse_voie": row.voie,
        "adresse_complement": row.complement,
        "code_postal": row.code_postal,
        "code_insee": row.code_insee,
        "commune": row.commune,
        "adresse_complete": row.adresse,
        "departement_id": departement.code if departement else None,
        "region_id": departement.region_id if departement else None,
        "academie_id": departement.academie_id if departement else None,
    }


def organismes_relations_compute(
    *, explicit_natures: dict[int, str] | None = None, self_responsible: set[int] | None = None
) -> None:
    """Recompute every organisme's nature (§5.2) and each relation's partial responsibility (§5.3)."""
    explicit_natures = explicit_natures or {}
    self_responsible = self_responsible or set()
    pairs = list(OrganismeRelation.objects.values_list("pk", "responsable_id", "formateur_id"))
    sirens = dict(Organisme.objects.values_list("pk", "siret"))
    has_formateurs = {r for _, r, _ in pairs} | self_responsible
    has_responsables = {f for _, _, f in pairs} | self_responsible
    responsables_sirens = defaultdict(set)
    for _, r, f in pairs:
        responsables_sirens[f].add(sirens[r][:9])

    partial, full = [], []
    for pk, r, f in pairs:
        # Same SIREN: never partial; otherwise partial when the formateur answers to several SIRENs.
        is_partial = sirens[r][:9] != sirens[f][:9] and len(responsables_sirens[f]) > 1
        (partial if is_partial else full).append(pk)
    OrganismeRelation.objects.filter(pk__in=partial).update(responsabilite_partielle=True)
    OrganismeRelation.objects.filter(pk__in=full).update(responsabilite_partielle=False)

    by_nature = defaultdict(list)
    for pk in sirens:
        if pk in explicit_natures:
            nature = explicit_natures[pk]
        elif pk in has_formateurs and pk in has_responsables:
            nature = Nature.RESPONSABLE_FORMATEUR
        elif pk in has_responsables:
            nature = Nature.FORMATEUR
        elif pk in has_formateurs:
            nature = Nature.RESPONSABLE
        else:
            continue  # no relation and no explicit nature: keep what the organisme has
        by_nature[nature].append(pk)
    for nature, pks in by_nature.items():
        Organisme.objects.filter(pk__in=pks).exclude(nature=nature).update(nature=nature)
