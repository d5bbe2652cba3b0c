"""The two public endpoints a campaign e-mail calls: the open pixel and the click link.

No login (the middleware lets ``/t/`` through): the recipient is not a Relata user. Only
an unguessable token identifies the contact; an unknown token or a link whose destination
was not signed by Relata for that token is a 404, never a redirect to an unchecked address.
"""

from __future__ import annotations

import base64

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_safe

from relata.engagement.campaign_services import contact_click_record, contact_open_record
from relata.engagement.tracking import click_destination

# The smallest transparent GIF (1×1 pixel).
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


@require_safe
def open_pixel(request: HttpRequest, token: str) -> HttpResponse:
    if not contact_open_record(token=token):
        raise Http404
    response = HttpResponse(PIXEL, content_type="image/gif")
    add_never_cache_headers(response)
    return response


@require_safe
def click(request: HttpRequest, token: str) -> HttpResponse:
    destination = click_destination(token, request.GET.get("u", ""))
    if destination is None or not contact_click_record(token=token):
        raise Http404
    response = HttpResponseRedirect(destination)
    add_never_cache_headers(response)
    response["Referrer-Policy"] = "no-referrer"
    return response
