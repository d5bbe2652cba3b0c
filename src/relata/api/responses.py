"""The error responses every endpoint documents in the OpenAPI schema."""

from __future__ import annotations

from typing import Any

from relata.api.errors import ErrorOut, ValidationErrorOut

READ_ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 422: ValidationErrorOut}
ITEM_ERRORS: dict[int, Any] = {**READ_ERRORS, 404: ErrorOut}
WRITE_ERRORS: dict[int, Any] = {**ITEM_ERRORS, 400: ErrorOut, 409: ErrorOut, 413: ErrorOut}
