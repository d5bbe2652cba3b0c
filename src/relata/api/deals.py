"""/api/deals: list, read, create, update and move deals through the pipeline."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from relata.api.errors import BODY, field_error, invalid
from relata.api.lookups import customer_from_body, line_inputs
from relata.api.pagination import paginate
from relata.api.permissions import require_perms, visible_rows
from relata.api.responses import ITEM_ERRORS, READ_ERRORS, WRITE_ERRORS
from relata.api.schemas.common import Page
from relata.api.schemas.deals import (
    DealCreate,
    DealDetailOut,
    DealFilters,
    DealMove,
    DealOut,
    DealPatch,
)
from relata.sales.deal_selectors import deal_search
from relata.sales.deal_services import deal_create, deal_move, deal_update
from relata.sales.models import Deal

router = Router(tags=["Deals"])


def _deal(request: HttpRequest, deal_id: int) -> Deal:
    """The deal, if the user may see its customer (else 404 as for an unknown one)."""
    deal = (
        visible_rows(request, Deal.objects.select_related("customer", "order"))
        .prefetch_related("lines__product", "stage_changes")
        .filter(pk=deal_id)
        .first()
    )
    if deal is None:
        raise Http404(_("No deal with id %(id)s.") % {"id": deal_id})
    return deal


def _owner(owner_id: int) -> Any:
    owner = get_user_model().objects.filter(pk=owner_id, is_active=True).first()
    if owner is None:
        message = _("No active user with id %(id)s.") % {"id": owner_id}
        raise invalid([field_error([*BODY, "owner_id"], message, "not_found")])
    return owner


@router.get("/", response={200: Page[DealOut], **READ_ERRORS}, summary="List deals")
def list_deals(request: HttpRequest, filters: Query[DealFilters]) -> dict[str, Any]:
    """Deals without their lines, paginated; all filters combine (AND)."""
    require_perms(request, "sales.view_deal")
    deals = deal_search(
        query=filters.q,
        stage=filters.stage or "",
        open_only=bool(filters.open),
        owner_id=filters.owner_id,
        source=filters.source or "",
        customer_id=filters.customer_id,
        sort=filters.ordering,
    )
    return paginate(request, visible_rows(request, deals), filters)


@router.get("/{deal_id}", response={200: DealDetailOut, **ITEM_ERRORS}, summary="Get a deal")
def get_deal(request: HttpRequest, deal_id: int) -> Deal:
    """The deal with its product lines and its stage history, oldest change first."""
    require_perms(request, "sales.view_deal")
    return _deal(request, deal_id)


@router.post("/", response={201: DealDetailOut, **WRITE_ERRORS}, summary="Create a deal")
def create_deal(request: HttpRequest, payload: DealCreate) -> Status[Deal]:
    require_perms(request, "sales.add_deal")
    customer = customer_from_body(
        user=request.user, customer_id=payload.customer_id, customer_number=payload.customer_number
    )
    owner = _owner(payload.owner_id) if payload.owner_id is not None else request.user
    deal = deal_create(
        customer=customer,
        title=payload.title,
        created_by=request.user,
        lines=line_inputs(payload.lines),
        stage=payload.stage,
        value=payload.value,
        probability=payload.probability,
        owner=owner,
        source=payload.source,
        expected_close_date=payload.expected_close_date,
        notes=payload.notes,
    )
    return Status(201, _deal(request, deal.pk))


@router.patch(
    "/{deal_id}",
    response={200: DealDetailOut, **WRITE_ERRORS},
    summary="Update a deal",
)
def update_deal(request: HttpRequest, deal_id: int, payload: DealPatch) -> Deal:
    """Only the fields present in the body change. Send the ``version`` you read: when
    someone changed the deal since, the answer is 409 with the current version, and
    nothing is saved."""
    require_perms(request, "sales.change_deal")
    deal = _deal(request, deal_id)
    fields = payload.model_dump(exclude_unset=True, exclude={"lines", "version"})
    if "owner_id" in fields:
        owner_id = fields.pop("owner_id")
        fields["owner"] = _owner(owner_id) if owner_id is not None else None
    for name in ("title", "value", "source", "notes", "lost_note", "probability"):
        if name in fields and fields[name] is None:
            raise invalid([field_error([*BODY, name], _("This field cannot be null."), "null")])
    if "lost_reason" in fields and fields["lost_reason"] is None:
        fields["lost_reason"] = ""
    lines = line_inputs(payload.lines) if payload.lines is not None else None
    deal_update(
        deal=deal, fields=fields, lines=lines, expected_version=payload.version, user=request.user
    )
    return _deal(request, deal.pk)


@router.post(
    "/{deal_id}/move",
    response={200: DealDetailOut, **WRITE_ERRORS},
    summary="Move a deal to another stage",
)
def move_deal(request: HttpRequest, deal_id: int, payload: DealMove) -> Deal:
    """Moving to ``won`` creates the order from the deal's products (a deal without
    products cannot be won: 422); ``lost`` needs a ``lost_reason``; a won deal whose
    order exists cannot be reopened (422). A stale ``version`` is refused with 409."""
    require_perms(request, "sales.change_deal")
    deal = _deal(request, deal_id)
    deal_move(
        deal=deal,
        stage=payload.stage,
        user=request.user,
        expected_version=payload.version,
        lost_reason=payload.lost_reason or "",
        lost_note=payload.lost_note,
        probability=payload.probability,
    )
    return _deal(request, deal.pk)
