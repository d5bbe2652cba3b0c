"""/api/customers/{id}/export and /erase: a customer's personal data out, or erased.

Both need a token with the ``personal_data`` scope on top of the user's permission
(``customers.export_customer`` / ``customers.erase_customer``)."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from relata.accounts.models import TokenScope
from relata.accounts.visibility import can_see_customer
from relata.api.errors import ErrorOut
from relata.api.permissions import require_perms, require_scope
from relata.api.responses import ITEM_ERRORS, WRITE_ERRORS
from relata.customers.models import Customer
from relata.privacy.export import customer_export_json
from relata.privacy.services import erase_customer
from relata.privacy.views import record_export

customer_router = Router(tags=["Privacy"])


class ExportOut(Schema):
    customer: dict[str, Any] = Field(description="Every field of the customer record.")
    sections: dict[str, list[dict[str, Any]]] = Field(
        description=(
            "Every row that belongs to the customer, per kind (orders, order_lines, deals, "
            "consents, contact_moments, …, audit_entries). Dates are ISO 8601, decimals "
            "strings, staff members user names, other references ids (`<field>_id`)."
        )
    )
    generated_at: str
    generated_by: str | None


class ErasureIn(Schema):
    reason: str = Field(
        min_length=1,
        max_length=500,
        description="Why the data is erased; kept in the audit trail (no personal data).",
    )


class ErasureOut(Schema):
    id: int
    customer_number: str
    erased_at: str
    counts: dict[str, int] = Field(
        description="Rows deleted, emptied or scrubbed, per model and field group."
    )


def _customer(request: HttpRequest, customer_id: int) -> Customer:
    customer = Customer.objects.filter(pk=customer_id).first()
    if customer is None or not can_see_customer(request.user, customer.pk):
        raise Http404(_("No customer with id %(id)s.") % {"id": customer_id})
    return customer


@customer_router.get(
    "/{customer_id}/export",
    response={200: ExportOut, **ITEM_ERRORS},
    summary="Export everything about a customer",
)
def export_customer(request: HttpRequest, customer_id: int) -> dict[str, Any]:
    """All personal data of one customer (GDPR art. 15 and 20): the record, every row that
    belongs to it, the full consent log and the audit trail about it. Needs the
    ``personal_data`` token scope and the export permission; each call is audited."""
    require_perms(request, "customers.export_customer")
    require_scope(request, TokenScope.PERSONAL_DATA)
    customer = _customer(request, customer_id)
    data = customer_export_json(customer, by=request.user)
    record_export(customer, export_format="json")
    return data


@customer_router.post(
    "/{customer_id}/erase",
    response={200: ErasureOut, **WRITE_ERRORS},
    summary="Erase a customer's personal data",
)
def erase(request: HttpRequest, customer_id: int, payload: ErasureIn) -> Any:
    """Anonymise the customer (GDPR art. 17): names, contact and profile data, contact
    persons, social profiles and free texts go; orders, amounts and scores stay so revenue
    totals stay honest; consents stay as evidence. Cannot be undone. ``409`` if the customer
    was erased before. Needs the ``personal_data`` token scope and the erase permission."""
    require_perms(request, "customers.erase_customer")
    require_scope(request, TokenScope.PERSONAL_DATA)
    customer = _customer(request, customer_id)
    if customer.erased_at is not None:
        message = _("Customer %(number)s was already erased.") % {
            "number": customer.customer_number
        }
        return Status(409, ErrorOut(detail=message))
    result = erase_customer(customer, by=request.user, reason=payload.reason)
    erased = result.customer
    return {
        "id": erased.pk,
        "customer_number": erased.customer_number,
        "erased_at": erased.erased_at.isoformat() if erased.erased_at else "",
        "counts": result.counts,
    }
