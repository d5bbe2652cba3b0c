"""Building blocks shared by the resource schemas: checked text, ids, dates, pages."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Generic, TypeVar

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import AfterValidator, Field, GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic_core import PydanticCustomError, core_schema

# The largest value a 64-bit primary key can hold; larger ids are a 422, not a database error.
MAX_ID = 2**63 - 1
MAX_LIMIT = 200
DEFAULT_LIMIT = 50


def _no_nul(value: str) -> str:
    # PostgreSQL cannot store NUL characters; refuse them instead of failing at the database.
    if "\x00" in value:
        raise PydanticCustomError("nul_character", _("Text must not contain NUL characters."))
    return value


def _email(value: str) -> str:
    value = value.strip()
    if value:
        try:
            validate_email(value)
        except DjangoValidationError as exc:
            raise PydanticCustomError("email_invalid", _("Enter a valid e-mail address.")) from exc
    return value


def _aware(value: datetime) -> datetime:
    """Naive date-times are read in the installation's time zone; all must fit in UTC."""
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    try:
        value.astimezone(UTC)
    except OverflowError as exc:
        raise PydanticCustomError("datetime_out_of_range", _("Date-time is out of range.")) from exc
    return value


class BlankOr:
    """``Annotated`` marker for a text field that holds one of a model's choices or ""."""

    def __init__(self, choices: type[models.TextChoices]) -> None:
        self.values: list[str] = ["", *choices.values]

    def _check(self, value: str) -> str:
        if value not in self.values:
            expected = ", ".join(repr(v) for v in self.values)
            raise PydanticCustomError(
                "enum", _("Input should be one of %(expected)s.") % {"expected": expected}
            )
        return value

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(self._check, handler(str))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> dict[str, Any]:
        return {"type": "string", "enum": self.values}


NoNul = AfterValidator(_no_nul)
Text = Annotated[str, NoNul]
Email = Annotated[str, NoNul, AfterValidator(_email)]
ObjectId = Annotated[int, Field(ge=1, le=MAX_ID)]
AwareDateTime = Annotated[datetime, AfterValidator(_aware)]


def max_length(model: type[models.Model], field: str) -> int:
    """The column width of a model field, so schema limits follow the model."""
    model_field = model._meta.get_field(field)
    assert isinstance(model_field, models.Field) and model_field.max_length is not None
    return int(model_field.max_length)


class PageQuery(Schema):
    limit: int = Field(
        DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Items per page (at most 200)."
    )
    offset: int = Field(0, ge=0, le=MAX_ID, description="Items to skip.")


T = TypeVar("T")


class Page(Schema, Generic[T]):
    count: int = Field(description="Matching items in total.")
    next: str | None = Field(description="URL of the next page, or null on the last page.")
    previous: str | None = Field(description="URL of the previous page, or null.")
    items: list[T]
