import uuid
from datetime import UTC, datetime, timedelta

from tdba.ids import uuid7_texts


def test_version_7_ids_carry_the_time_and_sort_by_it():
    at = datetime(2026, 12, 1, 22, 15, 3, 250000, tzinfo=UTC)
    first_texts = uuid7_texts(2000, at)
    first, later = (
        [uuid.UUID(t) for t in first_texts],
        [uuid.UUID(t) for t in uuid7_texts(10, at + timedelta(0, 0, 1000))],
    )

    assert first_texts == [str(u) for u in first]  # canonical text: lower case, 8-4-4-4-12
    assert len(set(first)) == 2000
    assert {u.version for u in first + later} == {7}
    assert {u.variant for u in first + later} == {"specified in RFC 4122"}
    assert {u.int >> 80 for u in first} == {int(at.timestamp() * 1000)}
    assert max(first) < min(later)  # a later batch lands after, in the index too


def test_the_random_bits_are_random():
    ids = [uuid.UUID(t) for t in uuid7_texts(4000, datetime(2026, 12, 1, tzinfo=UTC))]
    # Each of the 74 random bits is set in about half of the ids (a constant or a shifted field would show).
    random_positions = [*range(0, 62), *range(64, 76)]
    for position in random_positions:
        share = sum(u.int >> position & 1 for u in ids) / len(ids)
        assert 0.4 < share < 0.6, position
