"""JSON encoding on the hot paths: the API's answers and the documents sent to PostgreSQL (docs/performance.md).

orjson encodes several times faster than the standard library (a 2000-record answer is ~2.8 MB). Where it refuses
a value — an integer beyond 64 bits that a record may carry raw, since the API keeps what the ERP sent — the
standard library encodes it, so that such a record is answered like any other. The text may differ in spacing and
in the spelling of some floats (`1e-7`, as JavaScript writes it, instead of `1e-07`), never in value.
"""

import json
from collections.abc import Callable
from typing import Any

import orjson


def dumps_bytes(value: Any, default: Callable[[Any], Any] | None = None) -> bytes:
    """UTF-8 JSON of `value` (non-ASCII characters as they are, like `ensure_ascii=False`)."""
    try:
        return orjson.dumps(value, default=default)
    except TypeError:  # orjson.JSONEncodeError is a TypeError
        return json.dumps(value, default=default, ensure_ascii=False).encode()


def dumps(value: Any, default: Callable[[Any], Any] | None = None) -> str:
    """The same, as text (a query parameter, a COPY field)."""
    return dumps_bytes(value, default).decode()


def loads(text: str | bytes) -> Any:
    """JSON that TDBA stored (queue rows, effectifs' documents), decoded.

    An integer beyond 64 bits comes back as a float, the double JavaScript's JSON.parse gives the reference (the
    validation reads numbers with JavaScript's semantics). What orjson refuses and the standard library reads
    (NaN, which PostgreSQL's jsonb never stores, or a lone surrogate) goes to the standard library.
    """
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)
