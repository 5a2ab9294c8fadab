"""Shared payloads and checks of the bad input corpus (issue 11): every case gets a 4xx (or its form re-rendered
with a French message), never a 500, stores nothing it should not, and escapes what it echoes."""

import html
import re

from tests.transmissions.conftest import api, api_key, fixture_couple  # noqa: F401  (fixtures re-used here)

XSS_SCRIPT = "<script>alert(1)</script>"
XSS_IMG = '"><img src=x onerror=alert(1)>'
XSS_SVG = "'\"><svg/onload=1>"  # 17 characters: fits the short fields (/connexion-api allows 20)
JAVASCRIPT_URL = "javascript:alert(document.cookie)"
SQL = "' OR 1=1 --"
SQL_UNION = "1'; DROP TABLE organismes_user; --"
OVERLONG = "a" * 10_000

# The payloads a page may echo; the markup must never come back as such.
XSS_PAYLOADS = [XSS_SCRIPT, XSS_IMG, XSS_SVG]
INJECTIONS = [*XSS_PAYLOADS, JAVASCRIPT_URL, SQL, SQL_UNION]
INJECTION_IDS = ["script", "img-onerror", "svg-onload", "javascript-url", "sql-or", "sql-drop"]


def page_text(response) -> str:
    """The visible text of an HTML answer, entities decoded and blanks collapsed."""
    body = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", html.unescape(body))


def assert_escaped(response, *payloads: str) -> None:
    """No payload's markup comes back raw: `<script>`, `<img …>`, `<svg …>` only ever appear escaped."""
    content = response.content.decode()
    for payload in payloads:
        if "<" in payload:
            assert payload not in content, f"{payload!r} echoed unescaped"
    for tag in ("<script>alert", "<img src=x", "<svg/onload"):
        assert tag not in content, f"{tag!r} echoed unescaped"


def refused_for_nul(response, *values) -> bool:
    """A NUL anywhere in the query string is refused by tdba.middleware before any view (400, French).

    Returns True (after checking the answer) when that is the case, so the caller stops there.
    """
    from tdba.middleware import NUL_MESSAGE

    if not any("\x00" in str(v) for v in values):
        return False
    assert response.status_code == 400
    assert NUL_MESSAGE in response.content.decode()
    return True
