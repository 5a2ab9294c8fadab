"""Public identifiers drawn in bulk, ordered by time: UUID version 7 (RFC 9562).

A random UUID (version 4) lands anywhere in its unique index, so every insert of a 2000-record batch touches another
leaf page of an index holding millions of entries (and, after each checkpoint, writes that whole page to the WAL).
Version 7 starts with the time in milliseconds: a batch's ids land side by side at the end of the index. The other
74 bits are random, drawn from the system's random source in one read; the ids stay unguessable, and show only the
receipt time, which the answer already gives.
"""

import os
from datetime import datetime

# The first hexadecimal digit of the fourth group: the variant (binary 10) and two random bits.
_VARIANT_DIGIT = {digit: "89ab"[int(digit, 16) & 3] for digit in "0123456789abcdef"}


def uuid7_texts(count: int, at: datetime) -> list[str]:
    """`count` distinct version-7 UUIDs stamped with `at` (an aware datetime), in their canonical text.

    Text, because that is what is written (COPY, JSON) and answered: building `uuid.UUID` objects cost more than the
    rest of the receipt's bookkeeping. Layout (RFC 9562): 48 bits of milliseconds, the version 7, 12 random bits,
    the variant 10, 62 random bits.
    """
    ms = int(at.timestamp() * 1000)
    head = f"{ms >> 16:08x}-{ms & 0xFFFF:04x}-7"
    entropy = os.urandom(10 * count).hex()  # 20 hexadecimal digits per id, 18.5 of them used (74 bits)
    variant = _VARIANT_DIGIT
    return [
        f"{head}{entropy[i : i + 3]}-{variant[entropy[i + 3]]}{entropy[i + 4 : i + 7]}-{entropy[i + 7 : i + 19]}"
        for i in range(0, 20 * count, 20)
    ]
