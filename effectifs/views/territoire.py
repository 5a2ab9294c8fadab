"""Cross-organisme pages: transverse dashboard, the operators' nominative lists, Indicateurs nationaux (page and
public JSON). The organismes lists (Mes organismes, Mon réseau, Mon territoire…) are in `effectifs.views.organismes`.

pages-import-sifa.md §1.5, §1.9, §5, §6.3; statuses-indicators-roles.md §3.5–3.7 and §4 (2024
matrix). Numbers come from `effectifs.selectors` (territoire module), scoped by the permission module;
an organisme outside the scope answers 404, a list the profile may not download answers 403.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from django import forms
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_safe

from effectifs import carte, selectors
from effectifs.forms import MoisForm
from effectifs.statuts import annee_scolaire_of
from effectifs.views.organisme import (
    CIVILITES,
    _log_download,
    _today,
    _xlsx_response,
    perimetre_label,
)
from organismes.models import OrganisationType
from organismes.permissions import acl_for_user
from organismes.ratelimit import client_ip, hit, too_many_requests
from organismes.territoires import ACADEMIES_BY_CODE, DEPARTEMENTS_BY_CODE, REGIONS_BY_CODE
from transmissions.excel import xlsx_bytes

CACHE_NATIONAL_SECONDES = 3600
LIBELLES_INDICATEURS = {
    "apprenants": "Apprenants",
    "apprentis": "Apprentis",
    "inscrits": "Jeunes sans contrat",
    "rupturants": "Rupturants",
    "abandons": "Sorties d’apprentissage",
}
# The five cards (§1.5 definitions): key, label, tooltip, CSS modifier.
CARTES_INDICATEURS = (
    (
        "apprenants",
        "apprenants",
        "Nombre d’apprenants inscrits dans une formation en apprentissage : jeunes en contrat d’apprentissage, "
        "en recherche d’entreprise (sans contrat) ou en rupture de contrat.",
        "principal",
    ),
    (
        "apprentis",
        "dont apprentis",
        "Un apprenti est un jeune apprenant inscrit en centre de formation et ayant signé un contrat dans une "
        "entreprise qui le forme.",
        "apprentis",
    ),
    (
        "rupturants",
        "dont rupturants",
        "Un rupturant est un jeune en formation dont le contrat avec l’entreprise a été rompu. Il dispose d’un "
        "délai de 6 mois pour retrouver une entreprise et poursuivre sa formation.",
        "rupturants",
    ),
    (
        "inscrits",
        "dont jeunes sans contrat",
        "Un jeune sans contrat est un jeune inscrit en centre de formation qui n’a pas encore signé de contrat. "
        "Il dispose d’un délai de 3 mois pour trouver son entreprise et continuer sa formation.",
        "inscrits",
    ),
    (
        "abandons",
        "sorties d’apprentissage",
        "Sorties d’apprentissage (anciennement « abandons ») : jeunes ayant définitivement quitté le centre de "
        "formation. Ils ne sont pas comptés parmi les apprenants.",
        "abandons",
    ),
)
LIBELLES_NATURES = {
    "total": "Tous les organismes",
    "responsables": "Responsables",
    "responsablesFormateurs": "Responsables et formateurs",
    "formateurs": "Formateurs",
    "inconnues": "Nature inconnue",
}


# --------------------------------------------------------------------------- filters


class TerritoireForm(MoisForm):
    """Month + territory (§3.4 "territoire" keys), the territories narrowed to the user's scope."""

    organisme_regions = forms.ChoiceField(label="Région", required=False)
    organisme_departements = forms.ChoiceField(label="Département", required=False)
    organisme_academies = forms.ChoiceField(label="Académie", required=False)

    def __init__(self, *args, choix: dict[str, list[tuple[str, str]]], **kwargs):
        super().__init__(*args, **kwargs)
        for name, key, vide in (
            ("organisme_regions", "regions", "Toutes les régions"),
            ("organisme_departements", "departements", "Tous les départements"),
            ("organisme_academies", "academies", "Toutes les académies"),
        ):
            self.fields[name].choices = [("", vide), *choix[key]]
        self.choix = choix

    def filtres(self) -> selectors.FiltresTerritoire:
        """The selectors' filters; an invalid territory is ignored (the page shows the error)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})

        def one(name: str) -> tuple[str, ...]:
            value = data.get(name)
            return (value,) if value else ()

        return selectors.FiltresTerritoire(
            date=data.get("mois") or self.today,
            regions=one("organisme_regions"),
            departements=one("organisme_departements"),
            academies=one("organisme_academies"),
        )

    @property
    def selects(self) -> list:
        """The territory selects to render (a single choice is not worth a select)."""
        return [self[name] for name in ("organisme_regions", "organisme_departements", "organisme_academies")]


def _filtres_page(request, user, today: date) -> tuple[TerritoireForm, selectors.FiltresTerritoire]:
    form = TerritoireForm(request.GET or None, today=today, choix=selectors.territoires_choix(user))
    return form, form.filtres()


# --------------------------------------------------------------------------- maps and tables


def _cartes(effectifs: list[dict], organismes: list[dict], *, suffixe: str) -> dict:
    """The two maps (SVG from effectifs.carte, which escapes every text it inserts) and their tables."""
    eff = {r["departement"]: r for r in effectifs if r["departement"]}
    org = {r["departement"]: r for r in organismes if r["departement"]}
    apprenants = {code: r["apprenants"] for code, r in eff.items()}
    couverture = {code: r["tauxCouverture"]["total"] for code, r in org.items()}
    return {
        "carte_effectifs": mark_safe(  # noqa: S308 - render_carte escapes all inserted text
            carte.render_carte(
                apprenants,
                palette="effectifs",
                titre=f"Répartition des effectifs {suffixe}",
                unite=" apprenants",
                identifiant="carte-effectifs",
            )
        ),
        "carte_couverture": mark_safe(  # noqa: S308 - render_carte escapes all inserted text
            carte.render_carte(
                couverture,
                palette="couverture",
                titre=f"Taux de couverture des organismes {suffixe}",
                unite=" %",
                identifiant="carte-couverture",
            )
        ),
        "table_effectifs": [
            {"code": code, "nom": nom, **eff[code]} for code, nom, _ in carte.tableau(apprenants) if code in eff
        ],
        "table_couverture": [
            {"code": code, "nom": nom, **org[code]} for code, nom, _ in carte.tableau(couverture) if code in org
        ],
        "suffixe": suffixe,
    }


def _cartes_indicateurs(indicateurs: dict[str, int], telechargements: dict[str, str]) -> list[dict]:
    return [
        {
            "cle": cle,
            "valeur": indicateurs[cle],
            "libelle": libelle,
            "aide": aide,
            "modificateur": modificateur,
            "url": telechargements.get(cle, ""),
        }
        for cle, libelle, aide, modificateur in CARTES_INDICATEURS
    ]


def _natures(totaux: dict) -> list[dict]:
    """Rows "by nature" of the organismes indicators (total, transmetteurs, non-transmetteurs, taux)."""
    return [
        {
            "libelle": libelle,
            "total": totaux["totalOrganismes"][key],
            "transmetteurs": totaux["organismesTransmetteurs"][key],
            "non_transmetteurs": totaux["organismesNonTransmetteurs"][key],
            "taux": totaux["tauxCouverture"][key],
        }
        for key, libelle in LIBELLES_NATURES.items()
    ]


# --------------------------------------------------------------------------- transverse dashboard


def _organisation_label(user) -> str:
    return user.organisation.label if user.organisation else ""


def _bienvenue(user) -> str:
    parts = (CIVILITES.get(user.civilite, ""), user.prenom, user.nom)
    nom = " ".join(p for p in parts if p)
    return f"Bienvenue sur votre tableau de bord, {nom}" if nom else "Bienvenue sur votre tableau de bord"


def _telechargements(request) -> dict[str, str]:
    """Card → URL of its nominative list, for the types the user may download (§0.1)."""
    query = request.GET.copy()
    query.pop("confirm", None)
    suffix = f"?{query.urlencode()}" if query else ""
    urls = {}
    for indicateur, type_ in selectors.TYPE_PAR_INDICATEUR.items():
        if selectors.nominatif_scope(user=request.user, type_=type_):
            urls[indicateur] = reverse("liste_nominative", args=[type_]) + suffix
    return urls


def tableau_de_bord_transverse(request):
    """ "Mon tableau de bord" of réseaux, public operators and administrators (DashboardTransverse, §1.5)."""
    user = request.user
    today = _today()
    form, filtres = _filtres_page(request, user, today)
    acl = acl_for_user(user)
    context = {
        "form": form,
        "date": filtres.date,
        "annee_scolaire": annee_scolaire_of(filtres.date),
        "bienvenue": _bienvenue(user),
        "organisation_label": _organisation_label(user),
        "perimetre": perimetre_label(user),
        "acces": bool(acl.indicateurs_effectifs),
        "extra_params": [],
    }
    if getattr(user.organisation, "type", None) == OrganisationType.ADMINISTRATEUR:
        # Admin only (§1.5): the organismes still to make fiable. The organisme merge tool is not built.
        context["a_fiabiliser"] = selectors.organismes_perimetre(user=user, a_fiabiliser=True).count()
    if context["acces"]:
        effectifs = selectors.indicateurs_effectifs_par_departement(user=user, filtres=filtres)
        organismes = selectors.indicateurs_organismes_par_departement(user=user, filtres=filtres)
        totaux = selectors.totaux_organismes(organismes)
        indicateurs = selectors.totaux_effectifs(effectifs)
        context.update(
            indicateurs=indicateurs,
            cartes_indicateurs=_cartes_indicateurs(indicateurs, _telechargements(request)),
            organismes=totaux,
            natures=_natures(totaux),
            **_cartes(effectifs, organismes, suffixe="de votre périmètre"),
        )
    return render(request, "effectifs/territoire/tableau_de_bord.html", context)


# --------------------------------------------------------------------------- Indicateurs nationaux


def _national(filtres: selectors.FiltresTerritoire) -> dict:
    """The national indicators, cached one hour per (filters, day) in the shared cache (§3.6, §7 item 12)."""
    key = f"tdba:indicateurs-national:{_today().isoformat()}:{filtres.cle()}"
    data = cache.get(key)
    if data is None:
        data = selectors.indicateurs_national(filtres=filtres)
        cache.set(key, data, CACHE_NATIONAL_SECONDES)
    return data


@login_not_required
@require_safe
def indicateurs_nationaux(request):
    """Public "Indicateurs Nationaux" (§1.9): national totals sentence, cards, maps, coverage rates."""
    today = _today()
    form, filtres = _filtres_page(request, None, today)
    data = _national(filtres)
    totaux = selectors.totaux_organismes(data["indicateursOrganismes"])
    indicateurs = selectors.totaux_effectifs(data["indicateursEffectifs"])
    context = {
        "form": form,
        "date": filtres.date,
        "annee_scolaire": annee_scolaire_of(filtres.date),
        "indicateurs": indicateurs,
        "cartes_indicateurs": _cartes_indicateurs(indicateurs, {}),
        "organismes": totaux,
        "natures": _natures(totaux),
        "extra_params": [],
        **_cartes(data["indicateursEffectifs"], data["indicateursOrganismes"], suffixe="au niveau national"),
    }
    return render(request, "effectifs/territoire/national.html", context)


API_KEYS = ("date", "organisme_regions", "organisme_departements", "organisme_academies", "organisme_bassinsEmploi")
TERRITOIRES_CONNUS = {
    "organisme_regions": REGIONS_BY_CODE,
    "organisme_departements": DEPARTEMENTS_BY_CODE,
    "organisme_academies": ACADEMIES_BY_CODE,
}


def _bad_request(message: str, details: list | None = None) -> JsonResponse:
    body = {"error": "Bad Request", "message": message}
    if details is not None:
        body["details"] = details
    return JsonResponse(body, status=400)


def _api_date(value: str | None, today: date) -> date:
    """`date` as YYYY-MM-DD or an ISO 8601 instant (its UTC day); ValueError with a French message."""
    if not value:
        return today
    text = value.strip()
    try:
        if len(text) == 10:
            d = date.fromisoformat(text)
        else:
            instant = datetime.fromisoformat(text.replace("Z", "+00:00"))
            d = (instant if instant.tzinfo is None else instant.astimezone(UTC)).date()
    except ValueError:
        raise ValueError(f"Date invalide : « {text} ». Format attendu : AAAA-MM-JJ.") from None
    if not 2000 <= d.year <= today.year + 1:
        raise ValueError(f"Date invalide : « {text} » est hors de la période couverte.")
    return d


@login_not_required
@require_safe
def api_indicateurs_national(request):
    """GET /api/v1/indicateurs/national (public, "public" rate-limit tier, cached 1 h per filters and day)."""
    ip = client_ip(request)
    state = hit("public", ip, ip=ip)
    if state is not None and state.exceeded:
        return too_many_requests(state)
    unknown = [k for k in request.GET if k not in API_KEYS]
    if unknown:
        details = [{"path": [k], "message": f"Paramètre inconnu : {k}"} for k in unknown]
        return _bad_request("Erreur de validation", details)
    try:
        d = _api_date(request.GET.get("date"), _today())
    except ValueError as error:
        return _bad_request(str(error))
    lists = {}
    for key in API_KEYS[1:]:
        values = tuple(dict.fromkeys(v.strip() for v in request.GET.get(key, "").split(",") if v.strip()))
        known = TERRITOIRES_CONNUS.get(key)
        invalid = [v for v in values if known is not None and v not in known]
        if invalid:
            details = [{"path": [key], "message": f"Code inconnu : {v}"} for v in invalid]
            return _bad_request("Erreur de validation", details)
        lists[key] = values
    filtres = selectors.FiltresTerritoire(
        date=d,
        regions=lists["organisme_regions"],
        departements=lists["organisme_departements"],
        academies=lists["organisme_academies"],
        bassins_emploi=lists["organisme_bassinsEmploi"],
    )
    response = JsonResponse(_national(filtres))
    if state is not None:
        for name, value in state.headers().items():
            response[name] = value
    return response


# --------------------------------------------------------------------------- nominative lists

LIBELLES_LISTES = {
    "apprenant": "apprenants",
    "apprenti": "apprentis",
    "inscritSansContrat": "jeunes sans contrat",
    "rupturant": "rupturants",
    "abandon": "sorties d’apprentissage",
}


@require_safe
def liste_nominative(request, type_):
    """A nominative list of the perimeter at D (§3.5) as xlsx; DREETS, DDETS and académies first read the
    notice of §1.8 ("J'ai compris" = `confirm=1`). Every download is logged with the effectif ids."""
    if type_ not in selectors.NOMINATIF_STATUTS:
        raise Http404("Liste inconnue.")
    if not selectors.nominatif_scope(user=request.user, type_=type_):
        raise PermissionDenied("Vous n'avez pas accès à cette liste nominative.")
    today = _today()
    _, filtres = _filtres_page(request, request.user, today)
    if selectors.nominatif_avec_contact(request.user) and request.GET.get("confirm") != "1":
        query = request.GET.copy()
        query["confirm"] = "1"
        retour = request.GET.copy()
        return render(
            request,
            "effectifs/territoire/confirmation_liste.html",
            {
                "libelle": LIBELLES_LISTES[type_],
                "confirm_url": f"{request.path}?{query.urlencode()}",
                "annuler_url": reverse("tableau_de_bord") + (f"?{retour.urlencode()}" if retour else ""),
            },
        )
    effectifs = selectors.effectifs_nominatifs(user=request.user, type_=type_, filtres=filtres)
    headers, ids, rows = selectors.nominatif_export(user=request.user, effectifs=effectifs)
    _log_download(
        request,
        action="telechargement_liste_nominative",
        organisme=None,
        data={
            "type": type_,
            "filtres": filtres.as_log(),
            "nombre": len(ids),
            "effectifs": ids,
            "organisation": str(request.user.organisation.public_id) if request.user.organisation else None,
        },
    )
    return _xlsx_response(xlsx_bytes(headers, rows), f"tdb-effectifs-{type_}-{filtres.date.isoformat()}.xlsx")
