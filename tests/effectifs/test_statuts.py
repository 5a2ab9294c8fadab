"""Status parcours, school years and indicator counts (spec statuses-indicators-roles §2–3, api-v3 §5–6).

The builder cases run against both ``build_parcours`` and the literal day-by-day port
(``naive_parcours``), so the examples of the spec also vouch for the reference used by
the property test.
"""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from effectifs.statuts import (
    FIN_FORMATION_TOLERANCE_DAYS,
    INSCRIT_MAX_DAYS,
    RUPTURANT_MAX_DAYS,
    Contrat,
    Statut,
    active_annees_scolaires,
    annee_scolaire_of,
    annees_scolaires_between,
    annees_scolaires_for_indicators,
    build_parcours,
    compter,
    contrats_from_v1,
    date_indicateurs,
    fin_de_mois,
    parcours_for_effectif,
    parcours_from_historique,
    periodes,
    statut_at,
    statut_en_cours,
)
from tests.effectifs.test_statuts_reference import naive_parcours

INSCRIT = Statut.INSCRIT
APPRENTI = Statut.APPRENTI
RUPTURANT = Statut.RUPTURANT
ABANDON = Statut.ABANDON
FIN = Statut.FIN_DE_FORMATION

D = date.fromisoformat


def P(*entries: tuple[str, Statut]) -> tuple[tuple[date, Statut], ...]:
    """Parcours from ("YYYY-MM-DD", statut) pairs."""
    return tuple((D(day), statut) for day, statut in entries)


def C(debut: str, fin: str | None = None, rupture: str | None = None) -> Contrat:
    return Contrat(date_debut=D(debut), date_fin=fin and D(fin), date_rupture=rupture and D(rupture))


builders = pytest.mark.parametrize("build", [build_parcours, naive_parcours], ids=["intervals", "day_by_day"])


def run(build, debut: str, fin: str, contrats=(), exclusion: str | None = None):
    return build(
        session_debut=D(debut), session_fin=D(fin), contrats=list(contrats), date_exclusion=exclusion and D(exclusion)
    )


# --------------------------------------------------------------------------- statuses


def test_statut_values_and_labels():
    assert [s.value for s in Statut] == [
        "INSCRIT",
        "APPRENTI",
        "RUPTURANT",
        "ABANDON",
        "FIN_DE_FORMATION",
        "PRE_INSCRIT",
    ]
    assert Statut.INSCRIT.label == "Inscrit sans contrat"
    assert Statut.APPRENTI.label == "Apprenti"
    assert Statut.RUPTURANT.label == "Rupture de contrat"
    assert Statut.ABANDON.label == "Abandon"
    assert Statut.FIN_DE_FORMATION.label == "Fin de formation"
    assert Statut.PRE_INSCRIT.label == "Pré-inscrit"
    assert ("RUPTURANT", "Rupture de contrat") in Statut.choices()
    assert Statut("ABANDON") is ABANDON
    assert f"{ABANDON}" == "ABANDON"


def test_thresholds():
    assert (INSCRIT_MAX_DAYS, RUPTURANT_MAX_DAYS, FIN_FORMATION_TOLERANCE_DAYS) == (90, 180, 60)


# --------------------------------------------------------------------------- §2.7 table

SESSION = ("2024-09-01", "2025-08-31")
NOW = D("2025-03-06")
C5 = C("2024-10-01", "2025-08-31", rupture="2024-12-01")
C6 = C("2025-04-01", "2025-08-31")

SPEC_ROWS = {
    "1_basic": (
        SESSION,
        [C("2024-10-01", "2025-08-31")],
        None,
        P(("2024-09-01", INSCRIT), ("2024-10-01", APPRENTI), ("2025-08-31", FIN)),
        APPRENTI,
    ),
    "2_90_day_rule": (SESSION, [], None, P(("2024-09-01", INSCRIT), ("2024-11-30", ABANDON)), ABANDON),
    "3_contract_before_session": (
        SESSION,
        [C("2024-07-01", "2025-08-31")],
        None,
        P(("2024-07-01", APPRENTI), ("2025-08-31", FIN)),
        APPRENTI,
    ),
    "4_rupture_before_contract_start": (
        SESSION,
        [C("2024-10-01", "2025-08-31", rupture="2024-09-01")],
        None,
        P(("2024-09-01", INSCRIT), ("2024-11-30", ABANDON)),
        ABANDON,
    ),
    "5_180_day_rule": (
        SESSION,
        [C5],
        None,
        P(("2024-09-01", INSCRIT), ("2024-10-01", APPRENTI), ("2024-12-01", RUPTURANT), ("2025-05-30", ABANDON)),
        RUPTURANT,
    ),
    "6_re_signature": (
        SESSION,
        [C5, C6],
        None,
        P(
            ("2024-09-01", INSCRIT),
            ("2024-10-01", APPRENTI),
            ("2024-12-01", RUPTURANT),
            ("2025-04-01", APPRENTI),
            ("2025-08-31", FIN),
        ),
        RUPTURANT,
    ),
    "7_exclusion_overrides_later_contract": (
        SESSION,
        [C5, C6],
        "2025-03-01",
        P(("2024-09-01", INSCRIT), ("2024-10-01", APPRENTI), ("2024-12-01", RUPTURANT), ("2025-03-01", ABANDON)),
        ABANDON,
    ),
    "8_en_cours_before_switch": (
        ("2025-01-06", "2025-12-23"),
        [],
        None,
        P(("2025-01-06", INSCRIT), ("2025-04-06", ABANDON)),
        INSCRIT,
    ),
}


@builders
@pytest.mark.parametrize(
    ("session", "contrats", "exclusion", "expected", "en_cours"), SPEC_ROWS.values(), ids=SPEC_ROWS
)
def test_spec_examples(build, session, contrats, exclusion, expected, en_cours):
    parcours = run(build, *session, contrats, exclusion)
    assert parcours == expected
    assert statut_en_cours(parcours, NOW) == en_cours


# --------------------------------------------------------------------------- rules, one by one


@builders
def test_90_day_rule_counts_leap_day(build):
    # Day 91 without contract: 1 Jan + 90 days, i.e. 31 March in a leap year, 1 April otherwise.
    assert run(build, "2024-01-01", "2024-12-31")[1] == (D("2024-03-31"), ABANDON)
    assert run(build, "2023-01-01", "2023-12-31")[1] == (D("2023-04-01"), ABANDON)


@builders
def test_180_day_rule_counts_leap_day(build):
    leap = run(build, "2023-09-01", "2024-08-31", [C("2023-09-01", rupture="2023-10-01")])
    assert leap[-2:] == P(("2023-10-01", RUPTURANT), ("2024-03-29", ABANDON))
    common = run(build, "2022-09-01", "2023-08-31", [C("2022-09-01", rupture="2022-10-01")])
    assert common[-2:] == P(("2022-10-01", RUPTURANT), ("2023-03-30", ABANDON))


@builders
def test_last_inscrit_day_is_day_90(build):
    parcours = run(build, "2024-09-01", "2024-11-29")  # exactly 90 days
    assert parcours == P(("2024-09-01", INSCRIT), ("2024-11-29", FIN))


@builders
def test_day_91_without_contract_is_abandon_and_stays_on_the_last_day(build):
    assert run(build, "2024-09-01", "2024-11-30") == P(("2024-09-01", INSCRIT), ("2024-11-30", ABANDON))


@builders
def test_threshold_abandon_is_reversed_by_a_later_contract(build):
    parcours = run(build, "2024-09-01", "2025-08-31", [C("2025-01-06", "2025-08-31")])
    assert parcours == P(
        ("2024-09-01", INSCRIT), ("2024-11-30", ABANDON), ("2025-01-06", APPRENTI), ("2025-08-31", FIN)
    )


@builders
def test_rupturant_threshold_abandon_is_reversed_too(build):
    parcours = run(
        build, "2023-09-01", "2025-08-31", [C("2023-09-01", rupture="2023-10-01"), C("2024-06-03", "2025-08-31")]
    )
    assert parcours == P(
        ("2023-09-01", APPRENTI),
        ("2023-10-01", RUPTURANT),
        ("2024-03-29", ABANDON),
        ("2024-06-03", APPRENTI),
        ("2025-08-31", FIN),
    )


@builders
def test_overlapping_contracts_read_as_one_apprenticeship(build):
    contrats = [C("2024-09-01", "2025-06-30", rupture="2025-01-10"), C("2024-12-01", "2025-08-31")]
    assert run(build, *SESSION, contrats) == P(("2024-09-01", APPRENTI), ("2025-08-31", FIN))


@builders
def test_adjacent_contracts_leave_no_gap(build):
    contrats = [C("2024-09-01", rupture="2025-01-01"), C("2025-01-01", "2025-08-31")]
    assert run(build, *SESSION, contrats) == P(("2024-09-01", APPRENTI), ("2025-08-31", FIN))


@builders
def test_terminal_tie_goes_to_the_ruptured_contract(build):
    # Both contracts' last day is 30 June; the ruptured one is terminal, so no natural end.
    contrats = [C("2024-09-01", "2025-06-30"), C("2025-01-01", "2025-08-31", rupture="2025-07-01")]
    assert run(build, *SESSION, contrats) == P(("2024-09-01", APPRENTI), ("2025-07-01", RUPTURANT))
    # One day earlier, the rupture no longer ties: the natural end wins, the last day is FIN.
    contrats = [C("2024-09-01", "2025-06-30"), C("2025-01-01", "2025-08-31", rupture="2025-06-30")]
    assert run(build, *SESSION, contrats) == P(("2024-09-01", APPRENTI), ("2025-07-01", RUPTURANT), ("2025-08-31", FIN))


@builders
@pytest.mark.parametrize(
    ("contract_end", "expected_tail"),
    [
        ("2025-07-31", P(("2025-08-01", FIN))),  # 31 days before the session end
        ("2025-07-02", P(("2025-07-03", FIN))),  # exactly 60 days
        ("2025-07-01", P(("2025-07-02", RUPTURANT), ("2025-08-31", FIN))),  # 61 days: a real gap
    ],
)
def test_end_of_formation_tolerance(build, contract_end, expected_tail):
    parcours = run(build, *SESSION, [C("2024-09-01", contract_end)])
    assert parcours == P(("2024-09-01", APPRENTI)) + expected_tail


@builders
def test_natural_end_long_before_session_end(build):
    # RUPTURANT for 180 days, then ABANDON, and still FIN_DE_FORMATION on the very last day.
    parcours = run(build, "2023-09-01", "2025-08-31", [C("2023-09-01", "2024-06-30")])
    assert parcours == P(
        ("2023-09-01", APPRENTI), ("2024-07-01", RUPTURANT), ("2024-12-28", ABANDON), ("2025-08-31", FIN)
    )


@builders
def test_rupture_on_the_last_day_stays_rupturant(build):
    parcours = run(build, *SESSION, [C("2024-09-01", rupture="2025-08-31")])
    assert parcours == P(("2024-09-01", APPRENTI), ("2025-08-31", RUPTURANT))


@builders
@pytest.mark.parametrize("rupture", ["2024-10-01", "2024-09-15"])
def test_rupture_on_or_before_start_gives_no_apprenti_day(build, rupture):
    parcours = run(build, *SESSION, [C("2024-10-01", "2025-08-31", rupture=rupture)])
    assert parcours == P(("2024-09-01", INSCRIT), ("2024-11-30", ABANDON))


@builders
def test_contract_ending_after_session_end(build):
    assert run(build, *SESSION, [C("2024-09-15", "2026-08-31")]) == P(
        ("2024-09-01", INSCRIT), ("2024-09-15", APPRENTI), ("2025-08-31", FIN)
    )


@builders
def test_contract_starting_after_session_end(build):
    # Its effective end (the session end) precedes its start: no APPRENTI day, yet it ends "naturally".
    assert run(build, *SESSION, [C("2025-09-15")]) == P(
        ("2024-09-01", INSCRIT), ("2024-11-30", ABANDON), ("2025-08-31", FIN)
    )


@builders
def test_contract_ending_before_it_starts_still_ends_naturally(build):
    # No contract day, but its "end" (10 Feb) is within 60 days of the session end:
    # the INSCRIT days after it become FIN_DE_FORMATION.
    parcours = run(build, "2025-02-01", "2025-03-31", [C("2025-02-15", "2025-02-10")])
    assert parcours == P(("2025-02-01", INSCRIT), ("2025-02-11", FIN))


@builders
def test_exclusion_before_session_start(build):
    parcours = run(build, *SESSION, [C("2024-09-01", "2025-08-31")], exclusion="2024-06-01")
    assert parcours == P(("2024-09-01", ABANDON))


@builders
def test_exclusion_after_session_end_still_cancels_natural_end(build):
    # No day is excluded, but "an exclusion is set" is enough to drop the tolerance.
    parcours = run(build, *SESSION, [C("2024-09-01", "2025-07-31")], exclusion="2025-09-15")
    assert parcours == P(("2024-09-01", APPRENTI), ("2025-08-01", RUPTURANT))


@builders
def test_exclusion_on_last_day_and_abandon_is_final(build):
    parcours = run(build, *SESSION, [C("2024-09-01", "2025-08-31")], exclusion="2025-08-31")
    assert parcours == P(("2024-09-01", APPRENTI), ("2025-08-31", ABANDON))


@builders
@pytest.mark.parametrize(
    ("contrats", "exclusion", "expected"),
    [
        ([], None, FIN),
        ([C("2025-03-01")], None, FIN),
        # Ruptured on its first day: no contract day, the last day was INSCRIT.
        ([C("2025-03-01", rupture="2025-03-01")], None, FIN),
        ([], "2025-03-01", ABANDON),
    ],
)
def test_session_of_one_day(build, contrats, exclusion, expected):
    assert run(build, "2025-03-01", "2025-03-01", contrats, exclusion) == P(("2025-03-01", expected))


@builders
def test_empty_range_when_start_after_session_end(build):
    assert run(build, "2025-09-01", "2025-08-31") == ()
    assert run(build, "2025-09-01", "2025-08-31", [C("2025-09-10")]) == ()


def test_empty_parcours_reads_as_inscrit_but_counts_nowhere():
    assert statut_en_cours((), NOW) == INSCRIT
    assert statut_at((), NOW) is None
    assert periodes(()) == []


# --------------------------------------------------------------------------- reading a parcours


def test_statut_at_and_en_cours():
    parcours = P(("2024-09-01", INSCRIT), ("2024-10-01", APPRENTI), ("2025-08-31", FIN))
    assert statut_at(parcours, D("2024-08-31")) is None
    assert statut_en_cours(parcours, D("2024-08-31")) == INSCRIT
    assert statut_at(parcours, D("2024-09-01")) == INSCRIT
    assert statut_at(parcours, D("2024-09-30")) == INSCRIT
    assert statut_at(parcours, D("2024-10-01")) == APPRENTI
    assert statut_at(parcours, D("2030-01-01")) == FIN  # the last value persists
    # Indicator dates may carry a time: the UTC day counts.
    assert statut_at(parcours, datetime(2024, 10, 1, 10, 0, tzinfo=UTC)) == APPRENTI
    assert statut_at(parcours, datetime(2024, 10, 1, 1, 0, tzinfo=UTC) + timedelta(hours=-2)) == INSCRIT


def test_periodes_are_half_open_intervals():
    parcours = P(("2024-09-01", INSCRIT), ("2024-10-01", APPRENTI), ("2025-08-31", FIN))
    assert periodes(parcours) == [
        (INSCRIT, D("2024-09-01"), D("2024-10-01")),
        (APPRENTI, D("2024-10-01"), D("2025-08-31")),
        (FIN, D("2025-08-31"), None),
    ]


# --------------------------------------------------------------------------- v1 effectifs (path A)


def test_ing_1_full_record():
    # Two identical contracts (same start day collapse), exclusion on the session end.
    contrat = {"date_debut": D("2021-09-01"), "date_fin": D("2022-06-30"), "date_rupture": D("2022-06-30")}
    parcours = parcours_for_effectif(
        date_entree=D("2021-09-01"),
        date_fin=D("2022-06-30"),
        contrats=[contrat, dict(contrat, cause_rupture="abandon")],
        date_exclusion=D("2022-06-30"),
        historique_statut=[{"valeur_statut": 2, "date_statut": "2022-12-28T04:05:47.647Z"}],
        annee_scolaire="2021-2022",
    )
    assert parcours == P(("2021-09-01", APPRENTI), ("2022-06-30", ABANDON))
    assert statut_en_cours(parcours, D("2025-01-01")) == ABANDON


def test_ing_2_minimal_record():
    parcours = parcours_for_effectif(
        date_entree=D("2021-09-01"),
        date_fin=D("2022-06-30"),
        contrats=[],
        date_exclusion=None,
        historique_statut=[{"valeur_statut": 2, "date_statut": "2022-12-28T04:05:47.647Z"}],
        annee_scolaire="2021-2022",
    )
    assert parcours == P(("2021-09-01", INSCRIT), ("2021-11-30", ABANDON))


@pytest.mark.parametrize(
    ("entree", "fin", "expected"),
    [
        ("2024-09-01", "2026-08-31", P(("2024-09-01", INSCRIT), ("2024-11-30", ABANDON))),  # V2-1, EV2-1
        ("2024-08-31", "2025-08-31", P(("2024-08-31", INSCRIT), ("2024-11-29", ABANDON))),  # EV2-4
    ],
)
def test_ev2_sessions_without_contract(entree, fin, expected):
    parcours = build_parcours(session_debut=D(entree), session_fin=D(fin), contrats=[], date_exclusion=None)
    assert parcours == expected
    assert statut_en_cours(parcours, D("2024-12-28")) == ABANDON


def test_ev2_6_contract_kept_with_one_ruptured_before_its_start():
    contrats = [C("2024-09-01", "2025-08-31", rupture="2024-08-31"), C("2024-11-30", "2025-08-31")]
    parcours = build_parcours(
        session_debut=D("2024-09-01"), session_fin=D("2026-08-31"), contrats=contrats, date_exclusion=None
    )
    assert parcours == P(
        ("2024-09-01", INSCRIT),
        ("2024-11-30", APPRENTI),
        ("2025-09-01", RUPTURANT),
        ("2026-02-28", ABANDON),
        ("2026-08-31", FIN),
    )
    assert statut_en_cours(parcours, D("2024-12-28")) == APPRENTI


def test_sample_6_2_broken_then_second_contract():
    parcours = parcours_for_effectif(
        date_entree=D("2024-09-02"),
        date_fin=D("2026-06-30"),
        contrats=[
            {"date_debut": D("2024-09-16"), "date_fin": D("2026-06-30"), "date_rupture": D("2025-03-14")},
            {"date_debut": D("2025-04-07"), "date_fin": D("2026-06-30")},
        ],
        date_exclusion=None,
        historique_statut=[{"valeur_statut": 3, "date_statut": datetime(2025, 11, 17, 9, 12, tzinfo=UTC)}],
        annee_scolaire="2025-2026",
    )
    assert parcours == P(
        ("2024-09-02", INSCRIT),
        ("2024-09-16", APPRENTI),
        ("2025-03-14", RUPTURANT),
        ("2025-04-07", APPRENTI),
        ("2026-06-30", FIN),
    )


def test_sample_6_3_dropped_out():
    parcours = parcours_for_effectif(
        date_entree=D("2025-09-01"),
        date_fin=D("2026-06-30"),
        contrats=[{"date_debut": D("2025-09-15"), "date_rupture": D("2025-11-20"), "cause_rupture": "démission"}],
        date_exclusion=D("2025-12-01"),
        historique_statut=[],
        annee_scolaire="2025-2026",
    )
    assert parcours == P(
        ("2025-09-01", INSCRIT), ("2025-09-15", APPRENTI), ("2025-11-20", RUPTURANT), ("2025-12-01", ABANDON)
    )
    assert statut_at(parcours, D("2025-11-19")) == APPRENTI  # last contract day


def test_contrats_from_v1_defaults_and_collapse():
    session_fin = D("2025-08-31")
    contrats = contrats_from_v1(
        [
            {"date_debut": D("2024-10-01"), "date_rupture": D("2024-12-01")},
            {"date_fin": D("2025-06-30")},
            {"date_debut": "2024-10-01T00:00:00.000Z", "date_fin": None, "date_rupture": None},
        ],
        session_fin,
    )
    assert contrats == [
        Contrat(date_debut=D("2024-10-01"), date_fin=session_fin, date_rupture=None),  # the later one wins
        Contrat(date_debut=D("1970-01-01"), date_fin=D("2025-06-30"), date_rupture=None),
    ]
    assert contrats_from_v1(None, session_fin) == []


def test_contract_without_start_date_starts_at_the_epoch():
    parcours = parcours_for_effectif(
        date_entree=D("2024-09-01"),
        date_fin=D("2025-08-31"),
        contrats=[{"date_fin": D("2025-08-31")}],
        date_exclusion=None,
        historique_statut=[],
        annee_scolaire="2024-2025",
    )
    assert parcours == P(("1970-01-01", APPRENTI), ("2025-08-31", FIN))


def test_v1_dates_are_read_as_utc_days():
    parcours = parcours_for_effectif(
        date_entree=datetime(2024, 8, 31, 22, 0, tzinfo=UTC),
        date_fin="2025-08-31T00:00:00.000Z",
        contrats=[{"date_debut": "2024-09-30T22:00:00+00:00"}],
        date_exclusion=None,
        historique_statut=None,
        annee_scolaire="2024-2025",
    )
    assert parcours == P(("2024-08-31", INSCRIT), ("2024-09-30", APPRENTI), ("2025-08-31", FIN))


# --------------------------------------------------------------------------- legacy historique (path B)


def H(*entries: tuple[int, str]) -> list[dict]:
    return [{"valeur_statut": valeur, "date_statut": D(day)} for valeur, day in entries]


def legacy(historique, annee_scolaire="2024-2025", **kwargs):
    defaults = {"date_entree": None, "date_fin": None, "contrats": [], "date_exclusion": None}
    return parcours_for_effectif(historique_statut=historique, annee_scolaire=annee_scolaire, **(defaults | kwargs))


def test_legacy_path_needs_a_historique():
    assert legacy([]) is None
    assert legacy(None) is None


def test_legacy_contract_still_open_is_dropped():
    # [2@Sep, 3@Oct]: no contract at all, so INSCRIT then ABANDON after 90 days (from 1 August).
    parcours = legacy(H((2, "2024-09-01"), (3, "2024-10-01")))
    assert parcours == P(("2024-08-01", INSCRIT), ("2024-10-30", ABANDON))


def test_legacy_contract_closed_by_inscrit_and_abandon_ignored():
    historique = H((2, "2024-12-20"), (2, "2024-09-01"), (3, "2024-10-01"), (0, "2024-11-01"), (3, "2024-11-15"))
    # Sorted: 2@09-01 (no contract), 3@10-01 opens, 0 ignored, 3@11-15 ignored, 2@12-20 ruptures.
    parcours = legacy(historique)
    assert parcours == P(
        ("2024-08-01", INSCRIT), ("2024-10-01", APPRENTI), ("2024-12-20", RUPTURANT), ("2025-06-18", ABANDON)
    )


def test_legacy_two_contracts_and_session_dates():
    historique = H((3, "2024-09-01"), (2, "2024-10-01"), (3, "2024-11-01"), (2, "2025-07-31"))
    parcours = legacy(historique, date_entree=D("2024-09-01"))
    assert parcours == P(
        ("2024-09-01", APPRENTI), ("2024-10-01", RUPTURANT), ("2024-11-01", APPRENTI), ("2025-07-31", RUPTURANT)
    )


def test_legacy_calendar_year_and_periode():
    parcours = legacy(H((3, "2025-03-01"), (2, "2025-06-01")), annee_scolaire="2025-2025")
    assert parcours[0] == (D("2025-01-01"), INSCRIT)
    # periode overrides annee_scolaire; date_fin overrides the default end.
    parcours = legacy(H((3, "2023-09-01"), (2, "2023-10-01")), periode=[2023, 2024], date_fin=D("2024-06-30"))
    assert parcours == P(
        ("2023-08-01", INSCRIT), ("2023-09-01", APPRENTI), ("2023-10-01", RUPTURANT), ("2024-03-29", ABANDON)
    )


@pytest.mark.parametrize(
    ("periode", "annee_scolaire"), [([], "2024-2025"), ([2024], "2024-2025"), (None, "2024"), (None, None)]
)
def test_legacy_invalid_periode_gives_null_statut(periode, annee_scolaire):
    assert legacy(H((2, "2024-09-01")), annee_scolaire=annee_scolaire, periode=periode) is None


def test_legacy_sorts_on_timestamps_and_reads_utc_days():
    historique = [
        {"valeur_statut": 2, "date_statut": "2024-10-05T08:00:00Z"},
        # 2 October 01:30 UTC: sorted first, and its day is the UTC one.
        {"valeur_statut": 3, "date_statut": "2024-10-01T23:30:00-02:00"},
    ]
    parcours = parcours_from_historique(
        historique_statut=historique, date_entree=None, date_fin=None, annee_scolaire="2024-2025"
    )
    assert parcours == P(
        ("2024-08-01", INSCRIT), ("2024-10-02", APPRENTI), ("2024-10-05", RUPTURANT), ("2025-04-03", ABANDON)
    )


def test_legacy_contract_opened_and_ruptured_the_same_day_has_no_contract_day():
    historique = [
        {"valeur_statut": 3, "date_statut": datetime(2024, 10, 1, 7, 0, tzinfo=UTC)},
        {"valeur_statut": 2, "date_statut": datetime(2024, 10, 1, 8, 0, tzinfo=UTC)},
    ]
    parcours = legacy(historique)
    assert parcours == P(("2024-08-01", INSCRIT), ("2024-10-30", ABANDON))


def test_unreadable_dates_give_null_statut():
    assert legacy([{"valeur_statut": 3, "date_statut": "pas une date"}]) is None
    assert legacy([], date_entree="2024-09-01", date_fin="2025-13-01") is None


def test_legacy_undated_entries_are_left_out():
    historique = [*H((3, "2024-10-01")), {"valeur_statut": 2, "date_statut": None}]
    assert legacy(historique) == P(("2024-08-01", INSCRIT), ("2024-10-30", ABANDON))


def test_path_a_ignores_the_historique():
    parcours = legacy(H((3, "2024-09-01")), date_entree=D("2024-09-01"), date_fin=D("2025-08-31"))
    assert parcours == P(("2024-09-01", INSCRIT), ("2024-11-30", ABANDON))


# --------------------------------------------------------------------------- indicators


def test_compter_formulas():
    counts = compter([APPRENTI, FIN, INSCRIT, RUPTURANT, RUPTURANT, ABANDON, None, Statut.PRE_INSCRIT])
    assert counts == {"apprenants": 5, "apprentis": 2, "inscrits": 1, "rupturants": 2, "abandons": 1}
    assert compter([]) == {"apprenants": 0, "apprentis": 0, "inscrits": 0, "rupturants": 0, "abandons": 0}
    assert compter(["APPRENTI"]) == compter([APPRENTI])  # values read back from the database


def test_population_5_10_15_20():
    """§6 D: indicators of OF cible at 2023-04-13T10:00Z, school year 2022-2023."""
    at = datetime(2023, 4, 13, 10, 0, tzinfo=UTC)
    day = at.date()

    def days(n: int) -> date:
        return day + timedelta(days=n)

    effectifs = (
        # Contract starting at the date.
        [{"debut": day, "fin": days(365), "contrats": [Contrat(day, days(365))]}] * 5
        # No contract, session starting at the date.
        + [{"debut": day, "fin": days(365), "contrats": []}] * 10
        # Contract start = end = rupture = date - 191 days, session starting then.
        + [{"debut": days(-191), "fin": days(365), "contrats": [Contrat(days(-191), days(-191), days(-191))]}] * 15
        # Contract from date - 100 days, rupture at the date, end at date + 50.
        + [{"debut": days(-100), "fin": days(365), "contrats": [Contrat(days(-100), days(50), day)]}] * 20
    )
    statuts = [
        statut_at(
            build_parcours(session_debut=e["debut"], session_fin=e["fin"], contrats=e["contrats"], date_exclusion=None),
            at,
        )
        for e in effectifs
    ]
    assert compter(statuts) == {"apprenants": 35, "apprentis": 5, "inscrits": 10, "abandons": 15, "rupturants": 20}
    assert annees_scolaires_for_indicators(at) == ["2023-2023", "2022-2023"]


def test_a_parcours_not_started_at_d_counts_nowhere():
    parcours = build_parcours(
        session_debut=D("2023-05-01"), session_fin=D("2024-04-30"), contrats=[], date_exclusion=None
    )
    assert compter([statut_at(parcours, D("2023-04-13"))])["apprenants"] == 0


# --------------------------------------------------------------------------- school years (§2.6)


@pytest.mark.parametrize(
    ("day", "annee", "for_indicators"),
    [
        ("2020-09-01", "2020-2021", ["2020-2020", "2020-2021"]),
        ("2021-01-10", "2020-2021", ["2021-2021", "2020-2021"]),
        ("2021-07-31", "2020-2021", ["2021-2021", "2020-2021"]),
        ("2021-08-01", "2021-2022", ["2021-2021", "2021-2022"]),
        ("2021-10-01", "2021-2022", ["2021-2021", "2021-2022"]),
        ("2021-12-31", "2021-2022", ["2021-2021", "2021-2022"]),
        ("2022-03-01", "2021-2022", ["2022-2022", "2021-2022"]),
        ("2022-07-31", "2021-2022", ["2022-2022", "2021-2022"]),
        ("2022-08-01", "2022-2023", ["2022-2022", "2022-2023"]),
    ],
)
def test_annee_scolaire_of_and_indicator_list(day, annee, for_indicators):
    assert annee_scolaire_of(D(day)) == annee
    assert annees_scolaires_for_indicators(D(day)) == for_indicators


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        ("2020-09-01", ["2020-2021", "2019-2020"]),
        ("2021-01-10", ["2020-2021", "2019-2020"]),
        ("2026-05-12", ["2025-2026", "2024-2025"]),
        ("2026-07-31", ["2025-2026", "2024-2025"]),
        ("2026-08-01", ["2026-2027", "2025-2026"]),
    ],
)
def test_active_annees_scolaires(day, expected):
    assert active_annees_scolaires(D(day)) == expected


def test_school_year_of_a_datetime_uses_the_utc_day():
    # 1 August 01:00 in Paris (UTC+2) is still 31 July in UTC.
    assert annee_scolaire_of(datetime(2021, 8, 1, 1, 0, tzinfo=timezone(timedelta(hours=2)))) == "2020-2021"
    assert annee_scolaire_of(datetime(2021, 8, 1, 0, 0, tzinfo=UTC)) == "2021-2022"


SINCE_2020_01_10 = [
    "2019-2020",
    "2020-2020",
    "2020-2021",
    "2021-2021",
    "2021-2022",
    "2022-2022",
    "2022-2023",
    "2023-2023",
    "2023-2024",
    "2024-2024",
    "2024-2025",
    "2025-2025",
]


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        ("2025-01-01", "2026-01-02", ["2024-2025", "2025-2025", "2025-2026", "2026-2026"]),
        ("2020-09-01", "2020-09-30", ["2020-2020", "2020-2021"]),
        ("2025-01-01", "2025-07-31", ["2024-2025", "2025-2025"]),
        ("2025-01-01", "2025-08-02", ["2024-2025", "2025-2025", "2025-2026"]),
        ("2020-01-10", "2025-01-31", SINCE_2020_01_10),
        ("2020-01-10", "2025-08-31", [*SINCE_2020_01_10, "2025-2026"]),
        ("2020-08-10", "2025-01-31", SINCE_2020_01_10[1:]),
        ("2020-08-10", "2025-08-31", [*SINCE_2020_01_10[1:], "2025-2026"]),
        ("2025-08-01", "2025-08-01", ["2025-2025", "2025-2026"]),
        ("2025-03-01", "2025-02-01", []),
    ],
)
def test_annees_scolaires_between(start, end, expected):
    assert annees_scolaires_between(D(start), D(end)) == expected


# --------------------------------------------------------------------------- month picker


def test_fin_de_mois():
    assert fin_de_mois(2024, 2) == D("2024-02-29")
    assert fin_de_mois(2023, 2) == D("2023-02-28")
    assert fin_de_mois(2025, 12) == D("2025-12-31")
    assert fin_de_mois(2025, 4) == D("2025-04-30")


@pytest.mark.parametrize(
    ("param", "expected"),
    [
        (None, "2025-03-06"),
        ("", "2025-03-06"),
        ("2025-03", "2025-03-06"),  # current month: today
        ("2025-02", "2025-02-28"),
        ("2024-02", "2024-02-29"),
        ("2023-12", "2023-12-31"),
        (" 2024-08 ", "2024-08-31"),
    ],
)
def test_date_indicateurs(param, expected):
    assert date_indicateurs(param, D("2025-03-06")) == D(expected)


@pytest.mark.parametrize("param", ["2025-13", "2025-00", "2025-1", "25-01", "mars", "2025-03-01", "0000-01"])
def test_date_indicateurs_rejects_malformed_months(param):
    with pytest.raises(ValueError, match="Mois invalide"):
        date_indicateurs(param, D("2025-03-06"))
