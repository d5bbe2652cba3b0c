"""/api/customers/{id}/consents and /api/consents: consent decisions per channel × purpose.

Decisions are append-only: recording one never changes an earlier one; the latest per
channel and purpose is in force. A customer without a decision has not consented.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from relata.api.pagination import paginate
from relata.api.permissions import require_perms, visible_customer_rows, visible_rows
from relata.api.responses import ITEM_ERRORS, READ_ERRORS, WRITE_ERRORS
from relata.api.schemas.common import Page
from relata.api.schemas.consents import (
    ConsentDecisionIn,
    ConsentDecisionOut,
    ConsentFilters,
    ConsentListItemOut,
    CustomerConsentsOut,
)
from relata.customers.models import Consent, Customer
from relata.customers.selectors import consent_history, consent_latest, consent_matrix
from relata.customers.services import consent_record

customer_router = Router(tags=["Consents"])
router = Router(tags=["Consents"])


def _customer(request: HttpRequest, customer_id: int) -> Customer:
    """The customer, if the user may see it (else 404 as for an unknown one)."""
    customer = visible_customer_rows(request, Customer.objects.filter(pk=customer_id)).first()
    if customer is None:
        raise Http404(_("No customer with id %(id)s.") % {"id": customer_id})
    return customer


@customer_router.get(
    "/{customer_id}/consents",
    response={200: CustomerConsentsOut, **ITEM_ERRORS},
    summary="A customer's consents: in force and history",
)
def get_customer_consents(request: HttpRequest, customer_id: int) -> dict[str, Any]:
    require_perms(request, "customers.view_consent")
    customer = _customer(request, customer_id)
    in_force = [
        state.consent
        for row in consent_matrix(customer=customer)
        for state in row.states
        if state.consent is not None
    ]
    history = []
    for change in consent_history(customer=customer):
        change.consent.previous_granted = change.previous  # type: ignore[attr-defined]
        history.append(change.consent)
    return {"customer_id": customer.pk, "in_force": in_force, "history": history}


@customer_router.post(
    "/{customer_id}/consents",
    response={201: ConsentDecisionOut, **WRITE_ERRORS},
    summary="Record a consent decision",
)
def record_customer_consent(
    request: HttpRequest, customer_id: int, payload: ConsentDecisionIn
) -> Status[Consent]:
    """Appends the decision; it is in force from now on. Earlier decisions stay as evidence."""
    require_perms(request, "customers.add_consent")
    customer = _customer(request, customer_id)
    consent = consent_record(
        customer=customer,
        channel=payload.channel,
        purpose=payload.purpose,
        granted=payload.granted,
        source=payload.source.strip(),
        recorded_by=request.user if request.user.is_authenticated else None,
    )
    return Status(201, consent)


@router.get(
    "/",
    response={200: Page[ConsentListItemOut], **READ_ERRORS},
    summary="List the consent decisions in force",
)
def list_consents(request: HttpRequest, filters: Query[ConsentFilters]) -> dict[str, Any]:
    """The latest decision per customer, channel and purpose (earlier ones are left out),
    ordered by customer, channel and purpose. For a mailing list, ask for `channel`,
    `purpose` and `granted=true`."""
    require_perms(request, "customers.view_consent")
    decisions = consent_latest(
        channel=filters.channel, purpose=filters.purpose, granted=filters.granted
    )
    if filters.customer_id is not None:
        decisions = decisions.filter(customer_id=filters.customer_id)
    if filters.recorded_since is not None:
        decisions = decisions.filter(recorded_at__gte=filters.recorded_since)
    decisions = visible_rows(request, decisions)
    decisions = decisions.select_related("customer", "recorded_by").order_by(
        "customer_id", "channel", "purpose"
    )
    return paginate(request, decisions, filters)
