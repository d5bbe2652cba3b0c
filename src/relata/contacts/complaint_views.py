"""Complaint pages: list, detail (resolve, reopen), log, edit, report (with CSV export)."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from relata.concurrency import StaleEditError
from relata.contacts.complaint_forms import (
    ComplaintCustomerForm,
    ComplaintEditForm,
    ComplaintFilterForm,
    ComplaintForm,
    ComplaintReportForm,
    ComplaintResolveForm,
)
from relata.contacts.complaint_selectors import (
    ComplaintReport,
    complaint_report,
    complaint_search,
)
from relata.contacts.complaint_services import (
    complaint_create,
    complaint_reopen,
    complaint_resolve,
    complaint_update,
)
from relata.contacts.models import Complaint
from relata.customers.models import Customer
from relata.web.http import HtmxHttpRequest, int_param
from relata.web.pagination import paginate


def _complaint(pk: int) -> Complaint:
    return get_object_or_404(
        Complaint.objects.select_related("customer", "owner", "order", "created_by"), pk=pk
    )


@login_required
@permission_required("contacts.view_complaint", raise_exception=True)
def complaint_list(request: HtmxHttpRequest) -> HttpResponse:
    form = ComplaintFilterForm(request.GET or None)
    filters = {k: v for k, v in (form.cleaned_data if form.is_valid() else {}).items() if v}
    owner = filters.pop("owner", "")
    complaints = complaint_search(
        query=filters.pop("q", ""),
        owner_id=request.user.pk if owner == "me" else None,
        viewer=request.user,
        **filters,
    )
    page = paginate(request, complaints, per_page=50)
    context = {"form": form, "page": page, "hx_target": "#complaint-results"}
    template = "complaints/list.html#results" if request.htmx else "complaints/list.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _detail_context(complaint: Complaint, **extra: Any) -> dict[str, Any]:
    return {
        "complaint": complaint,
        "moments": complaint.contact_moments.select_related("staff").order_by("-occurred_at"),
        "tasks": complaint.tasks.select_related("assignee").order_by("-created_at")[:20],
        **extra,
    }


@login_required
@permission_required("contacts.view_complaint", raise_exception=True)
def complaint_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    complaint = _complaint(pk)
    form = ComplaintResolveForm(
        initial={"version": complaint.version, "resolution": complaint.resolution}
    )
    return render(request, "complaints/detail.html", _detail_context(complaint, form=form))


@login_required
@require_POST
@permission_required("contacts.change_complaint", raise_exception=True)
def complaint_resolve_view(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    complaint = _complaint(pk)
    form = ComplaintResolveForm(request.POST)
    stale = False
    if form.is_valid():
        try:
            complaint_resolve(
                complaint=complaint,
                resolution=form.cleaned_data["resolution"],
                status=form.cleaned_data["status"],
                resolved_at=form.cleaned_data["resolved_at"],
                version=form.cleaned_data["version"],
            )
        except StaleEditError as error:
            form.add_error(None, str(error))
            stale = True
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Complaint closed."))
            return redirect("complaints:detail", pk=complaint.pk)
    complaint = _complaint(pk)
    context = _detail_context(complaint, form=form, stale=stale)
    return render(request, "complaints/detail.html", context, status=409 if stale else 200)


@login_required
@require_POST
@permission_required("contacts.change_complaint", raise_exception=True)
def complaint_reopen_view(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    complaint = _complaint(pk)
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = complaint.version
    try:
        complaint_reopen(complaint=complaint, version=version)
    except StaleEditError as error:
        messages.error(request, str(error))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Complaint reopened."))
    return redirect("complaints:detail", pk=complaint.pk)


@login_required
@permission_required("contacts.add_complaint", raise_exception=True)
def complaint_log(request: HtmxHttpRequest) -> HttpResponse:
    """Log a complaint. From the customer file the customer is given (``?customer=<id>``);
    otherwise the page first asks for the customer number."""
    customer_id = int_param(request.GET.get("customer"))
    if customer_id is None:
        chooser = ComplaintCustomerForm(request.GET if "customer_number" in request.GET else None)
        if chooser.is_valid():
            chosen = chooser.cleaned_data["customer_number"]
            return redirect(f"{request.path}?customer={chosen.pk}")
        return render(request, "complaints/choose_customer.html", {"form": chooser})
    customer = get_object_or_404(Customer.objects.select_related("account_owner"), pk=customer_id)
    form = ComplaintForm(
        request.POST or None, customer=customer, initial={"owner": request.user.pk}
    )
    if request.method == "POST" and form.is_valid():
        try:
            complaint = complaint_create(
                customer=customer, created_by=request.user, **form.complaint_fields()
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Complaint logged."))
            return redirect("complaints:detail", pk=complaint.pk)
    return render(request, "complaints/form.html", {"form": form, "customer": customer})


@login_required
@permission_required("contacts.change_complaint", raise_exception=True)
def complaint_edit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    complaint = _complaint(pk)
    form = ComplaintEditForm(request.POST or None, instance=complaint, customer=complaint.customer)
    stale = False
    if request.method == "POST" and form.is_valid():
        try:
            complaint_update(
                complaint=complaint,
                fields=form.complaint_fields(),
                version=form.cleaned_data["version"],
            )
        except StaleEditError as error:
            form.add_error(None, str(error))
            stale = True
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("complaints:detail", pk=complaint.pk)
    context = {"form": form, "customer": complaint.customer, "complaint": complaint, "stale": stale}
    return render(request, "complaints/form.html", context, status=409 if stale else 200)


@login_required
@permission_required("contacts.view_complaint", raise_exception=True)
def complaint_report_view(request: HtmxHttpRequest) -> HttpResponse:
    form = ComplaintReportForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    report = complaint_report(
        date_from=filters.get("date_from"),
        date_to=filters.get("date_to"),
        channel=filters.get("channel", ""),
    )
    if request.GET.get("format") == "csv":
        return _report_csv(report)
    if not form.is_bound:
        # Show the default period in the fields, so the user sees what they are reading.
        form.initial = {"date_from": report.date_from, "date_to": report.date_to}
    groups = [
        (_("Per cause"), report.by_cause, "cause_times", "cause"),
        (_("Per touchpoint"), report.by_touchpoint, "touchpoint_times", "touchpoint"),
        (_("Per channel"), report.by_channel, "channel", "channel"),
    ]
    context = {
        "form": form,
        "report": report,
        "groups": groups,
        "chart_data": _chart_data(report),
    }
    return render(request, "complaints/report.html", context)


def _hours_text(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def _report_csv(report: ComplaintReport) -> HttpResponse:
    """The report's tables one below the other, each with a title row, for a spreadsheet."""
    stream = io.StringIO()
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow(
        [_("Complaints report"), report.date_from.isoformat(), report.date_to.isoformat()]
    )
    writer.writerow([])
    writer.writerow(
        [_("Cause \\ touchpoint"), *[label for _v, label in report.touchpoints], _("Total")]
    )
    for row in report.cross:
        writer.writerow([row.label, *row.cells, row.total])
    writer.writerow([_("Total"), *report.cross_totals, report.total])
    header = [
        _("Complaints"),
        _("Open"),
        _("Resolved"),
        _("Closed, not upheld"),
        _("Median resolution time (hours)"),
        _("Mean resolution time (hours)"),
    ]
    sections = (
        (_("Cause"), report.by_cause),
        (_("Touchpoint"), report.by_touchpoint),
        (_("Channel"), report.by_channel),
    )
    for title, rows in sections:
        writer.writerow([])
        writer.writerow([title, *header])
        for group in rows:
            writer.writerow(
                [
                    group.label,
                    group.total,
                    group.open,
                    group.resolved,
                    group.rejected,
                    _hours_text(group.times.median_hours),
                    _hours_text(group.times.mean_hours),
                ]
            )
    writer.writerow([])
    writer.writerow(
        [_("Month"), _("Complaints"), _("Closed by now"), *[label for _v, label in report.causes]]
    )
    for month in report.months:
        writer.writerow(
            [
                month.month.strftime("%Y-%m"),
                month.total,
                month.closed,
                *[month.by_cause.get(cause, 0) for cause, _label in report.causes],
            ]
        )
    response = HttpResponse("\ufeff" + stream.getvalue(), content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="complaints-report-{stamp}.csv"'
    return response


def _chart_data(report: ComplaintReport) -> dict[str, Any]:
    """What the report's charts draw, for json_script (labels already translated)."""
    return {
        "labels": {
            "complaints": _("Complaints"),
            "median": _("Median (hours)"),
            "mean": _("Mean (hours)"),
            "open": _("Open"),
            "closed": _("Closed"),
            # The unit after a number of hours, as in "12 h".
            "hours": _("h"),
        },
        "touchpoints": [label for _v, label in report.touchpoints],
        "heatmap": [
            [x, y, count] for y, row in enumerate(report.cross) for x, count in enumerate(row.cells)
        ],
        "causes": [row.label for row in report.cross],
        "by_cause": [
            {
                "label": row.label,
                "total": row.total,
                "open": row.open,
                "median": row.times.median_hours,
                "mean": row.times.mean_hours,
            }
            for row in report.by_cause
        ],
        "by_touchpoint": [
            {
                "label": row.label,
                "total": row.total,
                "median": row.times.median_hours,
                "mean": row.times.mean_hours,
            }
            for row in report.by_touchpoint
        ],
        "by_channel": [{"label": row.label, "total": row.total} for row in report.by_channel],
        "months": [month.month.strftime("%Y-%m") for month in report.months],
        "month_series": [
            {"label": label, "values": [m.by_cause.get(cause, 0) for m in report.months]}
            for cause, label in report.causes
            if any(m.by_cause.get(cause) for m in report.months)
        ],
    }
