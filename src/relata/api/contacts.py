"""/api/contact-moments: list, read, log and update contact moments."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from relata.api.errors import BODY, field_error, invalid
from relata.api.lookups import customer_from_body
from relata.api.pagination import paginate
from relata.api.permissions import api_user, require_perms, visible_rows
from relata.api.responses import ITEM_ERRORS, READ_ERRORS, WRITE_ERRORS
from relata.api.schemas.common import Page
from relata.api.schemas.contacts import (
    ContactMomentCreate,
    ContactMomentFilters,
    ContactMomentOut,
    ContactMomentPatch,
)
from relata.api.selectors import contact_moment_list
from relata.contacts.models import ContactMoment
from relata.contacts.services import contact_moment_log, contact_moment_update
from relata.sales.models import Order

router = Router(tags=["Contact moments"])


def _moment(request: HttpRequest, moment_id: int) -> ContactMoment:
    """The contact moment, if the user may see its customer (else 404 as for an unknown)."""
    moments = visible_rows(request, ContactMoment.objects.select_related("customer"))
    moment = moments.filter(pk=moment_id).first()
    if moment is None:
        raise Http404(_("No contact moment with id %(id)s.") % {"id": moment_id})
    return moment


def _check_links(*, customer_id: int, fields: dict[str, Any], moment_id: int | None = None) -> None:
    """The linked order must be the customer's; an external id may be used once."""
    errors = []
    order_id = fields.get("order_id")
    if order_id is not None:
        owner = Order.objects.filter(pk=order_id).values_list("customer_id", flat=True).first()
        if owner is None:
            errors.append(
                field_error(
                    [*BODY, "order_id"],
                    _("No order with id %(id)s.") % {"id": order_id},
                    "not_found",
                )
            )
        elif owner != customer_id:
            errors.append(
                field_error(
                    [*BODY, "order_id"],
                    _("Order %(id)s belongs to another customer.") % {"id": order_id},
                )
            )
    external_id = fields.get("external_id")
    if external_id:
        taken = ContactMoment.objects.filter(external_id=external_id)
        if moment_id is not None:
            taken = taken.exclude(pk=moment_id)
        if taken.exists():
            errors.append(
                field_error(
                    [*BODY, "external_id"],
                    _("A contact moment with external id %(id)s already exists.")
                    % {"id": external_id},
                    "unique",
                )
            )
    if errors:
        raise invalid(errors)


@router.get(
    "/", response={200: Page[ContactMomentOut], **READ_ERRORS}, summary="List contact moments"
)
def list_contact_moments(
    request: HttpRequest, filters: Query[ContactMomentFilters]
) -> dict[str, Any]:
    """Contact moments, newest first by default, paginated; all filters combine (AND)."""
    require_perms(request, "contacts.view_contactmoment")
    moments = contact_moment_list(
        customer_id=filters.customer_id,
        customer_number=filters.customer_number,
        channel=filters.channel or "",
        touchpoint=filters.touchpoint or "",
        direction=filters.direction or "",
        office=filters.office or "",
        outcome=filters.outcome or "",
        date_from=filters.date_from,
        date_to=filters.date_to,
        ordering=filters.ordering,
    )
    if filters.friction:
        moments = moments.filter(friction=filters.friction)
    return paginate(request, visible_rows(request, moments), filters)


@router.get(
    "/{moment_id}",
    response={200: ContactMomentOut, **ITEM_ERRORS},
    summary="Get a contact moment",
)
def get_contact_moment(request: HttpRequest, moment_id: int) -> ContactMoment:
    require_perms(request, "contacts.view_contactmoment")
    return _moment(request, moment_id)


@router.post("/", response={201: ContactMomentOut, **WRITE_ERRORS}, summary="Log a contact moment")
def create_contact_moment(
    request: HttpRequest, payload: ContactMomentCreate
) -> Status[ContactMoment]:
    require_perms(request, "contacts.add_contactmoment")
    customer = customer_from_body(
        user=request.user, customer_id=payload.customer_id, customer_number=payload.customer_number
    )
    fields = payload.model_dump(exclude_unset=True, exclude={"customer_id", "customer_number"})
    fields.setdefault("staff_id", request.user.pk)
    _check_links(customer_id=customer.pk, fields=fields)
    moment = contact_moment_log(customer=customer, actor=api_user(request), **fields)
    return Status(201, _moment(request, moment.pk))


@router.patch(
    "/{moment_id}",
    response={200: ContactMomentOut, **WRITE_ERRORS},
    summary="Update a contact moment",
)
def update_contact_moment(
    request: HttpRequest, moment_id: int, payload: ContactMomentPatch
) -> ContactMoment:
    """Only the fields present in the body change."""
    require_perms(request, "contacts.change_contactmoment")
    moment = _moment(request, moment_id)
    fields = payload.model_dump(exclude_unset=True)
    _check_links(customer_id=moment.customer_id, fields=fields, moment_id=moment.pk)
    contact_moment_update(moment=moment, fields=fields)
    return _moment(request, moment.pk)
