"""/api/events: report what happened to a customer elsewhere (an NPS answer, a web shop's
event). The event is stored and the trigger rules it sets off fire at once; the answer
says what fired."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest
from ninja import Router, Status

from relata.api.lookups import customer_from_body
from relata.api.permissions import require_perms
from relata.api.responses import WRITE_ERRORS
from relata.api.schemas.engagement_events import EventIn, EventRecorded
from relata.api.triggers import with_links
from relata.engagement.models import CustomerEventKind, TriggerEvent, TriggerFiring
from relata.engagement.trigger_services import customer_event_record, trigger_fire_immediate

router = Router(tags=["Events"])


@router.post("/", response={201: EventRecorded, **WRITE_ERRORS}, summary="Report an event")
def report_event(request: HttpRequest, payload: EventIn) -> Status[dict[str, Any]]:
    """Store the event; an NPS answer of 0–6 fires the NPS-detractor rules at once (for
    customers in the rules' segments). ``fired`` lists the firings with their outcome
    (done, refused for want of consent, skipped, failed) and what they made."""
    require_perms(request, "engagement.add_customerevent")
    customer = customer_from_body(
        user=request.user, customer_id=payload.customer_id, customer_number=payload.customer_number
    )
    with transaction.atomic():
        event = customer_event_record(
            customer=customer,
            kind=payload.kind,
            name=payload.name,
            score=payload.score,
            payload=payload.payload,
            occurred_at=payload.occurred_at,
            source=payload.source,
        )
    fired: list[TriggerFiring] = []
    if event.kind == CustomerEventKind.NPS:
        # The receivers fired the rules when the event was committed; firing again here is
        # a no-op then, and covers a caller whose transaction has not committed yet.
        trigger_fire_immediate(event=TriggerEvent.NPS_DETRACTOR, customer_id=customer.pk)
        firings = TriggerFiring.objects.filter(customer=customer, event_key=f"nps:{event.pk}")
        fired = with_links(list(firings.select_related("rule").order_by("pk")))
    return Status(201, {"event": event, "fired": fired})
