"""The error responses every endpoint documents in the OpenAPI schema."""

from __future__ import annotations

from typing import Any

from relata.api.errors import ErrorOut, ValidationErrorOut

# 429: an address that sent too many requests with a bad token (relata.web.throttle) gets it
# for every /api/ request until its window ends, so every operation can answer it.
READ_ERRORS: dict[int, Any] = {
    401: ErrorOut,
    403: ErrorOut,
    422: ValidationErrorOut,
    429: ErrorOut,
}
ITEM_ERRORS: dict[int, Any] = {**READ_ERRORS, 404: ErrorOut}
WRITE_ERRORS: dict[int, Any] = {**ITEM_ERRORS, 400: ErrorOut, 409: ErrorOut, 413: ErrorOut}
