"""/api/audit and /api/customers/{id}/audit: the audit trail, read-only (it is append-only).

The whole trail needs the permission to view audit entries (administrators). A customer's
history needs the permission to view customers (and, with "sales see only their own
accounts", the customer must be the user's); its addresses are shown only to users who may
view the whole trail.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from relata.accounts.visibility import can_see_customer
from relata.api.pagination import paginate
from relata.api.permissions import require_perms
from relata.api.responses import ITEM_ERRORS, READ_ERRORS
from relata.api.schemas.common import BlankOr, ObjectId, Page, PageQuery, Text
from relata.audit.models import AuditAction, AuditSource
from relata.audit.selectors import AuditFilters, audit_entries, customer_history
from relata.customers.models import Customer

router = Router(tags=["Audit trail"])
customer_router = Router(tags=["Audit trail"])


class AuditFilterQuery(PageQuery):
    who: Text = Field("", max_length=150, description="Username of who acted (exact).")
    action: Annotated[str, BlankOr(AuditAction)] = Field("", description="Only this action.")
    object_type: Text = Field(
        "", max_length=100, description='Only this kind of object, e.g. "customers.customer".'
    )
    source: Annotated[str, BlankOr(AuditSource)] = Field(
        "", description="Only entries from this source."
    )
    date_from: date | None = Field(None, description="From this day (inclusive).")
    date_to: date | None = Field(None, description="Up to this day (inclusive).")
    customer_number: Text = Field(
        "", max_length=32, description="Entries about the customer with this number."
    )
    customer_id: ObjectId | None = Field(None, description="Entries about this customer id.")


class AuditEntryOut(Schema):
    id: int
    at: datetime
    actor_id: int | None = Field(description="The user who acted; null: the system or a command.")
    actor_name: str = Field(description='Username, or "cli:<os user>" for a command; may be empty.')
    source: str = Field(description="web, api, cli or system.")
    ip_address: str | None = Field(
        description="The client's address; null when unknown or not shown to you."
    )
    user_agent: str
    action: str
    object_type: str = Field(description='"app_label.model"; empty for sign-ins.')
    object_id: str
    object_label: str = Field(description="A label without personal data.")
    customer_id: int | None
    changes: dict[str, list[Any]] = Field(
        description="{field: [old, new]}; personal fields hold only the fact of a change."
    )
    context: dict[str, Any] = Field(description="Details of the action (counts, ids, format).")


def _page(request: HttpRequest, entries: Any, page: PageQuery, *, show_ip: bool) -> dict[str, Any]:
    result = paginate(request, entries, page)
    if not show_ip:
        for entry in result["items"]:
            entry.ip_address = None
    return result


@router.get("/", response={200: Page[AuditEntryOut], **READ_ERRORS}, summary="The audit trail")
def list_audit_entries(request: HttpRequest, filters: Query[AuditFilterQuery]) -> dict[str, Any]:
    """Entries newest first; all filters combine (AND). Needs the permission to view audit
    entries."""
    require_perms(request, "audit.view_auditentry")
    entries = audit_entries(
        AuditFilters(
            who=filters.who.strip(),
            action=filters.action,
            object_type=filters.object_type.strip(),
            source=filters.source,
            date_from=filters.date_from,
            date_to=filters.date_to,
            customer_number=filters.customer_number.strip(),
            customer_id=filters.customer_id,
        )
    )
    return _page(request, entries, filters, show_ip=True)


@customer_router.get(
    "/{customer_id}/audit",
    response={200: Page[AuditEntryOut], **ITEM_ERRORS},
    summary="A customer's history in the audit trail",
)
def list_customer_audit_entries(
    request: HttpRequest, customer_id: ObjectId, page: Query[PageQuery]
) -> dict[str, Any]:
    """Everything recorded about one customer: changes of the customer, its contact persons,
    consents and deals, merges into it, exports and erasure; newest first."""
    require_perms(request, "customers.view_customer")
    exists = Customer.objects.filter(pk=customer_id).exists()
    if not exists or not can_see_customer(request.user, customer_id):
        raise Http404(_("No customer with id %(id)s.") % {"id": customer_id})
    show_ip = request.user.has_perm("audit.view_auditentry")
    return _page(request, customer_history(customer_id), page, show_ip=show_ip)
