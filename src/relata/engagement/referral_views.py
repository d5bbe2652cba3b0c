"""Referral pages: the list with totals and top referrers, recording a referral by code,
rewarding or rejecting one, and issuing a customer's code."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from relata.customers.models import Customer
from relata.engagement.models import Referral
from relata.engagement.referral_forms import (
    ReferralFilterForm,
    ReferralRecordForm,
    ReferralRejectForm,
)
from relata.engagement.referral_selectors import referral_list, referral_totals, top_referrers
from relata.engagement.referral_services import (
    referral_code_format,
    referral_code_issue,
    referral_record,
    referral_reject,
    referral_reward,
)
from relata.web.http import HtmxHttpRequest
from relata.web.pagination import paginate


def _referral_or_404(pk: int) -> Referral:
    referral = Referral.objects.select_related("referrer", "referred").filter(pk=pk).first()
    if referral is None:
        raise Http404(_("No referral with id %(id)s.") % {"id": pk})
    return referral


def _list_page(
    request: HtmxHttpRequest, record_form: ReferralRecordForm, status: int = 200
) -> HttpResponse:
    form = ReferralFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    page = paginate(
        request,
        referral_list(status=filters.get("status") or "", query=filters.get("q") or ""),
        per_page=25,
    )
    context = {
        "page": page,
        "form": form,
        "record_form": record_form,
        "reject_form": ReferralRejectForm(),
        "totals": referral_totals(),
        "top": top_referrers(),
    }
    template = (
        "engagement/referrals/list.html#results"
        if request.htmx and request.method == "GET"
        else "engagement/referrals/list.html"
    )
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@permission_required("engagement.view_referral", raise_exception=True)
def referrals(request: HtmxHttpRequest) -> HttpResponse:
    return _list_page(request, ReferralRecordForm())


@login_required
@require_POST
@permission_required("engagement.add_referral", raise_exception=True)
def record(request: HtmxHttpRequest) -> HttpResponse:
    form = ReferralRecordForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            referral = referral_record(
                referred=data["referred"],
                code=data["code"],
                referred_on=data["referred_on"],
                note=data["note"],
                actor=request.user,
                viewer=request.user,
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, error)
        else:
            messages.success(
                request,
                _("%(referred)s is recorded as referred by %(referrer)s (%(status)s).")
                % {
                    "referred": referral.referred.display_name,
                    "referrer": referral.referrer.display_name,
                    "status": referral.get_status_display().lower(),
                },
            )
            return redirect("referrals:list")
    return _list_page(request, form, status=400)


@login_required
@require_POST
@permission_required("engagement.change_referral", raise_exception=True)
def reward(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    referral = _referral_or_404(pk)
    try:
        rewarded = referral_reward(referral=referral, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Referral rewarded: %(points)s points for %(name)s.")
            % {"points": rewarded.reward_points, "name": rewarded.referrer.display_name},
        )
    return redirect("referrals:list")


@login_required
@require_POST
@permission_required("engagement.change_referral", raise_exception=True)
def reject(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    referral = _referral_or_404(pk)
    form = ReferralRejectForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the referral is rejected."))
        return redirect("referrals:list")
    try:
        referral_reject(referral=referral, reason=form.cleaned_data["reason"], actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Referral rejected."))
    return redirect("referrals:list")


@login_required
@require_POST
@permission_required("engagement.add_referralcode", raise_exception=True)
def issue_code(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    customer = Customer.objects.filter(pk=pk).first()
    if customer is None:
        raise Http404(_("No customer with id %(id)s.") % {"id": pk})
    code = referral_code_issue(customer=customer)
    messages.success(
        request,
        _("Referral code of %(name)s: %(code)s")
        % {"name": customer.display_name, "code": referral_code_format(code.code)},
    )
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return HttpResponseRedirect(target)
    return redirect(reverse("customers:detail", kwargs={"pk": customer.pk}))
