"""One JSON shape for every failure, so clients handle errors in one place.

* 400, 401, 403, 404, 409, 413: ``{"detail": "<message>"}``
* 422: ``{"detail": [{"loc": [...], "msg": "...", "type": "..."}]}`` — the shape django-ninja
  uses for schema validation errors, also for the checks services make with ``full_clean``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as NinjaValidationError
from pydantic import Field

from relata.api.auth import TokenRejected
from relata.concurrency import StaleEditError
from relata.web.errors import API_PREFIX

BODY = ("body", "payload")

# Model fields that the API exposes under their ``_id`` name.
API_FIELD_NAMES = {
    "account_owner": "account_owner_id",
    "customer": "customer_id",
    "staff": "staff_id",
    "order": "order_id",
    "product": "product_id",
}


class ErrorOut(Schema):
    detail: str


class FieldErrorOut(Schema):
    loc: list[str | int] = Field(description='Where, e.g. ["body", "payload", "email"].')
    msg: str
    type: str = Field(description="A stable error code, e.g. missing, string_too_long, unique.")
    ctx: dict[str, Any] | None = Field(None, description="Details such as the limit exceeded.")


class ValidationErrorOut(Schema):
    detail: list[FieldErrorOut]


def field_error(loc: Sequence[str | int], msg: str, type_: str = "value_error") -> dict[str, Any]:
    return {"loc": list(loc), "msg": msg, "type": type_}


def invalid(errors: Iterable[dict[str, Any]]) -> NinjaValidationError:
    """A 422 response carrying the given field errors (raise the result)."""
    return NinjaValidationError(list(errors))


def django_field_errors(
    exc: DjangoValidationError, prefix: Sequence[str | int] = BODY
) -> list[dict[str, Any]]:
    """Django's ``ValidationError`` (from ``full_clean``) in ninja's 422 shape."""
    errors: list[dict[str, Any]] = []
    by_field = exc.error_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.error_list}
    for field, field_errors in by_field.items():
        loc = list(prefix)
        if field != NON_FIELD_ERRORS:
            loc.append(API_FIELD_NAMES.get(field, field))
        for error in field_errors:
            for message in error.messages:
                errors.append(field_error(loc, message, error.code or "invalid"))
    return errors


def register(api: NinjaAPI) -> None:
    """Install the handlers that turn exceptions into the JSON error shapes above."""

    def unauthorised(request: HttpRequest, exc: Any) -> HttpResponse:
        # A token that was sent but refused says why (unknown or revoked, expired…).
        if isinstance(exc, TokenRejected):
            message = str(exc.message)
        else:
            message = _("A valid API token is required (Authorization: Bearer <token>).")
        response = api.create_response(request, {"detail": message}, status=401)
        response["WWW-Authenticate"] = 'Bearer realm="relata"'
        return response

    def forbidden(request: HttpRequest, exc: Any) -> HttpResponse:
        message = str(exc) or _("You do not have permission to do this.")
        return api.create_response(request, {"detail": message}, status=403)

    def not_found(request: HttpRequest, exc: Any) -> HttpResponse:
        message = str(exc) or _("Not found.")
        return api.create_response(request, {"detail": message}, status=404)

    def model_invalid(request: HttpRequest, exc: Any) -> HttpResponse:
        return api.create_response(request, {"detail": django_field_errors(exc)}, status=422)

    def too_large(request: HttpRequest, exc: Any) -> HttpResponse:
        message = _("The request body is larger than the %(limit)s bytes allowed.") % {
            "limit": settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        }
        return api.create_response(request, {"detail": message}, status=413)

    def conflict(request: HttpRequest, exc: Any) -> HttpResponse:
        # A concurrent write took a unique number first; retrying usually succeeds.
        message = _("The change conflicts with data saved at the same time; please retry.")
        return api.create_response(request, {"detail": message}, status=409)

    def stale(request: HttpRequest, exc: Any) -> HttpResponse:
        # Optimistic locking: the client's version is out of date; it should GET and retry.
        return api.create_response(request, {"detail": str(exc)}, status=409)

    api.add_exception_handler(AuthenticationError, unauthorised)
    api.add_exception_handler(StaleEditError, stale)
    api.add_exception_handler(PermissionDenied, forbidden)
    api.add_exception_handler(Http404, not_found)
    api.add_exception_handler(DjangoValidationError, model_invalid)
    api.add_exception_handler(IntegrityError, conflict)
    api.add_exception_handler(RequestDataTooBig, too_large)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """``handler404``: under ``/api/`` a URL no operation matches (``/api/surveys/abc``, whose
    id must be a number) answers JSON like every API error; elsewhere Django's 404 page."""
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"detail": _("No API operation at this URL.")}, status=404)
    return defaults.page_not_found(request, exception or Http404())
