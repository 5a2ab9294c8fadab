"""Pages of effectifs: Mon tableau de bord, Mes effectifs (+ learner detail, export), Mes indicateurs (+ export).

Every number and every name comes from `effectifs.selectors`, scoped by the permission module; an
organisme or a learner outside the user's scope answers 404 (conventions.md).
"""

from datetime import date, timedelta

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from effectifs import selectors
from effectifs.forms import EffectifsFiltresForm, IndicateursFiltresForm, MoisForm
from effectifs.statuts import Statut, annee_scolaire_of
from organismes.models import AuditLog, ModeTransmission, OrganisationType, Organisme
from organismes.permissions import acl_for_user
from organismes.selectors import organisme_get_for_user, organisme_permissions_for_user
from tdba.navigation import reverse_or_none
from transmissions.excel import xlsx_bytes
from transmissions.selectors import transmission_errors_by_code

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The quality panel looks at the records refused during the last week of transmissions.
ERREURS_RECENTES_JOURS = 7


def _today() -> date:
    # Statuses are computed on UTC calendar days (statuses-indicators-roles.md conventions).
    return timezone.now().date()


def _xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


def _log_download(request, *, action: str, organisme: Organisme | None, data: dict) -> None:
    """Every download of a list is logged: who, when, what (filters, count, ids) (§3.5, §5)."""
    AuditLog.objects.create(action=action, user=request.user, organisme=organisme, data=data)


def _own_organisme(request) -> Organisme | None:
    """The OFA user's organisme, re-read through the permission check (None for other organisations)."""
    organisme = selectors.organisme_of_user(request.user)
    if organisme is None:
        return None
    return organisme_get_for_user(user=request.user, public_id=organisme.public_id, permission="indicateurs_effectifs")


def _organisme_links(organisme: Organisme, permissions, *, user) -> list[dict]:
    """Sub-navigation when browsing another organisme ("Son tableau de bord", "Ses organismes"…).

    "Ses organismes" when it has formateurs that the user may see (their own perimeter: a responsable does not see
    the formateurs of its formateurs).
    """
    links = [{"label": "Son tableau de bord", "url": reverse("organisme_tableau_de_bord", args=[organisme.public_id])}]
    if selectors.organismes_perimetre(user=user, organisme=organisme).exists():
        links.append({"label": "Ses organismes", "url": reverse("organisme_organismes", args=[organisme.public_id])})
    links.append({"label": "Ses indicateurs", "url": reverse("organisme_indicateurs", args=[organisme.public_id])})
    if permissions.manage_effectifs and "apprenant" in permissions.effectifs_nominatifs:
        links.append({"label": "Ses effectifs", "url": reverse("organisme_effectifs", args=[organisme.public_id])})
    return links


# --------------------------------------------------------------------------- Mon tableau de bord


@require_safe
def tableau_de_bord(request):
    """Mon tableau de bord: the OFA's own organisme, or the transverse dashboard of other organisations."""
    organisme = _own_organisme(request)
    if organisme is not None:
        return _dashboard_organisme(request, organisme, own=True)
    # Imported here: the territoire module imports this one.
    from effectifs.views.territoire import tableau_de_bord_transverse

    return tableau_de_bord_transverse(request)


@require_safe
def organisme_tableau_de_bord(request, public_id):
    """Son tableau de bord: another organisme's dashboard for users with indicateurs_effectifs on it."""
    organisme = organisme_get_for_user(user=request.user, public_id=public_id, permission="indicateurs_effectifs")
    own = organisme.pk == getattr(selectors.organisme_of_user(request.user), "pk", None)
    return _dashboard_organisme(request, organisme, own=own)


def _cta(organisme: Organisme, *, transmis: bool, permissions) -> dict | None:
    """The call to action under the cards (§1.4): set up a transmission mode, upload a file, or explore."""
    if permissions.configurer_mode_transmission or permissions.manage_effectifs:
        if not transmis and not organisme.mode_de_transmission:
            url = reverse_or_none("parametres")
            if url:
                return {"label": "Paramétrer un moyen de transmission", "url": url}
        if organisme.mode_de_transmission in ("", ModeTransmission.MANUEL):
            url = reverse_or_none("televersement")
            if url:
                return {"label": "Ajouter via fichier Excel", "url": url, "icon": "fr-icon-file-add-line"}
    return None


CIVILITES = {"Madame": "Mme", "Monsieur": "M."}


def _bienvenue(user) -> str:
    civilite = CIVILITES.get(user.civilite, "")
    return " ".join(p for p in ("Vous êtes sur votre espace,", civilite, user.prenom, user.nom) if p)


def _dashboard_organisme(request, organisme: Organisme, *, own: bool):
    today = _today()
    form = MoisForm(request.GET or None, today=today)
    d = form.date()
    filtres = selectors.FiltresIndicateurs(date=d, today=today)
    permissions = organisme_permissions_for_user(user=request.user, organisme=organisme)
    indicateurs = selectors.indicateurs_effectifs(user=request.user, filtres=filtres, organisme=organisme)
    par_niveau = selectors.indicateurs_par_niveau(
        selectors.indicateurs_par_formation(user=request.user, filtres=filtres, organisme=organisme)
    )
    nominatif = permissions.manage_effectifs and "apprenant" in permissions.effectifs_nominatifs
    transmis = organisme.last_transmission_date is not None
    context = {
        "organisme": organisme,
        "permissions": permissions,
        "own": own,
        "titre_carte": _bienvenue(request.user) if own else "Vous êtes sur le tableau de bord de",
        "form": form,
        "date": d,
        "annee_scolaire": annee_scolaire_of(d),
        "indicateurs": indicateurs,
        "vide": not transmis and not any(indicateurs.values()),
        "has_formateurs": selectors.organisme_has_formateurs(organisme),
        "par_niveau": par_niveau,
        "cta": _cta(organisme, transmis=transmis, permissions=permissions),
        "indicateurs_url": reverse(
            "mes_indicateurs" if own else "organisme_indicateurs", args=[] if own else [organisme.public_id]
        ),
        "sous_navigation": [] if own else _organisme_links(organisme, permissions, user=request.user),
    }
    if nominatif:
        qualite = selectors.qualite_donnees(user=request.user, organisme=organisme, today=today)
        context["qualite"] = qualite
        context["doublons"] = len(qualite.ids["doublon"])
        context["effectifs_url"] = (
            reverse("mes_effectifs") if own else reverse("organisme_effectifs", args=[organisme.public_id])
        )
    if permissions.configurer_mode_transmission:
        # The page shows several things: what this organisme sent and what was refused (transmissions app).
        context["erreurs_recentes"] = transmission_errors_by_code(
            organisme=organisme, since=today - timedelta(days=ERREURS_RECENTES_JOURS)
        )
        context["erreurs_recentes_jours"] = ERREURS_RECENTES_JOURS
        context["transmissions_url"] = reverse("organisme_transmissions", args=[organisme.public_id])
    return render(request, "effectifs/tableau_de_bord.html", context)


def perimetre_label(user) -> str:
    """ "Votre périmètre : …" (DashboardTransverse perimeter descriptions, §4.4)."""
    organisation = user.organisation
    t = OrganisationType
    if organisation is None:
        return ""
    if organisation.type == t.TETE_DE_RESEAU and organisation.reseau:
        return f"organismes du réseau {organisation.reseau.nom}"
    if organisation.region_id and organisation.type in (t.DREETS, t.DRAAF, t.CONSEIL_REGIONAL, t.CARIF_OREF_REGIONAL):
        return f"organismes de la région {organisation.region.nom}"
    if organisation.type == t.DDETS and organisation.departement:
        return f"organismes du département {organisation.departement.nom}"
    if organisation.type == t.ACADEMIE and organisation.academie:
        return f"organismes de l'académie de {organisation.academie.nom}"
    if organisation.type in (t.ADMINISTRATEUR, t.OPERATEUR_PUBLIC_NATIONAL, t.CARIF_OREF_NATIONAL):
        return "tous les organismes nationaux"
    return ""


# --------------------------------------------------------------------------- Mes effectifs


def _nominatif_organisme(request, public_id=None) -> Organisme | None:
    if public_id is not None:
        return selectors.organisme_get_nominatif(user=request.user, public_id=public_id)
    own = selectors.organisme_of_user(request.user)
    if own is None:
        return None
    return selectors.organisme_get_nominatif(user=request.user, public_id=own.public_id)


def _effectifs_form(request, organisme: Organisme, today: date) -> EffectifsFiltresForm:
    options = selectors.effectifs_options_filtres(user=request.user, organisme=organisme, today=today)
    return EffectifsFiltresForm(request.GET, options=options, annee_courante=annee_scolaire_of(today))


@require_safe
def mes_effectifs(request, public_id=None):
    """Mes effectifs / Ses effectifs: the nominative list, paginated server-side (§1.6)."""
    organisme = _nominatif_organisme(request, public_id)
    if organisme is None:
        return render(request, "effectifs/sans_organisme.html", {"titre": "Mes effectifs"})
    today = _today()
    form = _effectifs_form(request, organisme, today)
    filtres = form.filtres()
    effectifs = selectors.effectifs_liste(user=request.user, organisme=organisme, filtres=filtres, today=today)
    page = Paginator(effectifs, form.taille_page).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    sort_query = query.copy()
    for key in ("tri", "ordre"):
        sort_query.pop(key, None)
    own = public_id is None
    permissions = organisme_permissions_for_user(user=request.user, organisme=organisme)
    context = {
        "organisme": organisme,
        "own": own,
        "titre": "Mes effectifs" if own else "Ses effectifs",
        "form": form,
        "filtres": filtres,
        "page": page,
        "query": query.urlencode(),
        "sort_query": sort_query.urlencode(),
        "export_url": reverse("mes_effectifs_export")
        if own
        else reverse("organisme_effectifs_export", args=[organisme.public_id]),
        "import_url": reverse_or_none("televersement") if own else None,
        "nombre_filtres": sum(len(v) for v in (filtres.formations, filtres.statuts, filtres.sources))
        + (1 if filtres.annees_scolaires else 0),
        "sous_navigation": [] if own else _organisme_links(organisme, permissions, user=request.user),
        "multi_organismes": selectors.organisme_has_formateurs(organisme),
    }
    return render(request, "effectifs/mes_effectifs.html", context)


@require_safe
def mes_effectifs_export(request, public_id=None):
    """The list as xlsx (§5 nominative columns), with the same filters as the page; each download is logged."""
    organisme = _nominatif_organisme(request, public_id)
    if organisme is None:
        raise Http404("Aucun organisme.")
    today = _today()
    form = _effectifs_form(request, organisme, today)
    filtres = form.filtres()
    effectifs = selectors.effectifs_liste(user=request.user, organisme=organisme, filtres=filtres, today=today)
    ids, rows = selectors.effectifs_export_rows(effectifs)
    _log_download(
        request,
        action="telechargement_effectifs",
        organisme=organisme,
        data={"type": "effectifs", "filtres": filtres.as_log(), "nombre": len(ids), "effectifs": ids},
    )
    content = xlsx_bytes(selectors.EXPORT_COLUMNS, rows)
    return _xlsx_response(content, f"tdb-effectifs-{today.isoformat()}.xlsx")


@require_safe
def effectif_detail(request, public_id):
    """One learner: identity, formation, contracts and the status timeline (§1.6 expanded row)."""
    effectif = selectors.effectif_get_for_user(user=request.user, public_id=public_id)
    today = _today()
    own_organisme = selectors.organisme_of_user(request.user)
    own = own_organisme is not None and own_organisme.pk in (effectif.organisme_id, effectif.organisme_responsable_id)
    context = {
        "effectif": effectif,
        "timeline": _timeline(effectif.parcours, today),
        "contrats": [_contrat(c) for c in effectif.contrats or []],
        "doublons": selectors.effectif_doublons(effectif=effectif),
        "retour_url": reverse("mes_effectifs")
        if own
        else reverse("organisme_effectifs", args=[effectif.organisme.public_id]),
    }
    return render(request, "effectifs/effectif_detail.html", context)


def _jour(value) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _contrat(raw: dict) -> dict:
    return {
        "date_debut": _jour(raw.get("date_debut")),
        "date_fin": _jour(raw.get("date_fin")),
        "date_rupture": _jour(raw.get("date_rupture")),
        "cause_rupture": raw.get("cause_rupture") or "",
        "siret": raw.get("siret") or "",
    }


def _timeline(parcours: list, today: date) -> list[dict]:
    """Steps of the horizontal timeline; each gets a width class 1–10 from its duration (no inline style: CSP)."""
    points = [(date.fromisoformat(d), s) for d, s in parcours or []]
    if not points:
        return []
    end = max(points[-1][0], today)
    durations = []
    for i, (debut, _) in enumerate(points):
        fin = points[i + 1][0] if i + 1 < len(points) else end
        durations.append(max((fin - debut).days, 1))
    total = sum(durations)
    steps = []
    for i, (debut, statut) in enumerate(points):
        fin = points[i + 1][0] if i + 1 < len(points) else None
        steps.append(
            {
                "statut": statut,
                "label": Statut(statut).label,
                "debut": debut,
                "fin": fin,
                "largeur": min(10, max(1, round(10 * durations[i] / total))),
                "courant": debut <= today and (fin is None or fin > today),
                # The parcours also holds what will happen without news (90/180-day rules, session end).
                "futur": debut > today,
            }
        )
    return steps


# --------------------------------------------------------------------------- Mes indicateurs


def _indicateurs_context(request, organisme: Organisme | None):
    today = _today()
    form = IndicateursFiltresForm(request.GET or None, today=today)
    filtres = form.filtres()
    par_formation = selectors.indicateurs_par_formation(user=request.user, filtres=filtres, organisme=organisme)
    par_organisme = selectors.indicateurs_par_organisme(user=request.user, filtres=filtres, organisme=organisme)
    return form, filtres, par_formation, par_organisme


@require_safe
def mes_indicateurs(request, public_id=None):
    """Mes indicateurs / Ses indicateurs: counts par formation and par organisme formateur, a chart, exports."""
    if public_id is not None:
        organisme = organisme_get_for_user(user=request.user, public_id=public_id, permission="indicateurs_effectifs")
    else:
        organisme = _own_organisme(request)
    acl = acl_for_user(request.user)
    if organisme is None and not acl.indicateurs_effectifs:
        raise Http404("Aucun indicateur.")
    form, filtres, par_formation, par_organisme = _indicateurs_context(request, organisme)
    own = public_id is None
    totaux = {key: sum(row[key] for row in par_organisme) for key in selectors.INDICATEURS}
    export_args = [] if own else [organisme.public_id]
    query = request.GET.urlencode()
    chart = {
        "labels": [
            row["intitule"] or row["cfd_code"] or row["rncp_code"] or "Formation inconnue" for row in par_formation
        ],
        "series": [
            {"key": "apprentis", "label": "Apprentis"},
            {"key": "inscrits", "label": "Sans contrat"},
            {"key": "rupturants", "label": "Rupturants"},
            {"key": "abandons", "label": "Sorties"},
        ],
        "values": [
            {key: row[key] for key in ("apprentis", "inscrits", "rupturants", "abandons")} for row in par_formation
        ],
    }
    context = {
        "organisme": organisme,
        "own": own,
        "titre": "Mes indicateurs" if own else "Ses indicateurs",
        "form": form,
        "filtres": filtres,
        "annee_scolaire": filtres.annee_scolaire,
        "par_formation": par_formation,
        "par_organisme": par_organisme,
        "totaux": totaux,
        "chart": chart,
        "niveaux": selectors.NIVEAUX,
        "export_organismes_url": reverse(
            "mes_indicateurs_export" if own else "organisme_indicateurs_export", args=export_args
        )
        + f"?{query}{'&' if query else ''}liste=organismes",
        "export_formations_url": reverse(
            "mes_indicateurs_export" if own else "organisme_indicateurs_export", args=export_args
        )
        + f"?{query}{'&' if query else ''}liste=formations",
        "perimetre": perimetre_label(request.user) if organisme is None else "",
        "sous_navigation": []
        if own or organisme is None
        else _organisme_links(
            organisme,
            organisme_permissions_for_user(user=request.user, organisme=organisme),
            user=request.user,
        ),
    }
    return render(request, "effectifs/mes_indicateurs.html", context)


ORGANISMES_COLUMNS = (
    "organisme_uai",
    "organisme_siret",
    "organisme_nom",
    "organisme_nature",
    "apprentis",
    "inscrits",
    "rupturants",
    "sorties",
)
FORMATIONS_COLUMNS = (
    "formation_rncp",
    "formation_cfd",
    "formation_libelle_long",
    "formation_niveau",
    "apprenants",
    "apprentis",
    "inscrits",
    "rupturants",
    "sorties",
)


@require_safe
def mes_indicateurs_export(request, public_id=None):
    """ "Télécharger la liste": indicators par organisme (§5 columns) or par formation, logged."""
    if public_id is not None:
        organisme = organisme_get_for_user(user=request.user, public_id=public_id, permission="indicateurs_effectifs")
    else:
        organisme = _own_organisme(request)
    if organisme is None and not acl_for_user(request.user).indicateurs_effectifs:
        raise Http404("Aucun indicateur.")
    _, filtres, par_formation, par_organisme = _indicateurs_context(request, organisme)
    liste = "formations" if request.GET.get("liste") == "formations" else "organismes"
    if liste == "organismes":
        headers = ORGANISMES_COLUMNS
        rows = [
            [
                r["uai"] or "",
                r["siret"],
                r["nom"],
                r["nature"],
                r["apprentis"],
                r["inscrits"],
                r["rupturants"],
                r["abandons"],
            ]
            for r in par_organisme
        ]
    else:
        headers = FORMATIONS_COLUMNS
        rows = [
            [
                r["rncp_code"],
                r["cfd_code"],
                r["intitule"],
                r["niveau_europeen"],
                r["apprenants"],
                r["apprentis"],
                r["inscrits"],
                r["rupturants"],
                r["abandons"],
            ]
            for r in par_formation
        ]
    _log_download(
        request,
        action=f"telechargement_indicateurs_{liste}",
        organisme=organisme,
        data={"type": f"indicateurs_{liste}", "filtres": filtres.as_log(), "nombre": len(rows)},
    )
    return _xlsx_response(xlsx_bytes(headers, rows), f"tdb-indicateurs-{liste}-{filtres.date.isoformat()}.xlsx")
