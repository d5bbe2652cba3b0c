"""Privacy pages: one customer's data export (page, JSON, consent evidence CSV), erasure,
and the retention settings. Thin: reads in ``export``, writes in ``services``."""

from __future__ import annotations

import csv
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from relata.accounts.visibility import can_see_customer
from relata.audit.models import AuditAction
from relata.audit.services import record
from relata.customers.models import Customer
from relata.imports.parsing import neutralise_formula
from relata.privacy.export import customer_export_json, customer_export_page
from relata.privacy.forms import ErasureForm, PrivacySettingsForm
from relata.privacy.models import PrivacySettings
from relata.privacy.retention import retention_plan
from relata.privacy.services import erase_customer


def _customer(request: HttpRequest, pk: int) -> Customer:
    customer = get_object_or_404(Customer.objects.select_related("account_owner"), pk=pk)
    if not can_see_customer(request.user, customer.pk):
        raise Http404(_("No customer with id %(id)s.") % {"id": pk})
    return customer


def record_export(customer: Customer, *, export_format: str, actor: object = None) -> None:
    record(
        AuditAction.EXPORT,
        obj=customer,
        customer_id=customer.pk,
        object_label=f"Customer {customer.customer_number}",
        context={"format": export_format},
        actor=actor,
    )


@login_required
@permission_required("customers.export_customer", raise_exception=True)
def customer_export_page_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Everything stored about the customer, readable and printable."""
    customer = _customer(request, pk)
    own_fields, sections = customer_export_page(customer)
    record_export(customer, export_format="page", actor=request.user)
    context = {
        "customer": customer,
        "own_fields": own_fields,
        "sections": sections,
        "generated_at": timezone.now(),
        "can_erase": request.user.has_perm("customers.erase_customer"),
    }
    return render(request, "privacy/customer.html", context)


@login_required
@permission_required("customers.export_customer", raise_exception=True)
def customer_export_json_view(request: HttpRequest, pk: int) -> HttpResponse:
    customer = _customer(request, pk)
    data = customer_export_json(customer, by=request.user)
    record_export(customer, export_format="json", actor=request.user)
    response = HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    filename = f"customer-{customer.customer_number}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@permission_required("customers.export_customer", raise_exception=True)
def consent_evidence_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """The consent log as evidence: every decision with when, how and by whom."""
    customer = _customer(request, pk)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"consents-{customer.customer_number}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")  # so Excel reads the file as UTF-8
    writer = csv.writer(response)
    writer.writerow(
        [
            _("Recorded at"),
            _("Channel"),
            _("Purpose"),
            _("Decision"),
            _("Source"),
            _("Recorded by"),
        ]
    )
    consents = customer.consents.select_related("recorded_by").order_by("recorded_at", "id")
    for consent in consents:
        writer.writerow(
            [
                timezone.localtime(consent.recorded_at).isoformat(),
                consent.get_channel_display(),
                consent.get_purpose_display(),
                _("opt-in") if consent.granted else _("opt-out"),
                neutralise_formula(consent.source),
                neutralise_formula(
                    consent.recorded_by.get_username() if consent.recorded_by else ""
                ),
            ]
        )
    record_export(customer, export_format="consents_csv", actor=request.user)
    return response


@login_required
@permission_required("customers.erase_customer", raise_exception=True)
def customer_erase(request: HttpRequest, pk: int) -> HttpResponse:
    customer = _customer(request, pk)
    form = ErasureForm(request.POST or None, customer=customer)
    if customer.erased_at is None and request.method == "POST" and form.is_valid():
        try:
            erase_customer(customer, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("The personal data of customer %(number)s was erased.")
                % {"number": customer.customer_number},
            )
            return redirect("customers:detail", pk=customer.pk)
    return render(request, "privacy/erase.html", {"customer": customer, "form": form})


@login_required
@permission_required("privacy.change_privacysettings", raise_exception=True)
def settings_edit(request: HttpRequest) -> HttpResponse:
    stored = PrivacySettings.current()
    form = PrivacySettingsForm(request.POST or None, instance=stored)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(
            request,
            _("Privacy settings saved. They apply from the next run of relata retention."),
        )
        return redirect("privacy:settings")
    context = {"form": form, "stored": stored, "plan": retention_plan()}
    return render(request, "privacy/settings.html", context)
