"""Pages of the deal pipeline: board, list, detail, create/edit, move, funnel, win-back."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from relata.accounts.visibility import visible_customers
from relata.concurrency import StaleEditError
from relata.customers.models import Customer
from relata.customers.selectors import customer_search
from relata.sales.deal_forms import (
    DealFilterForm,
    DealForm,
    DealLineFormSet,
    DealMoveForm,
    FunnelForm,
)
from relata.sales.deal_selectors import (
    deal_board,
    deal_contact_moments,
    deal_detail,
    deal_funnel,
    deal_history,
    deal_search,
    owners_with_deals,
    win_back_customers,
    win_back_run_label,
)
from relata.sales.deal_services import deal_move, deal_save_with_lines
from relata.sales.models import STAGE_PROBABILITY, Deal, DealSource, DealStage, LostReason
from relata.web.http import HtmxHttpRequest, int_param
from relata.web.pagination import paginate, paginate_estimated

FILTER_KEYS = ("q", "owner", "source")


def _messages_of(error: ValidationError) -> str:
    return " ".join(error.messages)


def _board_context(request: HtmxHttpRequest, params: Any) -> dict[str, Any]:
    form = DealFilterForm(params)
    form.is_valid()
    filters = {key: form.cleaned_data.get(key) or "" for key in FILTER_KEYS}
    columns = deal_board(
        owner_id=form.owner_id(request.user),
        source=filters["source"],
        query=filters["q"],
        viewer=request.user,
    )
    # The card's move controls are the same on every card: rendered once, not per card.
    move_controls = render_to_string(
        "deals/move_controls.html",
        {"stages": DealStage.choices},
    )
    filter_query = urlencode({k: v for k, v in filters.items() if v})
    return {
        "columns": columns,
        "board_url": reverse("deals:board") + (f"?{filter_query}" if filter_query else ""),
        "move_controls": move_controls,
        "move_label": _("Move"),
        "filters": filters,
        "filter_query": filter_query,
        "owners": owners_with_deals(),
        "sources": DealSource.choices,
        "lost_reasons": LostReason.choices,
        "stages": DealStage.choices,
    }


@login_required
@permission_required("sales.view_deal", raise_exception=True)
def deal_board_page(request: HtmxHttpRequest) -> HttpResponse:
    context = _board_context(request, request.GET)
    template = "deals/board.html#board" if request.htmx else "deals/board.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@require_POST
@permission_required("sales.change_deal", raise_exception=True)
def deal_move_view(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Move a deal to another stage (board drop, detail page, or the card's form). htmx
    requests get the re-rendered board with the outcome; others are redirected."""
    deal = get_object_or_404(Deal.objects.select_related("customer", "order", "owner"), pk=pk)
    form = DealMoveForm(request.POST)
    error = ""
    if not form.is_valid():
        error = _("The move could not be made: %(problems)s") % {
            "problems": "; ".join(
                f"{form.fields[name].label}: {' '.join(str(e) for e in errors)}"
                for name, errors in form.errors.items()
            )
        }
    else:
        data = form.cleaned_data
        try:
            deal_move(
                deal=deal,
                stage=data["stage"],
                user=request.user,
                expected_version=data["version"],
                lost_reason=data["lost_reason"],
                lost_note=data["lost_note"],
            )
        except StaleEditError as stale:
            error = str(stale)
        except ValidationError as invalid:
            error = _messages_of(invalid)
    won_order = deal.order if not error and deal.stage == DealStage.WON else None
    success = ""
    if not error:
        success = _("“%(title)s” moved to %(stage)s.") % {
            "title": deal.title,
            "stage": DealStage(deal.stage).label,
        }
        if won_order is not None:
            success += " " + _("Order %(number)s was created.") % {"number": won_order.order_number}
    if request.htmx:
        context = _board_context(request, request.POST)
        context.update(
            {"move_error": error, "move_success": success, "won_order": won_order, "moved": deal}
        )
        return render(request, "deals/board.html#board", context)
    if error:
        # The deal's page has the full move form (with the lost reason) and the message.
        messages.error(request, error)
        return redirect("deals:detail", pk=deal.pk)
    messages.success(request, success)
    following = request.POST.get("next", "")
    # Only a path on this site; not redirect(), which would take a bare word for a URL name.
    if following.startswith("/") and url_has_allowed_host_and_scheme(
        following, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return HttpResponseRedirect(following)
    return redirect("deals:detail", pk=deal.pk)


@login_required
@permission_required("sales.view_deal", raise_exception=True)
def deal_list(request: HtmxHttpRequest) -> HttpResponse:
    form = DealFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    stage = data.get("stage", "")
    deals = deal_search(
        query=data.get("q", ""),
        stage=stage if stage != "open" else "",
        open_only=stage == "open",
        owner_id=form.owner_id(request.user) if data else None,
        source=data.get("source", ""),
        customer_id=data.get("customer"),
        sort=data.get("sort") or "-created",
        viewer=request.user,
    )
    page = paginate_estimated(request, deals, per_page=50)
    customer = None
    if data.get("customer"):
        customer = visible_customers(request.user).filter(pk=data["customer"]).first()
    context = {
        "form": form,
        "page": page,
        "owners": owners_with_deals(),
        "sort": data.get("sort") or "-created",
        "filter_customer": customer,
    }
    template = "deals/list.html#results" if request.htmx else "deals/list.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@permission_required("sales.view_deal", raise_exception=True)
def deal_detail_page(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    deal = deal_detail(pk=pk)
    if deal is None:
        raise Http404(_("No deal with id %(id)s.") % {"id": pk})
    context = {
        "deal": deal,
        "lines": deal.lines.select_related("product"),
        "history": deal_history(deal=deal),
        "moments": deal_contact_moments(deal=deal),
        "move_form": DealMoveForm(initial={"version": deal.version, "stage": deal.stage}),
        "stages": [s for s in DealStage if s != deal.stage],
        "lost_reasons": LostReason.choices,
    }
    return render(request, "deals/detail.html", context)


def _deal_form_page(request: HtmxHttpRequest, deal: Deal, customer: Customer) -> HttpResponse:
    post = request.POST if request.method == "POST" else None
    form = DealForm(
        post, instance=deal, initial={"customer": customer.pk, "owner": _owner(request, deal)}
    )
    formset = DealLineFormSet(post, instance=deal)
    stale = None
    if post is not None and form.is_valid() and formset.is_valid():
        saved = form.save(commit=False)
        saved.customer = customer
        if saved.probability is None:
            saved.probability = STAGE_PROBABILITY[DealStage(saved.stage)]
        try:
            saved = deal_save_with_lines(
                deal=saved,
                changed_lines=formset.save(commit=False),
                deleted_lines=formset.deleted_objects,
                expected_version=form.cleaned_data.get("version"),
                user=request.user,
            )
        except StaleEditError as error:
            stale = error
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Deal “%(title)s” saved.") % {"title": saved.title})
            return redirect("deals:detail", pk=saved.pk)
    context = {
        "form": form,
        "formset": formset,
        "deal": deal,
        "customer": customer,
        "stale": stale,
    }
    return render(request, "deals/form.html", context, status=409 if stale else 200)


def _owner(request: HtmxHttpRequest, deal: Deal) -> Any:
    return deal.owner_id if deal.pk else request.user.pk


@login_required
@permission_required("sales.add_deal", raise_exception=True)
def deal_create_page(request: HtmxHttpRequest) -> HttpResponse:
    customer_id = int_param(request.POST.get("customer") or request.GET.get("customer"))
    if customer_id is None:
        return _customer_pick(request)
    customer = get_object_or_404(Customer, pk=customer_id)
    return _deal_form_page(request, Deal(customer=customer), customer)


def _customer_pick(request: HtmxHttpRequest) -> HttpResponse:
    """Step one of a new deal: find the customer (live search with htmx, a plain GET form
    without JavaScript)."""
    query = request.GET.get("q", "").strip()
    matches = list(customer_search(query=query, viewer=request.user)[:20]) if query else []
    context = {"query": query, "matches": matches}
    template = "deals/customer_pick.html#matches" if request.htmx else "deals/customer_pick.html"
    return render(request, template, context)


@login_required
@permission_required("sales.change_deal", raise_exception=True)
def deal_edit_page(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    deal = get_object_or_404(Deal.objects.select_related("customer", "order"), pk=pk)
    return _deal_form_page(request, deal, deal.customer)


@login_required
@permission_required("sales.view_deal", raise_exception=True)
def deal_funnel_page(request: HtmxHttpRequest) -> HttpResponse:
    today = timezone.localdate()
    params = request.GET.copy()
    # The inputs show the period the report covers: the last twelve months by default.
    params.setdefault("date_to", today.isoformat())
    params.setdefault("date_from", (today - timedelta(days=365)).isoformat())
    form = FunnelForm(params)
    funnel = deal_funnel(**form.cleaned_data) if form.is_valid() else None
    chart = None
    if funnel is not None:
        chart = {
            "stages": [
                {"name": str(step.label), "value": step.reached} for step in funnel.overall.steps
            ],
            "title": _("Deals reaching each stage"),
        }
    return render(request, "deals/funnel.html", {"form": form, "funnel": funnel, "chart": chart})


@login_required
@permission_required("sales.view_deal", raise_exception=True)
def win_back_page(request: HtmxHttpRequest) -> HttpResponse:
    owner = request.GET.get("owner", "")
    owner_id = request.user.pk if owner == "me" else None
    page = paginate(request, win_back_customers(owner_id=owner_id), per_page=50)
    context = {
        "page": page,
        "owner": owner,
        "run_period": win_back_run_label(),
        "reasons": dict(LostReason.choices),
        "board_url": reverse("deals:board"),
    }
    return render(request, "deals/win_back.html", context)
