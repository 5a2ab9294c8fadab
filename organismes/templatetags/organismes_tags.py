"""Presentation helpers for organismes (badges of the organisme card, pages-import-sifa.md §1.4)."""

from datetime import timedelta
from urllib.parse import quote

from django import template
from django.utils import timezone

register = template.Library()


@register.simple_tag
def transmission_badge(organisme) -> dict:
    """Badge for the last transmission: green < 1 week, orange < 3 months, "obsolètes" beyond, red if never."""
    last = organisme.last_transmission_date
    if last is None:
        return {"label": "Données non transmises", "level": "error", "date": None}
    age = timezone.now() - last
    if age > timedelta(days=90):
        return {"label": "Données obsolètes", "level": "warning", "date": last}
    if age > timedelta(days=7):
        return {"label": "Données transmises", "level": "new", "date": last}
    return {"label": "Données transmises", "level": "success", "date": last}


@register.simple_tag
def liens_externes(organisme) -> list[tuple[str, str]]:
    """ "Voir l'établissement sur" links: Catalogue, Référentiel, Annuaire des entreprises."""
    search = quote(organisme.uai or organisme.siret)
    return [
        (
            "Catalogue",
            f"https://catalogue-apprentissage.intercariforef.org/recherche/etablissements?SEARCH=%22{search}%22",
        ),
        ("Référentiel", f"https://referentiel.apprentissage.onisep.fr/organismes?text={search}"),
        ("Annuaire des entreprises", f"https://annuaire-entreprises.data.gouv.fr/etablissement/{organisme.siret}"),
    ]
