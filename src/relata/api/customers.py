"""/api/customers: list, read, create and update customers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from relata.accounts.visibility import own_accounts_only
from relata.api.errors import BODY, field_error, invalid
from relata.api.pagination import paginate
from relata.api.permissions import require_perms, visible_customer_rows
from relata.api.responses import ITEM_ERRORS, READ_ERRORS, WRITE_ERRORS
from relata.api.schemas.common import Page, Text
from relata.api.schemas.customers import (
    CustomerDetailOut,
    CustomerFilters,
    CustomerIn,
    CustomerOut,
)
from relata.api.selectors import customer_list
from relata.customers.models import Customer, CustomerKind
from relata.customers.services import consent_record, customer_create, customer_update

router = Router(tags=["Customers"])

NAME_FIELDS = ("kind", "first_name", "last_name", "organisation_name")


def _customer(
    request: HttpRequest, *, pk: int | None = None, number: str | None = None
) -> Customer:
    """The customer by id or number, if the user may see it (else 404 as for an unknown)."""
    customers = visible_customer_rows(request, Customer.objects.prefetch_related("contact_persons"))
    if pk is not None:
        customer = customers.filter(pk=pk).first()
        missing = _("No customer with id %(id)s.") % {"id": pk}
    else:
        customer = customers.filter(customer_number=number).first()
        missing = _("No customer with number %(number)s.") % {"number": number}
    if customer is None:
        raise Http404(missing)
    return customer


def _check_name(values: Mapping[str, Any]) -> None:
    if values["kind"] == CustomerKind.ORGANISATION:
        if not values["organisation_name"].strip():
            raise invalid(
                [
                    field_error(
                        [*BODY, "organisation_name"],
                        _("An organisation needs an organisation name."),
                        "missing",
                    )
                ]
            )
    elif not (values["first_name"].strip() or values["last_name"].strip()):
        message = _("A person needs a first or last name.")
        raise invalid([field_error([*BODY, "last_name"], message, "missing")])


def _record_consents(
    request: HttpRequest, customer: Customer, consents: list[dict[str, Any]]
) -> None:
    if not consents:
        return
    require_perms(request, "customers.add_consent")
    user = request.user if request.user.is_authenticated else None
    for consent in consents:
        consent_record(customer=customer, recorded_by=user, **consent)


@router.get("/", response={200: Page[CustomerOut], **READ_ERRORS}, summary="List customers")
def list_customers(request: HttpRequest, filters: Query[CustomerFilters]) -> dict[str, Any]:
    """Customers, paginated; all filters combine (AND)."""
    require_perms(request, "customers.view_customer")
    customers = customer_list(
        query=filters.q,
        kind=filters.kind or "",
        city=filters.city,
        postcode=filters.postcode,
        email=filters.email,
        customer_number=filters.customer_number,
        updated_since=filters.updated_since,
        ordering=filters.ordering,
    )
    return paginate(request, visible_customer_rows(request, customers), filters)


@router.get(
    "/by-number/{number}",
    response={200: CustomerDetailOut, **ITEM_ERRORS},
    summary="Get a customer by customer number",
)
def get_customer_by_number(request: HttpRequest, number: Text) -> Customer:
    require_perms(request, "customers.view_customer")
    return _customer(request, number=number)


@router.get(
    "/{customer_id}", response={200: CustomerDetailOut, **ITEM_ERRORS}, summary="Get a customer"
)
def get_customer(request: HttpRequest, customer_id: int) -> Customer:
    require_perms(request, "customers.view_customer")
    return _customer(request, pk=customer_id)


@router.post("/", response={201: CustomerDetailOut, **WRITE_ERRORS}, summary="Create a customer")
def create_customer(request: HttpRequest, payload: CustomerIn) -> Status[Customer]:
    require_perms(request, "customers.add_customer")
    fields = payload.model_dump(exclude_unset=True)
    fields.pop("consents", None)
    fields.pop("version", None)  # a new customer starts at version 1
    consents = [consent.model_dump() for consent in payload.consents]
    _check_name({name: fields.get(name, getattr(payload, name)) for name in NAME_FIELDS})
    if fields.get("account_owner_id") is None and own_accounts_only(request.user):
        # Restricted to their own accounts, a user's new customer is theirs, or they could
        # not see what they just created.
        fields["account_owner_id"] = request.user.pk
    with transaction.atomic():
        customer = customer_create(**fields)
        _record_consents(request, customer, consents)
    return Status(201, Customer.objects.prefetch_related("contact_persons").get(pk=customer.pk))


@router.patch(
    "/{customer_id}",
    response={200: CustomerDetailOut, **WRITE_ERRORS},
    summary="Update a customer (partial)",
)
def update_customer(request: HttpRequest, customer_id: int, payload: CustomerIn) -> Customer:
    """Only the fields present in the body change. Send the `version` you read to be sure
    nobody changed the customer in between: if someone did, the answer is 409 and nothing
    changes (read the customer again and retry). Without `version` the last write wins."""
    require_perms(request, "customers.change_customer")
    customer = _customer(request, pk=customer_id)
    fields = payload.model_dump(exclude_unset=True)
    fields.pop("consents", None)
    expected_version = fields.pop("version", None)
    consents = [consent.model_dump() for consent in payload.consents]
    _check_name({name: fields.get(name, getattr(customer, name)) for name in NAME_FIELDS})
    with transaction.atomic():
        customer_update(customer=customer, fields=fields, expected_version=expected_version)
        _record_consents(request, customer, consents)
    return Customer.objects.prefetch_related("contact_persons").get(pk=customer.pk)
