from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from relata.contacts.forms import ContactFilterForm, ContactMomentForm
from relata.contacts.selectors import contact_moment_search, customer_timeline
from relata.contacts.services import contact_moment_log
from relata.customers.models import Customer
from relata.web.http import HtmxHttpRequest
from relata.web.pagination import paginate_estimated as paginate


@login_required
def contact_list(request: HtmxHttpRequest) -> HttpResponse:
    form = ContactFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    moments = contact_moment_search(**{k: v for k, v in filters.items() if v})
    page = paginate(request, moments, per_page=50)
    return render(request, "contacts/list.html", {"form": form, "page": page})


@login_required
@require_POST
@permission_required("contacts.add_contactmoment", raise_exception=True)
def contact_log(request: HtmxHttpRequest, customer_pk: int) -> HttpResponse:
    """Log a contact moment from the customer file; htmx gets the refreshed form and timeline."""
    customer = get_object_or_404(Customer, pk=customer_pk)
    form = ContactMomentForm(request.POST)
    saved = False
    if form.is_valid():
        try:
            contact_moment_log(customer=customer, staff=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            saved = True
    if not request.htmx:
        if saved:
            messages.success(request, _("Contact moment logged."))
            return redirect("customers:detail", pk=customer.pk)
        messages.error(request, _("The contact moment was not saved: please check the fields."))
        return redirect("customers:detail", pk=customer.pk)
    context = {
        "customer": customer,
        "form": ContactMomentForm() if saved else form,
        "saved": saved,
        "timeline": customer_timeline(customer=customer),
        "timeline_channel": "",
    }
    return render(request, "contacts/logged.html", context)
