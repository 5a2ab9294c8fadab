"""Presentation helpers for the effectifs pages (status labels, niveaux, query strings)."""

from django import template
from django.utils.http import urlencode

from effectifs.selectors import NIVEAU_INCONNU, NIVEAUX
from effectifs.statuts import Statut

register = template.Library()

NATURES = {
    "responsable": "Responsable",
    "formateur": "Formateur",
    "responsable_formateur": "Responsable et formateur",
    "lieu_formation": "Lieu de formation",
    "inconnue": "Inconnue",
}


@register.filter
def statut_label(value: str | None) -> str:
    try:
        return Statut(value).label
    except ValueError:
        return "Aucun statut"


@register.filter
def niveau_label(value: str | None) -> str:
    return NIVEAUX.get(value or "", NIVEAU_INCONNU)


@register.filter
def nature_label(value: str | None) -> str:
    return NATURES.get(value or "", "Inconnue")


@register.filter
def siret_affiche(value: str | None) -> str:
    return f"{value[:9]} {value[9:]}" if value and len(value) == 14 else (value or "")


@register.simple_tag
def with_query(query: str, **params) -> str:
    """`?<query>&<params>`: links that keep the current filters (pagination, sort)."""
    extra = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    joined = "&".join(part for part in (query, extra) if part)
    return f"?{joined}" if joined else "?"
