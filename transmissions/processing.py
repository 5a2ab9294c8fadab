"""The worker side of the queue (api-v3.md §3.3): normalised values, organismes, effectifs.

The normalised values are those the receipt kept (transmissions/validation/compact.py), or validated again for an
item without them; then the organismes are resolved, the formation completed from the référentiel, and the effectifs
upserted.

Work is done by lot, in chunks, with bulk queries: processing a 2000-record POST is a handful of queries,
not 2000. Items are claimed with SELECT … FOR UPDATE SKIP LOCKED on PostgreSQL, so two workers (or a
message delivered twice) never process the same item twice; processed items are skipped.
"""

import logging
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q, TextField, Value
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from effectifs.formations import formations_records_completer
from effectifs.services import effectifs_upsert
from organismes.models import Organisme
from tdba.db import bound_cursor
from tdba.jsonfast import dumps, loads
from transmissions.models import Lot, QueueItem
from transmissions.validation import coherence_errors, organisme_not_found_errors, validate_dossier
from transmissions.validation.compact import normalized_from_delta

logger = logging.getLogger(__name__)

CHUNK = 500


def queue_process_lot(*, lot_id: int) -> int:
    """Process every pending item of a lot; return how many were processed by this call."""
    total = 0
    while True:
        done = queue_process_chunk(lot_id=lot_id)
        total += done
        if done < CHUNK:
            lot_close(lot_id=lot_id)
            return total


def lot_close(*, lot_id: int, now: datetime | None = None) -> bool:
    """Mark the lot processed if none of its items is pending any more; True if it is (or already was).

    Called after each run over a lot, outside its chunks' transactions: of two workers sharing a lot (a message
    delivered twice), the one that commits last sees every item processed. A lot left open (a worker killed before
    this) is found by the sweep, processed again (nothing left) and closed.
    """
    pending = QueueItem.objects.filter(lot=OuterRef("pk"), processed_at__isnull=True)
    Lot.objects.filter(pk=lot_id, processed_at__isnull=True).exclude(Exists(pending)).update(
        processed_at=now or timezone.now()
    )
    return Lot.objects.filter(pk=lot_id, processed_at__isnull=False).exists()


def queue_process_chunk(*, lot_id: int | None = None, limit: int = CHUNK) -> int:
    """Claim up to `limit` pending items (of a lot, or of the oldest open lot) and process them in one transaction."""
    if lot_id is None:
        for open_lot in (
            Lot.objects.filter(processed_at__isnull=True).order_by("received_at", "pk").values_list("pk", flat=True)
        ):
            done = queue_process_chunk(lot_id=open_lot, limit=limit)
            if done:
                return done
            lot_close(lot_id=open_lot)  # nothing claimable: processed, or held by another worker right now
        return 0
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # The commit does not wait for the disk: if PostgreSQL crashed right after it, this chunk's outcome
            # would be lost as a whole (same transaction) and its items would read pending again, to be
            # processed by the sweep. What was accepted is already durable: the receipt commits synchronously.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit = off")
        # A lot's items share their receipt time: (lot, position) is their order and an index.
        pending = QueueItem.objects.filter(processed_at__isnull=True, lot_id=lot_id).order_by("position")
        if connection.features.has_select_for_update_skip_locked:
            pending = pending.select_for_update(skip_locked=True, of=("self",))
        # Plain rows, not model instances: building 500 QueueItem objects costs more than their processing. The JSON
        # columns are read as text and decoded by orjson (JSONField decodes with the standard library).
        pending = pending.annotate(
            payload_text=Cast("payload", TextField()), normalise_text=Cast("normalise", TextField())
        )
        items = [_Item(*row) for row in pending.values_list(*_Item.READ)[:limit]]
        if items:
            _process(items, now=timezone.now())
    return len(items)


class _Item:
    """A claimed queue item: what the worker reads (READ, as queried) and the outcome it writes."""

    __slots__ = (
        "attempts",
        "effectif_id",
        "has_error",
        "has_nir",
        "id",
        "normalise",
        "organisme_id",
        "payload",
        "source",
        "source_organisme_id",
        "validation_errors",
    )
    READ = ("id", "payload_text", "normalise_text", "source", "source_organisme_id", "has_nir", "attempts")

    def __init__(self, id, payload_text, normalise_text, source, source_organisme_id, has_nir, attempts):
        self.id, self.payload, self.source = id, loads(payload_text), source
        self.normalise = None if normalise_text is None else loads(normalise_text)
        self.source_organisme_id, self.has_nir, self.attempts = source_organisme_id, has_nir, attempts + 1
        self.has_error, self.validation_errors, self.organisme_id, self.effectif_id = False, [], None, None


def _normalized(item: _Item) -> tuple[dict | None, list]:
    """The record's normalised values (None if invalid) and its validation errors.

    Kept by the receipt when the record was valid (transmissions/validation/compact.py); computed again otherwise:
    items received before that, or by another normalisation version.
    """
    normalized = normalized_from_delta(item.payload, item.normalise, has_nir=item.has_nir)
    if normalized is not None:
        return normalized, []
    validation = validate_dossier(item.payload)
    return (validation.normalized if validation.is_valid else None), validation.errors


def _process(items: list[_Item], *, now: datetime) -> None:
    validations = [_normalized(item) for item in items]
    couples = set()
    for n, _errors in validations:
        if n is not None:
            couples.add((n["etablissement_formateur_uai"], n["etablissement_formateur_siret"]))
            couples.add((n["etablissement_responsable_uai"], n["etablissement_responsable_siret"]))
    organismes: dict[tuple[str, str], int] = {}
    if couples:
        condition = Q()
        for uai, siret in couples:
            condition |= Q(uai=uai, siret=siret)
        organismes = {
            (uai, siret): pk for uai, siret, pk in Organisme.objects.filter(condition).values_list("uai", "siret", "pk")
        }

    records, accepted = [], []
    for item, (n, validation_errors) in zip(items, validations, strict=True):
        if n is None:
            item.has_error, item.validation_errors = True, validation_errors
            continue
        formateur = organismes.get((n["etablissement_formateur_uai"], n["etablissement_formateur_siret"]))
        responsable = organismes.get((n["etablissement_responsable_uai"], n["etablissement_responsable_siret"]))
        found = formateur is not None and responsable is not None
        errors = organisme_not_found_errors(
            formateur_found=formateur is not None, responsable_found=responsable is not None
        ) + coherence_errors(n, organismes_found=found)
        if errors:
            item.has_error, item.validation_errors = True, errors
            continue
        item.organisme_id = formateur
        records.append(_effectif_record(n, item=item, formateur_id=formateur, responsable_id=responsable))
        accepted.append(item)

    formations_records_completer(records)  # libellé and niveau from the formation référentiel
    effectif_ids = effectifs_upsert(records=records, now=now) if records else []
    for item, effectif_id in zip(accepted, effectif_ids, strict=True):
        item.effectif_id = effectif_id
    _save_items(items, now=now)
    _update_organismes(accepted, now=now)


# What the worker writes back on a queue item (the same columns as the UPDATE below).
_SAVED_FIELDS = [
    "processed_at",
    "computed_day",
    "normalise",
    "has_error",
    "validation_errors",
    "error",
    "organisme",
    "effectif",
    "attempts",
]


def _save_items(items: list[_Item], *, now: datetime) -> None:
    """Write back the processing outcome of the items.

    On PostgreSQL one UPDATE … FROM json_to_recordset(…) (performance, docs/performance.md): bulk_update's
    CASE WHEN per row and column costs more to build in Python than the whole processing of the chunk.
    """
    if connection.vendor != "postgresql":
        outcome = [
            QueueItem(
                pk=item.id,
                processed_at=now,
                computed_day=now.date(),
                normalise=None,
                has_error=item.has_error,
                validation_errors=item.validation_errors,
                error="",
                organisme_id=item.organisme_id,
                effectif_id=item.effectif_id,
                attempts=item.attempts,
            )
            for item in items
        ]
        QueueItem.objects.bulk_update(outcome, _SAVED_FIELDS)
        return
    rows = [
        {
            "id": item.id,
            "has_error": item.has_error,
            "validation_errors": item.validation_errors,
            "organisme_id": item.organisme_id,
            "effectif_id": item.effectif_id,
            "attempts": item.attempts,
        }
        for item in items
    ]
    table = connection.ops.quote_name(QueueItem._meta.db_table)
    with bound_cursor() as cursor:
        cursor.execute(
            f"""UPDATE {table} AS q SET processed_at = %s, computed_day = %s, error = '', normalise = NULL,
                    has_error = v.has_error, validation_errors = v.validation_errors,
                    organisme_id = v.organisme_id, effectif_id = v.effectif_id, attempts = v.attempts
                FROM json_to_recordset(%s::json) AS v(id bigint, has_error boolean, validation_errors jsonb,
                    organisme_id bigint, effectif_id bigint, attempts smallint)
                WHERE q.id = v.id""",  # noqa: S608 - identifiers from the model's metadata
            [now, now.date(), dumps(rows)],
        )


def _day(value):
    return value.date() if isinstance(value, datetime) else value


def _effectif_record(n: dict, *, item: _Item, formateur_id: int, responsable_id: int) -> dict:
    """Map a normalised v3 dossier to effectif fields (api-v3.md §3.5 mapping table)."""
    contrats = []
    for suffix in ("", "_2", "_3", "_4"):
        debut, fin, rupture = (
            n.get(f"contrat_date_debut{suffix}"),
            n.get(f"contrat_date_fin{suffix}"),
            n.get(f"contrat_date_rupture{suffix}"),
        )
        if debut or fin or rupture:
            contrats.append(
                {
                    "date_debut": _day(debut).isoformat() if debut else None,
                    "date_fin": _day(fin).isoformat() if fin else None,
                    "date_rupture": _day(rupture).isoformat() if rupture else None,
                    "cause_rupture": n.get(f"cause_rupture_contrat{suffix}"),
                    "siret": n.get(f"siret_employeur{suffix}"),
                }
            )
    statut = n.get("statut_apprenant")
    date_statut = n.get("date_metier_mise_a_jour_statut")
    date_exclusion = n.get("date_exclusion_formation")
    if date_exclusion is None and statut == 0 and date_statut:
        # An ERP sending status 0 (abandon) with its date declares an exclusion (§1.6).
        date_exclusion = date_statut
    duree = n.get("duree_theorique_formation_mois")
    if duree is None and n.get("duree_theorique_formation"):
        duree = n["duree_theorique_formation"] * 12
    entree, fin = _day(n.get("date_entree_formation")), _day(n.get("date_fin_formation"))
    referent = None
    if n.get("email_referent_handicap_formation") or n.get("prenom_referent_handicap_formation"):
        referent = {
            "nom": n.get("nom_referent_handicap_formation"),
            "prenom": n.get("prenom_referent_handicap_formation"),
            "email": n.get("email_referent_handicap_formation"),
        }
    lieu = {
        "uai": n.get("etablissement_lieu_de_formation_uai"),
        "siret": n.get("etablissement_lieu_de_formation_siret"),
        "adresse": n.get("etablissement_lieu_de_formation_adresse"),
        "code_postal": n.get("etablissement_lieu_de_formation_code_postal"),
    }
    return {
        "organisme_id": formateur_id,
        "annee_scolaire": n["annee_scolaire"],
        "id_erp_apprenant": n["id_erp_apprenant"],
        "organisme_responsable_id": responsable_id,
        "source": item.source,
        "source_organisme_id": item.source_organisme_id,
        "dernier_dossier_id": item.id,
        "nom": n["nom_apprenant"],
        "prenom": n["prenom_apprenant"],
        "date_de_naissance": _day(n["date_de_naissance_apprenant"]),
        "ine": n.get("ine_apprenant"),
        "sexe": n.get("sexe_apprenant"),
        "courriel": n.get("email_contact"),
        "telephone": n.get("tel_apprenant"),
        "has_nir": item.has_nir,
        "rqth": n.get("rqth_apprenant"),
        "date_rqth": _day(n.get("date_rqth_apprenant")),
        "adresse_complete": n.get("adresse_apprenant"),
        "code_postal": n.get("code_postal_apprenant"),
        "code_insee": n.get("code_commune_insee_apprenant"),
        "code_postal_naissance": n.get("code_postal_de_naissance_apprenant"),
        "code_insee_naissance": n.get("code_commune_insee_de_naissance_apprenant"),
        "responsable_mail1": n.get("responsable_apprenant_mail1"),
        "responsable_mail2": n.get("responsable_apprenant_mail2"),
        "derniere_situation": n.get("derniere_situation"),
        "dernier_organisme_uai": n.get("dernier_organisme_uai"),
        "type_cfa": n.get("type_cfa"),
        "custom_statut_apprenant": n.get("custom_statut_apprenant"),
        "formation_cfd": n.get("formation_cfd"),
        "formation_rncp": n.get("formation_rncp"),
        "formation_annee": n.get("annee_formation"),
        "date_inscription": _day(n.get("date_inscription_formation")),
        "date_entree": entree,
        "date_fin": fin,
        "duree_theorique_mois": duree,
        "duree_formation_relle": round((fin - entree).days / 30) if entree and fin else None,
        "formation_presentielle": n.get("formation_presentielle"),
        "obtention_diplome": n.get("obtention_diplome_formation"),
        "date_obtention_diplome": _day(n.get("date_obtention_diplome_formation")),
        "date_exclusion": _day(date_exclusion),
        "cause_exclusion": n.get("cause_exclusion_formation"),
        "referent_handicap": referent,
        "lieu_de_formation": lieu if any(lieu.values()) else None,
        "contrats": contrats,
        # statut 0 is falsy in the reference and never enters the history (quirk kept, §3.5).
        "statut_declare": (statut, date_statut.isoformat()) if statut and date_statut else None,
    }


def _update_organismes(accepted: list[_Item], *, now: datetime) -> None:
    """First/last transmission dates of the formateurs, last ERP transmission of the transmitters (§3.9).

    Set-based UPDATEs, no SELECT … FOR UPDATE beforehand: row locks are held only for the statement's rows and
    two chunks of one big CFA processed side by side do not queue behind each other's reads (docs/performance.md).
    """
    formateurs: dict[int, tuple[str, int]] = {}
    transmetteurs = set()
    for item in accepted:
        formateurs[item.organisme_id] = (item.source, item.source_organisme_id)
        transmetteurs.add(item.source_organisme_id)
    by_origin: dict[tuple[str, int], list[int]] = {}
    for organisme_id, origin in sorted(formateurs.items()):
        by_origin.setdefault(origin, []).append(organisme_id)
    for (source, transmetteur), ids in by_origin.items():
        Organisme.objects.filter(pk__in=ids).update(
            first_transmission_date=Coalesce("first_transmission_date", Value(now)),
            last_transmission_date=now,
            api_version="v3",
            organisme_transmetteur_id=transmetteur,
            updated_at=now,
        )
        missing = [
            pk for pk, erps in Organisme.objects.filter(pk__in=ids).values_list("pk", "erps") if source not in erps
        ]
        if missing:  # the first night of an ERP: lock, read again and append (another source may be appending)
            for pk, erps in Organisme.objects.filter(pk__in=missing).select_for_update().values_list("pk", "erps"):
                if source not in erps:
                    Organisme.objects.filter(pk=pk).update(erps=[*erps, source])
    if transmetteurs:
        Organisme.objects.filter(pk__in=sorted(transmetteurs)).update(last_erp_transmission_date=now, updated_at=now)


def queue_sweep(*, older_than: timedelta = timedelta(minutes=2), now: datetime | None = None) -> list[int]:
    """Lots still holding pending items after `older_than`: a lost message or a killed worker loses nothing."""
    now = now or timezone.now()
    return list(
        Lot.objects.filter(processed_at__isnull=True, received_at__lt=now - older_than)
        .order_by("received_at", "pk")
        .values_list("pk", flat=True)
    )
