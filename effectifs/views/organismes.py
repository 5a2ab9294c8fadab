"""Mes organismes / Mon réseau / Mon territoire / Tous les organismes, "Ses organismes" of another organisme, and
the administrators' organismes à fiabiliser (pages-import-sifa.md §1.5, §1.7): one list page and its exports.

Every organisme comes from `effectifs.selectors` (organismes_perimetre): the user's viewContacts perimeter.
"""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe
from dsfr.forms import DsfrBaseForm

from effectifs import selectors
from effectifs.views.organisme import _log_download, _organisme_links, _xlsx_response
from organismes.models import Nature, OrganisationType
from organismes.permissions import acl_for_user
from organismes.selectors import organisme_get_for_user, organisme_permissions_for_user
from transmissions.excel import xlsx_bytes

PAR_PAGE = 20


TITRES_ORGANISMES = {
    OrganisationType.TETE_DE_RESEAU: ("Mon réseau", "de votre réseau"),
    OrganisationType.DREETS: ("Mon territoire", "de votre territoire"),
    OrganisationType.DRAAF: ("Mon territoire", "de votre territoire"),
    OrganisationType.DDETS: ("Mon territoire", "de votre territoire"),
    OrganisationType.ACADEMIE: ("Mon territoire", "de votre territoire"),
    OrganisationType.CONSEIL_REGIONAL: ("Mon territoire", "de votre territoire"),
    OrganisationType.CARIF_OREF_REGIONAL: ("Mon territoire", "de votre territoire"),
    OrganisationType.ADMINISTRATEUR: ("Tous les organismes", "de votre périmètre"),
    OrganisationType.OPERATEUR_PUBLIC_NATIONAL: ("Tous les organismes", "de votre périmètre"),
    OrganisationType.CARIF_OREF_NATIONAL: ("Tous les organismes", "de votre périmètre"),
}
NATURES_FILTRE = [
    (Nature.RESPONSABLE, "Responsable"),
    (Nature.FORMATEUR, "Formateur"),
    (Nature.RESPONSABLE_FORMATEUR, "Responsable formateur"),
    (Nature.INCONNUE, "Inconnue"),
]


class OrganismesFiltresForm(DsfrBaseForm):
    """Search and filters of "Mes organismes" (§1.7 query keys); all state lives in the query string."""

    search = forms.CharField(
        label="Rechercher un organisme par nom, UAI, SIRET ou ville (indiquez au moins deux caractères)",
        required=False,
        max_length=100,
    )
    departements = forms.MultipleChoiceField(label="Département", required=False, widget=forms.CheckboxSelectMultiple)
    regions = forms.MultipleChoiceField(label="Région", required=False, widget=forms.CheckboxSelectMultiple)
    nature = forms.MultipleChoiceField(
        label="Nature", required=False, choices=NATURES_FILTRE, widget=forms.CheckboxSelectMultiple
    )
    etatUAI = forms.MultipleChoiceField(  # the reference query key
        label="UAI",
        required=False,
        choices=[("connue", "Connue"), ("non_determinee", "Non déterminée")],
        widget=forms.CheckboxSelectMultiple,
    )
    transmission = forms.MultipleChoiceField(
        label="Transmission",
        required=False,
        choices=list(selectors.TRANSMISSIONS.items()),
        widget=forms.CheckboxSelectMultiple,
    )
    ferme = forms.MultipleChoiceField(
        label="État",
        required=False,
        choices=[("ouvert", "En activité"), ("ferme", "Fermé")],
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, data, *, choix: dict[str, list[tuple[str, str]]]):
        super().__init__(data)
        self.fields["departements"].choices = choix["departements"]
        self.fields["regions"].choices = choix["regions"]

    def filtres(self) -> selectors.FiltresOrganismes:
        """The selectors' filters from the valid fields; an invalid field is ignored (the page says so)."""
        self.is_valid()
        data = self.cleaned_data
        return selectors.FiltresOrganismes(
            recherche=data.get("search", "").strip(),
            departements=tuple(data.get("departements", ())),
            regions=tuple(data.get("regions", ())),
            natures=tuple(data.get("nature", ())),
            etat_uai=tuple(data.get("etatUAI", ())),
            transmissions=tuple(data.get("transmission", ())),
            etats=tuple(data.get("ferme", ())),
        )

    @property
    def nombre_filtres(self) -> int:
        filtres = self.filtres()
        lists = (filtres.departements, filtres.regions, filtres.natures, filtres.etat_uai, filtres.transmissions)
        return sum(len(v) for v in (*lists, filtres.etats))


def _organismes_context(request, public_id=None, a_fiabiliser=False):
    """(organisme whose formateurs are listed or None, title, intro) — 404 when the user has no such list.

    Without `public_id`: the user's own list (an OFA responsable's formateurs, or the organisation's perimeter).
    With it: "Ses organismes", the formateurs of another organisme the user sees the dashboard of (§1.1), and
    only those in the user's own perimeter (organismes_perimetre). `a_fiabiliser`: the administrators' list of
    the organismes not yet fiable (§1.5, `/organismes/a-completer`).
    """
    user = request.user
    if a_fiabiliser:
        if getattr(user.organisation, "type", None) != OrganisationType.ADMINISTRATEUR:
            raise Http404("Liste réservée aux administrateurs.")
        return None, "Organismes à fiabiliser", "à fiabiliser"
    if public_id is not None:
        organisme = organisme_get_for_user(user=user, public_id=public_id, permission="indicateurs_effectifs")
        if not selectors.organisme_has_formateurs(organisme):
            raise Http404("Aucun organisme formateur.")
        return organisme, "Ses organismes", f"sous la gestion de {organisme.nom}"
    organisme = selectors.organisme_of_user(user)
    if organisme is not None:
        # An OFA sees its formateurs, and only if it has some (§1.1).
        if not selectors.organisme_has_formateurs(organisme):
            raise Http404("Aucun organisme formateur.")
        return organisme, "Mes organismes", "sous votre gestion"
    if not acl_for_user(user).view_contacts:
        raise Http404("Aucun organisme.")
    titre, intro = TITRES_ORGANISMES.get(user.organisation.type, ("Mes organismes", "de votre périmètre"))
    return None, titre, intro


def _organismes_urls(public_id, a_fiabiliser) -> tuple[str, str, Callable[[str], str]]:
    """The page, its export and one problem list's export: the user's own, another organisme's, or the
    administrators' list of organismes à fiabiliser."""
    if a_fiabiliser:
        return (
            reverse("organismes_a_fiabiliser"),
            reverse("organismes_a_fiabiliser_export"),
            lambda type_: reverse("organismes_a_fiabiliser_probleme_export", args=[type_]),
        )
    if public_id is None:
        return (
            reverse("mes_organismes"),
            reverse("mes_organismes_export"),
            lambda type_: reverse("mes_organismes_probleme_export", args=[type_]),
        )
    return (
        reverse("organisme_organismes", args=[public_id]),
        reverse("organisme_organismes_export", args=[public_id]),
        lambda type_: reverse("organisme_organismes_probleme_export", args=[public_id, type_]),
    )


def _organismes_form(request, organisme) -> OrganismesFiltresForm:
    choix = selectors.territoires_choix(request.user if organisme is None else None)
    return OrganismesFiltresForm(request.GET, choix=choix)


@require_safe
def mes_organismes(request, public_id=None, a_fiabiliser=False):
    """Mes organismes / Mon réseau / Mon territoire / Tous les organismes (§1.7), "Ses organismes" for another
    organisme (`public_id`), or the administrators' organismes à fiabiliser; paginated server-side."""
    organisme, titre, intro = _organismes_context(request, public_id, a_fiabiliser)
    page_url, export_url, probleme_url = _organismes_urls(public_id, a_fiabiliser)
    form = _organismes_form(request, organisme)
    filtres = form.filtres()
    liste = selectors.organismes_liste(
        user=request.user, filtres=filtres, organisme=organisme, a_fiabiliser=a_fiabiliser
    )
    page = Paginator(liste, PAR_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    indicateurs = selectors.organismes_indicateurs(user=request.user, organisme=organisme, a_fiabiliser=a_fiabiliser)
    cartes = [
        {"type": type_, "libelle": libelle, "nombre": indicateurs[type_], "url": probleme_url(type_)}
        for type_, libelle in selectors.PROBLEMES.items()
    ]
    context = {
        "titre": titre,
        "intro": intro,
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "indicateurs": indicateurs,
        "cartes": cartes,
        "page_url": page_url,
        "export_url": export_url + (f"?{query.urlencode()}" if query else ""),
        "transmissions": selectors.TRANSMISSIONS,
        "nombre_filtres": form.nombre_filtres,
    }
    if public_id is not None:
        permissions = organisme_permissions_for_user(user=request.user, organisme=organisme)
        context["organisme"] = organisme
        context["sous_navigation"] = _organisme_links(organisme, permissions, user=request.user)
    return render(request, "effectifs/territoire/mes_organismes.html", context)


@require_safe
def mes_organismes_export(request, public_id=None, a_fiabiliser=False):
    """ "Télécharger la liste" of the search bar: the filtered list (§5 organismes columns), logged."""
    organisme, _, _ = _organismes_context(request, public_id, a_fiabiliser)
    filtres = _organismes_form(request, organisme).filtres()
    liste = selectors.organismes_liste(
        user=request.user, filtres=filtres, organisme=organisme, a_fiabiliser=a_fiabiliser
    )
    ids, rows = selectors.organismes_export_rows(liste)
    _log_download(
        request,
        action="telechargement_organismes",
        organisme=organisme,
        data={"type": "organismes", "filtres": filtres.as_log(), "nombre": len(ids), "organismes": ids},
    )
    today = timezone.localdate()
    content = xlsx_bytes(selectors.ORGANISMES_EXPORT_COLUMNS, rows)
    return _xlsx_response(content, f"tdb-organismes-{today:%d-%m-%y}.xlsx")


@require_safe
def mes_organismes_probleme_export(request, type_, public_id=None, a_fiabiliser=False):
    """One problem list of the cards (`tdb-organismes-{type}.xlsx`), logged as `organismes_{type}`."""
    if type_ not in selectors.PROBLEMES:
        raise Http404("Liste inconnue.")
    organisme, _, _ = _organismes_context(request, public_id, a_fiabiliser)
    liste = selectors.organismes_probleme(
        user=request.user, type_=type_, organisme=organisme, a_fiabiliser=a_fiabiliser
    )
    ids, rows = selectors.organismes_export_rows(liste)
    _log_download(
        request,
        action="telechargement_organismes",
        organisme=organisme,
        data={"type": f"organismes_{type_}", "nombre": len(ids), "organismes": ids},
    )
    return _xlsx_response(xlsx_bytes(selectors.ORGANISMES_EXPORT_COLUMNS, rows), f"tdb-organismes-{type_}.xlsx")
