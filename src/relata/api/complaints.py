"""/api/complaints: list, read, log, update, resolve and reopen complaints."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from relata.api.errors import BODY, field_error, invalid
from relata.api.lookups import customer_from_body
from relata.api.pagination import paginate
from relata.api.permissions import require_perms, visible_rows
from relata.api.responses import ITEM_ERRORS, READ_ERRORS, WRITE_ERRORS
from relata.api.schemas.common import Page
from relata.api.schemas.complaints import (
    ComplaintCreate,
    ComplaintFilters,
    ComplaintOut,
    ComplaintPatch,
    ComplaintResolve,
    ComplaintVersion,
)
from relata.contacts.complaint_selectors import complaint_search
from relata.contacts.complaint_services import (
    complaint_create,
    complaint_reopen,
    complaint_resolve,
    complaint_update,
)
from relata.contacts.models import Complaint, ContactMoment
from relata.sales.models import Order

router = Router(tags=["Complaints"])


def _with_moments(complaints: QuerySet[Complaint]) -> QuerySet[Complaint]:
    moments = ContactMoment.objects.only("id", "complaint_id").order_by("occurred_at", "id")
    return complaints.select_related("customer").prefetch_related(
        Prefetch("contact_moments", queryset=moments)
    )


def _complaint(request: HttpRequest, complaint_id: int) -> Complaint:
    """The complaint, if the user may see its customer (else 404 as for an unknown one)."""
    complaints = visible_rows(request, Complaint.objects.filter(pk=complaint_id))
    complaint = _with_moments(complaints).first()
    if complaint is None:
        raise Http404(_("No complaint with id %(id)s.") % {"id": complaint_id})
    return complaint


def _owner(owner_id: int | None) -> Any:
    if owner_id is None:
        return None
    owner = get_user_model().objects.filter(pk=owner_id, is_active=True).first()
    if owner is None:
        raise invalid(
            [
                field_error(
                    [*BODY, "owner_id"],
                    _("No active user with id %(id)s.") % {"id": owner_id},
                    "not_found",
                )
            ]
        )
    return owner


def _order(request: HttpRequest, order_id: int | None) -> Order | None:
    if order_id is None:
        return None
    order = visible_rows(request, Order.objects.filter(pk=order_id)).first()
    if order is None:
        raise invalid(
            [
                field_error(
                    [*BODY, "order_id"],
                    _("No order with id %(id)s.") % {"id": order_id},
                    "not_found",
                )
            ]
        )
    return order


@router.get("/", response={200: Page[ComplaintOut], **READ_ERRORS}, summary="List complaints")
def list_complaints(request: HttpRequest, filters: Query[ComplaintFilters]) -> dict[str, Any]:
    """Complaints, newest first, paginated; all filters combine (AND)."""
    require_perms(request, "contacts.view_complaint")
    complaints = complaint_search(
        status=filters.status or "",
        cause=filters.cause or "",
        touchpoint=filters.touchpoint or "",
        channel=filters.channel or "",
        owner_id=filters.owner_id,
        customer_id=filters.customer_id,
        date_from=filters.date_from,
        date_to=filters.date_to,
    )
    if filters.customer_number:
        complaints = complaints.filter(customer__customer_number=filters.customer_number.strip())
    return paginate(request, _with_moments(visible_rows(request, complaints)), filters)


@router.get(
    "/{complaint_id}", response={200: ComplaintOut, **ITEM_ERRORS}, summary="Get a complaint"
)
def get_complaint(request: HttpRequest, complaint_id: int) -> Complaint:
    require_perms(request, "contacts.view_complaint")
    return _complaint(request, complaint_id)


@router.post("/", response={201: ComplaintOut, **WRITE_ERRORS}, summary="Log a complaint")
def create_complaint(request: HttpRequest, payload: ComplaintCreate) -> Status[Complaint]:
    """Logs the complaint and the contact moment it came in through; the customer's account
    owner is notified when someone else logs it."""
    require_perms(request, "contacts.add_complaint")
    customer = customer_from_body(
        user=request.user, customer_id=payload.customer_id, customer_number=payload.customer_number
    )
    complaint = complaint_create(
        customer=customer,
        received_at=payload.received_at,
        channel=payload.channel,
        touchpoint=payload.touchpoint,
        cause=payload.cause,
        subject=payload.subject,
        description=payload.description,
        owner=_owner(payload.owner_id),
        order=_order(request, payload.order_id),
        created_by=request.user,
    )
    return Status(201, _complaint(request, complaint.pk))


@router.patch(
    "/{complaint_id}",
    response={200: ComplaintOut, **WRITE_ERRORS},
    summary="Update a complaint",
)
def update_complaint(request: HttpRequest, complaint_id: int, payload: ComplaintPatch) -> Any:
    """Only the fields present in the body change. Send the ``version`` you read: if someone
    changed the complaint since, the answer is 409 and nothing changes."""
    require_perms(request, "contacts.change_complaint")
    complaint = _complaint(request, complaint_id)
    fields = payload.model_dump(exclude_unset=True, exclude={"version"})
    for required in ("received_at", "channel", "touchpoint", "cause", "subject", "status"):
        if required in fields and fields[required] is None:
            raise invalid([field_error([*BODY, required], _("This field cannot be null."), "null")])
    for text in ("description", "resolution"):
        if text in fields and fields[text] is None:
            fields[text] = ""
    if "owner_id" in fields:
        fields["owner"] = _owner(fields.pop("owner_id"))
    if "order_id" in fields:
        fields["order"] = _order(request, fields.pop("order_id"))
    complaint_update(complaint=complaint, fields=fields, version=payload.version)
    return _complaint(request, complaint.pk)


@router.post(
    "/{complaint_id}/resolve",
    response={200: ComplaintOut, **WRITE_ERRORS},
    summary="Resolve a complaint",
)
def resolve_complaint(request: HttpRequest, complaint_id: int, payload: ComplaintResolve) -> Any:
    """Close an open complaint as resolved (or as not upheld: ``status: "rejected"``) with
    the resolution; ``resolved_at`` defaults to now. A closed complaint gives 422."""
    require_perms(request, "contacts.change_complaint")
    complaint = _complaint(request, complaint_id)
    complaint_resolve(
        complaint=complaint,
        resolution=payload.resolution,
        status=payload.status,
        resolved_at=payload.resolved_at,
        version=payload.version,
    )
    return _complaint(request, complaint.pk)


@router.post(
    "/{complaint_id}/reopen",
    response={200: ComplaintOut, **WRITE_ERRORS},
    summary="Reopen a complaint",
)
def reopen_complaint(
    request: HttpRequest, complaint_id: int, payload: ComplaintVersion | None = None
) -> Any:
    """Open a closed complaint again; an open one gives 422."""
    require_perms(request, "contacts.change_complaint")
    complaint = _complaint(request, complaint_id)
    complaint_reopen(complaint=complaint, version=payload.version if payload else None)
    return _complaint(request, complaint.pk)
