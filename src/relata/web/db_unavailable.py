"""A database that cannot be reached answers 503 "try again in a moment", never a 500.

When PostgreSQL restarts, fails over or refuses connections, every query raises
``OperationalError`` (or ``InterfaceError`` on a connection that died under it). Without this
middleware the user gets the generic server error page and the API client a 500 that looks
like a bug. With it, web pages get a short translated page and ``/api/`` a JSON body, both
with status 503 and ``Retry-After``, so people and clients know to retry.

The error is caught in two places:

* ``process_exception`` catches it in a view, including template rendering (context
  processors run queries too);
* a ``got_request_exception`` receiver marks the request when it escapes from another
  middleware instead (loading the session or the user, saving the session), and ``__call__``
  swaps Django's 500 for the 503.

Recovery needs nothing here: Django closes a connection that raised a database error at the
end of the request (``close_old_connections`` on ``request_finished``: ``errors_occurred``,
then ``is_usable``), and with ``CONN_HEALTH_CHECKS`` a persistent connection is tested before
its first query in the next request, so the next request after the database is back opens a
fresh connection. The page is rendered without a request context: its context processors
would query the database again.
"""

from __future__ import annotations

import logging
import sqlite3
import sys
from collections.abc import Callable
from typing import Any

from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

# SQLite reports bugs (no such table, a syntax error) as OperationalError too; only these
# mean "not available right now" there.
SQLITE_UNAVAILABLE = ("database is locked", "unable to open database", "disk i/o error")
# Seconds a client should wait; a PostgreSQL restart takes a few seconds.
RETRY_AFTER_SECONDS = 5
API_PREFIX = "/api/"
_MARK = "_relata_database_unavailable"


def is_unavailable(error: BaseException) -> bool:
    """A lost or refused connection (``InterfaceError``, PostgreSQL's ``OperationalError``),
    or SQLite locked or unreadable; not a bug that SQLite happens to call operational."""
    if isinstance(error, InterfaceError):
        return True
    if not isinstance(error, OperationalError):
        return False
    if isinstance(error.__cause__, sqlite3.Error):
        text = str(error.__cause__).lower()
        return any(reason in text for reason in SQLITE_UNAVAILABLE)
    return True


def unavailable_response(request: HttpRequest) -> HttpResponse:
    """The 503 for this request: JSON under ``/api/``, else the translated page."""
    message = _("The database cannot be reached; try again in a moment.")
    response: HttpResponse
    if request.path.startswith(API_PREFIX):
        response = JsonResponse({"detail": message}, status=503)
    else:
        response = HttpResponse(
            render_to_string("web/503.html", {"message": message}), status=503
        )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    # Never cache an outage.
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    """Turns database connection errors into a 503 (see the module docstring). Place it
    before SessionMiddleware so errors while loading or saving the session are covered."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if getattr(request, _MARK, False):
            return unavailable_response(request)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_unavailable(exception):
            return None
        logger.warning("database unavailable for %s %s: %s", request.method, request.path,
                       exception, exc_info=exception)
        return unavailable_response(request)


@receiver(got_request_exception, dispatch_uid="relata.web.db_unavailable")
def _mark_unavailable(sender: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
    """Django sends this while handling an exception that escaped a middleware or a view;
    the exception being handled is the current one."""
    error = sys.exc_info()[1]
    if request is not None and error is not None and is_unavailable(error):
        setattr(request, _MARK, True)
