"""Loyalty pages: the overview with points per month and liability, the members-versus-
non-members report, settings, members with balances, and a customer's points (ledger,
enrol, redeem, adjust, leave)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from relata.customers.models import Customer
from relata.engagement.loyalty_forms import (
    AdjustForm,
    EnrolForm,
    LeaveForm,
    MemberFilterForm,
    ProgrammeForm,
    RedeemForm,
)
from relata.engagement.loyalty_report import loyalty_report_cached
from relata.engagement.loyalty_selectors import (
    member_list,
    member_of,
    member_stats,
    points_expiring,
    points_ledger,
    points_per_month,
)
from relata.engagement.loyalty_services import (
    PROGRAMME_FIELDS,
    loyalty_programme_save,
    member_enrol,
    member_leave,
    points_adjust,
    points_redeem,
)
from relata.engagement.models import LoyaltyProgramme
from relata.engagement.programme_selectors import customer_programme_summary
from relata.web.http import HtmxHttpRequest
from relata.web.pagination import paginate


def _customer_or_404(pk: int) -> Customer:
    customer = Customer.objects.filter(pk=pk).first()
    if customer is None:
        raise Http404(_("No customer with id %(id)s.") % {"id": pk})
    return customer


def _back(request: HtmxHttpRequest, default: str) -> HttpResponse:
    """To the page the form came from (the customer file) when safe, else ``default``."""
    target = request.POST.get("next", "")
    if not target or not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = default
    return HttpResponseRedirect(target)


def _errors(error: ValidationError) -> str:
    return " ".join(error.messages)


def _form_errors(form: Any) -> str:
    return " ".join(
        f"{form.fields[name].label}: {' '.join(errors)}"
        if name in form.fields
        else " ".join(errors)
        for name, errors in form.errors.items()
    )


def _ledger_url(customer: Customer) -> str:
    return reverse("loyalty:customer", kwargs={"pk": customer.pk})


@login_required
@permission_required("engagement.view_loyaltymember", raise_exception=True)
def overview(request: HtmxHttpRequest) -> HttpResponse:
    months = points_per_month(months=24)
    programme = LoyaltyProgramme.current()
    context = {
        "programme": programme,
        "stats": member_stats(),
        "months": months,
        "chart_data": {
            "months": [m.month.isoformat()[:7] for m in months],
            "earned": [m.earned for m in months],
            "redeemed": [m.redeemed for m in months],
            "expired": [m.expired for m in months],
            "other": [m.other for m in months],
            "labels": {
                "earned": _("Earned"),
                "redeemed": _("Redeemed"),
                "expired": _("Expired"),
                "other": _("Referral, welcome and adjustments"),
                "points": _("points"),
            },
        },
    }
    return render(request, "engagement/loyalty/overview.html", context)


@login_required
@permission_required("engagement.view_loyaltymember", raise_exception=True)
def report(request: HtmxHttpRequest) -> HttpResponse:
    built = loyalty_report_cached()
    context = {"report": built, "chart_data": built.chart_data()}
    return render(request, "engagement/loyalty/report.html", context)


@login_required
@permission_required("engagement.change_loyaltyprogramme", raise_exception=True)
def settings_view(request: HtmxHttpRequest) -> HttpResponse:
    programme = LoyaltyProgramme.current()
    form = ProgrammeForm(request.POST or None, instance=programme)
    if request.method == "POST" and form.is_valid():
        try:
            loyalty_programme_save(
                fields={name: form.cleaned_data[name] for name in PROGRAMME_FIELDS}
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Programme settings saved."))
            return redirect("loyalty:overview")
    return render(request, "engagement/loyalty/settings.html", {"form": form})


@login_required
@permission_required("engagement.view_loyaltymember", raise_exception=True)
def members(request: HtmxHttpRequest) -> HttpResponse:
    form = MemberFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    page = paginate(
        request,
        member_list(query=filters.get("q") or "", status=filters.get("status") or "active"),
        per_page=25,
    )
    context = {
        "page": page,
        "form": form,
        "enrol_form": EnrolForm(),
        "programme": LoyaltyProgramme.current(),
    }
    template = (
        "engagement/loyalty/members.html#results"
        if request.htmx
        else "engagement/loyalty/members.html"
    )
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@require_POST
@permission_required("engagement.add_loyaltymember", raise_exception=True)
def enrol(request: HtmxHttpRequest) -> HttpResponse:
    form = EnrolForm(request.POST, user=request.user)
    default = reverse("loyalty:members")
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return _back(request, default)
    customer: Customer = form.cleaned_data["the_customer"]
    try:
        member = member_enrol(
            customer=customer, joined_on=form.cleaned_data["joined_on"], actor=request.user
        )
    except ValidationError as error:
        messages.error(request, _errors(error))
    else:
        messages.success(
            request,
            _("%(name)s is a member now (number %(number)s).")
            % {"name": customer.display_name, "number": member.member_number},
        )
    return _back(request, _ledger_url(customer))


@login_required
@permission_required("engagement.view_pointsentry", raise_exception=True)
def customer_points(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    customer = _customer_or_404(pk)
    summary = customer_programme_summary(customer=customer)
    context = {
        "customer": customer,
        "summary": summary,
        "expiring": points_expiring(customer=customer, limit=3),
        "page": paginate(request, points_ledger(customer=customer), per_page=30),
        "redeem_form": RedeemForm(),
        "adjust_form": AdjustForm(),
        "leave_form": LeaveForm(),
        "enrol_form": EnrolForm(initial={"customer": customer.pk}),
        "today": timezone.localdate(),
    }
    return render(request, "engagement/loyalty/customer.html", context)


@login_required
@require_POST
@permission_required("engagement.add_pointsentry", raise_exception=True)
def redeem(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    customer = _customer_or_404(pk)
    form = RedeemForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return _back(request, _ledger_url(customer))
    try:
        entry = points_redeem(
            customer=customer,
            points=form.cleaned_data["points"],
            note=form.cleaned_data["note"],
            actor=request.user,
        )
    except ValidationError as error:
        messages.error(request, _errors(error))
    else:
        messages.success(
            request,
            _("%(points)s points redeemed: %(note)s")
            % {"points": -entry.points, "note": entry.note},
        )
    return _back(request, _ledger_url(customer))


@login_required
@require_POST
@permission_required("engagement.add_pointsentry", raise_exception=True)
def adjust(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    customer = _customer_or_404(pk)
    form = AdjustForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect(_ledger_url(customer))
    try:
        points_adjust(
            customer=customer,
            points=form.cleaned_data["points"],
            note=form.cleaned_data["note"],
            actor=request.user,
        )
    except ValidationError as error:
        messages.error(request, _errors(error))
    else:
        messages.success(request, _("Points adjusted."))
    return redirect(_ledger_url(customer))


@login_required
@require_POST
@permission_required("engagement.change_loyaltymember", raise_exception=True)
def leave(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    customer = _customer_or_404(pk)
    member = member_of(customer=customer)
    form = LeaveForm(request.POST)
    if member is None:
        messages.error(request, _("%(name)s is not a member.") % {"name": customer.display_name})
    elif not form.is_valid():
        messages.error(request, _form_errors(form))
    else:
        try:
            member_leave(member=member, left_on=form.cleaned_data["left_on"])
        except ValidationError as error:
            messages.error(request, _errors(error))
        else:
            messages.success(
                request,
                _("%(name)s left the programme; the points stay valid until they expire.")
                % {"name": customer.display_name},
            )
    return redirect(_ledger_url(customer))
