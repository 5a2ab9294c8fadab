"""The maps of the national and transverse dashboards in a real headless Chromium (§6.3).

No console error (CSP violations included), one path per département on each map, a legend, the
Morbihan coloured for the §6 I population, the tooltip script working; a screenshot for review.
"""

import os
from pathlib import Path

import pytest

from tests.e2e.test_public_pages import (  # noqa: F401 (fixtures)
    CHROMIUM,
    CHROMIUM_ARGS,
    SCREENSHOTS,
    Problems,
    _navigation_context_processor,
    browser,
)
from tests.effectifs.test_national import population_i  # noqa: F401 (fixture)

# Playwright's sync API runs an event loop in this thread; Django would otherwise refuse ORM calls.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]
assert "--no-sandbox" in CHROMIUM_ARGS


@pytest.mark.django_db(transaction=True)
def test_national_maps_render_in_the_browser(browser, live_server, population_i):  # noqa: F811
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    problems = Problems(page)

    page.goto(f"{live_server.url}/national/indicateurs/?mois=2023-04")
    page.wait_for_load_state("networkidle")

    assert page.locator("html").get_attribute("data-fr-js") == "true"
    assert page.locator("svg.carte").count() == 2
    for palette in ("effectifs", "couverture"):
        carte = page.locator(f"svg.carte-{palette}")
        assert carte.locator("path.departement").count() == 101
        assert carte.locator(".carte-legende circle").count() >= 1
        morbihan = carte.locator("path.departement-56")
        assert morbihan.get_attribute("fill") != "#FFFFFF"
        assert carte.locator("path.departement-75").get_attribute("fill") == "#FFFFFF"
        box = carte.bounding_box()
        assert box and box["width"] > 300 and box["height"] > 250
    # The accessible tables carry the same numbers.
    assert "Morbihan (56)" in page.locator(".tdba-carte__table").first.inner_text()
    # Hovering a département shows its tooltip (static/js/carte.js).
    page.locator("svg.carte-effectifs path.departement-56").hover()
    bulle = page.locator(".tdba-carte__infobulle")
    assert bulle.is_visible()
    assert "Morbihan (56) : 35 apprenants" in bulle.inner_text()

    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "carte-national.png"), full_page=True)
    assert problems.items == []
