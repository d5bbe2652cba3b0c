"""The value pages: dashboard, the customer lists behind its numbers (with CSV/XLSX export),
the scoring settings, and "score now" for an installation without scores yet. Thin: the
reads are in ``dashboard``, the writes in ``services`` and the settings form."""

from __future__ import annotations

import logging
import tempfile
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.functional import cached_property
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from relata.accounts.roles import ADMIN
from relata.customers.models import Customer
from relata.scoring import dashboard as reads
from relata.scoring import drilldown
from relata.scoring.export import XLSX_MAX_ROWS, csv_lines, write_xlsx
from relata.scoring.forms import DrillDownForm, ScoringSettingsForm
from relata.scoring.models import ScoreRun, ScoringSettings
from relata.scoring.services import score_run_create
from relata.web.http import HtmxHttpRequest, int_param

logger = logging.getLogger(__name__)

PER_PAGE = 50
# "Score now" from the browser runs in the request; larger files use `relata score`.
SCORE_NOW_MAX_CUSTOMERS = 50_000


def can_manage_scoring(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Administrators (the admin group) and whoever may change the scoring settings."""
    if not isinstance(user, User) or not user.is_active:
        return False
    if user.has_perm("scoring.change_scoringsettings"):
        return True
    return user.groups.filter(name=ADMIN).exists()


def _run_id(request: HttpRequest) -> int | None:
    return int_param(request.GET.get("run"))


@login_required
@permission_required("scoring.view_customersnapshot", raise_exception=True)
def dashboard(request: HttpRequest) -> HttpResponse:
    run_id = _run_id(request)
    run = reads.dashboard_run(run_id=run_id)
    if run is None and run_id is not None:
        messages.warning(request, _("That period has no complete score run; showing the latest."))
        run = reads.dashboard_run()
    context: dict[str, Any] = {"can_manage": can_manage_scoring(request.user)}
    if run is None:
        context["customer_count"] = Customer.objects.count()
        context["score_now_limit"] = SCORE_NOW_MAX_CUSTOMERS
        return render(request, "scoring/empty.html", context)
    context.update(
        dashboard=reads.dashboard_build(run=run, viewer=request.user),
        periods=reads.period_choices(),
        drill_url=f"{reverse('scoring:customers')}?run={run.pk}",
    )
    return render(request, "scoring/dashboard.html", context)


class KnownCountPaginator(Paginator):
    """A paginator that takes the total from the run's summary when it is known, so the list
    does not count a million rows to say what the dashboard already said."""

    def __init__(self, object_list: Any, per_page: int, *, known_count: int | None) -> None:
        super().__init__(object_list, per_page)
        self.known_count = known_count

    @cached_property
    def count(self) -> int:
        if self.known_count is not None:
            return self.known_count
        total: int = super().count
        return total


def _drill_request(
    request: HttpRequest,
) -> tuple[DrillDownForm, ScoreRun | None, drilldown.DrillFilter | None]:
    form = DrillDownForm(request.GET)
    if not form.is_valid():
        return form, None, None
    run = reads.dashboard_run(run_id=form.cleaned_data.get("run"))
    return form, run, form.drill_filter()


@login_required
@permission_required("customers.view_customer", raise_exception=True)
def customers(request: HtmxHttpRequest) -> HttpResponse:
    form, run, filters = _drill_request(request)
    context: dict[str, Any] = {"form": form, "run": run}
    status = 200
    if not form.is_valid():
        context["error"] = form.error_text()
        status = 400
    elif run is None or filters is None:
        context["error"] = (
            _("There is no complete score run for that period.")
            if form.cleaned_data.get("run")
            else _("Customers have not been scored yet.")
        )
        status = 404
    else:
        sort = form.cleaned_data.get("sort") or drilldown.DEFAULT_SORT
        snapshots = drilldown.drilldown_snapshots(run=run, filters=filters, sort=sort)
        paginator = KnownCountPaginator(
            snapshots, PER_PAGE, known_count=drilldown.drilldown_count(run=run, filters=filters)
        )
        page: Page = paginator.get_page(request.GET.get("page"))
        context.update(
            page=page,
            filters=filters,
            descriptions=filters.descriptions(),
            sort=sort,
            query=filters.query_string(),
        )
    partial = request.htmx and "error" not in context
    template = "scoring/customers.html#results" if partial else "scoring/customers.html"
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@permission_required("customers.view_customer", raise_exception=True)
def customers_export(request: HttpRequest, file_format: str) -> HttpResponseBase:
    if file_format not in ("csv", "xlsx"):
        raise Http404
    form, run, filters = _drill_request(request)
    if not form.is_valid() or run is None or filters is None:
        messages.error(
            request,
            form.error_text() if not form.is_valid() else _("There is no complete score run."),
        )
        return redirect("scoring:dashboard")
    sort = form.cleaned_data.get("sort") or drilldown.DEFAULT_SORT
    snapshots: Any = drilldown.drilldown_snapshots(run=run, filters=filters, sort=sort)
    stamp = timezone.localdate().isoformat()
    filename = f"relata-customer-value-{run.period_end.isoformat()}-{stamp}.{file_format}"
    dutch = (get_language() or "en").startswith("nl")
    if file_format == "xlsx":
        known = drilldown.drilldown_count(run=run, filters=filters)
        rows = known if known is not None else snapshots.count()
        if rows > XLSX_MAX_ROWS:
            messages.error(
                request,
                _(
                    "%(rows)s customers do not fit on one Excel sheet (at most %(max)s); "
                    "export them as CSV, or narrow the list."
                )
                % {"rows": intcomma(rows), "max": intcomma(XLSX_MAX_ROWS)},
            )
            return redirect(f"{reverse('scoring:customers')}?run={run.pk}&{filters.query_string()}")
        spool = tempfile.SpooledTemporaryFile(max_size=20 * 1024 * 1024)  # noqa: SIM115
        write_xlsx(spool, snapshots, title=str(_("Customer value")))
        spool.seek(0)
        return FileResponse(
            spool,
            as_attachment=True,
            filename=filename,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    delimiter = {"semicolon": ";", "comma": ",", "tab": "\t"}.get(
        request.GET.get("delimiter", ""), ";" if dutch else ","
    )
    response = StreamingHttpResponse(
        csv_lines(snapshots, delimiter=delimiter, decimal_comma=delimiter == ";"),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def settings_edit(request: HttpRequest) -> HttpResponse:
    if not can_manage_scoring(request.user):
        raise PermissionDenied
    stored = ScoringSettings.current()
    form = ScoringSettingsForm(request.POST or None, instance=stored)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(
            request,
            _(
                "Scoring settings saved. They apply from the next score run; earlier periods "
                "keep the scores they were given."
            ),
        )
        return redirect("scoring:settings")
    return render(request, "scoring/settings.html", {"form": form, "stored": stored})


@login_required
@require_POST
def score_now(request: HttpRequest) -> HttpResponse:
    if not can_manage_scoring(request.user):
        raise PermissionDenied
    total = Customer.objects.count()
    if total > SCORE_NOW_MAX_CUSTOMERS:
        messages.warning(
            request,
            _(
                "%(n)s customers are too many to score while you wait; run `relata score` on "
                "the server (or let the scheduled task do it)."
            )
            % {"n": intcomma(total)},
        )
        return redirect("scoring:dashboard")
    try:
        run = score_run_create(period_end=timezone.localdate())
    except Exception as error:
        logger.exception("score run from the dashboard failed")
        messages.error(request, _("Scoring failed: %(reason)s") % {"reason": error})
        return redirect("scoring:dashboard")
    text = ngettext(
        "%(n)s customer scored for the period ending %(date)s.",
        "%(n)s customers scored for the period ending %(date)s.",
        run.customers,
    ) % {
        "n": intcomma(run.customers),
        "date": run.period_end.isoformat(),
    }
    if run.model_fit.get("fallback"):
        text += " " + _("Probabilistic CLV not fitted: %(reason)s") % {
            "reason": run.model_fit["fallback"]
        }
    messages.success(request, text)
    return redirect("scoring:dashboard")
