from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from relata.contacts.forms import ContactFilterForm, ContactMomentForm
from relata.contacts.models import Task
from relata.contacts.routing import routing_reason_text
from relata.contacts.selectors import contact_moment_search, customer_timeline
from relata.contacts.task_services import FOLLOW_UP_ROUTE, contact_moment_log_with_follow_up
from relata.customers.models import Customer
from relata.web.http import HtmxHttpRequest
from relata.web.pagination import paginate_estimated as paginate


@login_required
@permission_required("contacts.view_contactmoment", raise_exception=True)
def contact_list(request: HtmxHttpRequest) -> HttpResponse:
    form = ContactFilterForm(request.GET or None)
    filters = {k: v for k, v in (form.cleaned_data if form.is_valid() else {}).items() if v}
    moments = contact_moment_search(query=filters.pop("q", ""), viewer=request.user, **filters)
    page = paginate(request, moments, per_page=50)
    return render(request, "contacts/list.html", {"form": form, "page": page})


def _follow_up_message(task: Task) -> str:
    return _("Follow-up task created. %(reason)s") % {"reason": routing_reason_text(task.routing)}


@login_required
@require_POST
@permission_required("contacts.add_contactmoment", raise_exception=True)
# The answer is rendered inside the transaction: if the database goes away after the insert
# (a restart mid-request), the user's 503 means "not saved" and a retry makes no duplicate.
@transaction.atomic
def contact_log(request: HtmxHttpRequest, customer_pk: int) -> HttpResponse:
    """Log a contact moment from the customer file; htmx gets the refreshed form and timeline."""
    customer = get_object_or_404(Customer.objects.select_related("account_owner"), pk=customer_pk)
    assert isinstance(request.user, User)
    form = ContactMomentForm(request.POST)
    saved = False
    follow_up = None
    if form.is_valid():
        data = form.cleaned_data
        try:
            _moment, follow_up = contact_moment_log_with_follow_up(
                customer=customer,
                actor=request.user,
                fields=form.moment_fields(),
                follow_up_title=data["follow_up_title"],
                follow_up_due=data["follow_up_due"],
                follow_up_assign=data["follow_up_assign"] or FOLLOW_UP_ROUTE,
            )
        except ValidationError as error:
            if hasattr(error, "error_dict") and set(error.error_dict) <= set(form.fields):
                for field, errors in error.error_dict.items():
                    form.add_error(field, errors)
            else:
                form.add_error(None, error)
        else:
            saved = True
    if not request.htmx:
        if saved:
            messages.success(request, _("Contact moment logged."))
            if follow_up is not None:
                messages.info(request, _follow_up_message(follow_up))
            return redirect("customers:detail", pk=customer.pk)
        messages.error(request, _("The contact moment was not saved: please check the fields."))
        return redirect("customers:detail", pk=customer.pk)
    context = {
        "customer": customer,
        "form": ContactMomentForm() if saved else form,
        "saved": saved,
        "follow_up": follow_up,
        "follow_up_reason": routing_reason_text(follow_up.routing) if follow_up else "",
        "timeline": customer_timeline(customer=customer),
        "timeline_channel": "",
    }
    return render(request, "contacts/logged.html", context)
