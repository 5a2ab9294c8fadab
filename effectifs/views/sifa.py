"""Pages of "Mon enquête SIFA" / "Son enquête SIFA": the list, the two files and "Type de CFA" for all.

Access (§3.2): the OFA's own organisme, or any organisme the user may manage (`manage_effectifs`:
full responsable, réseau responsable, administrator); anything else answers 404. Everything is
disabled until the organisme's first transmission.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from effectifs import selectors, sifa
from effectifs.forms_sifa import PAR_PAGE, SifaFiltresForm, TypeCfaForm
from effectifs.services import effectifs_type_cfa_appliquer
from effectifs.views.organisme import _organisme_links
from organismes.models import AuditLog, Organisme
from organismes.selectors import organisme_permissions_for_user

__all__ = ["enquete_sifa", "enquete_sifa_fichier", "enquete_sifa_type_cfa"]

DESACTIVE = "Désactivé car votre organisme n'a encore rien transmis"
DESACTIVE_AUTRE = "Désactivé car l'organisme n'a encore rien transmis"
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _organisme(request, public_id) -> Organisme | None:
    if public_id is None:
        return selectors.organisme_sifa_of_user(request.user)
    return selectors.organisme_get_sifa(user=request.user, public_id=public_id)


def _urls(organisme: Organisme, *, own: bool) -> dict[str, str]:
    args = [] if own else [organisme.public_id]
    prefix = "" if own else "organisme_"
    return {
        "page": reverse(f"{prefix}enquete_sifa", args=args),
        "csv": reverse(f"{prefix}enquete_sifa_fichier", args=[*args, "csv"]),
        "xlsx": reverse(f"{prefix}enquete_sifa_fichier", args=[*args, "xlsx"]),
        "type_cfa": reverse(f"{prefix}enquete_sifa_type_cfa", args=args),
    }


def _sous_navigation(request, organisme: Organisme, *, own: bool) -> list[dict]:
    if own:
        return []
    permissions = organisme_permissions_for_user(user=request.user, organisme=organisme)
    links = _organisme_links(organisme, permissions, user=request.user)
    links.append({"label": "Son enquête SIFA", "url": reverse("organisme_enquete_sifa", args=[organisme.public_id])})
    return links


@require_safe
def enquete_sifa(request, public_id=None):
    """Mon enquête SIFA / Son enquête SIFA: who is counted on 31 December and what is missing (§3.3)."""
    own = public_id is None
    organisme = _organisme(request, public_id)
    if organisme is None:
        return render(request, "effectifs/sifa/sans_organisme.html")
    context = {
        "organisme": organisme,
        "own": own,
        "titre": "Mon Enquête SIFA" if own else "Son Enquête SIFA",
        "urls": _urls(organisme, own=own),
        "sous_navigation": _sous_navigation(request, organisme, own=own),
    }
    if organisme.first_transmission_date is None:
        context["desactive"] = DESACTIVE if own else DESACTIVE_AUTRE
        return render(request, "effectifs/sifa/enquete.html", context)
    today = timezone.now().date()
    enquete = selectors.enquete_sifa(user=request.user, organisme=organisme, today=today)
    form = SifaFiltresForm(request.GET, formations=enquete.formations)
    filtres = form.filtres()
    page = Paginator(enquete.filtrer(filtres), PAR_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context.update(
        {
            "form": form,
            "filtres": filtres,
            "enquete": enquete,
            "page": page,
            "query": query.urlencode(),
            "type_cfa_form": TypeCfaForm(initial={"type_cfa": _type_cfa_commun(enquete)}),
        }
    )
    return render(request, "effectifs/sifa/enquete.html", context)


def _type_cfa_commun(enquete) -> str:
    """The type de CFA shared by every learner, to pre-select it (empty when they differ)."""
    valeurs = {ligne.effectif.type_cfa for ligne in enquete.tous}
    return valeurs.pop() if len(valeurs) == 1 else ""


@require_safe
def enquete_sifa_fichier(request, ext: str, public_id=None):
    """The SIFA file (.csv for the DEPP portal, .xlsx to complete by hand); every download is logged (§3.2)."""
    if ext not in CONTENT_TYPES:
        raise Http404("Format inconnu.")
    own = public_id is None
    organisme = _organisme(request, public_id)
    if organisme is None:
        raise Http404("Aucun organisme.")
    if organisme.first_transmission_date is None:
        messages.warning(request, DESACTIVE if own else DESACTIVE_AUTRE)
        return redirect(_urls(organisme, own=own)["page"])
    today = timezone.now().date()
    lignes = selectors.sifa_effectifs_eligibles(user=request.user, organisme=organisme, today=today)
    rows = [sifa.build_row(ligne.sifa) for ligne in lignes]
    content = sifa.to_csv(rows) if ext == "csv" else sifa.to_xlsx(rows)
    ids = [ligne.effectif.pk for ligne in lignes]
    AuditLog.objects.create(
        action="telechargement_sifa",
        user=request.user,
        organisme=organisme,
        data={
            "type": "sifa",
            "format": ext,
            "nombre": len(ids),
            "incomplets": sum(1 for ligne in lignes if not ligne.complet),
            "effectifs": ids,
        },
    )
    response = HttpResponse(content, content_type=CONTENT_TYPES[ext])
    response["Content-Disposition"] = f'attachment; filename="{sifa.file_name(organisme.nom, today, ext)}"'
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["POST"])
def enquete_sifa_type_cfa(request, public_id=None):
    """ "Appliquer ce paramètre à tous les effectifs": a first POST asks for confirmation, the second applies."""
    own = public_id is None
    organisme = _organisme(request, public_id)
    if organisme is None:
        raise Http404("Aucun organisme.")
    urls = _urls(organisme, own=own)
    if organisme.first_transmission_date is None:
        messages.warning(request, DESACTIVE if own else DESACTIVE_AUTRE)
        return redirect(urls["page"])
    form = TypeCfaForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choisissez un type de CFA dans la liste.")
        return redirect(urls["page"])
    if not form.cleaned_data["confirmation"]:
        today = timezone.now().date()
        nombre = len(selectors.sifa_effectifs_eligibles(user=request.user, organisme=organisme, today=today))
        context = {
            "organisme": organisme,
            "own": own,
            "titre": "Mon Enquête SIFA" if own else "Son Enquête SIFA",
            "urls": urls,
            "type_cfa": form.cleaned_data["type_cfa"],
            "libelle": form.libelle(),
            "nombre": nombre,
            "sous_navigation": _sous_navigation(request, organisme, own=own),
        }
        return render(request, "effectifs/sifa/type_cfa_confirmation.html", context)
    nombre = effectifs_type_cfa_appliquer(
        user=request.user, organisme=organisme, type_cfa=form.cleaned_data["type_cfa"]
    )
    messages.success(
        request, f"Type de CFA « {form.libelle()} » appliqué à {nombre} effectif{'s' if nombre > 1 else ''}."
    )
    return redirect(urls["page"])
