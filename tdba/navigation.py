"""Site navigation: main menu, right-aligned items and account menu, built per request.

The menus are declared below as plain lists of (label, URL name, optional predicate on the user).
An entry whose URL name does not resolve (NoReverseMatch) is left out, so a page appears in the
menu as soon as its app registers the URL, without touching this module.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

Predicate = Callable[[object], bool]

# Sign-up: our own wizard ("inscription") replaces allauth's form as soon as its URL exists.
# This is the only place that decides which sign-up page the site links to.
SIGNUP_URL_NAMES = ("inscription", "account_signup")
LOGIN_URL_NAME = "account_login"
LOGOUT_URL_NAME = "account_logout"

SKIPLINKS = [
    {"link": "#contenu", "label": "Contenu"},
    {"link": "#navigation", "label": "Menu"},
    {"link": "#pied-de-page", "label": "Pied de page"},
]

ORGANISME_FORMATION = "ORGANISME_FORMATION"
MISSION_LOCALE = "MISSION_LOCALE"


def organisation_type(user) -> str | None:
    """Type of the user's organisation (one organisation per user), or None when unknown."""
    organisation = getattr(user, "organisation", None)
    return getattr(organisation, "type", None)


def is_ofa(user) -> bool:
    # Paramètres and Transmissions only exist for organismes de formation (spec §1.1).
    return organisation_type(user) == ORGANISME_FORMATION


def is_not_mission_locale(user) -> bool:
    return organisation_type(user) != MISSION_LOCALE


def has_not_transmitted(user) -> bool:
    # "Mon enquête SIFA" is disabled until the organisme's first transmission (pages-import-sifa.md §1.1).
    organisme = getattr(getattr(user, "organisation", None), "organisme", None)
    return organisme is not None and organisme.first_transmission_date is None


ORGANISMES_LABELS = {
    "TETE_DE_RESEAU": "Mon réseau",
    "DREETS": "Mon territoire",
    "DRAAF": "Mon territoire",
    "DDETS": "Mon territoire",
    "ACADEMIE": "Mon territoire",
    "CONSEIL_REGIONAL": "Mon territoire",
    "CARIF_OREF_REGIONAL": "Mon territoire",
    "ADMINISTRATEUR": "Tous les organismes",
    "OPERATEUR_PUBLIC_NATIONAL": "Tous les organismes",
    "CARIF_OREF_NATIONAL": "Tous les organismes",
}


def organismes_label(user) -> str:
    return ORGANISMES_LABELS.get(organisation_type(user), "Mes organismes")


@dataclass(frozen=True)
class Link:
    label: str
    url_name: str
    when: Predicate | None = None
    icon: str = ""
    # Shown but not clickable when this returns True (e.g. SIFA before a first transmission).
    disabled: Predicate | None = None
    disabled_title: str = ""
    # The label may depend on the organisation ("Mon réseau", "Mon territoire"…).
    label_for: Callable[[object], str] | None = None


@dataclass(frozen=True)
class Menu:
    label: str
    key: str
    links: tuple[Link, ...]
    when: Predicate | None = None


QUESTION_MENU = Menu(
    "Question ?",
    "question",
    (
        Link("Foire aux questions", "faq"),
        Link("Glossaire", "glossaire"),
        Link("Contact", "contact"),
    ),
)

ANONYMOUS_NAV: tuple[Link | Menu, ...] = (
    Link("Accueil", "home"),
    QUESTION_MENU,
)

# URL names the apps are expected to register; until they do, the entry stays hidden.
USER_NAV: tuple[Link | Menu, ...] = (
    Link("Mon tableau de bord", "tableau_de_bord"),
    Link("Mes organismes", "mes_organismes", label_for=organismes_label),
    Link("Mes indicateurs", "mes_indicateurs"),
    Link("Mes effectifs", "mes_effectifs", when=is_ofa),
    Link(
        "Mon enquête SIFA",
        "enquete_sifa",
        when=is_ofa,
        disabled=has_not_transmitted,
        disabled_title="Désactivé car votre organisme n'a encore rien transmis",
    ),
    Link("Indicateurs Nationaux", "indicateurs_nationaux"),
    QUESTION_MENU,
)

USER_NAV_END: tuple[Link | Menu, ...] = (Link("Paramètres", "parametres", when=is_ofa, icon="fr-icon-settings-5-line"),)

ACCOUNT_MENU: tuple[Link, ...] = (
    Link("Informations", "mon_compte", icon="fr-icon-user-line"),
    Link("Rôles et habilitations", "roles_habilitations", when=is_not_mission_locale, icon="fr-icon-team-line"),
    Link("Transmissions", "transmissions", when=is_ofa, icon="fr-icon-upload-2-line"),
)


@dataclass
class NavItem:
    """A resolved menu entry, ready for the templates."""

    label: str
    url: str = ""
    icon: str = ""
    key: str = ""
    active: bool = False
    disabled_title: str = ""
    children: list[NavItem] = field(default_factory=list)

    @property
    def is_menu(self) -> bool:
        return bool(self.children)


@dataclass
class Navigation:
    main: list[NavItem]
    end: list[NavItem]
    account: list[NavItem]
    signup_url: str
    login_url: str
    logout_url: str


def reverse_or_none(url_name: str) -> str | None:
    try:
        return reverse(url_name)
    except NoReverseMatch:
        return None


def signup_url() -> str:
    for name in SIGNUP_URL_NAMES:
        url = reverse_or_none(name)
        if url:
            return url
    return ""


def _allowed(entry: Link | Menu, user) -> bool:
    return entry.when is None or bool(entry.when(user))


def _resolve(entries: Iterable[Link | Menu], user) -> list[NavItem]:
    items = []
    for entry in entries:
        if not _allowed(entry, user):
            continue
        if isinstance(entry, Menu):
            children = _resolve(entry.links, user)
            if children:
                items.append(NavItem(label=entry.label, key=entry.key, children=children))
            continue
        url = reverse_or_none(entry.url_name)
        if url:
            label = entry.label_for(user) if entry.label_for else entry.label
            if entry.disabled is not None and entry.disabled(user):
                items.append(NavItem(label=label, icon=entry.icon, disabled_title=entry.disabled_title))
            else:
                items.append(NavItem(label=label, url=url, icon=entry.icon))
    return items


def _matches(url: str, path: str) -> bool:
    if url == "/":
        return path == "/"
    return path == url or path.startswith(url.rstrip("/") + "/")


def _mark_active(groups: Sequence[list[NavItem]], path: str) -> None:
    """Marks the link whose URL is the longest prefix of the path, and the menu that holds it."""
    best: tuple[int, NavItem, NavItem | None] | None = None
    for items in groups:
        for item in items:
            for link, parent in [(item, None)] + [(child, item) for child in item.children]:
                if link.url and _matches(link.url, path) and (best is None or len(link.url) > best[0]):
                    best = (len(link.url), link, parent)
    if best:
        best[1].active = True
        if best[2] is not None:
            best[2].active = True


def build_navigation(request: HttpRequest) -> Navigation:
    user = getattr(request, "user", None)
    authenticated = bool(user is not None and user.is_authenticated)
    if authenticated:
        main = _resolve(USER_NAV, user)
        end = _resolve(USER_NAV_END, user)
        account = _resolve(ACCOUNT_MENU, user)
    else:
        main, end, account = _resolve(ANONYMOUS_NAV, user), [], []
    _mark_active([main, end, account], request.path)
    return Navigation(
        main=main,
        end=end,
        account=account,
        signup_url=signup_url(),
        login_url=reverse_or_none(LOGIN_URL_NAME) or "",
        logout_url=reverse_or_none(LOGOUT_URL_NAME) or "",
    )
