"""The 400 page: a clear message for a request the server refuses to read, never a 500.

Django answers a ``SuspiciousOperation`` with ``handler400``. The ones a user can cause
without meaning harm are a form body over ``DATA_UPLOAD_MAX_MEMORY_SIZE``, a form with more
than ``DATA_UPLOAD_MAX_NUMBER_FIELDS`` fields or ``DATA_UPLOAD_MAX_NUMBER_FILES`` files, and
an uploaded file over ``RELATA_MAX_IMPORT_BYTES`` that some code tried to read
(``relata.web.uploads``): each gets a sentence saying which limit it passed. Under ``/api/``
the answer is JSON, as every API error is. The page is rendered without a request context
(no database query), like the 503 page.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.defaultfilters import filesizeformat
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from relata.web.uploads import UploadTooLarge

API_PREFIX = "/api/"


def bad_request_message(exception: Exception | None) -> str:
    """What the user should know about a refused request, in their language."""
    if isinstance(exception, UploadTooLarge):
        return str(exception.args[0])
    if isinstance(exception, RequestDataTooBig):
        return _(
            "The form sent is larger than the %(limit)s this server accepts. Upload files on "
            "the import page, or send less at once."
        ) % {"limit": filesizeformat(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)}
    if isinstance(exception, TooManyFieldsSent):
        return _(
            "The form sent has more than %(limit)s fields, the most this server accepts. "
            "Select fewer items at once."
        ) % {"limit": settings.DATA_UPLOAD_MAX_NUMBER_FIELDS}
    if isinstance(exception, TooManyFilesSent):
        return _("The form sent has more than %(limit)s files, the most this server accepts.") % {
            "limit": settings.DATA_UPLOAD_MAX_NUMBER_FILES
        }
    return _("The request could not be read. Go back, check what you entered and try again.")


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """``handler400``: the message as JSON under ``/api/``, else as a page."""
    message = bad_request_message(exception)
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"detail": message}, status=400)
    return HttpResponse(render_to_string("web/400.html", {"message": message}), status=400)
