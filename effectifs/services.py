"""Writes on effectifs: the one upsert path shared by the API and the Excel import (api-v3.md §3.5)."""

from datetime import date, datetime

from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.db.models import Exists, Min, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from effectifs.models import Effectif, EffectifStatutPeriode
from effectifs.selectors.sifa import organisme_get_sifa, sifa_effectifs_eligibles
from effectifs.sifa import TYPE_CFA
from effectifs.statuts import contrat_incomplet, parcours_for_effectif, periodes, statut_en_cours
from organismes.models import AuditLog, Organisme
from tdba.db import bound_cursor
from tdba.ids import uuid7_texts
from tdba.jsonfast import dumps, loads

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


def parcours_compute(
    *, date_entree, date_fin, contrats, date_exclusion, historique_statut, annee_scolaire, today: date
) -> tuple[list, str, date | None, list[tuple[str, date, date | None]]]:
    """(parcours, statut actuel, depuis, periods as (statut, début, fin)) of an effectif's merged values."""
    parcours = parcours_for_effectif(
        date_entree=date_entree,
        date_fin=date_fin,
        contrats=contrats,
        date_exclusion=date_exclusion,
        historique_statut=historique_statut,
        annee_scolaire=annee_scolaire,
    )
    if not parcours:
        return [], "", None, []
    depuis = next((d for d, _ in reversed(parcours) if d <= today), parcours[0][0])
    return (
        [[d.isoformat(), s.value] for d, s in parcours],
        statut_en_cours(parcours, today).value,
        depuis,
        [(s.value, debut, fin) for s, debut, fin in periodes(parcours)],
    )


def effectif_parcours_apply(effectif: Effectif, *, today: date) -> list[EffectifStatutPeriode]:
    """Recompute the effectif's parcours and current status; return its periods (not saved)."""
    parcours, statut, depuis, periods = parcours_compute(
        date_entree=effectif.date_entree,
        date_fin=effectif.date_fin,
        contrats=effectif.contrats,
        date_exclusion=effectif.date_exclusion,
        historique_statut=effectif.historique_statut,
        annee_scolaire=effectif.annee_scolaire,
        today=today,
    )
    effectif.parcours, effectif.statut_courant, effectif.statut_courant_depuis = parcours, statut, depuis
    effectif.contrat_incomplet = contrat_incomplet(effectif.contrats, effectif.historique_statut)
    return [EffectifStatutPeriode(statut=s, debut=debut, fin=fin) for s, debut, fin in periods]


@transaction.atomic
def effectifs_upsert(*, records: list[dict], now: datetime) -> list[int]:
    """Create or merge effectifs keyed by (formateur, année scolaire, id ERP); statuses recomputed.

    Each record holds Effectif field values (attnames) plus optionally `statut_declare` = (valeur, date).
    Merge rules: a new empty value (None, "") keeps the stored one; `contrats` is replaced; the declared
    status history is rebuilt. Returns the effectif ids in the order of the records (the same learner twice
    in a batch is merged in order and gets the same id).
    """
    if connection.vendor == "postgresql":
        return _upsert_postgresql(records, now=now)
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
        elif _is_older(record, effectif.dernier_dossier_id):
            by_key[key] = effectif
            order.append(key)
            continue
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
    Effectif.objects.bulk_create(
        effectifs,
        update_conflicts=True,
        unique_fields=["organisme", "annee_scolaire", "id_erp_apprenant"],
        update_fields=UPSERT_FIELDS,
        batch_size=500,
    )
    ids = [e.pk for e in effectifs]
    EffectifStatutPeriode.objects.filter(effectif_id__in=ids).delete()
    periods = []
    for key, effectif in by_key.items():
        for period in periods_by_key[key]:
            period.effectif_id = effectif.pk
            periods.append(period)
    EffectifStatutPeriode.objects.bulk_create(periods, batch_size=2000)
    return [by_key[key].pk for key in order]


# PostgreSQL path (performance, docs/performance.md): no model instance is built. The batch is merged in
# Python on dictionaries; the stored rows are read back only for what the merge and the parcours need; new
# learners are inserted and known ones updated with one statement each, the rows travelling as one JSON
# document read by json_to_recordset; periods are rewritten with COPY. The document is a parameter bound by the
# server (tdba/db.py), typed `json`, not `jsonb`: json_to_recordset reads its text row by row, where jsonb is first
# built whole as a binary tree. Both cut the insert's CPU by a quarter (docs/performance.md).
_FIELDS = {f.attname: f for f in Effectif._meta.concrete_fields}
# The insert sends the field dicts as JSON records keyed by column: both names must be the same.
if any(f.attname != f.column for f in _FIELDS.values()):  # pragma: no cover - a model change would show here
    raise ImproperlyConfigured("Effectif : une colonne ne porte pas le nom de son champ (effectifs_upsert).")
# What the parcours needs from a stored row when the new record leaves it empty.
_PARCOURS_FIELDS = ("date_entree", "date_fin", "date_exclusion", "contrats", "historique_statut", "dernier_dossier_id")
# Written on every upsert whatever the record says.
_COMPUTED_FIELDS = (
    "contrat_incomplet",
    "historique_statut",
    "parcours",
    "statut_courant",
    "statut_courant_depuis",
    "transmitted_at",
)
# A new row's values for the columns a record does not fill (no database default: Django applies them).
_INSERT_DEFAULTS = {
    f.attname: f.get_default()
    for f in Effectif._meta.concrete_fields
    if not f.primary_key and f.attname not in ("public_id", "created_at", "updated_at")
}


def _is_older(record: dict, stored_dossier_id: int | None) -> bool:
    """True if the effectif already holds the values of a record received after this one (see dernier_dossier_id)."""
    dossier_id = record.get("dernier_dossier_id")
    return dossier_id is not None and stored_dossier_id is not None and dossier_id < stored_dossier_id


def _key(record: dict) -> tuple:
    return (record["organisme_id"], record["annee_scolaire"], record["id_erp_apprenant"])


def _merge_batch(records: list[dict], stored: dict[tuple, dict]) -> dict[tuple, dict]:
    """The batch's records merged per learner, in order: later non-empty values win, statuses accumulate.

    A record older than what the learner already holds (stored, or merged from this batch) is left out.
    """
    merged: dict[tuple, dict] = {}
    for record in records:
        key = _key(record)
        values = merged.get(key)
        if values is None:
            row = stored.get(key)
            if row is not None and _is_older(record, row["dernier_dossier_id"]):
                continue
            values = merged[key] = {"statuts": []}
        elif _is_older(record, values.get("dernier_dossier_id")):
            continue
        for field, value in record.items():
            if field == "statut_declare":
                if value:
                    values["statuts"].append(value)
            elif field in REPLACED_FIELDS or value not in (None, ""):
                values[field] = value
    return merged


def _upsert_postgresql(records: list[dict], *, now: datetime) -> list[int]:
    today = now.date()
    ids: dict[tuple, int] = {}
    pending = sorted({_key(r) for r in records})  # a fixed key order: concurrent workers lock rows in the same order
    for _attempt in range(3):
        stored = _stored_rows(pending)
        wanted = set(pending)
        merged = _merge_batch([r for r in records if _key(r) in wanted], stored)
        updates, inserts = [], []
        for key in pending:
            row, values = stored.get(key), merged.get(key)
            if values is None:  # every record of this learner is older than what it holds: nothing to write
                ids[key] = row["id"]
                continue
            base = row or {**_INSERT_DEFAULTS, "organisme_id": key[0], "annee_scolaire": key[1]}
            historique = list(base["historique_statut"] or [])
            for statut in values["statuts"]:
                historique = historique_merge(historique, *statut, now)
            contrats = values.get("contrats", base["contrats"])
            parcours, statut, depuis, periods = parcours_compute(
                date_entree=values.get("date_entree", base["date_entree"]),
                date_fin=values.get("date_fin", base["date_fin"]),
                contrats=contrats,
                date_exclusion=values.get("date_exclusion", base["date_exclusion"]),
                historique_statut=historique,
                annee_scolaire=key[1],
                today=today,
            )
            fields = {k: v for k, v in values.items() if k != "statuts"}
            fields.update(
                contrat_incomplet=contrat_incomplet(contrats, historique),
                historique_statut=historique,
                parcours=parcours,
                statut_courant=statut,
                statut_courant_depuis=depuis,
                transmitted_at=now,
                updated_at=now,
            )
            if row is None:
                inserts.append((key, {**_INSERT_DEFAULTS, **fields, "created_at": now}, periods))
            else:
                updates.append((key, {**fields, "id": row["id"]}, periods))
        ids.update(_update_rows(updates))
        inserted = _insert_rows(inserts, now=now)
        ids.update(inserted)
        _write_periods(
            [(ids[key], periods) for key, _, periods in updates + inserts if key in ids],
            replaced=[fields["id"] for _, fields, _ in updates],
        )
        # A learner another worker inserted meanwhile was skipped (ON CONFLICT DO NOTHING): merge it again.
        pending = [key for key, _, _ in inserts if key not in inserted]
        if not pending:
            return [ids[_key(r)] for r in records]
    raise RuntimeError("effectifs_upsert: concurrent inserts did not settle")  # pragma: no cover


def _table_sql() -> tuple:
    quote = connection.ops.quote_name
    return quote, quote(Effectif._meta.db_table)


def _stored_rows(keys: list[tuple]) -> dict[tuple, dict]:
    """The stored learners of `keys`, locked for this transaction (what the merge and the parcours read)."""
    if not keys:
        return {}
    quote, table = _table_sql()
    columns = ", ".join(f"e.{quote(_FIELDS[name].column)}" for name in _PARCOURS_FIELDS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT e.id, e.organisme_id, e.annee_scolaire, e.id_erp_apprenant, {columns}
                FROM {table} AS e
                WHERE e.organisme_id = ANY(%s) AND e.id_erp_apprenant = ANY(%s::varchar[])
                ORDER BY e.id FOR UPDATE OF e""",  # noqa: S608 - identifiers from the model's metadata
            # By organisme and ERP id, the school year checked below: a plan that stays right whatever the
            # table's statistics (a join on the three columns went through the (année, organisme) index and
            # read every learner of the organisme once per key until the table was analysed).
            [sorted({k[0] for k in keys}), sorted({k[2] for k in keys})],
        )
        wanted = set(keys)
        names = ("id", *_PARCOURS_FIELDS)
        stored = {}
        for row in cursor.fetchall():
            if tuple(row[1:4]) not in wanted:
                continue
            values = dict(zip(names, (row[0], *row[4:]), strict=True))
            for name in ("contrats", "historique_statut"):
                # Django reads jsonb as text (JSONField.from_db_value decodes it); a raw cursor gets the text.
                if isinstance(values[name], str):
                    values[name] = loads(values[name])
            stored[tuple(row[1:4])] = values
        return stored


def _recordset(names) -> str:
    quote = connection.ops.quote_name
    return ", ".join(f"{quote(_FIELDS[n].column)} {_recordset_type(_FIELDS[n])}" for n in names)


def _update_rows(updates: list[tuple]) -> dict[tuple, int]:
    """Known learners: empty values keep the stored ones, computed fields are written as they are."""
    if not updates:
        return {}
    quote, table = _table_sql()
    names = sorted({name for _, fields, _ in updates for name in fields} - {"id", *IDENTITY})
    assignments = []
    for name in names:
        column = quote(_FIELDS[name].column)
        if name in _COMPUTED_FIELDS or name == "updated_at":
            assignments.append(f"{column} = v.{column}")
        else:
            # Absent or empty: the stored value stays. A replaced field (contrats) is never None when sent.
            assignments.append(f"{column} = COALESCE(v.{column}, e.{column})")
    rows = [{_FIELDS[n].column: fields.get(n) for n in names} | {"id": fields["id"]} for _, fields, _ in updates]
    with bound_cursor() as cursor:
        cursor.execute(
            f"""UPDATE {table} AS e SET {", ".join(assignments)}
                FROM json_to_recordset(%s::json) AS v(id bigint, {_recordset(names)})
                WHERE e.id = v.id""",  # noqa: S608 - identifiers from the model's metadata
            [dumps(rows, default=_json_value)],
        )
    return {key: fields["id"] for key, fields, _ in updates}


def _insert_rows(inserts: list[tuple], *, now: datetime) -> dict[tuple, int]:
    """New learners; one inserted meanwhile by another transaction is skipped (and merged on the next pass).

    Public ids are time-ordered (tdba/ids.py): a night's new learners land at the end of the unique index instead of
    on random pages of an index of a million entries.
    """
    if not inserts:
        return {}
    quote, table = _table_sql()
    names = [n for n in _FIELDS if n != "id"]
    columns = ", ".join(quote(_FIELDS[n].column) for n in names)
    identity = ", ".join(quote(_FIELDS[k].column) for k in IDENTITY)
    public_ids = uuid7_texts(len(inserts), now)
    # The rows are the field dicts themselves (copied in C): every column is named after its field (checked at
    # import, below _FIELDS), and json_to_recordset reads only the columns it declares.
    rows = [dict(fields, public_id=public_id) for (_, fields, _), public_id in zip(inserts, public_ids, strict=True)]
    with bound_cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {table} ({columns})
                SELECT {columns} FROM json_to_recordset(%s::json) AS v({_recordset(names)})
                ON CONFLICT ({identity}) DO NOTHING
                RETURNING id, {identity}""",  # noqa: S608 - identifiers from the model's metadata
            [dumps(rows, default=_json_value)],
        )
        return {tuple(row[1:]): row[0] for row in cursor.fetchall()}


_COPY_NULL = "\\N"


def _write_periods(periods: list[tuple[int, list]], *, replaced: list[int]) -> None:
    """Write the status periods of the effectifs (`(id, [(statut, début, fin)…])`), replacing those of `replaced`.

    Only the effectifs that were already stored can hold periods: those this transaction has just inserted are
    not looked up. The rows go as COPY text (ids, status codes and ISO dates: nothing to escape), built here at a
    fraction of the cost of formatting each value with write_row.
    """
    table = connection.ops.quote_name(EffectifStatutPeriode._meta.db_table)
    with connection.cursor() as cursor:
        if replaced:
            cursor.execute(f"DELETE FROM {table} WHERE effectif_id = ANY(%s)", [replaced])  # noqa: S608 - identifiers from the model's metadata
        lines = [
            f"{effectif_id}\t{statut}\t{debut.isoformat()}\t{fin.isoformat() if fin else _COPY_NULL}\n"
            for effectif_id, rows in periods
            for statut, debut, fin in rows
        ]
        if lines:
            with cursor.cursor.copy(f"COPY {table} (effectif_id, statut, debut, fin) FROM STDIN") as copy:
                copy.write("".join(lines).encode())


def _json_value(value):
    """What the encoders do not know, as text: dates at full precision for the standard library's fallback
    (DjangoJSONEncoder would cut microseconds; orjson writes dates, datetimes and UUIDs itself)."""
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
