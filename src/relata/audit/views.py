"""The audit trail pages: the whole trail for administrators, one customer's history for
whoever may see the customer, and the CSV export of the filtered trail."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any

from django.contrib.auth.decorators import permission_required
from django.db.models import QuerySet
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _

from relata.accounts.visibility import can_see_customer
from relata.audit.forms import AuditFilterForm
from relata.audit.models import AuditEntry
from relata.audit.presentation import changes_text, details_text, present
from relata.audit.selectors import audit_entries, customer_history
from relata.customers.models import Customer
from relata.imports.parsing import neutralise_formula
from relata.web.http import HtmxHttpRequest
from relata.web.pagination import paginate, paginate_estimated

PER_PAGE = 50
HISTORY_PER_PAGE = 15
CSV_CHUNK = 1000
MAX_ID = 2**63 - 1


def _filtered(request: HtmxHttpRequest) -> tuple[AuditFilterForm, QuerySet[AuditEntry]]:
    form = AuditFilterForm(request.GET)
    if form.is_valid():
        return form, audit_entries(form.filters())
    return form, AuditEntry.objects.none()


@permission_required("audit.view_auditentry", raise_exception=True)
def audit_list(request: HtmxHttpRequest) -> HttpResponse:
    form, entries = _filtered(request)
    # Invalid filters show their messages over an empty list (an empty queryset cannot be
    # estimated by PostgreSQL's planner, so the list is a plain empty one then).
    rows_source: Any = entries if form.is_valid() else []
    page = paginate_estimated(request, rows_source, per_page=PER_PAGE)
    context = {"form": form, "page": page, "rows": present(page.object_list), "show_ip": True}
    return render(request, "audit/list.html", context)


@permission_required("audit.view_auditentry", raise_exception=True)
def audit_export(request: HtmxHttpRequest) -> StreamingHttpResponse:
    """The filtered trail as CSV (comma-separated, UTF-8 with BOM), streamed."""
    _form, entries = _filtered(request)
    headers = [
        _("When"),
        _("Who"),
        _("Source"),
        _("From address"),
        _("Browser or client"),
        _("Action"),
        _("Object type"),
        _("Object id"),
        _("Object"),
        _("Customer id"),
        _("Changes"),
        _("Details"),
    ]

    class Echo:
        def write(self, value: str) -> str:
            return value

    def rows() -> Iterator[str]:
        writer = csv.writer(Echo(), lineterminator="\r\n")
        yield "\ufeff" + str(writer.writerow(headers))
        chunk: list[AuditEntry] = []
        for entry in entries.iterator(chunk_size=CSV_CHUNK):
            chunk.append(entry)
            if len(chunk) == CSV_CHUNK:
                yield from _csv_lines(writer, chunk)
                chunk = []
        yield from _csv_lines(writer, chunk)

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="relata-audit-trail-{stamp}.csv"'
    return response


def _csv_lines(writer: object, entries: list[AuditEntry]) -> Iterator[str]:
    for view in present(entries):
        entry = view.entry
        cells = [
            timezone.localtime(entry.at).isoformat(timespec="seconds"),
            entry.actor_name,
            entry.get_source_display(),
            entry.ip_address or "",
            entry.user_agent,
            entry.get_action_display(),
            view.type_label,
            entry.object_id,
            entry.object_label,
            "" if entry.customer_id is None else str(entry.customer_id),
            changes_text(view),
            details_text(view),
        ]
        yield str(writer.writerow([neutralise_formula(str(cell)) for cell in cells]))  # type: ignore[attr-defined]


@permission_required("customers.view_customer", raise_exception=True)
def customer_history_view(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """A customer's history: a card on the customer page (htmx) or a page of its own.
    Addresses are shown only to those who may read the whole trail."""
    if pk > MAX_ID:  # larger than any id: not found (a database would overflow on it)
        raise Http404(_("No customer with id %(id)s.") % {"id": pk})
    customer = get_object_or_404(Customer, pk=pk)
    if not can_see_customer(request.user, customer.pk):
        raise Http404(_("No customer with id %(id)s.") % {"id": pk})
    page = paginate(request, customer_history(customer.pk), per_page=HISTORY_PER_PAGE)
    context = {
        "customer": customer,
        "page": page,
        "rows": present(page.object_list),
        "show_ip": request.user.has_perm("audit.view_auditentry"),
    }
    template = (
        "audit/customer_history_rows.html" if request.htmx else "audit/customer_history_page.html"
    )
    return render(request, template, context)
