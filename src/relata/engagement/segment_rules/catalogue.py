"""The fields of the rule builder, grouped as the builder shows them, and the catalogue as
plain data for its script."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_stubs_ext import StrOrPromise

from relata.customers.models import (
    CompanySize,
    ConsentChannel,
    ConsentPurpose,
    Customer,
    CustomerKind,
    Gender,
    IncomeBand,
)
from relata.engagement.segment_rules.builders import (
    age,
    aggregate,
    bought,
    choice_column,
    consent,
    exists_flag,
    first_order,
    group_has_conditions,
    last_order,
    loyalty_members,
    number_column,
    open_complaints,
    referrals,
    relative_column,
    snapshot,
    snapshot_choice_test,
    snapshot_flag_test,
    snapshot_number_test,
    text_column,
)
from relata.engagement.segment_rules.check import rules_check
from relata.engagement.segment_rules.influence import INFLUENCE_FIELDS, VOICE_FIELDS
from relata.engagement.segment_rules.language import (
    BOOLEAN,
    CATALOGUE,
    CHOICE,
    GROUPS,
    LIST_OPS,
    MONEY,
    MULTI_CHOICE,
    NO_VALUE_OPS,
    NUMBER,
    OPS,
    RELATIVE_DATE,
    TEXT,
    UNITS,
    ChoiceList,
    SegmentField,
    SnapshotTest,
    as_list,
    as_relative,
    choices_cached,
    field_register,
)
from relata.sales.models import Product, ProductCategory
from relata.scoring.choices import (
    ChurnLevelChoice,
    GridChoice,
    RfmSegmentChoice,
    StageChoice,
    TierChoice,
)

# ---------------------------------------------------------------------------------------
# Choices read from the database (evaluated when a form or check needs them)
# ---------------------------------------------------------------------------------------


def _categories() -> ChoiceList:
    return [
        (pk, name)
        for pk, name in ProductCategory.objects.order_by("name").values_list("pk", "name")
    ]


def _products() -> ChoiceList:
    return [
        (pk, f"{name} ({sku})")
        for pk, name, sku in Product.objects.order_by("name").values_list("pk", "name", "sku")
    ]


def _owners() -> ChoiceList:
    users = get_user_model().objects.filter(is_active=True).order_by("first_name", "username")
    return [
        (pk, " ".join(p for p in (first, last) if p) or username)
        for pk, first, last, username in users.values_list(
            "pk", "first_name", "last_name", "username"
        )
    ]


def _consent_cells() -> ChoiceList:
    return [
        (f"{channel}:{purpose}", f"{channel_label} · {purpose_label}")
        for channel, channel_label in ConsentChannel.choices
        for purpose, purpose_label in ConsentPurpose.choices
    ]


def _distinct(column: str, *, limit: int = 200) -> Callable[[], list[str]]:
    def values() -> list[str]:
        rows = (
            Customer.objects.exclude(**{column: ""})
            .order_by(column)
            .values_list(column, flat=True)
            .distinct()[:limit]
        )
        return [str(row) for row in rows]

    return values


def _labelled(choices: Iterable[tuple[Any, Any]]) -> Callable[[], ChoiceList]:
    pairs = list(choices)

    def evaluate() -> ChoiceList:
        return [(value, str(label)) for value, label in pairs]

    return evaluate


# ---------------------------------------------------------------------------------------
# The catalogue
# ---------------------------------------------------------------------------------------

_TEXT_OPS = (
    "eq",
    "ne",
    "in",
    "not_in",
    "contains",
    "not_contains",
    "starts_with",
    "is_set",
    "is_not_set",
)
_CHOICE_OPS = ("in", "not_in", "eq", "ne", "is_set", "is_not_set")
_SNAPSHOT_CHOICE_OPS = ("in", "not_in", "eq", "ne")
_NUMBER_OPS = ("gte", "lte", "gt", "lt", "eq", "ne", "between", "is_set", "is_not_set")
_AGGREGATE_OPS = ("gte", "lte", "gt", "lt", "eq", "ne", "between")
_RELATIVE_OPS = ("within_last", "not_within_last", "more_than_ago", "before", "after")
_ORDER_DATE_OPS = (*_RELATIVE_OPS, "is_set", "is_not_set")
_MULTI_OPS = ("any_of", "all_of", "none_of")
_FLAG_OPS = ("is_true", "is_false")
_ZERO = Decimal(0)

_SNAPSHOT_OPS = {
    CHOICE: _SNAPSHOT_CHOICE_OPS,
    MONEY: _AGGREGATE_OPS,
    NUMBER: _AGGREGATE_OPS,
    BOOLEAN: _FLAG_OPS,
}


def _snapshot_field(
    key: str, label: StrOrPromise, kind: str, test: SnapshotTest, **extra: Any
) -> SegmentField:
    """A field read from the latest snapshot (group "value")."""
    return SegmentField(
        key, label, "value", kind, _SNAPSHOT_OPS[kind], snapshot(test), snapshot_test=test, **extra
    )


_FIELDS = (
    # Basic data
    SegmentField(
        "kind",
        gettext_lazy("Customer kind"),
        "basic",
        CHOICE,
        ("in", "not_in", "eq", "ne"),
        choice_column("kind"),
        choices=_labelled(CustomerKind.choices),
    ),
    SegmentField(
        "city",
        gettext_lazy("City"),
        "basic",
        TEXT,
        _TEXT_OPS,
        text_column("city"),
        suggestions=_distinct("city"),
    ),
    SegmentField(
        "postcode",
        gettext_lazy("Postcode"),
        "basic",
        TEXT,
        ("starts_with", "eq", "ne", "is_set", "is_not_set"),
        text_column("postcode"),
        help=gettext_lazy("“starts with” takes one or more prefixes, e.g. 35, 36."),
    ),
    SegmentField(
        "country",
        gettext_lazy("Country"),
        "basic",
        TEXT,
        ("eq", "ne", "in", "not_in"),
        text_column("country"),
        suggestions=_distinct("country"),
        help=gettext_lazy("Two-letter code, e.g. NL."),
    ),
    SegmentField(
        "has_email",
        gettext_lazy("E-mail address"),
        "basic",
        TEXT,
        ("is_set", "is_not_set"),
        text_column("email"),
    ),
    SegmentField(
        "has_phone",
        gettext_lazy("Phone number"),
        "basic",
        TEXT,
        ("is_set", "is_not_set"),
        text_column("phone"),
    ),
    SegmentField(
        "account_owner",
        gettext_lazy("Account owner"),
        "basic",
        CHOICE,
        _CHOICE_OPS,
        choice_column("account_owner_id", blank=None),
        choices=_owners,
    ),
    SegmentField(
        "acquisition_source",
        gettext_lazy("Acquisition source"),
        "basic",
        TEXT,
        _TEXT_OPS,
        text_column("acquisition_source"),
        suggestions=_distinct("acquisition_source"),
    ),
    SegmentField(
        "created",
        gettext_lazy("Customer since"),
        "basic",
        RELATIVE_DATE,
        _RELATIVE_OPS,
        relative_column("created_at"),
    ),
    # Profile
    SegmentField(
        "gender",
        gettext_lazy("Gender"),
        "profile",
        CHOICE,
        _CHOICE_OPS,
        choice_column("gender"),
        choices=_labelled(Gender.choices),
    ),
    SegmentField(
        "age",
        gettext_lazy("Age (years)"),
        "profile",
        NUMBER,
        _NUMBER_OPS,
        age,
        minimum=_ZERO,
        maximum=Decimal(150),
        integer=True,
        help=gettext_lazy("From the birth date, on the day the segment is evaluated."),
    ),
    SegmentField(
        "income_band",
        gettext_lazy("Income band"),
        "profile",
        CHOICE,
        _CHOICE_OPS,
        choice_column("income_band"),
        choices=_labelled(IncomeBand.choices),
    ),
    SegmentField(
        "children",
        gettext_lazy("Children"),
        "profile",
        NUMBER,
        _NUMBER_OPS,
        number_column("children"),
        minimum=_ZERO,
        integer=True,
    ),
    SegmentField(
        "household_size",
        gettext_lazy("Household size"),
        "profile",
        NUMBER,
        _NUMBER_OPS,
        number_column("household_size"),
        minimum=_ZERO,
        integer=True,
    ),
    SegmentField(
        "interests",
        gettext_lazy("Interests"),
        "profile",
        TEXT,
        ("contains", "not_contains", "is_set", "is_not_set"),
        text_column("interests"),
    ),
    SegmentField(
        "occupation",
        gettext_lazy("Occupation"),
        "profile",
        TEXT,
        _TEXT_OPS,
        text_column("occupation"),
    ),
    SegmentField(
        "education",
        gettext_lazy("Education"),
        "profile",
        TEXT,
        _TEXT_OPS,
        text_column("education"),
    ),
    SegmentField(
        "sector",
        gettext_lazy("Sector"),
        "profile",
        TEXT,
        _TEXT_OPS,
        text_column("sector"),
        suggestions=_distinct("sector"),
    ),
    SegmentField(
        "company_size",
        gettext_lazy("Company size"),
        "profile",
        CHOICE,
        _CHOICE_OPS,
        choice_column("company_size"),
        choices=_labelled(CompanySize.choices),
    ),
    # Behaviour (orders; cancelled orders never count)
    SegmentField(
        "last_order",
        gettext_lazy("Last order"),
        "behaviour",
        RELATIVE_DATE,
        _ORDER_DATE_OPS,
        last_order,
        help=gettext_lazy(
            "“Not in the last” includes customers who never ordered; "
            "“longer ago than” only those who did."
        ),
    ),
    SegmentField(
        "first_order",
        gettext_lazy("First order"),
        "behaviour",
        RELATIVE_DATE,
        _ORDER_DATE_OPS,
        first_order,
    ),
    SegmentField(
        "order_count",
        gettext_lazy("Number of orders"),
        "behaviour",
        NUMBER,
        _AGGREGATE_OPS,
        aggregate(Count("id")),
        window=True,
        minimum=_ZERO,
        integer=True,
    ),
    SegmentField(
        "revenue",
        gettext_lazy("Revenue"),
        "behaviour",
        MONEY,
        _AGGREGATE_OPS,
        aggregate(Coalesce(Sum("total_amount"), _ZERO)),
        window=True,
    ),
    SegmentField(
        "categories",
        gettext_lazy("Categories bought"),
        "behaviour",
        MULTI_CHOICE,
        _MULTI_OPS,
        bought(categories=True),
        choices=_categories,
        window=True,
    ),
    SegmentField(
        "products",
        gettext_lazy("Products bought"),
        "behaviour",
        MULTI_CHOICE,
        _MULTI_OPS,
        bought(categories=False),
        choices=_products,
        window=True,
    ),
    SegmentField(
        "open_complaint",
        gettext_lazy("Open complaint"),
        "behaviour",
        BOOLEAN,
        _FLAG_OPS,
        exists_flag(open_complaints),
    ),
    SegmentField(
        "loyalty_member",
        gettext_lazy("Loyalty programme member"),
        "behaviour",
        BOOLEAN,
        _FLAG_OPS,
        exists_flag(loyalty_members),
    ),
    SegmentField(
        "referrer",
        gettext_lazy("Has referred customers"),
        "behaviour",
        BOOLEAN,
        _FLAG_OPS,
        exists_flag(referrals),
        help=gettext_lazy("Rejected referrals do not count."),
    ),
    *VOICE_FIELDS,
    # Value: the latest complete score run
    _snapshot_field(
        "tier",
        gettext_lazy("Tier"),
        CHOICE,
        snapshot_choice_test("tier"),
        choices=_labelled(TierChoice.choices),
    ),
    _snapshot_field(
        "rfm_segment",
        gettext_lazy("RFM segment"),
        CHOICE,
        snapshot_choice_test("rfm_segment"),
        choices=_labelled(RfmSegmentChoice.choices),
    ),
    _snapshot_field(
        "lifecycle_stage",
        gettext_lazy("Lifecycle stage"),
        CHOICE,
        snapshot_choice_test("lifecycle_stage"),
        choices=_labelled(StageChoice.choices),
    ),
    _snapshot_field(
        "value_grid",
        gettext_lazy("Value decision"),
        CHOICE,
        snapshot_choice_test("value_grid"),
        choices=_labelled(GridChoice.choices),
    ),
    _snapshot_field(
        "churn_level",
        gettext_lazy("Churn risk level"),
        CHOICE,
        snapshot_choice_test("churn_level"),
        choices=_labelled(ChurnLevelChoice.choices),
    ),
    _snapshot_field(
        "clv_probabilistic",
        gettext_lazy("CLV (BG/NBD + Gamma-Gamma)"),
        MONEY,
        snapshot_number_test("clv_probabilistic"),
    ),
    _snapshot_field(
        "clv_discounted",
        gettext_lazy("CLV (discounted)"),
        MONEY,
        snapshot_number_test("clv_discounted"),
    ),
    _snapshot_field(
        "potential_value",
        gettext_lazy("Potential value per year"),
        MONEY,
        snapshot_number_test("potential_value"),
    ),
    _snapshot_field(
        "current_value",
        gettext_lazy("Current value per year"),
        MONEY,
        snapshot_number_test("current_value"),
    ),
    _snapshot_field(
        "period_revenue",
        gettext_lazy("Revenue in the analysis period"),
        MONEY,
        snapshot_number_test("revenue"),
        help=gettext_lazy(
            "As scored in the latest run (default: the 12 months up to its period end); "
            "faster than “Revenue” over live orders."
        ),
    ),
    _snapshot_field(
        "period_orders",
        gettext_lazy("Orders in the analysis period"),
        NUMBER,
        snapshot_number_test("orders"),
        minimum=_ZERO,
        integer=True,
    ),
    _snapshot_field(
        "profit",
        gettext_lazy("Profit in the analysis period"),
        MONEY,
        snapshot_number_test("profit"),
        help=gettext_lazy("Revenue minus cost of goods and cost to serve."),
    ),
    _snapshot_field(
        "p_alive",
        gettext_lazy("P(alive)"),
        NUMBER,
        snapshot_number_test("p_alive"),
        minimum=_ZERO,
        maximum=Decimal(1),
        help=gettext_lazy("The probability that the customer still buys, 0 to 1."),
    ),
    _snapshot_field(
        "cant_lose", gettext_lazy("Can't lose them"), BOOLEAN, snapshot_flag_test("cant_lose")
    ),
    _snapshot_field(
        "loss_making", gettext_lazy("Loss-making"), BOOLEAN, snapshot_flag_test("loss_making")
    ),
    _snapshot_field(
        "risk",
        gettext_lazy("Risk customer (down-migration)"),
        BOOLEAN,
        snapshot_flag_test("risk"),
    ),
    # Influence and loyalty (DOMAIN.md §7, §8), as scored in the latest run
    *INFLUENCE_FIELDS,
    # Consent
    SegmentField(
        "opted_in",
        gettext_lazy("Opted in for"),
        "consent",
        MULTI_CHOICE,
        _MULTI_OPS,
        consent,
        choices=_consent_cells,
        help=gettext_lazy("The latest decision per channel and purpose counts."),
    ),
)

for _field in _FIELDS:
    field_register(_field)


# ---------------------------------------------------------------------------------------
# The catalogue for the rule builder (JSON-ready, translated in the active language)
# ---------------------------------------------------------------------------------------


def catalogue_for_builder() -> dict[str, Any]:
    """Fields (grouped), operators and units as plain data for the builder's script."""
    fields = []
    for segment_field in CATALOGUE.values():
        fields.append(
            {
                "key": segment_field.key,
                "label": str(segment_field.label),
                "group": segment_field.group,
                "type": segment_field.type,
                "ops": list(segment_field.ops),
                "choices": [[str(v), str(label)] for v, label in segment_field.choice_list()],
                "help": str(segment_field.help),
                "window": segment_field.window,
                "min": None if segment_field.minimum is None else float(segment_field.minimum),
                "max": None if segment_field.maximum is None else float(segment_field.maximum),
                "integer": segment_field.integer,
                "suggest": segment_field.suggestions is not None,
            }
        )
    return {
        "groups": [[key, str(label)] for key, label in GROUPS],
        "fields": fields,
        "ops": {key: str(label) for key, label in OPS.items()},
        "units": [[key, str(label)] for key, label in UNITS.items()],
    }


def rules_describe(rules: Any) -> str:
    """A one-line reading of a rules tree, e.g. "Tier is any of Top, Big and Last order not
    in the last 90 days" (for lists and exports)."""
    with choices_cached():
        if not isinstance(rules, dict) or rules_check(rules):
            return ""
        return _describe_group(rules, top=True)


def _describe_group(group: dict[str, Any], *, top: bool = False) -> str:
    joiner = f" {_('and')} " if group.get("match", "all") == "all" else f" {_('or')} "
    parts = []
    for item in group.get("rules", []):
        if "rules" in item or "match" in item:
            if group_has_conditions(item):
                parts.append(f"({_describe_group(item)})")
            continue
        parts.append(_describe_condition(item))
    text = joiner.join(parts)
    return text if text or not top else _("All customers")


def _describe_condition(item: dict[str, Any]) -> str:
    segment_field = CATALOGUE[item["field"]]
    op = item["op"]
    words = [str(segment_field.label), str(OPS[op])]
    value = item.get("value")
    if op not in NO_VALUE_OPS:
        if segment_field.type in (CHOICE, MULTI_CHOICE):
            labels = {str(v): str(label) for v, label in segment_field.choice_list()}
            values = as_list(value) if op in LIST_OPS else [value]
            words.append(", ".join(labels.get(str(v), str(v)) for v in values))
        elif segment_field.type == RELATIVE_DATE and op not in ("before", "after"):
            parsed = as_relative(value)
            if parsed is not None:
                words.append(f"{parsed[0]} {UNITS[parsed[1]]}")
        elif op == "between" and isinstance(value, list | tuple):
            words.append(_("%(low)s and %(high)s") % {"low": value[0], "high": value[1]})
        else:
            words.append(", ".join(str(v) for v in as_list(value)))
    days = item.get("days")
    if days not in (None, ""):
        words.append(_("(last %(days)s days)") % {"days": days})
    return " ".join(words)
