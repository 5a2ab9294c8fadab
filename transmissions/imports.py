"""The Excel import of effectifs ("Import des effectifs", pages-import-sifa.md §2; api-v3.md §1.7).

Three steps, each a service below:

1. :func:`import_create` — the upload. Small files are parsed and checked at once (the answer is immediate and a bad
   file stores nothing); larger ones are kept in the database and parsed by the worker (:func:`import_prepare`,
   task ``transmissions.import_preparer``) while the page shows a progress bar.
2. :func:`import_prepare` — parse (``transmissions.excel``) and pre-validate every row with the strict upload schema
   of ``/upload/validate`` (more required fields, responsable/formateur UAI and SIRET looked up in the référentiel).
   This is only the preview's gate.
3. :func:`import_validate` — "Valider l'import": the rows go to :func:`transmissions.services.transmission_receive`
   with ``source=FICHIER``, the very path of ``/api/v3`` (lenient schema again, durable queue, Celery worker).

Synchronous or not is decided on the file's size, because the number of rows is unknown before parsing and parsing
is the costly part (~0.4 ms a row when the 62 columns are filled, validation ~0.1 ms). Up to :data:`SYNC_MAX_BYTES`
(from ~250 fully filled xlsx rows to ~800 rows of the required columns only; ~120 CSV rows) the request does it all
in a fraction of a second; beyond, the worker does and the page shows its progress.

The module holds writes (services) and the two reads the pages need; they belong in ``services.py`` and
``selectors.py``, where they will be moved (those modules are being reworked by someone else right now).
"""

from __future__ import annotations

import logging
import posixpath
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.http import Http404
from django.utils import timezone

from organismes.models import AuditLog, OrganisationType, Organisme
from organismes.selectors import organisme_get_for_user
from transmissions.excel import MAX_FILE_BYTES, ExcelImportError, ParsedFile, check_file_size, parse_file
from transmissions.models import ImportFichier, Source
from transmissions.services import transmission_receive
from transmissions.validation import (
    collect_establishment_identifiers,
    count_without_contract,
    strip_nulls,
    validate_dossier,
)

logger = logging.getLogger(__name__)

PERMISSION = "manage_effectifs"
SYNC_MAX_BYTES = 64 * 1024
PROGRESS_CHUNK = 200  # rows validated between two progress updates of the worker
MAX_BYTES = MAX_FILE_BYTES
# Never kept, whatever the file holds: the NIR is only ever reduced to `has_nir` (api-v3.md §3.11).
DROPPED_KEYS = frozenset({"nir_apprenant"})

CODE_AUCUNE_LIGNE = "aucune_ligne"
MESSAGE_AUCUNE_LIGNE = (
    "Votre fichier ne contient aucun effectif : seule la ligne des intitulés de colonnes est remplie. Veuillez "
    "renseigner une ligne par apprenant sous les intitulés puis importer à nouveau votre fichier."
)
MESSAGE_DEJA_IMPORTE = "Ce fichier a déjà été importé : il n'a pas été transmis une seconde fois."
MESSAGE_IMPORT_IMPOSSIBLE = (
    "L'import est impossible tant que votre fichier contient des erreurs. Veuillez corriger votre fichier et "
    "l'importer à nouveau."
)


class ImportRefuse(Exception):
    """ "Valider l'import" refused (file not ready or rows in error); ``message`` is shown to the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class ImportResult:
    """What :func:`import_validate` did: ``already`` when the file had been imported before (nothing sent)."""

    fichier: ImportFichier
    already: bool


# --------------------------------------------------------------------------------------------------------------------
# Reads (to move to selectors.py)
# --------------------------------------------------------------------------------------------------------------------


def import_organisme_get_for_user(*, user, public_id=None) -> Organisme:
    """The organisme whose effectifs `user` may import: `public_id`'s, else the user's own; 404 otherwise.

    The own page ("/effectifs/televersement/") only exists for an organisme de formation's account.
    """
    if public_id is None:
        organisation = getattr(user, "organisation", None)
        if (
            organisation is None
            or organisation.type != OrganisationType.ORGANISME_FORMATION
            or organisation.organisme_id is None
        ):
            raise Http404("Aucun organisme de formation rattaché à ce compte.")
        public_id = Organisme.objects.filter(pk=organisation.organisme_id).values_list("public_id", flat=True).first()
    return organisme_get_for_user(user=user, public_id=public_id, permission=PERMISSION)


def import_get_for_user(*, user, organisme: Organisme, public_id, defer_rows: bool = False) -> ImportFichier:
    """An upload of `user` for `organisme`; 404 for anybody else's (a draft import is personal)."""
    imports = ImportFichier.objects.filter(organisme=organisme, user=user, public_id=public_id)
    if defer_rows:
        imports = imports.defer("lignes", "resultats", "contenu")
    fichier = imports.first()
    if fichier is None:
        raise Http404("Import introuvable.")
    return fichier


# --------------------------------------------------------------------------------------------------------------------
# Services
# --------------------------------------------------------------------------------------------------------------------


def _clean_filename(filename: str) -> str:
    name = posixpath.basename((filename or "").replace("\\", "/")).strip()
    return name[:255] or "fichier"


def import_create(*, organisme: Organisme, user, filename: str, content: bytes) -> ImportFichier:
    """Receive an uploaded file for `organisme`.

    Small files (≤ :data:`SYNC_MAX_BYTES`) are parsed and checked now: a bad file raises
    :class:`~transmissions.excel.ExcelImportError` and nothing is stored. Larger ones are stored "en cours" and
    ``import_preparer`` is queued once the row is committed; the file's problems then show on its page.
    """
    filename = _clean_filename(filename)
    check_file_size(len(content), max_bytes=MAX_BYTES)
    if len(content) <= SYNC_MAX_BYTES:
        parsed = _parse(filename=filename, content=content)
        with transaction.atomic():
            fichier = ImportFichier.objects.create(organisme=organisme, user=user, nom_fichier=filename)
            _store_and_check(fichier, parsed, progress=False)
        return fichier

    from transmissions.tasks import enqueue_on_commit, import_preparer

    with transaction.atomic():
        fichier = ImportFichier.objects.create(organisme=organisme, user=user, nom_fichier=filename, contenu=content)
        enqueue_on_commit(import_preparer, fichier.pk)
    return fichier


def imports_sweep(*, older_than: timedelta = timedelta(minutes=2), now: datetime | None = None) -> list[int]:
    """Uploads still "en cours" after `older_than`: their message was lost (broker down) or their worker killed."""
    now = now or timezone.now()
    return list(
        ImportFichier.objects.filter(
            etat=ImportFichier.Etat.EN_COURS, contenu__isnull=False, created_at__lt=now - older_than
        ).values_list("pk", flat=True)
    )


def import_prepare(*, import_id: int) -> str:
    """Parse and check a stored upload (worker side); idempotent: an upload already prepared is left alone.

    A bad file ends "erreur" with its French message; either way the file's bytes are dropped. Returns the state.
    """
    fichier = ImportFichier.objects.filter(pk=import_id).first()
    if fichier is None or fichier.etat != ImportFichier.Etat.EN_COURS or fichier.contenu is None:
        return fichier.etat if fichier else ""
    try:
        parsed = _parse(filename=fichier.nom_fichier, content=bytes(fichier.contenu))
    except ExcelImportError as exc:
        ImportFichier.objects.filter(pk=fichier.pk).update(
            etat=ImportFichier.Etat.ERREUR, message_erreur=exc.message, code_erreur=exc.code, contenu=None
        )
        return ImportFichier.Etat.ERREUR
    _store_and_check(fichier, parsed, progress=True)
    return fichier.etat


def import_validate(*, fichier: ImportFichier, user) -> ImportResult:
    """ "Valider l'import": send the rows through the API's path with ``source=FICHIER`` (api-v3.md §1.7).

    Refused (:class:`ImportRefuse`) unless the preview is clean; a second call does nothing (``already``). The rows
    are dropped from the upload once queued: the queue holds them from then on. The import is audit-logged.
    """
    with transaction.atomic():
        locked = ImportFichier.objects.select_for_update().get(pk=fichier.pk)
        if locked.etat == ImportFichier.Etat.IMPORTE:
            return ImportResult(fichier=locked, already=True)
        if not locked.peut_importer:
            raise ImportRefuse(MESSAGE_IMPORT_IMPOSSIBLE)
        records = [row["values"] for row in locked.lignes]
        result = transmission_receive(
            records=records, source=Source.FICHIER, source_organisme=locked.organisme, user=user
        )
        locked.etat = ImportFichier.Etat.IMPORTE
        locked.lot = result.lot
        locked.importe_le = timezone.now()
        locked.lignes = []
        locked.resultats = []
        locked.save(update_fields=["etat", "lot", "importe_le", "lignes", "resultats"])
        AuditLog.objects.create(
            action="effectifs_importes_fichier",
            user=user,
            organisme=locked.organisme,
            data={
                "fichier": locked.nom_fichier,
                "import": str(locked.public_id),
                "lot": str(result.lot.public_id),
                "lignes": len(records),
                "invalides": result.lot.invalid,
            },
        )
    return ImportResult(fichier=locked, already=False)


# --------------------------------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------------------------------


def _parse(*, filename: str, content: bytes) -> ParsedFile:
    parsed = parse_file(filename=filename, content=content, max_bytes=MAX_BYTES)
    if not parsed.rows:
        raise ExcelImportError(MESSAGE_AUCUNE_LIGNE, CODE_AUCUNE_LIGNE)
    return parsed


def check_rows(items: list[dict]) -> Iterable[list[dict]]:
    """The errors of each item under the strict upload schema (§2.6), UAI/SIRET looked up as sent (raw)."""
    uais, sirets = collect_establishment_identifiers(items)
    known_uais = set(Organisme.objects.filter(uai__in=uais).values_list("uai", flat=True)) if uais else set()
    known_sirets = set(Organisme.objects.filter(siret__in=sirets).values_list("siret", flat=True)) if sirets else set()
    unknown_uais, unknown_sirets = frozenset(uais - known_uais), frozenset(sirets - known_sirets)
    for item in items:
        yield validate_dossier(
            item, strict_upload=True, unknown_uais=unknown_uais, unknown_sirets=unknown_sirets
        ).errors


def _store_and_check(fichier: ImportFichier, parsed: ParsedFile, *, progress: bool) -> None:
    items = [
        {key: value for key, value in strip_nulls(row.values).items() if key not in DROPPED_KEYS} for row in parsed.rows
    ]
    total = len(items)
    columns = {
        "manquantes": parsed.missing_required_columns,
        "inconnues": parsed.unknown_columns,
        "doublons": parsed.duplicate_columns,
        "format": parsed.source_format,
    }
    if progress:
        ImportFichier.objects.filter(pk=fichier.pk).update(lignes_total=total, lignes_traitees=0, colonnes=columns)
    results: list[list[dict]] = []
    for errors in check_rows(items):
        results.append(errors)
        if progress and len(results) % PROGRESS_CHUNK == 0 and len(results) < total:
            ImportFichier.objects.filter(pk=fichier.pk).update(lignes_traitees=len(results))
    fichier.lignes = [{"line": row.line, "values": item} for row, item in zip(parsed.rows, items, strict=True)]
    fichier.resultats = results
    fichier.colonnes = columns
    fichier.lignes_total = fichier.lignes_traitees = total
    fichier.lignes_en_erreur = sum(1 for errors in results if errors)
    fichier.erreurs = sum(len(errors) for errors in results)
    fichier.sans_contrat = count_without_contract(items)
    fichier.etat = ImportFichier.Etat.PRET
    fichier.contenu = None
    fichier.save()
