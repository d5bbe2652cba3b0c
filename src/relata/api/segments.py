"""/api/segments: saved segments (list, read, create, update, delete), their members, the
field catalogue, and counting a rules tree without saving it."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from relata.api.errors import BODY, ErrorOut, django_field_errors, field_error, invalid
from relata.api.pagination import paginate
from relata.api.permissions import api_user, require_perms, visible_customer_rows
from relata.api.responses import ITEM_ERRORS, READ_ERRORS, WRITE_ERRORS
from relata.api.schemas.common import Page, PageQuery
from relata.api.schemas.segments import (
    CountIn,
    CountOut,
    FieldOut,
    SegmentCreate,
    SegmentFilters,
    SegmentMemberOut,
    SegmentOut,
    SegmentPatch,
)
from relata.customers.models import Customer
from relata.engagement.models import Segment
from relata.engagement.segment_rules import catalogue_for_builder, rules_check
from relata.engagement.segment_selectors import (
    rules_customers,
    segment_customers,
    segment_errors,
    segment_list,
)
from relata.engagement.segment_services import (
    SegmentInUse,
    segment_create,
    segment_delete,
    segment_update,
)

router = Router(tags=["Segments"])


def _segment(segment_id: int) -> Segment:
    segment = segment_list().filter(pk=segment_id).first()
    if segment is None:
        raise Http404(_("No segment with id %(id)s.") % {"id": segment_id})
    return segment


def _rules_invalid(errors: list[str]) -> Exception:
    return invalid(field_error([*BODY, "rules"], message, "rules_invalid") for message in errors)


def _saved(call: Any) -> Segment:
    """Run a write; the rules check's and the model's messages become 422 field errors."""
    try:
        segment: Segment = call()
    except SegmentInUse:
        raise
    except ValidationError as error:
        raise invalid(django_field_errors(error)) from error
    return segment


@router.get("/", response={200: Page[SegmentOut], **READ_ERRORS}, summary="List segments")
def list_segments(request: HttpRequest, filters: Query[SegmentFilters]) -> dict[str, Any]:
    """Saved segments by name, with the number of campaigns and trigger rules using each."""
    require_perms(request, "engagement.view_segment")
    return paginate(request, segment_list(query=filters.q), filters)


@router.get("/fields", response={200: list[FieldOut], **READ_ERRORS}, summary="Rule fields")
def list_fields(request: HttpRequest) -> list[dict[str, Any]]:
    """The fields a condition can test, with their operators and, for choices, the values.
    Labels are in the language of the request."""
    require_perms(request, "engagement.view_segment")
    fields: list[dict[str, Any]] = catalogue_for_builder()["fields"]
    return fields


@router.post("/count", response={200: CountOut, **WRITE_ERRORS}, summary="Count a rules tree")
def count_rules(request: HttpRequest, payload: CountIn) -> dict[str, int]:
    """How many customers ``rules`` select now, without saving a segment. Invalid rules give
    422 with one entry per problem, naming the condition by its position (``2.1`` is the
    first item of the second item's group), the field and the reason."""
    require_perms(request, "engagement.view_segment")
    errors = rules_check(payload.rules)
    if errors:
        raise _rules_invalid(errors)
    return {
        "count": rules_customers(payload.rules).order_by().count(),
        "total": Customer.objects.order_by().count(),
    }


@router.get("/{segment_id}", response={200: SegmentOut, **ITEM_ERRORS}, summary="Get a segment")
def get_segment(request: HttpRequest, segment_id: int) -> Segment:
    require_perms(request, "engagement.view_segment")
    return _segment(segment_id)


@router.post("/", response={201: SegmentOut, **WRITE_ERRORS}, summary="Create a segment")
def create_segment(request: HttpRequest, payload: SegmentCreate) -> Status[Segment]:
    """A new segment; it is counted at once (``last_count``)."""
    require_perms(request, "engagement.add_segment")
    segment = _saved(lambda: segment_create(**payload.model_dump(), created_by=api_user(request)))
    return Status(201, _segment(segment.pk))


@router.patch("/{segment_id}", response={200: SegmentOut, **WRITE_ERRORS}, summary="Update")
def update_segment(request: HttpRequest, segment_id: int, payload: SegmentPatch) -> Segment:
    """Only the fields present in the body change. Send the ``version`` you read: if someone
    changed the segment since, the answer is 409 and nothing changes."""
    require_perms(request, "engagement.change_segment")
    segment = _segment(segment_id)
    fields = payload.model_dump(exclude_unset=True, exclude={"version"})
    for required in ("name", "rules", "description", "persona_name", "persona_story"):
        if required in fields and fields[required] is None:
            raise invalid([field_error([*BODY, required], _("This field cannot be null."), "null")])
    _saved(lambda: segment_update(segment=segment, fields=fields, expected_version=payload.version))
    return _segment(segment.pk)


@router.delete(
    "/{segment_id}",
    response={204: None, **ITEM_ERRORS, 409: ErrorOut},
    summary="Delete a segment",
)
def delete_segment(
    request: HttpRequest, segment_id: int, version: int | None = None
) -> Status[Any]:
    """Refused with 409 while campaigns or trigger rules use the segment (the message names
    them), or when ``version`` is given and the segment changed since."""
    require_perms(request, "engagement.delete_segment")
    segment = _segment(segment_id)
    try:
        segment_delete(segment=segment, expected_version=version)
    except SegmentInUse as error:
        return Status(409, {"detail": " ".join(error.messages)})
    return Status(204, None)


@router.get(
    "/{segment_id}/members",
    response={200: Page[SegmentMemberOut], **ITEM_ERRORS},
    summary="Members of a segment",
)
def list_members(request: HttpRequest, segment_id: int, page: Query[PageQuery]) -> dict[str, Any]:
    """The customers in the segment now (rules evaluated at the request, relative dates
    against today), by id. Needs *view* on customers as well."""
    require_perms(request, "engagement.view_segment", "customers.view_customer")
    segment = _segment(segment_id)
    errors = segment_errors(segment)
    if errors:
        raise invalid(
            field_error(["path", "segment_id"], message, "rules_invalid") for message in errors
        )
    members = (
        visible_customer_rows(request, segment_customers(segment))
        .order_by("id")
        .only(
            "id",
            "customer_number",
            "kind",
            "organisation_name",
            "first_name",
            "name_prefix",
            "last_name",
        )
    )
    return paginate(request, members, page)
