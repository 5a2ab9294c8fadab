"""JavaScript semantics of JSON values, as the reference (Node.js) applies them and ERPs depend on them.

Truthiness, ``String(value)``, ``Number(value)``, ``parseInt``, ``trim()``'s whitespace and UTF-16 lengths: JSON
``true`` is not a number but ``Number(true)`` is 1, ``String(4.0)`` is "4".
"""

from __future__ import annotations

import math
import re
from typing import Any

# ----------------------------------------------------------------------------------------------------------------
# JavaScript semantics
# ----------------------------------------------------------------------------------------------------------------

# JavaScript's WhiteSpace beyond ASCII: the Unicode "Zs" spaces and U+FEFF.
_UNICODE_SPACES = "\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u202f\u205f\u3000\ufeff"
# What trim() and \s remove. Python's str.strip() differs: it keeps U+FEFF and removes U+001C-U+001F and U+0085.
_JS_WS = "\t\n\v\f\r \u2028\u2029" + _UNICODE_SPACES
_JS_WS_CLASS = re.escape(_JS_WS)
_NUMBER_TYPES = (int, float)
_MAX_SAFE_INTEGER = 2**53


def _js_truthy(value: Any) -> bool:
    """JavaScript truthiness of a JSON value: empty lists and objects are truthy, NaN is not."""
    kind = type(value)
    if kind is str:
        return value != ""
    if kind is bool:
        return value
    if kind is int:
        return value != 0
    if kind is float:
        return value != 0 and value == value
    return value is not None


def _js_number_to_string(number: float) -> str:
    """Number.prototype.toString() (ECMA-262 Number::toString), from Python's shortest round-trip digits."""
    if number != number:
        return "NaN"
    if number in (math.inf, -math.inf):
        return "Infinity" if number > 0 else "-Infinity"
    if number == 0:
        return "0"
    if number.is_integer() and abs(number) <= _MAX_SAFE_INTEGER:
        return str(int(number))
    sign = "-" if number < 0 else ""
    mantissa, _, exponent = repr(abs(number)).partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = whole + fraction
    point = len(whole) + (int(exponent) if exponent else 0)
    stripped = digits.lstrip("0")
    point -= len(digits) - len(stripped)
    digits = stripped.rstrip("0")
    k = len(digits)
    if k <= point <= 21:
        return sign + digits + "0" * (point - k)
    if 0 < point <= 21:
        return f"{sign}{digits[:point]}.{digits[point:]}"
    if -6 < point <= 0:
        return f"{sign}0.{'0' * -point}{digits}"
    exp = point - 1
    exp_text = f"e+{exp}" if exp >= 0 else f"e-{-exp}"
    return f"{sign}{digits[0]}{'.' + digits[1:] if k > 1 else ''}{exp_text}"


def _js_string(value: Any) -> str:
    """String(value) for a JSON value (numbers beyond 2**53 lose precision as they do in JavaScript)."""
    kind = type(value)
    if kind is str:
        return value
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        if -_MAX_SAFE_INTEGER <= value <= _MAX_SAFE_INTEGER:
            return str(value)
        return _js_number_to_string(_int_to_float(value))
    if kind is float:
        return _js_number_to_string(value)
    if value is None:
        return "null"
    if isinstance(value, list):
        return ",".join("" if item is None else _js_string(item) for item in value)
    return "[object Object]"


def _int_to_float(value: int) -> float:
    """JavaScript's number for a JSON integer: beyond the float range it is Infinity."""
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


_JS_DECIMAL_RE = re.compile(r"[+-]?(?:Infinity|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)")
_JS_RADIX_RE = re.compile(r"0(?:[xX][0-9a-fA-F]+|[oO][0-7]+|[bB][01]+)")


def _js_to_number(value: Any) -> float | int:
    """Number(value) for a JSON value; NaN when JavaScript gives NaN."""
    kind = type(value)
    if kind is bool:
        return int(value)
    if kind is int:
        return value if -_MAX_SAFE_INTEGER <= value <= _MAX_SAFE_INTEGER else _int_to_float(value)
    if kind is float:
        return value
    if value is None:
        return 0
    if kind is not str:
        if not isinstance(value, list):
            return math.nan
        value = _js_string(value)
    text = value.strip(_JS_WS)
    if not text:
        return 0
    if _JS_DECIMAL_RE.fullmatch(text):
        if text[-1] == "y":  # [+-]Infinity
            return -math.inf if text[0] == "-" else math.inf
        return float(text)
    if _JS_RADIX_RE.fullmatch(text):
        return _int_to_float(int(text, 0))
    return math.nan


_PARSE_INT_RE = re.compile(r"[+-]?[0-9]+")


def _js_parse_int(text: str) -> int | None:
    """parseInt(text, 10); None stands for NaN. Over 20 digits the value can match no code, so it is not computed."""
    match = _PARSE_INT_RE.match(text.lstrip(_JS_WS))
    if match is None:
        return None
    digits = match.group()
    return int(digits) if len(digits) <= 20 else None


def _utf16_length(text: str) -> int:
    """String length as JavaScript counts it (zod's min() counts UTF-16 code units)."""
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)
