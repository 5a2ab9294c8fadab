"""A literal day-by-day port of the reference builder, and property tests against it.

``naive_parcours`` follows spec §2.3 (and ``effectif_status.builder.ts``) step by step,
one dict entry per day. It is slow on purpose: the interval version in
``effectifs.statuts`` must give exactly the same parcours for any input.
"""

from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from effectifs.statuts import Contrat, Statut, build_parcours, periodes, statut_at, statut_en_cours

ONE_DAY = timedelta(days=1)


def _days_between(start: date, end: date) -> list[date]:
    days = []
    day = start
    while day <= end:
        days.append(day)
        day += ONE_DAY
    return days


def naive_statuts_by_day(*, session_debut, session_fin, contrats, date_exclusion) -> tuple[list[date], dict]:
    """Steps 1–9 of §2.3, day by day: the range of days and the final status of each."""

    def effective_end(contrat: Contrat) -> date:
        if contrat.date_rupture is not None:
            return contrat.date_rupture - ONE_DAY
        return contrat.date_fin if contrat.date_fin is not None else session_fin

    start = min([session_debut, *(c.date_debut for c in contrats)])
    days = _days_between(start, session_fin)
    by_day = dict.fromkeys(days, Statut.INSCRIT)
    for contrat in contrats:
        for day in _days_between(contrat.date_debut, effective_end(contrat)):
            by_day[day] = Statut.APPRENTI
    if date_exclusion is not None:
        for day in _days_between(date_exclusion, session_fin):
            by_day[day] = Statut.ABANDON

    consecutive = 0
    has_contract = False
    for day in days:
        if by_day[day] == Statut.APPRENTI:
            has_contract = True
            consecutive = 0
            continue
        consecutive += 1
        if by_day[day] == Statut.INSCRIT:
            if has_contract:
                by_day[day] = Statut.ABANDON if consecutive > 180 else Statut.RUPTURANT
            else:
                by_day[day] = Statut.ABANDON if consecutive > 90 else Statut.INSCRIT
    if not days:
        return days, by_day

    last_day = days[-1]
    last_day_statut = by_day[last_day]
    terminal = None
    for contrat in contrats:
        end = effective_end(contrat)
        if terminal is None or end > terminal[1] or (end == terminal[1] and contrat.date_rupture is not None):
            terminal = (contrat, end)
    natural = date_exclusion is None and terminal is not None and terminal[0].date_rupture is None
    if natural and (session_fin - terminal[1]).days <= 60:
        for day in _days_between(terminal[1] + ONE_DAY, session_fin):
            if by_day.get(day) in (Statut.INSCRIT, Statut.RUPTURANT):
                by_day[day] = Statut.FIN_DE_FORMATION
    if last_day_statut in (Statut.APPRENTI, Statut.INSCRIT) or natural:
        by_day[last_day] = Statut.FIN_DE_FORMATION
    return days, by_day


def naive_parcours(*, session_debut, session_fin, contrats, date_exclusion):
    """§2.3 step 10 on top of the day map: one entry per change of status."""
    days, by_day = naive_statuts_by_day(
        session_debut=session_debut, session_fin=session_fin, contrats=contrats, date_exclusion=date_exclusion
    )
    parcours = []
    for day in days:
        if not parcours or parcours[-1][1] != by_day[day]:
            parcours.append((day, by_day[day]))
    return tuple(parcours)


# Offsets that sit on the rules' edges: same day, 60/90/180-day thresholds.
EDGE_OFFSETS = [0, 1, -1, 2, -2, 59, 60, 61, -59, -60, -61, 89, 90, 91, -90, -91, 179, 180, 181, -180, -181]
LEAP_DAYS = [date(2000, 2, 29), date(2004, 2, 28), date(2020, 2, 29), date(2024, 2, 29), date(2100, 2, 28)]


def _offsets(low: int, high: int):
    return st.one_of(st.sampled_from(EDGE_OFFSETS), st.integers(low, high))


# Strategies are built once: building them inside each draw dominates the run time.
SESSION_DEBUTS = st.one_of(
    st.dates(min_value=date(1996, 1, 1), max_value=date(2032, 12, 31)), st.sampled_from(LEAP_DAYS)
)
SESSION_LENGTHS = _offsets(-30, 1100)
DEBUT_OFFSETS = _offsets(-500, 700)
DURATIONS = _offsets(-40, 900)
NEAR_SESSION_END = _offsets(-250, 40)
WITHIN_TOLERANCE = st.integers(-2, 65)
EXCLUSION_OFFSETS = _offsets(-300, 600)


@st.composite
def scenarios(draw):
    session_debut = draw(SESSION_DEBUTS)
    session_fin = session_debut + timedelta(days=draw(SESSION_LENGTHS))
    anchors = [session_debut, session_fin]
    contrats = []
    for _ in range(draw(st.integers(0, 4))):
        date_debut = draw(st.sampled_from(anchors)) + timedelta(days=draw(DEBUT_OFFSETS))
        # Ends and ruptures: a duration from the start, or close to the session end
        # (including natural ends within the 60-day end-of-formation tolerance).
        date_fin = None
        kind = draw(st.integers(0, 5))
        if kind == 1:
            date_fin = date_debut + timedelta(days=draw(DURATIONS))
        elif kind == 2:
            date_fin = session_fin + timedelta(days=draw(NEAR_SESSION_END))
        elif kind == 3:
            date_fin = session_fin - timedelta(days=draw(WITHIN_TOLERANCE))
        date_rupture = None
        kind = draw(st.integers(0, 3))
        if kind == 1:
            date_rupture = date_debut + timedelta(days=draw(DURATIONS))
        elif kind == 2:
            date_rupture = session_fin + timedelta(days=draw(NEAR_SESSION_END))
        contrats.append(Contrat(date_debut=date_debut, date_fin=date_fin, date_rupture=date_rupture))
        # Later contracts may start right where this one stops, or overlap it.
        anchors.extend(d for d in (date_fin, date_rupture) if d is not None)
    date_exclusion = None
    if draw(st.integers(0, 4)) == 0:
        date_exclusion = draw(st.sampled_from(anchors)) + timedelta(days=draw(EXCLUSION_OFFSETS))
    return {
        "session_debut": session_debut,
        "session_fin": session_fin,
        "contrats": contrats,
        "date_exclusion": date_exclusion,
    }


@settings(max_examples=3000, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario=scenarios(), probe=st.integers(-600, 1600))
def test_interval_builder_matches_day_by_day_reference(scenario, probe):
    parcours = build_parcours(**scenario)
    assert parcours == naive_parcours(**scenario)

    # Reading the parcours at any day gives that day's status in the reference map.
    days, by_day = naive_statuts_by_day(**scenario)
    if days:
        probe_day = days[0] + timedelta(days=probe)
        if probe_day < days[0]:
            expected = None
        elif probe_day > days[-1]:
            expected = by_day[days[-1]]
        else:
            expected = by_day[probe_day]
        assert statut_at(parcours, probe_day) == expected
        assert statut_en_cours(parcours, probe_day) == (expected or Statut.INSCRIT)
        rows = [row for row in periodes(parcours) if row[1] <= probe_day and (row[2] is None or probe_day < row[2])]
        assert [row[0] for row in rows] == ([] if expected is None else [expected])


def test_reference_and_builder_agree_from_the_epoch():
    # A v1 contract without start date starts on 1970-01-01: a 20,000-day range.
    scenario = {
        "session_debut": date(2024, 9, 1),
        "session_fin": date(2025, 8, 31),
        "contrats": [Contrat(date_debut=date(1970, 1, 1), date_fin=date(2025, 6, 30))],
        "date_exclusion": None,
    }
    expected = (
        (date(1970, 1, 1), Statut.APPRENTI),
        (date(2025, 7, 1), Statut.RUPTURANT),
        (date(2025, 8, 31), Statut.FIN_DE_FORMATION),
    )
    assert naive_parcours(**scenario) == expected
    assert build_parcours(**scenario) == expected
