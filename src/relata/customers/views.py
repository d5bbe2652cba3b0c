from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from relata.concurrency import StaleEditError
from relata.contacts.forms import ContactMomentForm
from relata.contacts.selectors import customer_timeline, timeline_filters
from relata.customers.forms import (
    SOURCE_SUGGESTIONS,
    ConsentMatrixForm,
    ContactPersonForm,
    OrganisationForm,
    PersonForm,
)
from relata.customers.models import ConsentPurpose, ContactPerson, Customer, CustomerKind
from relata.customers.selectors import (
    consent_history,
    consent_in_force,
    consent_matrix,
    customer_completeness,
    customer_search,
)
from relata.customers.services import (
    consent_record_many,
    contact_person_save,
    customer_save_from_form,
)
from relata.scoring.dashboard import customer_score_context
from relata.web.http import HtmxHttpRequest
from relata.web.pagination import paginate, paginate_estimated


@login_required
@permission_required("customers.view_customer", raise_exception=True)
def customer_list(request: HtmxHttpRequest) -> HttpResponse:
    params = request.GET
    owner = params.get("owner", "")
    customers = customer_search(
        query=params.get("q", ""),
        kind=params.get("kind", ""),
        city=params.get("city", "").strip(),
        owner_id=request.user.pk if owner == "me" else None,
        sort=params.get("sort", "name"),
        viewer=request.user,
    ).select_related("account_owner")
    page = paginate_estimated(request, customers, per_page=25)
    context = {
        "page": page,
        "query": params.get("q", ""),
        "kind": params.get("kind", ""),
        "city": params.get("city", ""),
        "owner": owner,
        "sort": params.get("sort", "name"),
        "kinds": CustomerKind.choices,
    }
    template = "customers/list.html#results" if request.htmx else "customers/list.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@permission_required("customers.view_customer", raise_exception=True)
def customer_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    customer = get_object_or_404(Customer.objects.select_related("account_owner"), pk=pk)
    timeline = customer_timeline(
        customer=customer, user=request.user, **timeline_filters(request.GET)
    )
    if request.htmx and request.GET.get("partial") == "timeline":
        context = {"customer": customer, "timeline": timeline}
        response = render(request, "contacts/timeline.html", context)
        patch_vary_headers(response, ["HX-Request"])
        return response
    context = {
        "customer": customer,
        "completeness": customer_completeness(customer=customer),
        "consents": consent_matrix(customer=customer),
        "consent_purposes": ConsentPurpose.choices,
        "contact_persons": customer.contact_persons.all() if customer.is_organisation else [],
        "orders": customer.orders.all()[:20],
        "order_count": customer.orders.count(),
        "timeline": timeline,
        "contact_form": ContactMomentForm(),
        **customer_score_context(customer_id=customer.pk),
    }
    return render(request, "customers/detail.html", context)


def _customer_form_page(
    request: HtmxHttpRequest, *, customer: Customer, saved_message: str
) -> HttpResponse:
    """Create or edit a person or organisation: one form per kind, saved by the service."""
    form_class = OrganisationForm if customer.is_organisation else PersonForm
    initial = {} if customer.pk else {"account_owner": request.user.pk}
    form = form_class(request.POST or None, instance=customer, initial=initial)
    stale = False
    if request.method == "POST" and form.is_valid():
        try:
            customer_save_from_form(
                customer=form.save(commit=False),
                changed=form.changed_data,
                expected_version=form.cleaned_data.get("version"),
            )
        except StaleEditError as error:
            # The user's input stays in the bound form; the reload link fetches the latest.
            form.add_error(None, str(error))
            stale = True
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, saved_message % {"name": customer.display_name})
            return redirect("customers:detail", pk=customer.pk)
    context = {
        "form": form,
        "kind": customer.kind,
        "customer": customer if customer.pk else None,
        "stale": stale,
    }
    return render(request, "customers/form.html", context)


@login_required
@permission_required("customers.add_customer", raise_exception=True)
def customer_create(request: HtmxHttpRequest) -> HttpResponse:
    kind = request.GET.get("kind", CustomerKind.PERSON)
    if kind not in CustomerKind.values:
        kind = CustomerKind.PERSON
    return _customer_form_page(
        request, customer=Customer(kind=kind), saved_message=_("Customer %(name)s created.")
    )


@login_required
@permission_required("customers.change_customer", raise_exception=True)
def customer_edit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    customer = get_object_or_404(Customer, pk=pk)
    return _customer_form_page(request, customer=customer, saved_message=_("Changes saved."))


@login_required
@permission_required("customers.change_contactperson", raise_exception=True)
def contact_person_edit(
    request: HtmxHttpRequest, pk: int, person_pk: int | None = None
) -> HttpResponse:
    organisation = get_object_or_404(Customer, pk=pk, kind=CustomerKind.ORGANISATION)
    person = (
        get_object_or_404(ContactPerson, pk=person_pk, organisation=organisation)
        if person_pk
        else ContactPerson(organisation=organisation)
    )
    form = ContactPersonForm(request.POST or None, instance=person)
    if request.method == "POST" and form.is_valid():
        contact_person_save(contact_person=form.save(commit=False))
        messages.success(request, _("Contact person saved."))
        return redirect("customers:detail", pk=organisation.pk)
    return render(
        request,
        "customers/contact_person_form.html",
        {"form": form, "customer": organisation, "person": person},
    )


@login_required
@require_POST
@permission_required("customers.delete_contactperson", raise_exception=True)
def contact_person_delete(request: HtmxHttpRequest, pk: int, person_pk: int) -> HttpResponse:
    person = get_object_or_404(ContactPerson, pk=person_pk, organisation_id=pk)
    person.delete()
    messages.success(request, _("Contact person removed."))
    return redirect("customers:detail", pk=pk)


@login_required
@permission_required("customers.add_consent", raise_exception=True)
def consent_change(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Record consent decisions: granted or withdrawn per channel × purpose, with a source."""
    customer = get_object_or_404(Customer, pk=pk)
    in_force = consent_in_force(customer=customer)
    form = ConsentMatrixForm(request.POST or None, in_force=in_force)
    if request.method == "POST" and form.is_valid():
        recorded = consent_record_many(
            customer=customer,
            decisions=form.changes(),
            source=form.cleaned_data["source"],
            recorded_by=request.user,  # type: ignore[arg-type]
        )
        messages.success(
            request,
            ngettext(
                "%(n)d consent decision recorded.",
                "%(n)d consent decisions recorded.",
                len(recorded),
            )
            % {"n": len(recorded)},
        )
        return redirect(reverse("customers:detail", kwargs={"pk": customer.pk}) + "#consents")
    rows = [
        (row, [(state, form[form.cell_name(state.channel, state.purpose)]) for state in row.states])
        for row in consent_matrix(customer=customer)
    ]
    context = {
        "customer": customer,
        "form": form,
        "rows": rows,
        "consent_purposes": ConsentPurpose.choices,
        "suggestions": [str(s) for s in SOURCE_SUGGESTIONS],
    }
    return render(request, "customers/consent_form.html", context)


@login_required
@permission_required("customers.view_consent", raise_exception=True)
def consent_history_page(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    customer = get_object_or_404(Customer, pk=pk)
    context = {
        "customer": customer,
        "consents": consent_matrix(customer=customer),
        "consent_purposes": ConsentPurpose.choices,
        "page": paginate(request, consent_history(customer=customer), per_page=50),  # type: ignore[arg-type]
    }
    return render(request, "customers/consent_history.html", context)
