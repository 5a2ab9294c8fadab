"""Reads for the transmission reports (pages-import-sifa.md §4, api-v3.md §3.10).

A report shows what an organisme SENT (queue items whose `source_organisme` is it, by API or by Excel import),
grouped by processing day. Every read takes the user and answers 404 outside their scope: the organisme's own
users and anyone holding `configurer_mode_transmission` on it (administrators).
"""

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, F, Func, IntegerField, Q, QuerySet, Sum, TextField, Value
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce
from django.http import Http404

from organismes.models import OrganisationType, Organisme
from organismes.selectors import organisme_get_for_user
from transmissions.models import QueueItem

PERMISSION = "configurer_mode_transmission"
# Rule codes of the worker's "organisme … non trouvé" errors, summarised as UAI/SIRET couples (§4.2).
CODE_FORMATEUR_NON_TROUVE = "organisme_formateur_non_trouve"
CODE_RESPONSABLE_NON_TROUVE = "organisme_responsable_non_trouve"
# Fields shown in the rows of the error tab (the detail fetches the whole payload of the page's items only).
ROW_FIELDS = (
    "nom_apprenant",
    "prenom_apprenant",
    "date_de_naissance_apprenant",
    "formation_cfd",
    "formation_rncp",
    "id_erp_apprenant",
)


class JsonArrayLength(Func):
    """Length of a JSON array column (SQLite and MySQL spell it json_array_length, PostgreSQL jsonb_…)."""

    function = "JSON_ARRAY_LENGTH"
    output_field = IntegerField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, function="JSONB_ARRAY_LENGTH", **extra_context)


def transmission_organisme_get_for_user(*, user, public_id=None) -> Organisme:
    """The organisme whose transmissions `user` may read: `public_id`'s if given, else the user's own; 404 otherwise.

    "Mes transmissions" only exists for organismes de formation: another kind of organisation has no own report.
    """
    if public_id is None:
        organisation = getattr(user, "organisation", None)
        if organisation is None or organisation.type != OrganisationType.ORGANISME_FORMATION:
            raise Http404("Aucun organisme de formation rattaché à ce compte.")
        if organisation.organisme_id is None:
            raise Http404("Aucun organisme de formation rattaché à ce compte.")
        public_id = Organisme.objects.filter(pk=organisation.organisme_id).values_list("public_id", flat=True).first()
    return organisme_get_for_user(user=user, public_id=public_id, permission=PERMISSION)


def _sent_by(organisme: Organisme) -> QuerySet:
    return QueueItem.objects.filter(source_organisme=organisme)


def transmission_days(*, organisme: Organisme) -> QuerySet:
    """One row per processing day, newest first: {day, success, error, pending, total} (§3.10, §4.1).

    Still pending items (TDBA addition) are counted on the day they were received and shown as "en cours".
    """
    done = Q(processed_at__isnull=False)
    return (
        _sent_by(organisme)
        .values(day=F("computed_day"))
        .annotate(
            success=Count("pk", filter=done & Q(has_error=False)),
            error=Count("pk", filter=done & Q(has_error=True)),
            pending=Count("pk", filter=Q(processed_at__isnull=True)),
            total=Count("pk"),
        )
        .order_by("-day")
    )


@dataclass(frozen=True)
class DayCounts:
    error: int
    success: int
    pending: int

    @property
    def total(self) -> int:
        return self.error + self.success + self.pending


def transmission_day_counts(*, organisme: Organisme, day: date) -> DayCounts:
    """The counts of one day (tab labels), in one query."""
    done = Q(processed_at__isnull=False)
    counts = (
        _sent_by(organisme)
        .filter(computed_day=day)
        .aggregate(
            error=Count("pk", filter=done & Q(has_error=True)),
            success=Count("pk", filter=done & Q(has_error=False)),
            pending=Count("pk", filter=Q(processed_at__isnull=True)),
        )
    )
    return DayCounts(**counts)


def _errors_of_day(organisme: Organisme, day: date) -> QuerySet:
    """Items of the day with validation errors or a technical error (§3.10 "per-day error detail")."""
    return _sent_by(organisme).filter(computed_day=day, processed_at__isnull=False, has_error=True)


@dataclass(frozen=True)
class Couple:
    uai: str
    siret: str
    effectifs: int


@dataclass(frozen=True)
class ErrorSummary:
    total: int
    formateur: list[Couple]
    responsable: list[Couple]

    @property
    def has_couples(self) -> bool:
        return bool(self.formateur or self.responsable)


def _couples(items: QuerySet, code: str, role: str, limit: int) -> list[Couple]:
    # The code is a plain identifier that only appears in the `code` key of an error: a text search on the JSON
    # column is portable (SQLite has no JSON containment) and keeps the grouping in SQL.
    rows = (
        items.annotate(errors_text=Cast("validation_errors", TextField()))
        .filter(errors_text__contains=f'"{code}"')
        .values(uai=KT(f"payload__etablissement_{role}_uai"), siret=KT(f"payload__etablissement_{role}_siret"))
        .annotate(effectifs=Count("pk"))
        .order_by("-effectifs", "uai", "siret")[:limit]
    )
    return [Couple(r["uai"] or "", r["siret"] or "", r["effectifs"]) for r in rows]


def transmission_error_summary(*, organisme: Organisme, day: date, limit: int = 5) -> ErrorSummary:
    """ "{total} erreurs ont été détectées" and the most frequent unknown UAI/SIRET couples (§4.2), in 3 queries.

    total = Σ validation errors + 1 per technical error, as in the reference.
    """
    items = _errors_of_day(organisme, day)
    total = items.aggregate(
        validation=Coalesce(Sum(JsonArrayLength("validation_errors")), Value(0)),
        technical=Count("pk", filter=~Q(error="")),
    )
    return ErrorSummary(
        total=total["validation"] + total["technical"],
        formateur=_couples(items, CODE_FORMATEUR_NON_TROUVE, "formateur", limit),
        responsable=_couples(items, CODE_RESPONSABLE_NON_TROUVE, "responsable", limit),
    )


def transmission_error_items(*, organisme: Organisme, day: date) -> QuerySet:
    """The day's items in error, in processing order (paginate it: each row carries its whole payload)."""
    return (
        _errors_of_day(organisme, day)
        .only("public_id", "source", "payload", "validation_errors", "error", "processed_at", "created_at")
        .order_by("processed_at", "lot_id", "position")
    )


def transmission_success_groups(*, organisme: Organisme, day: date) -> QuerySet:
    """Effectifs transmitted that day, grouped by the receiving formateur organisme (§3.10 "success detail")."""
    return (
        _sent_by(organisme)
        .filter(computed_day=day, processed_at__isnull=False, has_error=False, organisme__isnull=False)
        .values(
            "organisme_id",
            organisme_public_id=F("organisme__public_id"),
            uai=F("organisme__uai"),
            siret=F("organisme__siret"),
            raison_sociale=F("organisme__raison_sociale"),
            enseigne=F("organisme__enseigne"),
            adresse=F("organisme__adresse_complete"),
            adresse_numero=F("organisme__adresse_numero"),
            adresse_voie=F("organisme__adresse_voie"),
            code_postal=F("organisme__code_postal"),
            commune=F("organisme__commune"),
        )
        .annotate(effectifs=Count("pk"))
        .order_by("-effectifs", "raison_sociale", "organisme_id")
    )


def transmission_report_rows(*, organisme: Organisme, day: date):
    """Every item in error of the day, for the xlsx download: streamed, only the columns the export needs."""
    return (
        _errors_of_day(organisme, day)
        .order_by("processed_at", "lot_id", "position")
        .values_list("processed_at", "payload", "validation_errors", "error")
        .iterator(chunk_size=500)
    )


def transmission_errors_by_code(*, organisme: Organisme, since: date, limit: int = 5000) -> list[tuple[str, int]]:
    """Rule codes of the errors in what the organisme sent since `since`, most frequent first (quality panel).

    Bounded to the `limit` most recent records in error: the panel shows orders of magnitude, the report
    pages give the detail.
    """
    counts: dict[str, int] = {}
    errors = (
        _sent_by(organisme)
        .filter(has_error=True, processed_at__date__gte=since)
        .order_by("-processed_at")
        .values_list("validation_errors", "error")[:limit]
    )
    for validation_errors, technical in errors:
        codes = {e.get("code") or "autre" for e in validation_errors or []} or (
            {"erreur_technique"} if technical else set()
        )
        for code in codes:
            counts[code] = counts.get(code, 0) + 1
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))
