"""Transmission reports: "Mes transmissions" by day, one day's report, its xlsx download (pages-import-sifa.md §4).

The same views serve the user's own organisme (`/transmissions/…`) and any organisme on which the user holds
`configurer_mode_transmission` (`/organismes/<uuid>/transmissions/…`, "Ses transmissions").
"""

import json
from dataclasses import dataclass, field
from datetime import date

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from organismes.models import AuditLog, Organisme
from transmissions import selectors
from transmissions.excel import xlsx_bytes
from transmissions.models import Source
from transmissions.validation import REQUIRED_FIELDS

PER_PAGE_CHOICES = (5, 10, 20, 50)
PER_PAGE_DEFAULT = 20
TABS = ("echec", "transmis")

# Labels of the received fields in the order of the reference's detail table (§4.2), then the fields it omits.
# The reference's typos ("Identifant", "reconnaisance") are not kept: no machine reads these labels.
_CONTRAT_LABELS = (
    ("contrat_date_debut", "Date de début du contrat"),
    ("contrat_date_fin", "Date de fin du contrat"),
    ("contrat_date_rupture", "Date de rupture du contrat"),
    ("cause_rupture_contrat", "Cause de la rupture du contrat"),
    ("siret_employeur", "SIRET de l’employeur"),
)
FIELD_LABELS: dict[str, str] = {
    "id_erp_apprenant": "Identifiant ERP",
    "nom_apprenant": "Nom de naissance",
    "prenom_apprenant": "Prénom",
    "date_de_naissance_apprenant": "Date de naissance",
    "sexe_apprenant": "Sexe",
    "code_postal_de_naissance_apprenant": "Code postal de naissance",
    "code_commune_insee_de_naissance_apprenant": "Code commune INSEE de naissance",
    "email_contact": "Courriel",
    "adresse_apprenant": "Adresse",
    "code_postal_apprenant": "Code postal de résidence",
    "code_commune_insee_apprenant": "Code commune INSEE de résidence",
    "ine_apprenant": "INE de l'apprenant",
    "tel_apprenant": "Téléphone",
    "rqth_apprenant": "RQTH",
    "date_rqth_apprenant": "Date de reconnaissance RQTH",
    "responsable_apprenant_mail1": "Email du responsable 1",
    "responsable_apprenant_mail2": "Email du responsable 2",
    "dernier_organisme_uai": "UAI du dernier organisme",
    "derniere_situation": "Dernière situation",
    "type_cfa": "Type de CFA",
    "statut_apprenant": "Statut de l'apprenant",
    "date_metier_mise_a_jour_statut": "Date de mise à jour du statut",
    "custom_statut_apprenant": "Statut dans l'ERP",
    **{
        f"{key}{suffix}": f"{label} {number}" if number > 1 else label
        for number, suffix in enumerate(("", "_2", "_3", "_4"), start=1)
        for key, label in _CONTRAT_LABELS
    },
    "annee_scolaire": "Année scolaire",
    "annee_formation": "Année de la formation",
    "formation_rncp": "Code RNCP",
    "formation_cfd": "Code CFD de la formation",
    "date_inscription_formation": "Date inscription dans la formation",
    "date_entree_formation": "Date d'entrée dans la formation",
    "date_fin_formation": "Date de fin de la formation",
    "duree_theorique_formation": "Durée théorique de la formation (années)",
    "duree_theorique_formation_mois": "Durée théorique de la formation (mois)",
    "libelle_court_formation": "Libellé court formation",
    "obtention_diplome_formation": "Diplôme de la formation obtenu",
    "date_obtention_diplome_formation": "Date d’obtention du diplôme",
    "date_exclusion_formation": "Date d’exclusion de la formation",
    "cause_exclusion_formation": "Cause d’exclusion de la formation",
    "formation_presentielle": "Formation présentielle",
    "nom_referent_handicap_formation": "Nom du référent handicap de la formation",
    "prenom_referent_handicap_formation": "Prénom du référent handicap de la formation",
    "email_referent_handicap_formation": "Courriel du référent handicap de la formation",
    "etablissement_responsable_uai": "UAI de l'établissement responsable",
    "etablissement_responsable_siret": "SIRET de l'établissement responsable",
    "etablissement_formateur_uai": "UAI de l'établissement formateur",
    "etablissement_formateur_siret": "SIRET de l'établissement formateur",
    "etablissement_lieu_de_formation_uai": "UAI de l'établissement du lieu de formation",
    "etablissement_lieu_de_formation_siret": "SIRET de l'établissement du lieu de formation",
    "etablissement_lieu_de_formation_adresse": "Adresse de l'établissement du lieu de formation",
    "etablissement_lieu_de_formation_code_postal": "Code postal de l'établissement du lieu de formation",
}
_ORDER = {key: position for position, key in enumerate(FIELD_LABELS)}
_REQUIRED = frozenset(REQUIRED_FIELDS)

# The reference rewrites the worker's "not found" messages for the people who read the report (§4.2).
NOT_FOUND_TEXTS = {
    selectors.CODE_FORMATEUR_NON_TROUVE: "formateur",
    selectors.CODE_RESPONSABLE_NON_TROUVE: "responsable",
}
NOT_FOUND_TEXT = (
    "Couple UAI/SIRET du {role} non trouvé dans le Référentiel de l’apprentissage (ONISEP) et dans le Catalogue "
    "de l’apprentissage. Veuillez faire référencer votre organisme auprès du Carif-Oref de votre région "
    "(intercariforef)."
)
TECHNICAL_ERROR = (
    "Une erreur s'est produite lors de la transmission des effectifs. Aucune action de votre part n'est "
    "nécessaire. Si le problème persiste dans vos prochains rapports, veuillez nous contacter."
)
XLSX_HEADERS = (
    "Date de transmission",
    "Nom",
    "Prénom",
    "Identifiant ERP",
    "Champ",
    "Valeur reçue",
    "Message",
    "Code",
)


# --- Writes of these pages --------------------------------------------------------------------------------
# They belong in transmissions/services.py (not editable in this change): move them there as they are.


def transmission_errors_acknowledge(*, organisme: Organisme) -> None:
    """Hide the dashboard's error alert once a member of the organisme opened its reports (§4.1)."""
    Organisme.objects.filter(pk=organisme.pk, has_transmission_errors=True).update(has_transmission_errors=False)


def transmission_report_download_log(*, user, organisme: Organisme, day: date, lignes: int) -> None:
    """Downloads of nominative data are logged: who, when, which organisme's report of which day (§5)."""
    AuditLog.objects.create(
        action="rapport_transmission_telecharge",
        user=user,
        organisme=organisme,
        data={"jour": day.isoformat(), "lignes": lignes},
    )


# --- Helpers ----------------------------------------------------------------------------------------------


@dataclass
class Scope:
    """The organisme of the page and the URLs to its other report pages."""

    organisme: Organisme
    own: bool
    public_id: str | None = None

    def url(self, name: str, *args) -> str:
        if self.public_id is None:
            return reverse(name, args=args)
        return reverse(f"organisme_{name}", args=(self.public_id, *args))


def _scope(request, public_id) -> Scope:
    organisme = selectors.transmission_organisme_get_for_user(user=request.user, public_id=public_id)
    organisation = getattr(request.user, "organisation", None)
    own = organisation is not None and organisation.organisme_id == organisme.pk
    return Scope(organisme=organisme, own=own, public_id=None if public_id is None else str(public_id))


def _int(value, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


@dataclass
class PageLink:
    label: str
    url: str = ""
    current: bool = False


@dataclass
class Pagination:
    first: str = ""
    previous: str = ""
    next: str = ""
    last: str = ""
    pages: list[PageLink] = field(default_factory=list)


def _page(request, items, *, param: str = "page", per_page: int = PER_PAGE_DEFAULT, onglet: str = ""):
    """A page of `items` and its DSFR pagination links (other query parameters kept, the tab selected)."""
    paginator = Paginator(items, per_page)
    page = paginator.get_page(request.GET.get(param))

    def href(number: int) -> str:
        query = request.GET.copy()
        query[param] = number
        if onglet:
            query["onglet"] = onglet
        return "?" + query.urlencode()

    links = Pagination()
    if paginator.num_pages > 1:
        if page.has_previous():
            links.first, links.previous = href(1), href(page.previous_page_number())
        if page.has_next():
            links.next, links.last = href(page.next_page_number()), href(paginator.num_pages)
        for number in paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1):
            if number == paginator.ELLIPSIS:
                links.pages.append(PageLink(str(number)))
            else:
                links.pages.append(PageLink(str(number), href(number), number == page.number))
    return page, links


def _display(value) -> str:
    """A received value as the user sent it (JSON spelling for numbers, booleans, lists)."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _display_date(value) -> str:
    if isinstance(value, str) and len(value) >= 10:
        try:
            return date.fromisoformat(value[:10]).strftime("%d/%m/%Y")
        except ValueError:
            pass
    return _display(value) if value is not None else ""


def _display_phone(value) -> str:
    digits = value.replace(" ", "") if isinstance(value, str) else ""
    if len(digits) == 10 and digits.isdigit():
        return " ".join(digits[i : i + 2] for i in range(0, 10, 2))
    return _display(value)


def _message(error: dict) -> str:
    role = NOT_FOUND_TEXTS.get(error.get("code"))
    return NOT_FOUND_TEXT.format(role=role) if role else str(error.get("message", ""))


@dataclass
class FieldRow:
    key: str
    label: str
    value: str
    received: bool
    required: bool
    errors: list[dict]


def _detail(payload: dict, errors: list[dict]) -> tuple[list[FieldRow], list[dict]]:
    """Every received field (and every field named by an error) with its errors; errors tied to no field apart."""
    by_field: dict[str, list[dict]] = {}
    general = []
    for error in errors:
        path = error.get("path") or []
        names = [name for name in path if isinstance(name, str)]
        if not names:
            general.append({"message": _message(error), "code": error.get("code", "")})
        for name in names:
            by_field.setdefault(name, []).append({"message": _message(error), "code": error.get("code", "")})
    keys = sorted(set(payload) | set(by_field), key=lambda k: (_ORDER.get(k, len(_ORDER)), k))
    rows = []
    for key in keys:
        value = payload.get(key)
        shown = _display_phone(value) if key == "tel_apprenant" else _display(value) if key in payload else ""
        rows.append(
            FieldRow(
                key=key,
                label=FIELD_LABELS.get(key, key),
                value=shown,
                received=key in payload,
                required=key in _REQUIRED,
                errors=by_field.get(key, []),
            )
        )
    return rows, general


def _localtime_ms(value) -> str:
    if value is None:
        return ""
    local = timezone.localtime(value)
    return local.strftime("%H:%M:%S.") + f"{local.microsecond // 1000:03d}"


def _error_row(item) -> dict:
    payload = item.payload if isinstance(item.payload, dict) else {}
    fields, general = _detail(payload, item.validation_errors or [])
    prenom, nom = payload.get("prenom_apprenant"), payload.get("nom_apprenant")
    return {
        "id": item.public_id,
        "apprenant": " ".join(_display(v) for v in (prenom, nom) if v not in (None, "")) or "Apprenant sans nom",
        "date_de_naissance": _display_date(payload.get("date_de_naissance_apprenant")),
        "cfd": _display(payload.get("formation_cfd", "")),
        "rncp": _display(payload.get("formation_rncp", "")),
        "heure": _localtime_ms(item.processed_at),
        "erreurs": len(item.validation_errors or []) + (1 if item.error else 0),
        "fichier": item.source == Source.FICHIER,
        "technique": bool(item.error),
        "champs": fields,
        "generales": general,
    }


# --- Pages ------------------------------------------------------------------------------------------------


@require_safe
def transmissions(request, public_id=None):
    """ "Mes transmissions" / "Ses transmissions": what the organisme sent, day by day, newest first (§4.1)."""
    scope = _scope(request, public_id)
    if scope.own:
        transmission_errors_acknowledge(organisme=scope.organisme)
    per_page = _int(request.GET.get("par"), PER_PAGE_DEFAULT)
    if per_page not in PER_PAGE_CHOICES:
        per_page = PER_PAGE_DEFAULT
    page, pagination = _page(request, selectors.transmission_days(organisme=scope.organisme), per_page=per_page)
    rows = [{**day, "url": scope.url("transmissions_jour", day["day"].isoformat())} for day in page]
    return render(
        request,
        "transmissions/liste.html",
        {
            "scope": scope,
            "organisme": scope.organisme,
            "titre": "Mes transmissions" if scope.own else "Ses transmissions",
            "rows": rows,
            "page_obj": page,
            "pagination": pagination,
            "per_page": per_page,
            "per_page_choices": PER_PAGE_CHOICES,
            "action": scope.url("transmissions"),
        },
    )


@require_safe
def transmissions_jour(request, day: date, public_id=None):
    """ "Rapport du jj/mm/aaaa": the day's items in error with their fields, and where the others went (§4.2)."""
    scope = _scope(request, public_id)
    organisme = scope.organisme
    counts = selectors.transmission_day_counts(organisme=organisme, day=day)
    onglet = request.GET.get("onglet")
    if onglet not in TABS:
        onglet = "echec" if counts.error or not counts.success else "transmis"
    summary = selectors.transmission_error_summary(organisme=organisme, day=day) if counts.error else None
    errors_page, errors_pagination = _page(
        request, selectors.transmission_error_items(organisme=organisme, day=day), onglet="echec"
    )
    success_page, success_pagination = _page(
        request,
        selectors.transmission_success_groups(organisme=organisme, day=day),
        param="page_transmis",
        onglet="transmis",
    )
    success_rows = [
        {
            **group,
            "nom": group["enseigne"] or group["raison_sociale"] or "Organisme inconnu",
            "adresse": group["adresse"]
            or " ".join(
                part
                for part in (group["adresse_numero"], group["adresse_voie"], group["code_postal"], group["commune"])
                if part
            ),
            "url": reverse("organisme_detail", args=(group["organisme_public_id"],)),
        }
        for group in success_page
    ]
    return render(
        request,
        "transmissions/jour.html",
        {
            "scope": scope,
            "organisme": organisme,
            "day": day,
            "counts": counts,
            "onglet": onglet,
            "summary": summary,
            "error_rows": [_error_row(item) for item in errors_page],
            "errors_page": errors_page,
            "errors_pagination": errors_pagination,
            "success_rows": success_rows,
            "success_pagination": success_pagination,
            "retour_url": scope.url("transmissions"),
            "xlsx_url": scope.url("transmissions_jour_xlsx", day.isoformat()),
            "referentiel_url": "https://referentiel.apprentissage.onisep.fr/",
        },
    )


def _xlsx_lines(rows):
    for processed_at, payload, errors, technical in rows:
        payload = payload if isinstance(payload, dict) else {}
        identity = (
            processed_at,
            _display(payload.get("nom_apprenant", "")),
            _display(payload.get("prenom_apprenant", "")),
            _display(payload.get("id_erp_apprenant", "")),
        )
        for error in errors or []:
            names = [name for name in (error.get("path") or []) if isinstance(name, str)] or [""]
            for name in names:
                value = _display(payload[name]) if name in payload else ""
                yield (*identity, name, value, _message(error), error.get("code", ""))
        if technical:
            yield (*identity, "", "", TECHNICAL_ERROR, "erreur_technique")


@require_safe
def transmissions_jour_xlsx(request, day: date, public_id=None):
    """The day's report as xlsx, one line per error; the download is logged (it holds learners' names)."""
    scope = _scope(request, public_id)
    organisme = scope.organisme
    lines = list(_xlsx_lines(selectors.transmission_report_rows(organisme=organisme, day=day)))
    content = xlsx_bytes(XLSX_HEADERS, lines, sheet_name="Erreurs", text_columns={"Identifiant ERP", "Valeur reçue"})
    transmission_report_download_log(user=request.user, organisme=organisme, day=day, lignes=len(lines))
    name = f"tdb-rapport-transmission-{organisme.uai or organisme.siret}-{day.isoformat()}.xlsx"
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{name}"
    response["Cache-Control"] = "no-store"
    return response
