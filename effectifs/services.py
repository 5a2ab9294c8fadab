"""Writes on effectifs: the one upsert path shared by the API and the Excel import (api-v3.md §3.5)."""

from datetime import date, datetime

from django.db import transaction

from effectifs.models import Effectif, EffectifStatutPeriode
from effectifs.statuts import parcours_for_effectif, periodes, statut_en_cours

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
    return [by_key[key] for key in order]
