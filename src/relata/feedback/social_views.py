"""Social profile pages: the list with the reach per platform, and adding, editing and
deleting profiles."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from relata.customers.models import Customer
from relata.feedback.models import SocialProfile
from relata.feedback.review_views import form_errors, safe_next
from relata.feedback.social_forms import SocialFilterForm, SocialProfileForm
from relata.feedback.social_selectors import DEFAULT_SORT, reach_totals, social_profile_list
from relata.feedback.social_services import (
    handle_shown,
    social_profile_create,
    social_profile_delete,
    social_profile_update,
)
from relata.web.http import HtmxHttpRequest, int_param
from relata.web.pagination import paginate


def _label(profile: SocialProfile) -> str:
    shown = handle_shown(platform=profile.platform, handle=profile.handle)
    return f"{profile.get_platform_display()} {shown}"


def _profile(pk: int) -> SocialProfile:
    profile = SocialProfile.objects.select_related("customer").filter(pk=pk).first()
    if profile is None:
        raise Http404(_("No social profile with id %(id)s.") % {"id": pk})
    return profile


@login_required
@permission_required("feedback.view_socialprofile", raise_exception=True)
def profile_list_view(request: HtmxHttpRequest) -> HttpResponse:
    form = SocialFilterForm(request.GET or None)
    filters = form.filters()
    profiles = social_profile_list(**filters)
    context: dict[str, Any] = {
        "form": form,
        "page": paginate(request, profiles, per_page=25),
        "totals": reach_totals(),
        "filtered": reach_totals(profiles) if filters.keys() - {"sort"} else None,
        "sort": filters.get("sort", DEFAULT_SORT),
        "hx_target": "#social-results",
    }
    template = "feedback/social/list.html#results" if request.htmx else "feedback/social/list.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _form_page(
    request: HttpRequest,
    form: SocialProfileForm,
    *,
    customer: Customer | None,
    profile: SocialProfile | None,
) -> HttpResponse:
    back = safe_next(request, str(form["next"].value() or ""))
    context = {"form": form, "customer": customer, "profile": profile, "back": back}
    return render(request, "feedback/social/form.html", context)


@login_required
@permission_required("feedback.add_socialprofile", raise_exception=True)
def profile_create_view(request: HttpRequest) -> HttpResponse:
    """Add a profile; from the customer file the customer is given (``?customer=<id>``) and
    the page returns there (``next``)."""
    customer = None
    customer_id = int_param(request.GET.get("customer"))
    if customer_id is not None:
        customer = get_object_or_404(Customer, pk=customer_id)
    form = SocialProfileForm(
        request.POST or None,
        with_customer=customer is None,
        initial={"next": request.GET.get("next", "")},
    )
    if request.method == "POST" and form.is_valid():
        try:
            profile = social_profile_create(
                customer=customer or form.cleaned_data["customer"], **form.profile_fields()
            )
        except ValidationError as error:
            form_errors(form, error, {})
        else:
            messages.success(
                request,
                _("Profile %(profile)s of %(name)s saved.")
                % {"profile": _label(profile), "name": profile.customer.display_name},
            )
            target = safe_next(request, form.cleaned_data["next"])
            return HttpResponseRedirect(target or reverse("social:list"))
    return _form_page(request, form, customer=customer, profile=None)


@login_required
@permission_required("feedback.change_socialprofile", raise_exception=True)
def profile_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    profile = _profile(pk)
    initial = {**SocialProfileForm.initial_from(profile), "next": request.GET.get("next", "")}
    form = SocialProfileForm(request.POST or None, with_customer=False, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            social_profile_update(profile=profile, fields=form.profile_fields())
        except ValidationError as error:
            form_errors(form, error, {})
        else:
            messages.success(request, _("Changes saved."))
            target = safe_next(request, form.cleaned_data["next"])
            return HttpResponseRedirect(target or reverse("social:list"))
    return _form_page(request, form, customer=profile.customer, profile=profile)


@login_required
@permission_required("feedback.delete_socialprofile", raise_exception=True)
def profile_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    profile = _profile(pk)
    back = safe_next(request, request.POST.get("next") or request.GET.get("next", ""))
    if request.method == "POST":
        social_profile_delete(profile=profile)
        messages.success(
            request,
            _("Profile %(profile)s of %(name)s deleted.")
            % {"profile": _label(profile), "name": profile.customer.display_name},
        )
        return HttpResponseRedirect(back or reverse("social:list"))
    return render(request, "feedback/social/delete.html", {"profile": profile, "back": back})
