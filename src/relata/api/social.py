"""/api/social-profiles and /api/customers/{id}/social-profiles: customers' accounts on
social platforms with their followers (list, read, add, update, delete), and a customer's
profiles with the total reach."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from relata.api.errors import BODY, field_error, invalid
from relata.api.lookups import customer_from_body
from relata.api.pagination import paginate
from relata.api.permissions import require_perms, visible_customer_rows, visible_rows
from relata.api.responses import ITEM_ERRORS, READ_ERRORS, WRITE_ERRORS
from relata.api.schemas.common import Page
from relata.api.schemas.social import (
    CustomerProfilesOut,
    ProfileFilters,
    SocialProfileCreate,
    SocialProfileOut,
    SocialProfilePatch,
)
from relata.customers.models import Customer
from relata.feedback.models import SocialProfile
from relata.feedback.social_selectors import social_profile_list
from relata.feedback.social_services import (
    social_profile_create,
    social_profile_delete,
    social_profile_update,
)

router = Router(tags=["Social profiles"])
customer_router = Router(tags=["Social profiles"])

NOT_NULL = ("platform", "handle", "followers", "url")


def _profile(request: HttpRequest, profile_id: int) -> SocialProfile:
    """The profile, if the user may see its customer (else 404 as for an unknown one)."""
    profiles = visible_rows(request, SocialProfile.objects.select_related("customer"))
    profile = profiles.filter(pk=profile_id).first()
    if profile is None:
        raise Http404(_("No social profile with id %(id)s.") % {"id": profile_id})
    return profile


@router.get(
    "/", response={200: Page[SocialProfileOut], **READ_ERRORS}, summary="List social profiles"
)
def list_profiles(request: HttpRequest, filters: Query[ProfileFilters]) -> dict[str, Any]:
    """Most followers first by default, paginated; all filters combine."""
    require_perms(request, "feedback.view_socialprofile")
    profiles = social_profile_list(
        platform=filters.platform or "",
        min_followers=filters.min_followers,
        query=filters.q,
        customer_id=filters.customer_id,
        sort=filters.ordering,
    )
    if filters.customer_number:
        profiles = profiles.filter(customer__customer_number=filters.customer_number.strip())
    return paginate(request, visible_rows(request, profiles), filters)


@router.get(
    "/{profile_id}", response={200: SocialProfileOut, **ITEM_ERRORS}, summary="Get a profile"
)
def get_profile(request: HttpRequest, profile_id: int) -> SocialProfile:
    require_perms(request, "feedback.view_socialprofile")
    return _profile(request, profile_id)


@router.post("/", response={201: SocialProfileOut, **WRITE_ERRORS}, summary="Add a profile")
def create_profile(request: HttpRequest, payload: SocialProfileCreate) -> Status[SocialProfile]:
    """The handle may be given with '@' or as the profile's link (``instagram.com/anna``):
    it is stored as ``anna``, the link in ``url``. 422 names the field: a handle another
    customer has on the platform (naming that customer), a link to another platform or to
    a post, a count date in the future."""
    require_perms(request, "feedback.add_socialprofile")
    customer = customer_from_body(
        user=request.user, customer_id=payload.customer_id, customer_number=payload.customer_number
    )
    profile = social_profile_create(
        customer=customer, **payload.model_dump(exclude={"customer_id", "customer_number"})
    )
    return Status(201, _profile(request, profile.pk))


@router.patch("/{profile_id}", response={200: SocialProfileOut, **WRITE_ERRORS}, summary="Update")
def update_profile(
    request: HttpRequest, profile_id: int, payload: SocialProfilePatch
) -> SocialProfile:
    """Only the fields present in the body change; a new ``followers`` count without
    ``counted_on`` is dated today."""
    require_perms(request, "feedback.change_socialprofile")
    profile = _profile(request, profile_id)
    fields = payload.model_dump(exclude_unset=True)
    for name in NOT_NULL:
        if name in fields and fields[name] is None:
            raise invalid([field_error([*BODY, name], _("This field cannot be null."), "null")])
    social_profile_update(profile=profile, fields=fields)
    return _profile(request, profile.pk)


@router.delete("/{profile_id}", response={204: None, **ITEM_ERRORS}, summary="Delete a profile")
def delete_profile(request: HttpRequest, profile_id: int) -> Status[None]:
    require_perms(request, "feedback.delete_socialprofile")
    social_profile_delete(profile=_profile(request, profile_id))
    return Status(204, None)


@customer_router.get(
    "/{customer_id}/social-profiles",
    response={200: CustomerProfilesOut, **ITEM_ERRORS},
    summary="A customer's social profiles and reach",
)
def get_customer_profiles(request: HttpRequest, customer_id: int) -> dict[str, Any]:
    require_perms(request, "feedback.view_socialprofile")
    customer = visible_customer_rows(request, Customer.objects.filter(pk=customer_id)).first()
    if customer is None:
        raise Http404(_("No customer with id %(id)s.") % {"id": customer_id})
    profiles = list(social_profile_list(customer_id=customer.pk))
    return {
        "customer_id": customer.pk,
        "reach": sum(profile.followers for profile in profiles),
        "items": profiles,
    }
