"""/api/orders: list, read, create and update orders with their lines."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from relata.api.lookups import customer_from_body, line_inputs
from relata.api.pagination import paginate
from relata.api.permissions import require_perms, visible_rows
from relata.api.responses import ITEM_ERRORS, READ_ERRORS, WRITE_ERRORS
from relata.api.schemas.common import Page
from relata.api.schemas.orders import (
    OrderCreate,
    OrderDetailOut,
    OrderFilters,
    OrderOut,
    OrderPatch,
)
from relata.api.selectors import order_list
from relata.sales.models import Order
from relata.sales.services import order_create, order_update

router = Router(tags=["Orders"])


def _order(request: HttpRequest, order_id: int) -> Order:
    """The order, if the user may see its customer (else 404 as for an unknown one)."""
    order = (
        visible_rows(request, Order.objects.select_related("customer"))
        .prefetch_related("lines__product")
        .filter(pk=order_id)
        .first()
    )
    if order is None:
        raise Http404(_("No order with id %(id)s.") % {"id": order_id})
    return order


@router.get("/", response={200: Page[OrderOut], **READ_ERRORS}, summary="List orders")
def list_orders(request: HttpRequest, filters: Query[OrderFilters]) -> dict[str, Any]:
    """Orders without their lines, paginated; all filters combine (AND)."""
    require_perms(request, "sales.view_order")
    orders = order_list(
        customer_id=filters.customer_id,
        customer_number=filters.customer_number,
        status=filters.status or "",
        channel=filters.channel or "",
        date_from=filters.date_from,
        date_to=filters.date_to,
        ordering=filters.ordering,
    )
    return paginate(request, visible_rows(request, orders), filters)


@router.get("/{order_id}", response={200: OrderDetailOut, **ITEM_ERRORS}, summary="Get an order")
def get_order(request: HttpRequest, order_id: int) -> Order:
    require_perms(request, "sales.view_order")
    return _order(request, order_id)


@router.post("/", response={201: OrderDetailOut, **WRITE_ERRORS}, summary="Create an order")
def create_order(request: HttpRequest, payload: OrderCreate) -> Status[Order]:
    require_perms(request, "sales.add_order")
    customer = customer_from_body(
        user=request.user, customer_id=payload.customer_id, customer_number=payload.customer_number
    )
    lines = line_inputs(payload.lines)
    fields = payload.model_dump(
        exclude_unset=True, exclude={"customer_id", "customer_number", "lines"}
    )
    with transaction.atomic():
        order = order_create(customer=customer, lines=lines, **fields)
    return Status(201, _order(request, order.pk))


@router.patch(
    "/{order_id}", response={200: OrderDetailOut, **WRITE_ERRORS}, summary="Update an order"
)
def update_order(request: HttpRequest, order_id: int, payload: OrderPatch) -> Order:
    """Only the fields present in the body change; ``lines`` replace all lines."""
    require_perms(request, "sales.change_order")
    order = _order(request, order_id)
    lines = line_inputs(payload.lines) if payload.lines is not None else None
    fields = payload.model_dump(exclude_unset=True, exclude={"lines"})
    order_update(order=order, fields=fields, lines=lines)
    return _order(request, order.pk)
