"""Forms of the complaint pages: log, edit, resolve, filter the list, choose the report period."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from relata.contacts.complaint_selectors import STATUS_UNRESOLVED
from relata.contacts.models import (
    OPEN_COMPLAINT_STATUSES,
    Channel,
    Complaint,
    ComplaintCause,
    ComplaintStatus,
    Touchpoint,
)
from relata.customers.models import Customer
from relata.sales.models import Order
from relata.web.forms import BootstrapFormMixin

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
# The order field offers the customer's latest orders; any of their orders may be typed.
RECENT_ORDERS = 30


def _datetime_widget() -> forms.DateTimeInput:
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def _staff_choices() -> Any:
    return get_user_model().objects.filter(is_active=True).order_by("username")


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.get_full_name() or obj.get_username())


class ComplaintForm(BootstrapFormMixin, forms.ModelForm):
    """Log or edit a complaint of one customer. The order is given by its number (with the
    customer's recent orders suggested), so a customer with thousands of orders still gets a
    light form."""

    order_number = forms.CharField(
        label=_("Order"),
        required=False,
        max_length=40,
        help_text=_("Optional: the order the complaint is about (its number)."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Complaint
        field_classes = {"owner": StaffChoiceField}
        fields: tuple[str, ...] = (
            "received_at",
            "channel",
            "touchpoint",
            "cause",
            "subject",
            "description",
            "owner",
        )
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "received_at": _datetime_widget(),
        }

    def __init__(self, *args: Any, customer: Customer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.customer = customer
        received = cast(forms.DateTimeField, self.fields["received_at"])
        received.input_formats = DATETIME_FORMATS
        if self.instance.pk is None:
            received.initial = timezone.localtime().replace(second=0, microsecond=0)
        else:
            self.fields["version"].initial = self.instance.version
            if self.instance.order_id:
                self.fields["order_number"].initial = self.instance.order.order_number
        cast(forms.ModelChoiceField, self.fields["owner"]).queryset = _staff_choices()
        self.recent_orders = list(
            customer.orders.order_by("-order_date", "-id").values_list(
                "order_number", "order_date"
            )[:RECENT_ORDERS]
        )
        self.fields["order_number"].widget.attrs["list"] = "customer-orders"

    def clean_order_number(self) -> Order | None:
        number = self.cleaned_data["order_number"].strip()
        if not number:
            return None
        order = Order.objects.filter(order_number=number).first()
        if order is None:
            raise forms.ValidationError(_("No order with number %(number)s.") % {"number": number})
        if order.customer_id != self.customer.pk:
            raise forms.ValidationError(
                _("Order %(number)s belongs to another customer.") % {"number": number}
            )
        return order

    def complaint_fields(self) -> dict[str, Any]:
        """The cleaned values as service arguments."""
        fields = {name: self.cleaned_data[name] for name in self.Meta.fields if name in self.fields}
        fields["order"] = self.cleaned_data["order_number"]
        return fields


class ComplaintEditForm(ComplaintForm):
    """Edit: also the status while the complaint is open (closing goes through resolve),
    and the resolution text once it is closed."""

    class Meta(ComplaintForm.Meta):
        fields = (*ComplaintForm.Meta.fields, "status", "resolution")
        widgets = {**ComplaintForm.Meta.widgets, "resolution": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.is_open:
            status = cast(forms.ChoiceField, self.fields["status"])
            status.choices = [(s.value, s.label) for s in OPEN_COMPLAINT_STATUSES]
            del self.fields["resolution"]
        else:
            del self.fields["status"]
            self.fields["resolution"].required = True


class ComplaintCustomerForm(BootstrapFormMixin, forms.Form):
    """Step one of logging a complaint outside a customer file: which customer."""

    customer_number = forms.CharField(label=_("Customer number"), max_length=40)

    def clean_customer_number(self) -> Customer:
        number = self.cleaned_data["customer_number"].strip()
        customer = Customer.objects.filter(customer_number=number).first()
        if customer is None:
            raise forms.ValidationError(
                _("No customer with number %(number)s.") % {"number": number}
            )
        return customer


class ComplaintResolveForm(BootstrapFormMixin, forms.Form):
    status = forms.ChoiceField(
        label=_("Outcome"),
        choices=[
            (ComplaintStatus.RESOLVED.value, ComplaintStatus.RESOLVED.label),
            (ComplaintStatus.REJECTED.value, ComplaintStatus.REJECTED.label),
        ],
        initial=ComplaintStatus.RESOLVED,
    )
    resolution = forms.CharField(
        label=_("Resolution"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What was done, or why the complaint was not upheld."),
    )
    resolved_at = forms.DateTimeField(
        label=_("Resolved"),
        required=False,
        widget=_datetime_widget(),
        input_formats=DATETIME_FORMATS,
        help_text=_("Empty: now."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class ComplaintFilterForm(BootstrapFormMixin, forms.Form):
    q = forms.CharField(required=False)
    status = forms.ChoiceField(
        required=False,
        choices=[
            ("", _("All statuses")),
            (STATUS_UNRESOLVED, _("Open or in progress")),
            *ComplaintStatus.choices,
        ],
    )
    cause = forms.ChoiceField(
        required=False, choices=[("", _("All causes")), *ComplaintCause.choices]
    )
    touchpoint = forms.ChoiceField(
        required=False, choices=[("", _("All touchpoints")), *Touchpoint.choices]
    )
    channel = forms.ChoiceField(required=False, choices=[("", _("All channels")), *Channel.choices])
    owner = forms.ChoiceField(
        required=False,
        choices=[("", _("Anyone")), ("me", _("Handled by me"))],
    )
    date_from = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))


def _date_widget() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ComplaintReportForm(BootstrapFormMixin, forms.Form):
    date_from = forms.DateField(label=_("From"), required=False, widget=_date_widget())
    date_to = forms.DateField(label=_("To"), required=False, widget=_date_widget())
    channel = forms.ChoiceField(
        label=_("Channel"), required=False, choices=[("", _("All channels")), *Channel.choices]
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date lies before the start date."))
        return cleaned
