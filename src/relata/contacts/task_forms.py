"""Forms of the task pages and the routing-rule settings."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib.auth.models import User
from django.utils.translation import gettext_lazy as _

from relata.contacts.models import RoutingRule, Task, TaskKind, TaskPriority, TaskStatus, Team
from relata.customers.models import Customer
from relata.scoring.choices import TierChoice
from relata.web.forms import BootstrapFormMixin

ROUTE, ME, SALES, BACK_OFFICE = "route", "me", "sales", "back_office"
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
UNKNOWN_TIER = "unknown"


def colleagues() -> Any:
    return User.objects.filter(is_active=True).order_by("first_name", "last_name", "username")


class ColleagueChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.get_full_name() or obj.get_username())


class _TaskFieldsMixin:
    fields: dict[str, forms.Field]

    def _setup_dates(self) -> None:
        if "remind_at" in self.fields:
            cast(forms.DateTimeField, self.fields["remind_at"]).input_formats = DATETIME_FORMATS


TASK_WIDGETS = {
    "description": forms.Textarea(attrs={"rows": 3}),
    "due_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    "remind_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
}


class TaskCreateForm(_TaskFieldsMixin, BootstrapFormMixin, forms.ModelForm):
    customer_number = forms.CharField(
        label=_("Customer number"),
        max_length=32,
        help_text=_("The number shown on the customer file, e.g. C000123."),
    )
    send_to = forms.ChoiceField(
        label=_("Send to"),
        choices=[
            (ROUTE, _("Route by the rules")),
            (ME, _("Me")),
            (SALES, _("Sales queue")),
            (BACK_OFFICE, _("Back-office queue")),
        ],
        initial=ROUTE,
    )

    class Meta:
        model = Task
        fields = ("title", "kind", "value", "priority", "due_date", "remind_at", "description")
        widgets = TASK_WIDGETS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._setup_dates()
        self.order_fields(["customer_number", *self.Meta.fields, "send_to"])
        self.customer: Customer | None = None

    def clean_customer_number(self) -> str:
        number = self.cleaned_data["customer_number"].strip()
        self.customer = (
            Customer.objects.select_related("account_owner").filter(customer_number=number).first()
        )
        if self.customer is None:
            raise forms.ValidationError(
                _("No customer with number %(number)s.") % {"number": number}
            )
        return str(number)


class TaskEditForm(_TaskFieldsMixin, BootstrapFormMixin, forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    class Meta:
        model = Task
        fields = (
            "title",
            "kind",
            "value",
            "status",
            "priority",
            "due_date",
            "remind_at",
            "description",
        )
        widgets = TASK_WIDGETS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._setup_dates()
        if not self.is_bound and self.instance.pk:
            self.fields["version"].initial = self.instance.version


class TaskAssignForm(BootstrapFormMixin, forms.Form):
    assignee = ColleagueChoiceField(
        label=_("Colleague"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Nobody: back to the team queue"),
    )
    team = forms.ChoiceField(label=_("Team"), choices=Team.choices)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["assignee"]).queryset = colleagues()


class TaskFilterForm(BootstrapFormMixin, forms.Form):
    status = forms.ChoiceField(
        required=False,
        choices=[("", _("All open")), *TaskStatus.choices, ("closed", _("Closed"))],
    )
    priority = forms.TypedChoiceField(
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("Any priority")), *TaskPriority.choices],
    )
    kind = forms.ChoiceField(required=False, choices=[("", _("Any kind")), *TaskKind.choices])
    overdue = forms.BooleanField(required=False, label=_("Overdue only"))


class RoutingRuleForm(BootstrapFormMixin, forms.ModelForm):
    task_kinds = forms.MultipleChoiceField(
        label=_("Task kinds"),
        choices=TaskKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every kind."),
    )
    tiers = forms.TypedMultipleChoiceField(
        label=_("Customer tiers"),
        choices=TierChoice.choices,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every tier."),
    )
    user = ColleagueChoiceField(
        label=_("Colleague"),
        queryset=User.objects.none(),
        required=False,
        help_text=_("Only for “A named colleague”."),
    )

    class Meta:
        model = RoutingRule
        fields = (
            "name",
            "active",
            "task_kinds",
            "min_value",
            "tiers",
            "match_any",
            "destination",
            "user",
        )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["user"]).queryset = colleagues()
        for name in ("task_kinds", "tiers"):
            self.fields[name].widget.attrs["class"] = "list-unstyled mb-0"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("destination") == "user" and not data.get("user"):
            self.add_error("user", _("Choose the colleague this rule sends tasks to."))
        return data


class RoutingTestForm(BootstrapFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=TaskKind.choices)
    value = forms.DecimalField(
        label=_("Value (€)"), required=False, min_value=0, max_digits=14, decimal_places=2
    )
    tier = forms.ChoiceField(
        label=_("Customer tier"),
        choices=[
            *[(str(v), label) for v, label in TierChoice.choices],
            (UNKNOWN_TIER, _("Not scored yet")),
        ],
        initial=str(TierChoice.SMALL),
    )
    has_owner = forms.BooleanField(
        label=_("Customer has an account owner"), required=False, initial=True
    )
