"""Open and click tracking of campaign e-mails.

Every campaign contact has an opaque, unguessable token (``secrets.token_urlsafe``); the
open pixel and the click links carry only that token, never a customer id. A click link
names its destination signed with the site's secret key (``django.core.signing``, salted
with the token), so the click endpoint redirects only to addresses Relata itself put in an
e-mail to that contact: it can never serve as an open redirect.
"""

from __future__ import annotations

import re
import secrets
from urllib.parse import quote, urlsplit

from django.conf import settings
from django.core import signing
from django.urls import reverse

TOKEN_BYTES = 16  # 22 URL-safe characters; the column holds 32
_SALT = "relata.engagement.click"
# http(s) addresses in a message body; trailing punctuation is not part of the address.
_URL = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)
_TRAILING = ".,;:!?)]}'\""


def token_new() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def _signer(token: str) -> signing.Signer:
    return signing.Signer(salt=f"{_SALT}:{token}")


def _absolute(path: str) -> str:
    return f"{settings.RELATA_SITE_URL}{path}"


def open_pixel_url(token: str) -> str:
    return _absolute(reverse("tracking:open", kwargs={"token": token}))


def click_url(token: str, destination: str) -> str:
    signed = _signer(token).sign(destination)
    path = reverse("tracking:click", kwargs={"token": token})
    return _absolute(f"{path}?u={quote(signed, safe='')}")


def click_destination(token: str, signed: str) -> str | None:
    """The address a click link was made for, or None when the signature does not match
    (tampered, made for another contact, or not made by this installation)."""
    # A signature never ends in punctuation; a mail client may have taken a full stop along.
    signed = signed.rstrip(_TRAILING)
    try:
        destination = _signer(token).unsign(signed)
    except signing.BadSignature:
        return None
    if urlsplit(destination).scheme.lower() not in ("http", "https"):
        return None
    return destination


def links_tracked(text: str, token: str) -> str:
    """``text`` with every http(s) address replaced by a tracked click link."""

    def replace(match: re.Match[str]) -> str:
        url = match.group(0)
        stripped = url.rstrip(_TRAILING)
        tail = url[len(stripped) :]
        if not stripped or stripped.startswith(settings.RELATA_SITE_URL + "/t/"):
            return url
        return click_url(token, stripped) + tail

    return _URL.sub(replace, text)
