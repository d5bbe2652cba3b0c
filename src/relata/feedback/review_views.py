"""Review pages: the list (filters, sort, rating summary per product, most helpful), one
review, and entering, editing and deleting reviews and comments."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from relata.customers.models import Customer
from relata.feedback.models import Review
from relata.feedback.review_forms import ReviewFilterForm, ReviewForm
from relata.feedback.review_selectors import (
    DEFAULT_SORT,
    rating_summary,
    review_list,
    review_sites,
    top_helpful,
)
from relata.feedback.review_services import review_create, review_delete, review_update
from relata.web.http import HtmxHttpRequest, int_param
from relata.web.pagination import paginate


def form_errors(form: forms.Form, error: ValidationError, renames: dict[str, str]) -> None:
    """A service's refusal shown on the form: at the field it names, else above the form."""
    if hasattr(error, "error_dict"):
        for name, texts in error.message_dict.items():
            target = renames.get(name, name)
            form.add_error(target if target in form.fields else None, texts)
    else:
        form.add_error(None, error)


def safe_next(request: HttpRequest, target: str) -> str:
    """``target`` when it is a path on this site (the page to return to), else ""."""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


def _review(pk: int) -> Review:
    review = Review.objects.select_related("customer", "product").filter(pk=pk).first()
    if review is None:
        raise Http404(_("No review with id %(id)s.") % {"id": pk})
    return review


@login_required
@permission_required("feedback.view_review", raise_exception=True)
def review_list_view(request: HtmxHttpRequest) -> HttpResponse:
    form = ReviewFilterForm(request.GET or None)
    filters = form.filters()
    reviews = review_list(**filters)
    customer_id = filters.get("customer_id")
    context: dict[str, Any] = {
        "form": form,
        "page": paginate(request, reviews, per_page=25),
        "summary": rating_summary(reviews),
        "top": top_helpful(reviews),
        "sites": review_sites(),
        "sort": filters.get("sort", DEFAULT_SORT),
        "customer": Customer.objects.filter(pk=customer_id).first() if customer_id else None,
        "hx_target": "#review-results",
    }
    template = (
        "feedback/reviews/list.html#results" if request.htmx else "feedback/reviews/list.html"
    )
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@permission_required("feedback.view_review", raise_exception=True)
def review_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "feedback/reviews/detail.html", {"review": _review(pk)})


def _form_page(
    request: HttpRequest, form: ReviewForm, *, customer: Customer | None, review: Review | None
) -> HttpResponse:
    back = safe_next(request, str(form["next"].value() or ""))
    context = {"form": form, "customer": customer, "review": review, "back": back}
    return render(request, "feedback/reviews/form.html", context)


@login_required
@permission_required("feedback.add_review", raise_exception=True)
def review_create_view(request: HttpRequest) -> HttpResponse:
    """Enter a review or comment; from the customer file the customer is given
    (``?customer=<id>``) and the page returns there (``next``)."""
    customer = None
    customer_id = int_param(request.GET.get("customer"))
    if customer_id is not None:
        customer = get_object_or_404(Customer, pk=customer_id)
    form = ReviewForm(
        request.POST or None,
        with_customer=customer is None,
        initial={"next": request.GET.get("next", "")},
    )
    if request.method == "POST" and form.is_valid():
        try:
            review = review_create(
                customer=customer or form.cleaned_data["customer"], **form.review_fields()
            )
        except ValidationError as error:
            form_errors(form, error, {"customer": "customer"})
        else:
            messages.success(
                request,
                _("%(kind)s of %(name)s saved.")
                % {"kind": review.get_kind_display(), "name": review.customer.display_name},
            )
            target = safe_next(request, form.cleaned_data["next"])
            return HttpResponseRedirect(target or reverse("reviews:detail", args=[review.pk]))
    return _form_page(request, form, customer=customer, review=None)


@login_required
@permission_required("feedback.change_review", raise_exception=True)
def review_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    review = _review(pk)
    initial = {**ReviewForm.initial_from(review), "next": request.GET.get("next", "")}
    form = ReviewForm(request.POST or None, with_customer=False, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            review_update(review=review, fields=form.review_fields())
        except ValidationError as error:
            form_errors(form, error, {})
        else:
            messages.success(request, _("Changes saved."))
            target = safe_next(request, form.cleaned_data["next"])
            return HttpResponseRedirect(target or reverse("reviews:detail", args=[review.pk]))
    return _form_page(request, form, customer=review.customer, review=review)


@login_required
@permission_required("feedback.delete_review", raise_exception=True)
def review_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    review = _review(pk)
    back = safe_next(request, request.POST.get("next") or request.GET.get("next", ""))
    if request.method == "POST":
        review_delete(review=review)
        messages.success(
            request,
            _("%(kind)s of %(name)s deleted.")
            % {"kind": review.get_kind_display(), "name": review.customer.display_name},
        )
        return HttpResponseRedirect(back or reverse("reviews:list"))
    return render(request, "feedback/reviews/delete.html", {"review": review, "back": back})
