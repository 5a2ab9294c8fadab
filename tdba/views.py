"""Public pages: landing, help (FAQ, glossaire, contact) and legal pages."""

import logging
import sys

from django.contrib.auth.decorators import login_not_required
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_safe

from tdba.navigation import reverse_or_none

logger = logging.getLogger(__name__)

# Terms users meet on the dashboard, the Excel template and the ERP set-up (alphabetical order).
GLOSSAIRE = [
    (
        "Abandon",
        "Statut d'un apprenant considéré comme sorti de l'apprentissage : exclu de sa formation, resté plus de "
        "90 jours sans jamais trouver de contrat, ou plus de 180 jours sans nouveau contrat après une rupture. "
        "Les indicateurs l'affichent parmi les « sorties d'apprentissage ».",
    ),
    (
        "Apprenant",
        "Toute personne inscrite dans une formation en apprentissage, qu'elle ait déjà signé un contrat avec "
        "un employeur (apprenti) ou non (inscrit sans contrat).",
    ),
    (
        "Apprenti",
        "Apprenant en formation qui dispose d'un contrat d'apprentissage en cours avec un employeur.",
    ),
    (
        "CFA",
        "Centre de formation d'apprentis : organisme qui dispense les enseignements théoriques aux apprentis. "
        "Depuis la loi « Avenir professionnel » de 2018, tout organisme de formation déclaré et certifié "
        "Qualiopi peut devenir CFA.",
    ),
    (
        "CFD",
        "Code formation diplôme : identifiant d'un diplôme de l'Éducation nationale (8 caractères), "
        "utilisé avec le code RNCP pour désigner la formation suivie.",
    ),
    (
        "Clé d'échange",
        "Clé secrète (aussi appelée clé API) générée dans « Paramètres » par l'organisme de formation et "
        "collée dans son ERP. Elle autorise l'ERP à transmettre les effectifs de cet organisme au tableau de "
        "bord. Elle n'est affichée qu'une fois ; en cas de perte, il faut en générer une nouvelle, ce qui "
        "désactive l'ancienne.",
    ),
    (
        "Effectif",
        "Dossier d'un apprenant dans une formation, pour une année scolaire donnée, tel que transmis par "
        "l'organisme de formation (par son ERP ou par import Excel).",
    ),
    (
        "Enquête SIFA",
        "Enquête annuelle obligatoire recensant tous les apprentis inscrits au 31 décembre de chaque année en "
        "centre de formation des apprentis (CFA) ou en section d'apprentissage (SA). Elle est produite par la "
        "Direction de l'évaluation, de la prospective et de la performance (DEPP) au Ministère de l'éducation "
        "nationale et de la jeunesse.",
    ),
    (
        "ERP",
        "Enterprise Resource Planning (ou PGI, progiciel de gestion intégré) : logiciel de gestion utilisé par "
        "l'organisme de formation pour suivre ses apprenants. Relié au tableau de bord par une clé d'échange, "
        "il transmet les effectifs automatiquement, chaque jour.",
    ),
    (
        "Fiabilisation",
        "Vérification du couple UAI / SIRET d'un organisme auprès du référentiel des organismes de formation : "
        "un organisme est dit « fiable » lorsque ce couple y est présent et que l'établissement n'est pas "
        "fermé. Seuls les organismes fiables sont comptés dans les indicateurs.",
    ),
    (
        "Fin de formation",
        "Statut d'un apprenant arrivé au terme de sa formation, ou dont le contrat s'est achevé normalement "
        "peu avant la fin de celle-ci.",
    ),
    (
        "Inscrit sans contrat",
        "Apprenant qui a commencé sa formation sans avoir encore signé de contrat d'apprentissage. Il dispose "
        "de 90 jours pour trouver un employeur ; au-delà, il est compté en abandon.",
    ),
    (
        "Nature de l'organisme",
        "Rôle de l'organisme dans l'offre de formation : responsable (il signe les conventions et porte "
        "la formation), formateur (il dispense les cours) ou responsable et formateur.",
    ),
    (
        "OFA",
        "Organisme de formation en apprentissage : tout organisme (CFA, lycée avec section d'apprentissage, "
        "université, organisme privé…) qui forme des apprentis.",
    ),
    (
        "Opérateur public",
        "Service de l'État ou collectivité qui pilote l'apprentissage sur un territoire : DREETS (région), "
        "DDETS (département), rectorat (académie). Il consulte les indicateurs de son territoire.",
    ),
    (
        "Qualiopi",
        "Certification qualité obligatoire pour les organismes de formation qui souhaitent bénéficier de "
        "fonds publics ou mutualisés, dont le financement de l'apprentissage.",
    ),
    (
        "Réseau d'OFA",
        "Regroupement d'organismes de formation (réseau consulaire, fédération, compagnonnage…) dont la tête "
        "de réseau suit l'activité de ses membres.",
    ),
    (
        "RNCP",
        "Répertoire national des certifications professionnelles, tenu par France compétences. Chaque "
        "certification y a un code de la forme RNCP12345.",
    ),
    (
        "Rupturant",
        "Apprenant dont le contrat d'apprentissage a été rompu et qui n'a pas encore retrouvé d'employeur. Il "
        "peut poursuivre sa formation pendant 180 jours au plus pour en chercher un nouveau.",
    ),
    (
        "SIRET",
        "Numéro à 14 chiffres attribué par l'INSEE à chaque établissement d'une entreprise ou d'une "
        "association : les 9 premiers chiffres forment le SIREN de l'entreprise.",
    ),
    (
        "Transmission",
        "Envoi des effectifs d'un organisme au tableau de bord, par son ERP ou par import d'un fichier Excel. "
        "Chaque jour de transmission fait l'objet d'un rapport listant les dossiers reçus et leurs erreurs.",
    ),
    (
        "UAI",
        "Unité administrative immatriculée : identifiant à 8 caractères (7 chiffres et une lettre de "
        "contrôle, par exemple 0751234J) attribué par l'Éducation nationale à chaque lieu de formation.",
    ),
]


@login_not_required
@require_safe
def home(request):
    # A signed-in user lands on their dashboard once that page exists (spec §0, routing of "/").
    if request.user.is_authenticated:
        dashboard_url = reverse_or_none("tableau_de_bord")
        if dashboard_url and dashboard_url != request.path:
            return redirect(dashboard_url)
    return render(request, "pages/home.html")


@login_not_required
@require_safe
def faq(request):
    return render(request, "pages/faq.html")


@login_not_required
@require_safe
def glossaire(request):
    return render(request, "pages/glossaire.html", {"termes": GLOSSAIRE})


@login_not_required
@require_safe
def contact(request):
    return render(request, "pages/contact.html")


@login_not_required
@require_safe
def cgu(request):
    return render(request, "pages/cgu.html")


@login_not_required
@require_safe
def mentions_legales(request):
    return render(request, "pages/mentions_legales.html")


@login_not_required
@require_safe
def accessibilite(request):
    return render(request, "pages/accessibilite.html")


DATABASE_DOWN_MESSAGE = (
    "Le service est momentanément indisponible. Rien n'a été enregistré : réessayez dans quelques minutes."
)
DATABASE_DOWN_RETRY_AFTER = "60"


@login_not_required
def server_error(request):
    """handler500: a database that cannot be reached answers 503 with a clear French message, never a bare 500.

    Writes run in transactions, so an interrupted request leaves nothing half-written. ERPs get the API's JSON
    envelope and a Retry-After; people get a page. Any other error keeps the standalone 500 page.
    """
    error = sys.exc_info()[1]
    if isinstance(error, OperationalError | InterfaceError):
        logger.warning("database unavailable: %s", type(error).__name__)
        if request.path.startswith("/api/"):
            response = JsonResponse({"error": "Service Unavailable", "message": DATABASE_DOWN_MESSAGE}, status=503)
        else:
            response = HttpResponse(render_to_string("503.html", {"message": DATABASE_DOWN_MESSAGE}), status=503)
        response["Retry-After"] = DATABASE_DOWN_RETRY_AFTER
        return response
    return HttpResponseServerError(render_to_string("500.html"))
