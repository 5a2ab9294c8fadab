"""Dates read as the reference reads them: ``new Date(string)`` as V8 parses it, with TZ=UTC (spec api-v3.md §2.1).

A fast path for the ISO forms ERPs send, then a port of V8's DateParser for anything else
(``new Date("2024-02-30")`` is March 1st).
"""

from __future__ import annotations

import datetime as dt
import re

from transmissions.validation.js import _UNICODE_SPACES

# ----------------------------------------------------------------------------------------------------------------
# Dates: `new Date(string)` as V8 parses it, with TZ=UTC like the reference's servers (§2.1)
# ----------------------------------------------------------------------------------------------------------------

# Only strings starting with this are handed to `new Date()`; anything else is "Date invalide".
_DATE_PREFIX_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# The forms ERPs send, parsed without the general parser when every part is in range.
_DATE_FAST_RE = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})"
    r"(?:T([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.([0-9]+))?)?(Z|[+-][0-9]{2}:[0-9]{2})?)?"
)
# V8 would parse a longer string, but no real date is that long (a full ISO date-time is 29 characters), and the
# general parser walks the string token by token: 2000 records x 20 date fields of junk must stay cheap.
MAX_DATE_LENGTH = 100
_UTC = dt.UTC
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=_UTC)
_MS_PER_DAY = 86_400_000
_MAX_JS_TIME_MS = 8_640_000_000_000_000
# Python's datetime stops at years 1 and 9999; JavaScript goes further (year 0 is valid there).
_MIN_PY_MS = (dt.date(1, 1, 1).toordinal() - dt.date(1970, 1, 1).toordinal()) * _MS_PER_DAY
_MAX_PY_MS = (dt.date(9999, 12, 31).toordinal() - dt.date(1970, 1, 1).toordinal() + 1) * _MS_PER_DAY - 1


def _days_from_civil(year: int, month: int, day: int) -> int:
    """Days since 1970-01-01 of a proleptic Gregorian date; day may exceed the month's length (it rolls over)."""
    year -= month <= 2
    era = year // 400
    year_of_era = year - era * 400
    day_of_year = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    return era * 146097 + year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year - 719468


def parse_js_date(text: str) -> dt.datetime | None:
    """`new Date(text)` as a UTC datetime (the reference's servers run in UTC), None for an Invalid Date.

    ``text`` must start with "YYYY-MM-DD" and be trimmed, as the reference hands it to ``new Date()`` (§2.1).
    Days 29 to 31 roll over into the next month (V8's MakeDay); day 32 and beyond, like day 00 or month 13, are an
    Invalid Date, because V8 only accepts days 1 to 31 (checked against Node.js, not only read in its source).
    """
    if len(text) == 10:  # "YYYY-MM-DD", what most ERPs send
        year, month, day = int(text[:4]), int(text[5:7]), int(text[8:])
        if year and 1 <= month <= 12 and 1 <= day <= 28:
            return dt.datetime(year, month, day, tzinfo=_UTC)
    match = _DATE_FAST_RE.fullmatch(text)
    ms = None if match is None else _fast_date_ms(*match.groups())
    if ms is None:
        if len(text) > MAX_DATE_LENGTH:
            return None
        ms = _v8_parse(text.partition("\x00")[0])  # V8 reads a NUL character as the end of the string
        if ms is None:
            return None
    if not _MIN_PY_MS <= ms <= _MAX_PY_MS:
        return None
    return _EPOCH + dt.timedelta(milliseconds=ms)


def _fast_date_ms(year, month, day, hour, minute, second, fraction, zone) -> int | None:
    """Epoch ms of an ISO date-time whose parts are all in range; None sends it to the general parser."""
    month_number, day_number = int(month), int(day)
    if not (1 <= month_number <= 12 and 1 <= day_number <= 31):
        return None
    ms = _days_from_civil(int(year), month_number, day_number) * _MS_PER_DAY
    if hour is None:
        return ms
    hour_number, minute_number, second_number = int(hour), int(minute), int(second or 0)
    if hour_number > 23 or minute_number > 59 or second_number > 59:
        return None
    ms += ((hour_number * 60 + minute_number) * 60 + second_number) * 1000
    if fraction:
        ms += _read_milliseconds((_NUM, _numeral_value(fraction), len(fraction)))
    if zone is not None and zone != "Z":
        zone_hours, zone_minutes = int(zone[1:3]), int(zone[4:6])
        if zone_hours > 23 or zone_minutes > 59:
            return None
        offset = (zone_hours * 60 + zone_minutes) * 60_000
        ms += -offset if zone[0] == "+" else offset
    return ms


# Tokens of V8's DateStringTokenizer: (kind, value, length).
_NUM, _SYM, _WORD, _WS, _UNKNOWN, _END = range(6)
_KW_INVALID, _KW_MONTH, _KW_ZONE, _KW_T, _KW_AMPM = range(5)
_KEYWORDS = {
    **{name: (_KW_MONTH, index + 1) for index, name in enumerate(("jan", "feb", "mar", "apr", "may", "jun"))},
    **{name: (_KW_MONTH, index + 7) for index, name in enumerate(("jul", "aug", "sep", "oct", "nov", "dec"))},
    "am": (_KW_AMPM, 0),
    "pm": (_KW_AMPM, 12),
    **dict.fromkeys(("ut", "utc", "z", "gmt"), (_KW_ZONE, 0)),
    **{"cdt": (_KW_ZONE, -5), "cst": (_KW_ZONE, -6), "edt": (_KW_ZONE, -4), "est": (_KW_ZONE, -5)},
    **{"mdt": (_KW_ZONE, -6), "mst": (_KW_ZONE, -7), "pdt": (_KW_ZONE, -7), "pst": (_KW_ZONE, -8)},
    "t": (_KW_T, 0),
}
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
# V8 reads any character from "A" up as part of a word, except Unicode spaces (but U+2028 and U+2029 are words).
_DATE_SPACES = "\t\n\v\f\r " + _UNICODE_SPACES
_TOKEN_RES = {
    _NUM: re.compile(r"[0-9]+"),
    _WORD: re.compile(f"[^\\x00-@{_UNICODE_SPACES}]+"),
    _WS: re.compile(f"[{re.escape(_DATE_SPACES)}]+"),
    # V8 yields one token per ignorable character; a run behaves the same in every check it takes part in.
    _UNKNOWN: re.compile(r"[^0-9A-\U0010ffff:+.()\-\t\n\v\f\r ]+"),
}
_PAREN_RE = re.compile(r"[()]")
_END_TOKEN = (_END, 0, 0)
_WS_TOKEN = (_WS, 0, 1)
_UNKNOWN_TOKEN = (_UNKNOWN, 0, 1)


class _DateScanner:
    """V8's DateStringTokenizer: `peek` is the next token, `take()` consumes it."""

    __slots__ = ("peek", "pos", "text")

    def __init__(self, text: str) -> None:
        self.text, self.pos = text, 0
        self.peek = self._scan()

    def take(self) -> tuple:
        token = self.peek
        self.peek = self._scan()
        return token

    def skip(self, symbol: str) -> bool:
        if self.peek[0] == _SYM and self.peek[1] == symbol:
            self.peek = self._scan()
            return True
        return False

    def _scan(self) -> tuple:
        text, pos = self.text, self.pos
        if pos >= len(text):
            return _END_TOKEN
        char = text[pos]
        if "0" <= char <= "9":
            digits = _TOKEN_RES[_NUM].match(text, pos).group()
            self.pos = pos + len(digits)
            return (_NUM, _numeral_value(digits), len(digits))
        if char in ":-+.)":
            self.pos = pos + 1
            return (_SYM, char, 1)
        if char >= "A" and char not in _UNICODE_SPACES:
            word = _TOKEN_RES[_WORD].match(text, pos).group()
            self.pos = pos + len(word)
            keyword = _KEYWORDS.get(word[:3].translate(_ASCII_LOWER), (_KW_INVALID, 0))
            if len(word) > 3 and keyword[0] != _KW_MONTH:
                keyword = (_KW_INVALID, 0)
            return (_WORD, keyword, len(word))
        if char == "(":
            depth, pos = 0, pos
            while True:
                depth += 1 if text[pos] == "(" else -1
                pos += 1
                if depth <= 0 or pos >= len(text):
                    break
                paren = _PAREN_RE.search(text, pos)
                if paren is None:
                    pos = len(text)
                    break
                pos = paren.start()
            self.pos = pos
            return _UNKNOWN_TOKEN
        kind = _WS if char in _DATE_SPACES else _UNKNOWN
        self.pos = _TOKEN_RES[kind].match(text, pos).end()
        return _WS_TOKEN if kind == _WS else _UNKNOWN_TOKEN


def _is_num(token: tuple, length: int, low: int, high: int) -> bool:
    return token[0] == _NUM and token[2] == length and low <= token[1] <= high


def _v8_parse(text: str) -> int | None:
    """Port of V8's DateParser::Parse (src/date/dateparser-inl.h) for a string starting with 4 digits and "-".

    Returns epoch milliseconds, or None for an Invalid Date. Zone-less results are local time, and local time is UTC.
    """
    scanner = _DateScanner(text)
    day: list[int] = [scanner.take()[1]]
    time: list[int] = []
    zone: list[int | None] = [None, None, None]  # sign, hours, minutes
    named_month = hour_offset = None
    iso = False
    # ES5 ISO format first: yyyy[-MM[-DD]][THH:mm[:ss[.sss]][Z|(+|-)hh:mm]]
    token = None
    if scanner.skip("-"):
        if not _is_num(scanner.peek, 2, 1, 12):
            token = scanner.take()
        else:
            day.append(scanner.take()[1])
            if scanner.skip("-"):
                if not _is_num(scanner.peek, 2, 1, 31):
                    token = scanner.take()
                else:
                    day.append(scanner.take()[1])
    if token is None:
        if not (scanner.peek[0] == _WORD and scanner.peek[1][0] == _KW_T):
            if scanner.peek[0] != _END:
                token = scanner.take()
        else:
            scanner.take()
            if not _is_num(scanner.peek, 2, 0, 24):
                return None
            hour_is_24 = scanner.peek[1] == 24
            time.append(scanner.take()[1])
            if not scanner.skip(":") or not _is_num(scanner.peek, 2, 0, 0 if hour_is_24 else 59):
                return None
            time.append(scanner.take()[1])
            if scanner.skip(":"):
                if not _is_num(scanner.peek, 2, 0, 0 if hour_is_24 else 59):
                    return None
                time.append(scanner.take()[1])
                if scanner.skip("."):
                    if scanner.peek[0] != _NUM or (hour_is_24 and scanner.peek[1] > 0):
                        return None
                    time.append(_read_milliseconds(scanner.take()))
            peek = scanner.peek
            if peek[0] == _WORD and peek[1] == (_KW_ZONE, 0) and peek[2] == 1:
                scanner.take()
                zone = [1, 0, 0]
            elif peek[0] == _SYM and peek[1] in "+-":
                zone[0] = 1 if scanner.take()[1] == "+" else -1
                if scanner.peek[0] == _NUM and scanner.peek[2] == 4:
                    hours, minutes = divmod(scanner.take()[1], 100)
                    if hours > 23 or minutes > 59:
                        return None
                    zone[1:] = [hours, minutes]
                else:
                    if not _is_num(scanner.peek, 2, 0, 23):
                        return None
                    zone[1] = scanner.take()[1]
                    if not scanner.skip(":") or not _is_num(scanner.peek, 2, 0, 59):
                        return None
                    zone[2] = scanner.take()[1]
            if scanner.peek[0] != _END:
                return None
        if token is None:
            iso = True
            token = _END_TOKEN
    # Then V8's legacy parser on whatever is left. The year is always read first here, so V8's `has_read_number` is
    # true throughout: a stray word, sign or ")" makes the date invalid.
    while token[0] != _END:
        kind = token[0]
        if kind == _NUM:
            number = token[1]
            if scanner.skip(":"):
                if scanner.skip(":"):
                    if time:
                        return None
                    time += [number, 0]
                else:
                    if len(time) >= 4:
                        return None
                    time.append(number)
                    if scanner.peek[0] == _SYM and scanner.peek[1] == ".":
                        scanner.take()
            # V8 consumes the "." before testing the time composer (`SkipSymbol('.') && IsExpecting(n)`).
            elif scanner.skip(".") and _time_expecting(time, number):
                time.append(number)
                if scanner.peek[0] != _NUM:
                    return None
                _time_add_final(time, _read_milliseconds(scanner.take()))
            elif zone[1] is not None and zone[2] is None and 0 <= number <= 59:
                zone[2] = number
            elif _time_expecting(time, number):
                _time_add_final(time, number)
                peek = scanner.peek
                if not (
                    peek[0] in (_END, _WS)
                    or (peek[0] == _WORD and peek[1] == (_KW_ZONE, 0) and peek[2] == 1)
                    or (peek[0] == _SYM and peek[1] in "+-")
                ):
                    return None
            else:
                if len(day) >= 3:
                    return None
                day.append(number)
                scanner.skip("-")
        elif kind == _WORD:
            keyword_type, keyword_value = token[1]
            if keyword_type == _KW_AMPM and time:
                hour_offset = keyword_value
            elif keyword_type == _KW_MONTH:
                named_month = keyword_value
                scanner.skip("-")
            elif keyword_type == _KW_ZONE:
                zone = [-1 if keyword_value < 0 else 1, abs(keyword_value), 0]
            else:
                return None
        elif kind == _SYM and token[1] in "+-" and ((zone[1] == 0 and zone[2] == 0) or time):
            zone[0] = 1 if token[1] == "+" else -1
            number = length = 0
            if scanner.peek[0] == _NUM:
                _, number, length = scanner.take()
            if scanner.peek[0] == _SYM and scanner.peek[1] == ":":
                zone[1:] = [number, None]
            elif length in (1, 2):
                zone[1:] = [number, 0]
            elif length in (3, 4):
                zone[1:] = list(divmod(number, 100))
            else:
                return None
        elif kind == _SYM and token[1] in "+-)":
            return None
        token = scanner.take()
    return _v8_compose(day, time, zone, named_month, hour_offset, iso)


def _numeral_value(digits: str) -> int:
    """V8's ReadUnsignedNumeral: leading zeros skipped, then 9 significant digits at most (the rest is ignored)."""
    return int(digits.lstrip("0")[:9] or 0)


def _read_milliseconds(token: tuple) -> int:
    """V8's ReadMilliseconds: the first three digits of a fraction, found from the value and the length of the
    numeral (so ".0001234567891" gives 123 ms, a V8 quirk)."""
    _, number, length = token
    if length == 1:
        return number * 100
    if length == 2:
        return number * 10
    return number // 10 ** (min(length, 9) - 3)


def _time_expecting(time: list[int], number: int) -> bool:
    size = len(time)
    return (size in (1, 2) and 0 <= number <= 59) or (size == 3 and 0 <= number <= 999)


def _time_add_final(time: list[int], number: int) -> None:
    if len(time) < 4:
        time.append(number)
        time.extend([0] * (4 - len(time)))


def _v8_compose(day, time, zone, named_month, hour_offset, iso) -> int | None:
    """DayComposer, TimeComposer and TimeZoneComposer::Write, then MakeDate, the offset and TimeClip."""
    day = day + [1] * (3 - len(day))
    if named_month is None:
        if iso or not 1 <= day[0] <= 31:
            year, month, day_number = day
        else:
            month, day_number, year = day
    else:
        month = named_month
        year, day_number = (day[0], day[1]) if not 1 <= day[0] <= 31 else (day[1], day[0])
    if not iso:
        if 0 <= year <= 49:
            year += 2000
        elif 50 <= year <= 99:
            year += 1900
    if not (1 <= month <= 12 and 1 <= day_number <= 31):
        return None
    hour, minute, second, millisecond = time + [0] * (4 - len(time))
    if hour_offset is not None:
        if not 0 <= hour <= 12:
            return None
        hour = hour % 12 + hour_offset
    if not (0 <= hour <= 23 and 0 <= minute <= 59 and 0 <= second <= 59 and 0 <= millisecond <= 999) and (
        hour != 24 or minute or second or millisecond
    ):
        return None
    ms = _days_from_civil(year, month, day_number) * _MS_PER_DAY
    ms += ((hour * 60 + minute) * 60 + second) * 1000 + millisecond
    if zone[0] is not None:
        # V8 adds in 32-bit unsigned arithmetic and refuses an offset beyond its small-integer range.
        seconds = ((zone[1] or 0) * 3600 + (zone[2] or 0) * 60) % 2**32
        if seconds > 2**31 - 1:
            return None
        ms -= zone[0] * seconds * 1000
    return ms if abs(ms) <= _MAX_JS_TIME_MS else None
