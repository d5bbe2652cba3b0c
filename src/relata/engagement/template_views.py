"""Message template pages: list, create, edit, delete, and the live preview rendered for a
sample customer."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.db.models import ProtectedError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from relata.accounts.visibility import visible_customers
from relata.customers.models import Customer
from relata.engagement.campaign_selectors import template_list
from relata.engagement.merge_fields import (
    MERGE_FIELDS,
    customer_merge_values,
    merge_render,
    unknown_merge_fields,
)
from relata.engagement.models import MessageTemplate
from relata.engagement.template_forms import MessageTemplateForm, PreviewForm
from relata.sales.models import Product


def _merge_field_list() -> list[tuple[str, str]]:
    return [(name, str(label)) for name, label in MERGE_FIELDS.items()]


@login_required
@permission_required("engagement.view_messagetemplate", raise_exception=True)
def template_list_page(request: HttpRequest) -> HttpResponse:
    context = {"templates": template_list(), "merge_fields": _merge_field_list()}
    return render(request, "engagement/message_templates/list.html", context)


def _sample_customer(number: str, viewer: Any) -> Customer | None:
    """The customer named by ``number``, else a customer with a first name and an e-mail
    address; only among the customers the ``viewer`` may see."""
    customers = visible_customers(viewer).order_by("pk")
    if number:
        return customers.filter(customer_number=number.strip()).first()
    return customers.exclude(first_name="").exclude(email="").first() or customers.first()


def _preview(subject: str, body: str, viewer: Any, number: str = "") -> dict[str, Any]:
    customer = _sample_customer(number, viewer)
    values: dict[str, str] = customer_merge_values(customer) if customer is not None else {}
    product = Product.objects.order_by("pk").values_list("name", flat=True).first()
    values.update(
        {
            "offer": _("(the campaign’s offer text)"),
            "offer_product": product or _("(the offered product)"),
            "discount": "10",
        }
    )
    return {
        "customer": customer,
        "number": number,
        "subject": merge_render(subject, values),
        "body": merge_render(body, values),
        "unknown": unknown_merge_fields(f"{subject}\n{body}"),
    }


def _form_page(request: HttpRequest, template: MessageTemplate) -> HttpResponse:
    form = MessageTemplateForm(request.POST or None, instance=template)
    if request.method == "POST" and form.is_valid():
        saved = form.save()
        messages.success(request, _("Template “%(name)s” saved.") % {"name": saved.name})
        return redirect("campaigns:template_list")
    subject = form["subject"].value() or ""
    body = form["body"].value() or ""
    context = {
        "form": form,
        "template": template,
        "merge_fields": _merge_field_list(),
        "preview": _preview(str(subject), str(body), request.user),
    }
    return render(request, "engagement/message_templates/form.html", context)


@login_required
@permission_required("engagement.add_messagetemplate", raise_exception=True)
def template_create_page(request: HttpRequest) -> HttpResponse:
    return _form_page(request, MessageTemplate())


@login_required
@permission_required("engagement.change_messagetemplate", raise_exception=True)
def template_edit_page(request: HttpRequest, pk: int) -> HttpResponse:
    return _form_page(request, get_object_or_404(MessageTemplate, pk=pk))


@login_required
@require_POST
@permission_required("engagement.delete_messagetemplate", raise_exception=True)
def template_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    template = get_object_or_404(MessageTemplate, pk=pk)
    try:
        template.delete()
    except ProtectedError:
        messages.error(
            request,
            _("“%(name)s” is used by a campaign and cannot be deleted.") % {"name": template.name},
        )
    else:
        messages.success(request, _("Template “%(name)s” deleted.") % {"name": template.name})
    return redirect("campaigns:template_list")


@login_required
@require_POST
@permission_required("engagement.view_messagetemplate", raise_exception=True)
def template_preview_fragment(request: HttpRequest) -> HttpResponse:
    form = PreviewForm(request.POST)
    data = form.cleaned_data if form.is_valid() else {}
    # Previewing for a chosen customer shows that customer's data.
    number = (
        data.get("customer_number", "") if request.user.has_perm("customers.view_customer") else ""
    )
    preview = _preview(data.get("subject", ""), data.get("body", ""), request.user, number)
    return render(request, "engagement/message_templates/preview.html", {"preview": preview})
