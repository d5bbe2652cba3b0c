"""/api/customers/{id}/timeline: everything that happened with a customer, in one stream."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router

from relata.api.errors import field_error, invalid
from relata.api.permissions import require_perms, visible_customer_rows
from relata.api.responses import ITEM_ERRORS
from relata.api.schemas.timeline import TimelineFilters, TimelineOut
from relata.contacts.selectors import TIMELINE_TYPES, customer_timeline

customer_router = Router(tags=["Timeline"])


@customer_router.get(
    "/{customer_id}/timeline",
    response={200: TimelineOut, **ITEM_ERRORS},
    summary="A customer's timeline",
)
def get_timeline(
    request: HttpRequest, customer_id: int, filters: Query[TimelineFilters]
) -> dict[str, Any]:
    """Contact moments, orders, deals (created, stage changes, won, lost), tasks (created,
    completed) and complaints (received, closed) of one customer, newest first. Only the
    kinds the token's user may view are included; ``truncated`` says more exist than
    ``limit``."""
    require_perms(request, "customers.view_customer")
    if filters.type and filters.type not in TIMELINE_TYPES:
        expected = ", ".join(TIMELINE_TYPES)
        raise invalid(
            [
                field_error(
                    ["query", "type"],
                    _("Input should be one of %(expected)s.") % {"expected": expected},
                    "enum",
                )
            ]
        )
    customer = visible_customer_rows(request).filter(pk=customer_id).first()
    if customer is None:
        raise Http404(_("No customer with id %(id)s.") % {"id": customer_id})
    timeline = customer_timeline(
        customer=customer,
        kind=filters.type,
        channel=filters.channel or "",
        limit=filters.limit,
        user=request.user,
    )
    return {
        "customer_id": customer.pk,
        "type": timeline.kind,
        "channel": timeline.channel,
        "limit": timeline.limit,
        "truncated": timeline.truncated,
        "entries": [
            {
                "when": entry.when,
                "date_only": entry.date_only,
                "type": entry.kind,
                "event": entry.event,
                "title": entry.title,
                "meta": entry.meta,
                "detail": entry.detail,
                "channel": entry.channel,
                "status": entry.status,
                "url": entry.url,
            }
            for entry in timeline.entries
        ],
    }
