""" "Import des effectifs": upload, progress, preview, import and template download (pages-import-sifa.md §2).

The same views serve the user's own organisme (`/effectifs/televersement/…`) and any organisme on which the user
holds `manage_effectifs` (`/organismes/<uuid>/effectifs/televersement/…`). The work is in `transmissions.imports`.
"""

import datetime as dt

from django import forms
from django.contrib import messages
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from organismes.forms import TdbaForm
from organismes.selectors import organisme_permissions_for_user
from transmissions import imports
from transmissions.excel import IMPORT_KEYS, MAX_ROWS, ExcelImportError, build_template, check_file_size
from transmissions.models import ImportFichier
from transmissions.views import FIELD_LABELS, Scope, _page

PER_PAGE = 50
TEMPLATE_FILENAME = "modele-import-tdba.xlsx"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ACCEPT = ".xlsx,.csv," + XLSX_TYPE + ",text/csv"
# The columns of the preview table: who, which training, which dates, which formateur. Every value of a row, with
# its errors, is in the row's detail.
PREVIEW_COLUMNS = (
    ("nom_apprenant", "Nom"),
    ("prenom_apprenant", "Prénom"),
    ("date_de_naissance_apprenant", "Date de naissance"),
    ("formation_rncp", "Code RNCP"),
    ("formation_cfd", "Code CFD"),
    ("annee_scolaire", "Année scolaire"),
    ("date_entree_formation", "Entrée en formation"),
    ("date_fin_formation", "Fin de formation"),
    ("contrat_date_debut", "Début du contrat"),
    ("contrat_date_rupture", "Rupture du contrat"),
    ("etablissement_formateur_uai", "UAI formateur"),
    ("etablissement_formateur_siret", "SIRET formateur"),
)
DETAIL_KEYS = ("id_erp_apprenant", *IMPORT_KEYS)
LABELS = {**FIELD_LABELS, "id_erp_apprenant": "Identifiant de l'apprenant (calculé)"}
# The validator speaks the API's language (zod's type names); the reference's page translated "String" (§2.4).
_TYPE_WORDS = (("String", "Texte"), ("Number", "Nombre"), ("Integer", "Nombre entier"), ("Boolean", "VRAI/FAUX"))


class TeleversementForm(TdbaForm):
    """The upload: one .xlsx or .csv file (its content is checked by `transmissions.excel`)."""

    fichier = forms.FileField(
        label="Ajouter un document",
        allow_empty_file=True,  # an empty file gets the importer's own message
        widget=forms.FileInput(attrs={"class": "fr-upload", "accept": ACCEPT}),
        error_messages={"required": "Veuillez sélectionner un fichier à importer."},
    )


class CappedTemporaryFileUploadHandler(TemporaryFileUploadHandler):
    """Uploads go to a temporary file whatever FILE_UPLOAD_MAX_MEMORY_SIZE says, and at most limit + 1 bytes are
    written: the rest of an oversized file is read from the network and dropped, while its size is still counted
    (Django sets `size` from every byte received), so that the view can name it in its refusal."""

    def __init__(self, request=None, *, cap: int):
        super().__init__(request)
        self.cap = cap
        self.written = 0

    def receive_data_chunk(self, raw_data, start):
        room = self.cap - self.written
        if room > 0:
            self.file.write(raw_data[:room])
            self.written += min(room, len(raw_data))


# --- Helpers ----------------------------------------------------------------------------------------------


def _scope(request, public_id) -> Scope:
    organisme = imports.import_organisme_get_for_user(user=request.user, public_id=public_id)
    organisation = getattr(request.user, "organisation", None)
    own = organisation is not None and organisation.organisme_id == organisme.pk
    return Scope(organisme=organisme, own=own, public_id=None if public_id is None else str(public_id))


def _reverse(name: str, *args) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def _effectifs_url(scope: Scope) -> str:
    if scope.public_id is None:
        return _reverse("mes_effectifs")
    return _reverse("organisme_effectifs", scope.public_id)


def _display(key: str, value) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "Oui" if value else "Non"
    if isinstance(value, str) and (key.startswith("date_") or "_date_" in key) and len(value) == 10:
        try:
            return dt.date.fromisoformat(value).strftime("%d/%m/%Y")
        except ValueError:
            return value
    return str(value)


def _message(text: str) -> str:
    for word, french in _TYPE_WORDS:
        text = text.replace(f"{word} attendu", f"{french} attendu")
    return text


def _row(index: int, row: dict, errors: list[dict]) -> dict:
    values = row["values"]
    by_field: dict[str, list[dict]] = {}
    shown = []
    for error in errors:
        names = [name for name in error.get("path") or [] if isinstance(name, str)] or [""]
        entry = {"message": _message(str(error.get("message", ""))), "code": error.get("code", "")}
        for name in names:
            by_field.setdefault(name, []).append(entry)
            shown.append({**entry, "champ": LABELS.get(name, name) if name else "Ligne", "cle": name})
    return {
        "numero": index,
        "ligne": row["line"],
        "cellules": [
            {"value": _display(key, values.get(key)), "errors": by_field.get(key, [])} for key, _ in PREVIEW_COLUMNS
        ],
        "erreurs": shown,
        "nb_erreurs": len(errors),
        "detail": [
            {
                "cle": key,
                "label": LABELS.get(key, key),
                "value": _display(key, values.get(key)),
                "errors": by_field.get(key, []),
            }
            for key in DETAIL_KEYS
            if key in values or key in by_field
        ],
    }


def _base_context(scope: Scope) -> dict:
    return {
        "scope": scope,
        "organisme": scope.organisme,
        "upload_url": scope.url("televersement"),
        "modele_url": reverse("televersement_modele"),
        "contact_url": _reverse("contact"),
        "max_lignes": MAX_ROWS,
        "max_mo": imports.MAX_BYTES // (1024 * 1024),
    }


def _upload_page(request, scope: Scope, form: TeleversementForm, *, erreurs=None, status: int = 200):
    context = _base_context(scope)
    context.update(
        {
            "form": form,
            "erreurs_fichier": erreurs if erreurs is not None else form.errors.get("fichier", []),
            "retour_url": _effectifs_url(scope) or _reverse("home"),
        }
    )
    return render(request, "transmissions/import/televersement.html", context, status=status)


# --- Pages ------------------------------------------------------------------------------------------------


@csrf_exempt  # checked by _televersement, once the upload handler is in place (it must precede reading POST)
def televersement(request, public_id=None):
    """ "Import des effectifs": the page, and the upload of one file (§2.1)."""
    if request.method == "POST":
        request.upload_handlers = [CappedTemporaryFileUploadHandler(request, cap=imports.MAX_BYTES + 1)]
    return _televersement(request, public_id)


@csrf_protect
@require_http_methods(["GET", "HEAD", "POST"])
def _televersement(request, public_id):
    scope = _scope(request, public_id)
    if request.method != "POST":
        return _upload_page(request, scope, TeleversementForm())
    form = TeleversementForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["fichier"]
        try:
            # The announced size first: an oversized file is refused before a byte of it is read.
            check_file_size(upload.size, max_bytes=imports.MAX_BYTES)
            content = upload.read(imports.MAX_BYTES + 1)
            fichier = imports.import_create(
                organisme=scope.organisme, user=request.user, filename=upload.name or "", content=content
            )
        except ExcelImportError as exc:
            form.add_error("fichier", exc.message)
        else:
            return redirect(scope.url("televersement_fichier", fichier.public_id))
    return _upload_page(request, scope, form)


@require_safe
def televersement_fichier(request, import_id, public_id=None):
    """One upload: progress while it is analysed, its error, its preview (§2.6), or the success page (§2.7)."""
    scope = _scope(request, public_id)
    fichier = imports.import_get_for_user(user=request.user, organisme=scope.organisme, public_id=import_id)
    Etat = ImportFichier.Etat
    if fichier.etat == Etat.ERREUR:
        return _upload_page(request, scope, TeleversementForm(), erreurs=[fichier.message_erreur])
    context = _base_context(scope)
    context["fichier"] = fichier
    context["fichier_url"] = scope.url("televersement_fichier", fichier.public_id)
    if fichier.etat == Etat.EN_COURS:
        context["etat_url"] = scope.url("televersement_etat", fichier.public_id)
        return render(request, "transmissions/import/progression.html", context)
    if fichier.etat == Etat.IMPORTE:
        return render(request, "transmissions/import/importe.html", {**context, **_success_links(request, scope)})
    return _preview(request, scope, fichier, context)


def _preview(request, scope: Scope, fichier: ImportFichier, context: dict):
    seulement_erreurs = request.GET.get("erreurs") == "1"
    indexes = [i for i, errors in enumerate(fichier.resultats) if errors or not seulement_erreurs]
    page, pagination = _page(request, indexes, per_page=PER_PAGE)
    rows = [_row(i, fichier.lignes[i], fichier.resultats[i]) for i in page]
    colonnes = fichier.colonnes or {}
    context.update(
        {
            "rows": rows,
            "page_obj": page,
            "pagination": pagination,
            "seulement_erreurs": seulement_erreurs,
            "colonnes": [label for _key, label in PREVIEW_COLUMNS],
            "colonnes_manquantes": [
                f"{key} ({LABELS[key]})" if key in LABELS else key for key in colonnes.get("manquantes", [])
            ],
            "colonnes_inconnues": colonnes.get("inconnues", []),
            "colonnes_doublons": colonnes.get("doublons", []),
            "importer_url": scope.url("televersement_importer", fichier.public_id),
        }
    )
    return render(request, "transmissions/import/apercu.html", context)


def _success_links(request, scope: Scope) -> dict:
    permissions = organisme_permissions_for_user(user=request.user, organisme=scope.organisme)
    rapport_url = ""
    if permissions.configurer_mode_transmission:
        # The worker files the records under the day it processes them (UTC, like the queue): today's report.
        rapport_url = scope.url("transmissions_jour", dt.datetime.now(dt.UTC).date().isoformat())
    return {"rapport_url": rapport_url, "effectifs_url": _effectifs_url(scope)}


@require_safe
def televersement_etat(request, import_id, public_id=None):
    """The progress of an upload being analysed, for the page's polling script."""
    scope = _scope(request, public_id)
    fichier = imports.import_get_for_user(
        user=request.user, organisme=scope.organisme, public_id=import_id, defer_rows=True
    )
    response = JsonResponse(
        {
            "etat": fichier.etat,
            "termine": fichier.etat != ImportFichier.Etat.EN_COURS,
            "lignes_traitees": fichier.lignes_traitees,
            "lignes_total": fichier.lignes_total,
            "url": scope.url("televersement_fichier", fichier.public_id),
        }
    )
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def televersement_importer(request, import_id, public_id=None):
    """ "Valider l'import" (§2.7): refused while errors remain; a second click imports nothing again."""
    scope = _scope(request, public_id)
    fichier = imports.import_get_for_user(
        user=request.user, organisme=scope.organisme, public_id=import_id, defer_rows=True
    )
    try:
        result = imports.import_validate(fichier=fichier, user=request.user)
    except imports.ImportRefuse as exc:
        messages.error(request, exc.message)
    else:
        if result.already:
            messages.info(request, imports.MESSAGE_DEJA_IMPORTE)
    return redirect(scope.url("televersement_fichier", fichier.public_id))


@require_safe
def televersement_modele(request):
    """The template file (§2.2), generated by `transmissions.excel.build_template`; any signed-in user."""
    response = HttpResponse(build_template(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{TEMPLATE_FILENAME}"'
    return response
