from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    """The request type views see: django-htmx's middleware adds `htmx`."""

    htmx: HtmxDetails


# 18 decimal digits always fit a 64-bit id or version column; longer numbers would overflow
# SQLite's integer binding (a 500) rather than simply find nothing.
_MAX_ID_DIGITS = 18


def int_param(value: object) -> int | None:
    """A query or form parameter read as an id or version: plain decimal digits (``isdecimal``,
    not ``isdigit``: ``int()`` refuses "²") of a size a database column holds, else None."""
    text = str(value or "").strip()
    if not text.isdecimal() or len(text) > _MAX_ID_DIGITS:
        return None
    return int(text)
