"""Cell parsers. Each takes the text of one cell and returns ``(value, None)`` on success or
``(None, reason)`` on failure; an empty cell gives ``(None, None)``.

Parsers are pure and cheap to cache: the validators call them once per *distinct* cell text
(dates, prices, product codes repeat a lot), which keeps a million-row import fast.
Money and quantities are returned as integers scaled by 100 (cents, hundredths), so sums are
exact without creating a ``Decimal`` per cell.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

Parsed = tuple[Any, str | None]
Parser = Callable[[str], Parsed]

COMMA = "comma"
POINT = "point"
DECIMAL_STYLES = (COMMA, POINT)

# Characters that start a formula in a spreadsheet; exports prefix such cells with a quote.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

_SPACES = " \u00a0\u202f"
_CURRENCY = re.compile(r"^(?:€|eur|\$|usd|£|gbp)\s*|\s*(?:€|eur)$", re.IGNORECASE)
_NUMBER = {
    COMMA: re.compile(r"([+-]?)(\d{1,3}(?:[. \u00a0\u202f]\d{3})+|\d+)?(?:,(\d+))?"),
    POINT: re.compile(r"([+-]?)(\d{1,3}(?:[, \u00a0\u202f]\d{3})+|\d+)?(?:\.(\d+))?"),
}
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_NUMERIC_DATE = re.compile(r"(\d{1,2})([-/.])(\d{1,2})\2(\d{4}|\d{2})(?!\d)")
_TIME = re.compile(
    r"(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,6})\d*)?)?\s*(Z|[+-]\d{2}:?\d{2})?",
    re.IGNORECASE,
)
_INTEGER = re.compile(r"[+-]?\d+")
_email_validator = EmailValidator()

TRUE_WORDS = frozenset({"1", "j", "ja", "y", "yes", "true", "waar", "x", "✓", "✔", "wel"})
FALSE_WORDS = frozenset({"0", "n", "nee", "no", "false", "onwaar", "niet", "geen"})


def normalise_word(text: str) -> str:
    """Lower-case, accents removed, only letters and digits: 'E-mailadres' → 'emailadres'."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed.lower() if ch.isalnum())


def unquote_formula(text: str) -> str:
    """Undo the export's neutralisation of formula-like cells ('=SUM → =SUM)."""
    if len(text) > 1 and text[0] == "'" and text[1] in "=+-@\t\r":
        return text[1:]
    return text


def neutralise_formula(text: str) -> str:
    """Prefix a cell that a spreadsheet would run as a formula (CSV injection)."""
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def parse_text(text: str) -> str:
    return unquote_formula(text.strip())


def parse_scaled(text: str, style: str, places: int = 2) -> Parsed:
    """A number written with decimal comma or point (thousands separators allowed), returned
    as an integer scaled by 10**places: '1.234,5' (comma) → 123450."""
    s = text.strip()
    if not s:
        return None, None
    # Fast path for the common plain forms: '12', '12,50' (comma) or '12.50' (point).
    whole, separator, fraction = s.partition("," if style == COMMA else ".")
    plain_fraction = not separator or (
        fraction.isdigit() and fraction.isascii() and len(fraction) <= places
    )
    if plain_fraction and whole.isdigit() and whole.isascii():
        return int(whole) * 10**places + int(fraction.ljust(places, "0") or "0"), None
    s = _CURRENCY.sub("", s)
    if not s:
        return None, None
    match = _NUMBER[style].fullmatch(s)
    if match is None or (match.group(2) is None and match.group(3) is None):
        other = POINT if style == COMMA else COMMA
        other_match = _NUMBER[other].fullmatch(s)
        if other_match is not None and other_match.group(3) is not None:
            if style == COMMA:
                return None, _("“%(value)s” uses a decimal point, but this file uses a decimal "
                               "comma (choose the decimal point setting)") % {"value": s}
            return None, _("“%(value)s” uses a decimal comma, but this file uses a decimal "
                           "point (choose the decimal comma setting)") % {"value": s}
        return None, _("“%(value)s” is not a number") % {"value": _clip(s)}
    sign, whole, fraction = match.group(1), match.group(2) or "0", match.group(3) or ""
    whole = whole.translate(_THOUSANDS)
    if len(fraction) > places:
        if fraction[places:].strip("0"):
            return None, ngettext("“%(value)s” has more than %(places)d decimal",
                                  "“%(value)s” has more than %(places)d decimals", places) % {
                "value": s,
                "places": places,
            }
        fraction = fraction[:places]
    scaled = int(whole) * 10**places + int(fraction.ljust(places, "0") or "0")
    return (-scaled if sign == "-" else scaled), None


_THOUSANDS = str.maketrans("", "", ".,  \u00a0\u202f")


def format_scaled(value: int, places: int = 2) -> str:
    """123450 → '1234.50' (the database's and ISO's notation)."""
    sign = "-" if value < 0 else ""
    whole, fraction = divmod(abs(value), 10**places)
    return f"{sign}{whole}.{fraction:0{places}d}"


def parse_integer(text: str) -> Parsed:
    s = text.strip()
    if not s:
        return None, None
    if _INTEGER.fullmatch(s):
        return int(s), None
    # Spreadsheets like to write whole numbers as '3,0' or '3.0'.
    for style in DECIMAL_STYLES:
        scaled, error = parse_scaled(s, style)
        if error is None and scaled is not None and scaled % 100 == 0:
            return scaled // 100, None
    return None, _("“%(value)s” is not a whole number") % {"value": _clip(s)}


def _make_date(year: int, month: int, day: int) -> Parsed:
    try:
        return date(year, month, day), None
    except ValueError:
        return None, _("“%(value)s” is not an existing date") % {
            "value": f"{year:04d}-{month:02d}-{day:02d}"
        }


def split_date(text: str, dayfirst: bool) -> tuple[Parsed, str]:
    """Parse the date at the start of text; return it and the remainder."""
    s = text.strip()
    iso = _ISO_DATE.match(s)
    if iso:
        return _make_date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3))), s[iso.end() :]
    numeric = _NUMERIC_DATE.match(s)
    if numeric:
        first, second, year = numeric.group(1), numeric.group(3), numeric.group(4)
        if len(year) == 2:
            return (None, _("“%(value)s” has a two-digit year; write the year in full") % {
                "value": numeric.group(0)
            }), ""
        day, month = (first, second) if dayfirst else (second, first)
        parsed = _make_date(int(year), int(month), int(day))
        if parsed[1] is not None:
            order = _("day-month-year") if dayfirst else _("month-day-year")
            parsed = (None, _("“%(value)s” is not a valid date in %(order)s order") % {
                "value": numeric.group(0),
                "order": order,
            })
        return parsed, s[numeric.end() :]
    return (None, _("“%(value)s” is not a date") % {"value": _clip(s)}), ""


def parse_date(text: str, dayfirst: bool = True) -> Parsed:
    s = text.strip()
    if not s:
        return None, None
    (value, error), rest = split_date(s, dayfirst)
    if error is not None:
        return None, error
    rest = rest.strip()
    # Spreadsheets export dates as date-times at midnight; accept that, but no other time.
    if rest and rest.lstrip("T") not in ("0:00", "00:00", "00:00:00", "0:00:00"):
        return None, _("“%(value)s” is not a date") % {"value": _clip(s)}
    return value, None


def parse_datetime(text: str, dayfirst: bool = True) -> Parsed:
    """A date with an optional time (and optional UTC offset). Naive results are local time."""
    s = text.strip()
    if not s:
        return None, None
    (day, error), rest = split_date(s, dayfirst)
    if error is not None:
        return None, error
    rest = rest.strip().lstrip("Tt").strip()
    if not rest:
        return datetime.combine(day, time(0, 0)), None
    match = _TIME.fullmatch(rest)
    if match is None:
        return None, _("“%(value)s” is not a date and time") % {"value": _clip(s)}
    hour, minute, second = int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)
    if hour > 23 or minute > 59 or second > 59:
        return None, _("“%(value)s” is not a valid time") % {"value": rest}
    micro = int((match.group(4) or "").ljust(6, "0"))
    moment = datetime.combine(day, time(hour, minute, second, micro))
    offset = match.group(5)
    if offset:
        if offset.upper() == "Z":
            tz = UTC
        else:
            digits = offset.replace(":", "")
            delta = timedelta(hours=int(digits[1:3]), minutes=int(digits[3:5]))
            tz = timezone(-delta if digits[0] == "-" else delta)
        moment = moment.replace(tzinfo=tz)
    return moment, None


def parse_email(text: str) -> Parsed:
    s = text.strip()
    if not s:
        return None, None
    try:
        _email_validator(s)
    except ValidationError:
        return None, _("“%(value)s” is not a valid e-mail address") % {"value": _clip(s)}
    return s, None


def parse_bool(text: str) -> Parsed:
    s = text.strip().lower()
    if not s:
        return None, None
    if s in TRUE_WORDS:
        return True, None
    if s in FALSE_WORDS:
        return False, None
    return None, _("“%(value)s” is not yes or no") % {"value": _clip(s)}


def choice_parser(words: Mapping[str, str]) -> Parser:
    """A parser for a choice field; ``words`` maps normalised words to stored values."""
    allowed = ", ".join(sorted(set(words.values())))

    def parse(text: str) -> Parsed:
        s = text.strip()
        if not s:
            return None, None
        value = words.get(normalise_word(s))
        if value is None:
            return None, _("“%(value)s” is not one of: %(allowed)s") % {
                "value": _clip(s),
                "allowed": allowed,
            }
        return value, None

    return parse


def _clip(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def clip(text: str, limit: int = 40) -> str:
    return _clip(text, limit)
