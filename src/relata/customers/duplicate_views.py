"""Pages to find likely duplicate customers and merge them: list → preview → result."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import DatabaseError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from relata.concurrency import StaleEditError
from relata.customers.duplicates import (
    MATCH_LABELS,
    customers_touched_between,
    duplicate_groups,
    duplicate_key_list,
)
from relata.customers.merge import KEEP, MERGE, MERGE_FIELDS, customers_merge, merge_preview
from relata.customers.models import Customer
from relata.web.http import HtmxHttpRequest, int_param

GROUPS_PER_PAGE = 20
RESULT_SESSION_KEY = "customers_merge_result"


def _import_scope(request: HtmxHttpRequest) -> tuple[Any, Any]:
    """The import batch named by ``?import=`` and the customers it wrote, or (None, None)."""
    from relata.imports.models import ImportBatch, ImportKind

    batch_id = int_param(request.GET.get("import"))
    if batch_id is None:
        return None, None
    batches = ImportBatch.objects.filter(kind=ImportKind.CUSTOMERS)
    if not request.user.is_superuser:
        batches = batches.filter(created_by=request.user)  # type: ignore[misc]
    batch = batches.filter(pk=batch_id).first()
    window = (batch.detected or {}).get("written_between") if batch else None
    if not window:
        return None, None
    start, end = (parse_datetime(value) for value in window)
    return batch, customers_touched_between(start, end)


@login_required
@permission_required("customers.merge_customer", raise_exception=True)
def duplicate_list(request: HtmxHttpRequest) -> HttpResponse:
    match = request.GET.get("match", "")
    if match not in MATCH_LABELS:
        match = ""
    batch, within = _import_scope(request)
    # One GROUP BY per match type (an index-only scan on PostgreSQL); the list of shared keys
    # is small next to the customers, so it is paginated here instead of counted again.
    keys = list(duplicate_key_list(match=match, within=within))
    page = Paginator(keys, GROUPS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "groups": duplicate_groups(page.object_list),
        "match": match,
        "matches": [(value, str(label)) for value, label in MATCH_LABELS.items()],
        "batch": batch,
    }
    template = "customers/duplicates.html#results" if request.htmx else "customers/duplicates.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _pair(request: HtmxHttpRequest) -> tuple[Customer, Customer] | None:
    params = request.POST if request.method == "POST" else request.GET
    keep_id, merge_id = int_param(params.get("keep")), int_param(params.get("merge"))
    if keep_id is None or merge_id is None:
        return None
    customers = Customer.objects.select_related("account_owner")
    return get_object_or_404(customers, pk=keep_id), get_object_or_404(customers, pk=merge_id)


@login_required
@permission_required("customers.merge_customer", raise_exception=True)
def merge_page(request: HtmxHttpRequest) -> HttpResponse:
    """GET: side-by-side preview with a choice per differing field. POST: merge."""
    pair = _pair(request)
    if pair is None:
        messages.error(request, _("Choose two customers to merge."))
        return redirect("customers:duplicates")
    keep, merge = pair
    if keep.pk == merge.pk:
        messages.error(request, _("A customer cannot be merged with itself."))
        return redirect("customers:duplicates")
    error = ""
    if request.method == "POST":
        choices = {
            name: request.POST[f"field_{name}"]
            for name in MERGE_FIELDS
            if request.POST.get(f"field_{name}") in (KEEP, MERGE)
        }
        try:
            result = customers_merge(
                keep=keep,
                merge=merge,
                field_choices=choices,
                user=request.user,  # type: ignore[arg-type]
                keep_version=int_param(request.POST.get("keep_version")),
                merge_version=int_param(request.POST.get("merge_version")),
            )
        except StaleEditError:
            error = _(
                "One of the two customers was changed by someone else since this preview was "
                "shown. The preview below shows the latest data; check it and merge again."
            )
            keep.refresh_from_db()
            merge.refresh_from_db()
        except (ValidationError, DatabaseError) as exc:
            messages_text = getattr(exc, "messages", None) or [str(exc)]
            error = _("The customers could not be merged: %(reason)s") % {
                "reason": " ".join(messages_text)
            }
            keep.refresh_from_db()
            merge.refresh_from_db()
        else:
            request.session[RESULT_SESSION_KEY] = {
                "keep": result.keep.pk,
                "merged_number": result.merged_number,
                "moved": result.moved,
                "deleted": result.deleted,
            }
            return redirect("customers:merge_result")
    preview = merge_preview(keep=keep, merge=merge)
    context = {
        "preview": preview,
        "keep": keep,
        "merge": merge,
        "error": error,
    }
    return render(request, "customers/merge_preview.html", context, status=409 if error else 200)


@login_required
@permission_required("customers.merge_customer", raise_exception=True)
def merge_result(request: HtmxHttpRequest) -> HttpResponse:
    result = request.session.get(RESULT_SESSION_KEY)
    if not result:
        return redirect("customers:duplicates")
    keep = Customer.objects.filter(pk=result["keep"]).first()
    if keep is None:
        return redirect("customers:duplicates")
    return render(request, "customers/merge_result.html", {"result": result, "keep": keep})
