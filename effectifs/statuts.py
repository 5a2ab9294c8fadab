"""Learner statuses: the day-by-day "parcours", school years and indicator counts.

Pure module (no Django, no database) re-implementing the reference status builder
(spec statuses-indicators-roles.md §2 and §3.1–3.2). Everything works on UTC calendar
days: a parcours is a chronological tuple of ``(day, Statut)`` change points, the last
value persisting after the session end.

The builder works on intervals instead of walking every day, so that recomputing the
whole population nightly stays cheap; tests check it against a literal day-by-day port.
"""

from __future__ import annotations

import calendar
import re
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from operator import itemgetter
from typing import Any

__all__ = [
    "FIN_FORMATION_TOLERANCE_DAYS",
    "INSCRIT_MAX_DAYS",
    "RUPTURANT_MAX_DAYS",
    "Contrat",
    "Parcours",
    "Statut",
    "active_annees_scolaires",
    "annee_scolaire_of",
    "annees_scolaires_between",
    "annees_scolaires_for_indicators",
    "build_parcours",
    "compter",
    "contrat_incomplet",
    "contrats_from_v1",
    "date_indicateurs",
    "fin_de_mois",
    "parcours_for_effectif",
    "parcours_from_historique",
    "periodes",
    "statut_at",
    "statut_en_cours",
]


class Statut(StrEnum):
    """A learner's status on a given day (``STATUT_APPRENANT``)."""

    INSCRIT = "INSCRIT"
    APPRENTI = "APPRENTI"
    RUPTURANT = "RUPTURANT"
    ABANDON = "ABANDON"
    FIN_DE_FORMATION = "FIN_DE_FORMATION"
    # Part of the reference enum but never produced by the algorithm.
    PRE_INSCRIT = "PRE_INSCRIT"

    @property
    def label(self) -> str:
        """French label shown to users (``STATUT_NAME``)."""
        return _LABELS[self]

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        """``(value, label)`` pairs, ready for a model or form field."""
        return [(s.value, s.label) for s in cls]


_LABELS = {
    Statut.INSCRIT: "Inscrit sans contrat",
    Statut.APPRENTI: "Apprenti",
    Statut.RUPTURANT: "Rupture de contrat",
    Statut.ABANDON: "Abandon",
    Statut.FIN_DE_FORMATION: "Fin de formation",
    Statut.PRE_INSCRIT: "Pré-inscrit",
}

# A learner with no contract yet has 90 days (3 months) to find a company, a rupturant
# 180 days (6 months) to find a new one; beyond that the day reads ABANDON.
INSCRIT_MAX_DAYS = 90
RUPTURANT_MAX_DAYS = 180
# A contract ending naturally at most 60 days before the session end is not a rupture.
FIN_FORMATION_TOLERANCE_DAYS = 60

# v1 contracts without a start date start at the JavaScript epoch in the reference.
EPOCH = date(1970, 1, 1)

Parcours = tuple[tuple[date, Statut], ...]


@dataclass(frozen=True, slots=True)
class Contrat:
    """An apprenticeship contract as the status builder sees it (v2 shape).

    ``date_fin`` None means "until the session end"; ``date_rupture`` is the first
    day without the contract.
    """

    date_debut: date
    date_fin: date | None = None
    date_rupture: date | None = None


# --------------------------------------------------------------------------- builder


def build_parcours(
    *,
    session_debut: date,
    session_fin: date,
    contrats: Sequence[Contrat],
    date_exclusion: date | None,
) -> Parcours:
    """Compute the parcours (status change points) per spec §2.3, steps 1–10.

    Works on O(number of contracts) segments rather than on every day. Returns an empty
    tuple when the day range is empty (earliest start after the session end).
    """
    fin = session_fin.toordinal()
    start = session_debut.toordinal()
    spans: list[tuple[int, int, bool]] = []  # (first day, effective last day, ruptured)
    for contrat in contrats:
        first = contrat.date_debut.toordinal()
        if contrat.date_rupture is not None:
            spans.append((first, contrat.date_rupture.toordinal() - 1, True))
        else:
            spans.append((first, (contrat.date_fin or session_fin).toordinal(), False))
        if first < start:
            start = first
    if start > fin:
        return ()

    # From the exclusion day on, every day is ABANDON whatever the contracts say.
    exclusion = fin + 1 if date_exclusion is None else max(date_exclusion.toordinal(), start)
    limit = min(exclusion - 1, fin)

    # segments: (first day, statut), each lasting until the next one starts.
    segments: list[tuple[int, Statut]] = []
    cursor = start
    has_contract = False
    for first, last, _ in sorted(spans):
        if last > limit:
            last = limit
        if last < first or last < cursor:
            continue
        if first > cursor:
            _append_gap(segments, cursor, first - 1, has_contract)
            cursor = first
        segments.append((cursor, Statut.APPRENTI))
        has_contract = True
        cursor = last + 1
    if cursor <= limit:
        _append_gap(segments, cursor, limit, has_contract)
    if exclusion <= fin:
        segments.append((exclusion, Statut.ABANDON))

    last_day_statut = segments[-1][1]
    natural_end: int | None = None
    if spans and date_exclusion is None:
        terminal_end = max(span[1] for span in spans)
        # On a tie for the latest end, a ruptured contract wins: no natural end then.
        if not any(ruptured for _, last, ruptured in spans if last == terminal_end):
            natural_end = terminal_end

    # A contract running up to or past the session end leaves no day to tolerate.
    if natural_end is not None and fin - natural_end <= FIN_FORMATION_TOLERANCE_DAYS and natural_end < fin:
        _remap_tail(segments, natural_end + 1, (Statut.INSCRIT, Statut.RUPTURANT))
    # The last day closes the formation, unless a rupture, an exclusion or a threshold
    # ABANDON without a naturally ended contract got there first.
    if last_day_statut in (Statut.APPRENTI, Statut.INSCRIT) or natural_end is not None:
        if segments[-1][0] == fin:
            segments[-1] = (fin, Statut.FIN_DE_FORMATION)
        else:
            segments.append((fin, Statut.FIN_DE_FORMATION))

    parcours: list[tuple[date, Statut]] = []
    previous = None
    for day, statut in segments:
        if statut is not previous:
            parcours.append((date.fromordinal(day), statut))
            previous = statut
    return tuple(parcours)


def _append_gap(segments: list[tuple[int, Statut]], first: int, last: int, has_contract: bool) -> None:
    """Append the statuses of a run of days without contract, counted from 1 at ``first``."""
    if has_contract:
        statut, threshold = Statut.RUPTURANT, RUPTURANT_MAX_DAYS
    else:
        statut, threshold = Statut.INSCRIT, INSCRIT_MAX_DAYS
    segments.append((first, statut))
    if last - first + 1 > threshold:
        segments.append((first + threshold, Statut.ABANDON))


def _remap_tail(segments: list[tuple[int, Statut]], first: int, which: tuple[Statut, ...]) -> None:
    """Turn the ``which`` statuses into FIN_DE_FORMATION from day ``first`` to the end."""
    i = len(segments)
    while i > 0 and segments[i - 1][0] >= first:
        i -= 1
    # The segment before index i may straddle ``first``: split it there.
    if i > 0 and (i == len(segments) or segments[i][0] > first) and segments[i - 1][1] in which:
        segments.insert(i, (first, segments[i - 1][1]))
    for j in range(i, len(segments)):
        if segments[j][1] in which:
            segments[j] = (segments[j][0], Statut.FIN_DE_FORMATION)


# --------------------------------------------------------------------------- reading


def statut_at(parcours: Parcours, d: date) -> Statut | None:
    """Status at day ``d`` as the indicators read it (§3.1): last change ≤ d, else None."""
    i = bisect_right(parcours, _to_day(d), key=itemgetter(0))
    return parcours[i - 1][1] if i else None


def statut_en_cours(parcours: Parcours, now: date) -> Statut:
    """The stored ``en_cours`` (§2.3 step 11): like :func:`statut_at`, INSCRIT by default."""
    return statut_at(parcours, now) or Statut.INSCRIT


def periodes(parcours: Parcours) -> list[tuple[Statut, date, date | None]]:
    """The parcours as half-open intervals ``[debut, fin)``, ``fin`` None for the last one.

    This is the SQL storage shape: the status at D is the row with ``debut <= D < fin``.
    """
    return [
        (statut, debut, parcours[i + 1][0] if i + 1 < len(parcours) else None)
        for i, (debut, statut) in enumerate(parcours)
    ]


# --------------------------------------------------------------------------- v1 effectifs


def contrats_from_v1(raw_contrats: Sequence[Mapping[str, Any]] | None, session_fin: date) -> list[Contrat]:
    """Map v1 effectif contracts to builder contracts (§2.2 A).

    A missing ``date_debut`` becomes 1970-01-01 and a missing ``date_fin`` the session end.
    Contracts are keyed by their start day, so the later of two same-day contracts wins.
    """
    by_start: dict[date, Contrat] = {}
    for raw in raw_contrats or ():
        debut = _to_day(raw.get("date_debut")) or EPOCH
        by_start[debut] = Contrat(
            date_debut=debut,
            date_fin=_to_day(raw.get("date_fin")) or session_fin,
            date_rupture=_to_day(raw.get("date_rupture")),
        )
    return list(by_start.values())


def parcours_for_effectif(
    *,
    date_entree: date | None,
    date_fin: date | None,
    contrats: Sequence[Mapping[str, Any]] | None,
    date_exclusion: date | None,
    historique_statut: Sequence[Mapping[str, Any]] | None,
    annee_scolaire: str | None,
    periode: Sequence[Any] | None = None,
) -> Parcours | None:
    """Parcours of a v1 effectif (``createComputedStatutObject``, §2.2).

    With both formation dates, the contracts and the exclusion drive the status (path A);
    otherwise the legacy historique does (path B). None where the reference stores a null
    statut (the legacy path cannot run).
    """
    try:
        entree, fin = _to_day(date_entree), _to_day(date_fin)
        if entree is None or fin is None:
            return parcours_from_historique(
                historique_statut=historique_statut,
                date_entree=entree,
                date_fin=fin,
                annee_scolaire=annee_scolaire,
                periode=periode,
            )
        return build_parcours(
            session_debut=entree,
            session_fin=fin,
            contrats=contrats_from_v1(contrats, fin),
            date_exclusion=_to_day(date_exclusion),
        )
    except ValueError:
        # Unreadable dates: the reference's computation throws and stores a null statut.
        return None


def parcours_from_historique(
    *,
    historique_statut: Sequence[Mapping[str, Any]] | None,
    date_entree: date | None,
    date_fin: date | None,
    annee_scolaire: str | None,
    periode: Sequence[Any] | None = None,
) -> Parcours | None:
    """Legacy path (``determineNewStatutFromHistorique``, §2.2 B), quirks included.

    Contracts are rebuilt from the historique: a 3 opens one, the next 2 ruptures it at
    its date, 0 is ignored and a contract still open at the end is dropped. The session
    defaults to the school year (1 Aug–31 Jul, or the calendar year for "Y-Y"). Returns
    None for an empty historique or an unusable ``periode`` / ``annee_scolaire``.
    """
    if not historique_statut:
        return None
    # The reference only falls back on annee_scolaire when periode is null: an empty
    # periode list makes the computation fail.
    if periode is None:
        periode = annee_scolaire.split("-") if annee_scolaire else ()
    try:
        start_year, end_year = (int(year) for year in periode)
        if start_year != end_year:
            session_debut, session_fin = date(start_year, 8, 1), date(end_year, 7, 31)
        else:
            session_debut, session_fin = date(start_year, 1, 1), date(end_year, 12, 31)
        session_debut = _to_day(date_entree) or session_debut
        session_fin = _to_day(date_fin) or session_fin
        dated = [(_to_instant(h.get("date_statut")), h.get("valeur_statut")) for h in historique_statut]
    except (TypeError, ValueError):
        return None
    # Stable sort on the full timestamp, as the reference does; undated entries cannot
    # be placed in time and are left out.
    dated = sorted((item for item in dated if item[0] is not None), key=itemgetter(0))
    by_start: dict[date, Contrat] = {}
    opened: date | None = None
    for instant, valeur in dated:
        if opened is None and valeur == 3:
            opened = instant.date()
        elif opened is not None and valeur == 2:
            by_start[opened] = Contrat(date_debut=opened, date_fin=session_fin, date_rupture=instant.date())
            opened = None
    return build_parcours(
        session_debut=session_debut,
        session_fin=session_fin,
        contrats=list(by_start.values()),
        date_exclusion=None,
    )


def _to_instant(value: Any) -> datetime | None:
    """A naive UTC datetime from a date, a datetime or an ISO string (None stays None)."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value
    return datetime(value.year, value.month, value.day)


def _to_day(value: Any) -> date | None:
    """The UTC calendar day of a date, a datetime or an ISO string (None stays None)."""
    if value is None or (type(value) is date):
        return value
    instant = _to_instant(value)
    return None if instant is None else instant.date()


# --------------------------------------------------------------------------- school years


def annee_scolaire_of(d: date) -> str:
    """School year of day ``d`` (1 August – 31 July), e.g. ``"2024-2025"``."""
    d = _to_day(d)
    return f"{d.year - 1}-{d.year}" if d.month < 8 else f"{d.year}-{d.year + 1}"


def annees_scolaires_for_indicators(d: date) -> list[str]:
    """The indicator pre-filter at ``d``: calendar year ``"Y-Y"`` then the school year."""
    d = _to_day(d)
    return [f"{d.year}-{d.year}", annee_scolaire_of(d)]


def active_annees_scolaires(d: date) -> list[str]:
    """Current and previous school years at ``d``, in that order."""
    first = int(annee_scolaire_of(d)[:4])
    return [f"{first}-{first + 1}", f"{first - 1}-{first}"]


def annees_scolaires_between(start: date, end: date) -> list[str]:
    """Every ``"Y-Y"`` and ``"Y-(Y+1)"`` label whose period meets ``[start, end]`` (end included).

    Sorted by period start, then period end; empty when ``start > end``.
    """
    start, end = _to_day(start), _to_day(end)
    # A reversed range meets nothing (the reference would still list the labels that
    # contain both ends).
    if start > end:
        return []
    entries: list[tuple[date, date, str]] = []
    for year in range(start.year, end.year + 1):
        entries.append((date(year, 1, 1), date(year + 1, 1, 1), f"{year}-{year}"))
    for year in range(start.year - 1, end.year + 1):
        entries.append((date(year, 8, 1), date(year + 1, 8, 1), f"{year}-{year + 1}"))
    # Periods are half-open [debut, fin); the range is [start, end] inclusive.
    return [label for debut, fin, label in sorted(entries) if debut <= end and fin > start]


# --------------------------------------------------------------------------- indicators


def fin_de_mois(year: int, month: int) -> date:
    """Last day of the given month."""
    return date(year, month, calendar.monthrange(year, month)[1])


_MONTH_RE = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")


def date_indicateurs(month_param: str | None, today: date) -> date:
    """Date D of the indicators for the month picker value ``"AAAA-MM"``.

    The last day of the selected month, or ``today`` for the current month or when no
    month is given. Raises ValueError (French message) on a malformed value.
    """
    if month_param is None or not month_param.strip():
        return today
    match = _MONTH_RE.fullmatch(month_param.strip())
    if match is None or int(match[1]) < 1:
        raise ValueError("Mois invalide : le format attendu est AAAA-MM (par exemple 2025-03).")
    year, month = int(match[1]), int(match[2])
    if (year, month) == (today.year, today.month):
        return today
    return fin_de_mois(year, month)


def compter(statuts: Iterable[Statut | None]) -> dict[str, int]:
    """Indicator counts (§3.2) over statuses at D; None (no status yet) counts nowhere.

    ``apprentis`` includes FIN_DE_FORMATION and ``apprenants`` excludes ABANDON.
    """
    counts = dict.fromkeys(Statut, 0)
    for statut in statuts:
        if statut is not None:
            counts[statut] += 1
    apprentis = counts[Statut.APPRENTI] + counts[Statut.FIN_DE_FORMATION]
    return {
        "apprenants": apprentis + counts[Statut.INSCRIT] + counts[Statut.RUPTURANT],
        "apprentis": apprentis,
        "inscrits": counts[Statut.INSCRIT],
        "rupturants": counts[Statut.RUPTURANT],
        "abandons": counts[Statut.ABANDON],
    }


def contrat_incomplet(
    contrats: Sequence[Mapping[str, Any]] | None, historique_statut: Sequence[Mapping[str, Any]] | None
) -> bool:
    """A contract without its end date, or a learner the ERP declared apprentice (status 3) without any contract
    start: the "Apprentis sans dates de contrat" fix of the data-quality card. Computed at each upsert, so that
    the card counts a column instead of decoding every learner's JSON."""
    contrats = contrats or []
    if any(c.get("date_debut") and not c.get("date_fin") for c in contrats):
        return True
    declared_apprenti = any(h.get("valeur_statut") == 3 for h in historique_statut or [])
    return declared_apprenti and not any(c.get("date_debut") for c in contrats)
