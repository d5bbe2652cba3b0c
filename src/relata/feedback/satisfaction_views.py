"""The satisfaction page (DOMAIN.md §7, §17): NPS over time, CSAT per touchpoint and channel
with a control check ("are our touchpoints under control?"), the latest detractor comments,
and the control table as CSV or XLSX."""

from __future__ import annotations

import tempfile
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from relata.analytics.satisfaction import (
    BASELINE_PERIODS,
    MIN_ANSWERS,
    MIN_BASELINE_ANSWERS,
    OUT_OF_CONTROL,
    TOO_FEW,
)
from relata.feedback.satisfaction_charts import control_chart_data, nps_chart_data
from relata.feedback.satisfaction_export import csv_text, write_xlsx
from relata.feedback.satisfaction_forms import SatisfactionFilterForm
from relata.feedback.satisfaction_selectors import (
    detractor_comments,
    has_answers,
    satisfaction_report_cached,
)

PERMISSION = "feedback.view_surveyresponse"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _form(request: HttpRequest) -> SatisfactionFilterForm:
    data = request.GET.copy()
    data.pop("format", None)
    return SatisfactionFilterForm(data or None)


@login_required
@permission_required(PERMISSION, raise_exception=True)
def overview(request: HttpRequest) -> HttpResponse:
    form = _form(request)
    filters = form.filters()
    report = satisfaction_report_cached(filters)
    if not form.is_bound:
        # Show the default range in the fields, so the reader sees what is counted.
        form.initial = {"date_from": filters.date_from, "date_to": filters.date_to}
    table = report.control
    statuses = table.status_counts()
    query = request.GET.copy()
    query.pop("format", None)
    context: dict[str, Any] = {
        "form": form,
        "filters": filters,
        "report": report,
        "nps": report.nps,
        "nps_rows": [
            {"period": period, "figures": report.nps.series.at(i)}
            for i, period in enumerate(report.nps.periods)
        ],
        "table": table,
        "out_of_control": statuses.get(OUT_OF_CONTROL, 0),
        "cells_judged": sum(statuses.values()),
        "too_few": statuses.get(TOO_FEW, 0),
        "comments": detractor_comments(filters, viewer=request.user),
        "any_answers": report.nps.answers or table.answers or has_answers(),
        "nps_chart": nps_chart_data(report.nps),
        "control_chart": control_chart_data(table),
        "latest_period": table.periods[-1] if table.periods else None,
        "baseline_periods": BASELINE_PERIODS,
        "min_answers": MIN_ANSWERS,
        "min_baseline_answers": MIN_BASELINE_ANSWERS,
        "query": query.urlencode(),
    }
    return render(request, "feedback/satisfaction/overview.html", context)


@login_required
@permission_required(PERMISSION, raise_exception=True)
def export(request: HttpRequest, file_format: str) -> HttpResponseBase:
    """The control table of the page's filters, as CSV or XLSX."""
    if file_format not in ("csv", "xlsx"):
        raise Http404
    form = _form(request)
    filters = form.filters()
    if form.is_bound and form.errors:
        messages.error(request, _("Fix the filters before exporting."))
        return redirect(f"{reverse('satisfaction:overview')}?{request.GET.urlencode()}")
    table = satisfaction_report_cached(filters).control
    stamp = timezone.localdate().isoformat()
    filename = f"relata-touchpoints-{filters.date_from}-{filters.date_to}-{stamp}.{file_format}"
    if file_format == "xlsx":
        spool = tempfile.SpooledTemporaryFile(max_size=5 * 1024 * 1024)  # noqa: SIM115
        write_xlsx(spool, table)
        spool.seek(0)
        return FileResponse(spool, as_attachment=True, filename=filename, content_type=XLSX)
    dutch = (get_language() or "en").startswith("nl")
    delimiter = {"semicolon": ";", "comma": ",", "tab": "\t"}.get(
        request.GET.get("delimiter", ""), ";" if dutch else ","
    )
    response = HttpResponse(
        csv_text(table, filters, delimiter=delimiter), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
