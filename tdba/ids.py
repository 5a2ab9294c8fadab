"""Public identifiers drawn in bulk, ordered by time: UUID version 7 (RFC 9562).

A random UUID (version 4) lands anywhere in its unique index, so every insert of a 2000-record batch touches another
leaf page of an index holding millions of entries (and, after each checkpoint, writes that whole page to the WAL).
Version 7 starts with the time in milliseconds: a batch's ids land side by side at the end of the index. The other
74 bits are random, drawn from the system's random source in one read; the ids stay unguessable, and show only the
receipt time, which the answer already gives.
"""

import os
import uuid
from datetime import datetime

_VERSION_7 = 0x7 << 76
_VARIANT_RFC = 0x2 << 62
_RANDOM_A = (1 << 12) - 1  # 12 random bits after the version
_RANDOM_B = (1 << 62) - 1  # 62 random bits after the variant


def uuid7_batch(count: int, at: datetime) -> list[uuid.UUID]:
    """`count` distinct version-7 UUIDs stamped with `at` (an aware datetime)."""
    stamp = int(at.timestamp() * 1000) << 80 | _VERSION_7 | _VARIANT_RFC
    entropy = os.urandom(10 * count)
    ids = []
    for start in range(0, 10 * count, 10):
        bits = int.from_bytes(entropy[start : start + 10], "big")  # 80 bits, 74 kept
        ids.append(uuid.UUID(int=stamp | (bits >> 62 & _RANDOM_A) << 64 | bits & _RANDOM_B))
    return ids
