from datetime import UTC, datetime, timedelta

from tdba.ids import uuid7_batch


def test_version_7_ids_carry_the_time_and_sort_by_it():
    at = datetime(2026, 12, 1, 22, 15, 3, 250000, tzinfo=UTC)
    first, later = uuid7_batch(2000, at), uuid7_batch(10, at + timedelta(milliseconds=1))

    assert len(set(first)) == 2000
    assert {u.version for u in first + later} == {7}
    assert {u.variant for u in first + later} == {"specified in RFC 4122"}
    assert {u.int >> 80 for u in first} == {int(at.timestamp() * 1000)}
    assert max(first) < min(later)  # a later batch lands after, in the index too


def test_the_random_bits_are_random():
    ids = uuid7_batch(4000, datetime(2026, 12, 1, tzinfo=UTC))
    # Each of the 74 random bits is set in about half of the ids (a constant or a shifted field would show).
    random_positions = [*range(0, 62), *range(64, 76)]
    for position in random_positions:
        share = sum(u.int >> position & 1 for u in ids) / len(ids)
        assert 0.4 < share < 0.6, position
