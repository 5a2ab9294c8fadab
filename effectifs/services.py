"""Writes on effectifs: the one upsert path shared by the API and the Excel import (api-v3.md §3.5)."""

import json
from datetime import date, datetime

from django.db import connection, transaction
from django.db.models import Exists, Min, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from effectifs.models import Effectif, EffectifStatutPeriode
from effectifs.selectors.sifa import organisme_get_sifa, sifa_effectifs_eligibles
from effectifs.sifa import TYPE_CFA
from effectifs.statuts import parcours_for_effectif, periodes, statut_en_cours
from organismes.models import AuditLog, Organisme

IDENTITY = ("organisme_id", "annee_scolaire", "id_erp_apprenant")
# Lists replace the stored value, even when empty (the ERP sends every contract at each transmission).
REPLACED_FIELDS = frozenset({"contrats"})
NEVER_UPDATED = frozenset({"id", "public_id", "created_at", "organisme", "annee_scolaire", "id_erp_apprenant"})
UPSERT_FIELDS = [
    f.attname
    for f in Effectif._meta.concrete_fields
    if f.name not in NEVER_UPDATED and f.attname not in ("organisme_id",)
]


def historique_merge(historique: list, valeur: int | None, date_statut: str | None, now: datetime) -> list:
    """Append a declared status unless already there, sort by date and drop what is dated after it (§3.5)."""
    if not valeur or not date_statut:
        return historique
    if any(h.get("valeur_statut") == valeur and h.get("date_statut") == date_statut for h in historique):
        return historique
    entry = {"valeur_statut": valeur, "date_statut": date_statut, "date_reception": now.isoformat()}
    merged = sorted([*historique, entry], key=lambda h: h.get("date_statut") or "")
    return merged[: merged.index(entry) + 1]


def effectif_parcours_apply(effectif: Effectif, *, today: date) -> list[EffectifStatutPeriode]:
    """Recompute the effectif's parcours and current status; return its periods (not saved)."""
    parcours = parcours_for_effectif(
        date_entree=effectif.date_entree,
        date_fin=effectif.date_fin,
        contrats=effectif.contrats,
        date_exclusion=effectif.date_exclusion,
        historique_statut=effectif.historique_statut,
        annee_scolaire=effectif.annee_scolaire,
    )
    if not parcours:
        effectif.parcours, effectif.statut_courant, effectif.statut_courant_depuis = [], "", None
        return []
    effectif.parcours = [[d.isoformat(), s.value] for d, s in parcours]
    effectif.statut_courant = statut_en_cours(parcours, today).value
    effectif.statut_courant_depuis = next((d for d, _ in reversed(parcours) if d <= today), parcours[0][0])
    return [EffectifStatutPeriode(statut=s.value, debut=debut, fin=fin) for s, debut, fin in periodes(parcours)]


@transaction.atomic
def effectifs_upsert(*, records: list[dict], now: datetime) -> list[Effectif]:
    """Create or merge effectifs keyed by (formateur, année scolaire, id ERP); statuses recomputed.

    Each record holds Effectif field values (attnames) plus optionally `statut_declare` = (valeur, date).
    Merge rules: a new empty value (None, "") keeps the stored one; `contrats` is replaced; the declared
    status history is rebuilt. Returns the effectifs in the order of the records.
    """
    keys = {tuple(r[k] for k in IDENTITY) for r in records}
    existing = {}
    if keys:
        candidates = Effectif.objects.filter(
            organisme_id__in={k[0] for k in keys},
            annee_scolaire__in={k[1] for k in keys},
            id_erp_apprenant__in={k[2] for k in keys},
        )
        existing = {tuple(getattr(e, k) for k in IDENTITY): e for e in candidates}

    today = now.date()
    by_key: dict[tuple, Effectif] = {}
    order: list[tuple] = []
    for record in records:
        key = tuple(record[k] for k in IDENTITY)
        effectif = by_key.get(key) or existing.get(key)
        if effectif is None:
            effectif = Effectif(**{k: record[k] for k in IDENTITY})
        statut = record.get("statut_declare")
        for field, value in record.items():
            if field in IDENTITY or field == "statut_declare":
                continue
            if field in REPLACED_FIELDS or value not in (None, ""):
                setattr(effectif, field, value)
        if statut:
            effectif.historique_statut = historique_merge(list(effectif.historique_statut or []), *statut, now)
        effectif.transmitted_at = now
        by_key[key] = effectif
        order.append(key)

    effectifs = list(by_key.values())
    periods_by_key = {key: effectif_parcours_apply(e, today=today) for key, e in by_key.items()}
    for effectif in effectifs:
        effectif.updated_at = now
        if effectif.created_at is None:
            effectif.created_at = now
        # Existing rows are updated through the identity conflict, which keeps their id and public_id.
        effectif.pk = None
    periods = []
    if connection.vendor == "postgresql":
        _upsert_postgresql(by_key)
        ids = [e.pk for e in effectifs]
        periods_table = connection.ops.quote_name(EffectifStatutPeriode._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {periods_table} WHERE effectif_id = ANY(%s)", [ids])  # noqa: S608 - identifiers from the model's metadata
            with cursor.cursor.copy(f"COPY {periods_table} (effectif_id, statut, debut, fin) FROM STDIN") as copy:
                for key, effectif in by_key.items():
                    for period in periods_by_key[key]:
                        period.effectif_id = effectif.pk
                        copy.write_row((effectif.pk, period.statut, period.debut, period.fin))
        return [by_key[key] for key in order]
    Effectif.objects.bulk_create(
        effectifs,
        update_conflicts=True,
        unique_fields=["organisme", "annee_scolaire", "id_erp_apprenant"],
        update_fields=UPSERT_FIELDS,
        batch_size=500,
    )
    ids = [e.pk for e in effectifs]
    EffectifStatutPeriode.objects.filter(effectif_id__in=ids).delete()
    for key, effectif in by_key.items():
        for period in periods_by_key[key]:
            period.effectif_id = effectif.pk
            periods.append(period)
    EffectifStatutPeriode.objects.bulk_create(periods, batch_size=2000)
    return [by_key[key] for key in order]


# Every column but the primary key (INSERT) and those the conflict updates (see UPSERT_FIELDS).
_INSERT_FIELDS = [f for f in Effectif._meta.concrete_fields if not f.primary_key]


def _upsert_postgresql(by_key: dict[tuple, Effectif]) -> None:
    """The same INSERT … ON CONFLICT DO UPDATE as bulk_create(update_conflicts=True), rows sent as one JSON document.

    Performance (docs/performance.md): bulk_create sends ~60 columns as typed arrays, JSON columns included,
    which psycopg escapes in Python; jsonb_to_recordset lets PostgreSQL read the rows from one json.dumps.
    Values go through each field's pre_save (auto_now / auto_now_add, as bulk_create does) and to_python
    representation; ids are read back by identity.
    """
    quote = connection.ops.quote_name
    rows = []
    for effectif in by_key.values():
        row = {}
        for field in _INSERT_FIELDS:
            row[field.column] = field.pre_save(effectif, add=True)
        rows.append(row)
    columns = [f.column for f in _INSERT_FIELDS]
    definitions = ", ".join(f"{quote(f.column)} {_recordset_type(f)}" for f in _INSERT_FIELDS)
    names = ", ".join(quote(c) for c in columns)
    updates = ", ".join(
        f"{quote(f.column)} = EXCLUDED.{quote(f.column)}" for f in _INSERT_FIELDS if f.attname in UPSERT_FIELDS
    )
    identity = ", ".join(quote(Effectif._meta.get_field(k).column) for k in IDENTITY)
    table = quote(Effectif._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {table} ({names})
                SELECT {names} FROM jsonb_to_recordset(%s::jsonb) AS v({definitions})
                ON CONFLICT ({identity}) DO UPDATE SET {updates}
                RETURNING id, {identity}""",  # noqa: S608 - identifiers from the model's metadata
            [json.dumps(rows, default=_json_value)],
        )
        ids = {tuple(row[1:]): row[0] for row in cursor.fetchall()}
    for key, effectif in by_key.items():
        effectif.pk = ids[key]
        effectif._state.adding = False
        effectif._state.db = connection.alias


def _json_value(value):
    """Dates and datetimes at full precision (DjangoJSONEncoder would cut microseconds), UUIDs as text."""
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


def _recordset_type(field) -> str:
    if field.get_internal_type() == "JSONField":
        return "jsonb"
    return field.db_type(connection)


def effectifs_statut_courant_refresh(*, today: date, annees_scolaires: list[str] | None = None) -> int:
    """Move every effectif's current status to `today`, in SQL from the stored periods (weekly task, §2.4).

    The parcours itself does not depend on the date; only "statut actuel" does (shown in Mes effectifs).
    Before its first period a learner reads INSCRIT, as the reference's `en_cours` default.
    """
    current = EffectifStatutPeriode.objects.filter(effectif=OuterRef("pk"), debut__lte=today).filter(
        Q(fin__isnull=True) | Q(fin__gt=today)
    )
    first = EffectifStatutPeriode.objects.filter(effectif=OuterRef("pk")).values("effectif").annotate(d=Min("debut"))
    effectifs = Effectif.objects.filter(Exists(EffectifStatutPeriode.objects.filter(effectif=OuterRef("pk"))))
    if annees_scolaires is not None:
        effectifs = effectifs.filter(annee_scolaire__in=annees_scolaires)
    return effectifs.update(
        statut_courant=Coalesce(Subquery(current.values("statut")[:1]), Value("INSCRIT")),
        statut_courant_depuis=Coalesce(Subquery(current.values("debut")[:1]), Subquery(first.values("d")[:1])),
    )


@transaction.atomic
def effectifs_type_cfa_appliquer(*, user, organisme: Organisme, type_cfa: str, today: date | None = None) -> int:
    """Set "Type de CFA" on every SIFA-eligible effectif of the organisme; return how many were updated.

    Only the OFA knows its type de CFA, so it is set once for all the learners SIFA counts (§3.3,
    reference PUT `/organismes/{id}/effectifs?sifa=true`). The value persists: a later transmission
    replaces `type_cfa` only when it carries a non-empty one (upsert merge rule). Requires
    `manage_effectifs` on the organisme (404 otherwise); the change is written to the audit log.
    """
    if type_cfa not in TYPE_CFA:
        raise ValueError(f"Type de CFA inconnu : {type_cfa!r}")
    organisme = organisme_get_sifa(user=user, public_id=organisme.public_id)
    now = timezone.now()
    lignes = sifa_effectifs_eligibles(user=user, organisme=organisme, today=today or now.date())
    ids = [ligne.effectif.pk for ligne in lignes]
    updated = Effectif.objects.filter(pk__in=ids).update(type_cfa=type_cfa, updated_at=now)
    AuditLog.objects.create(
        action="sifa_type_cfa",
        user=user,
        organisme=organisme,
        data={"type_cfa": type_cfa, "nombre": updated, "effectifs": ids},
    )
    return updated
