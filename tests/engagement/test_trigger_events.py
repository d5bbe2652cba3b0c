"""Each trigger event fires for the customers it happens to, and not for the others."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import numpy as np
import pytest
from django.utils import timezone

from relata.customers.models import Customer
from relata.engagement.models import CustomerEvent, TriggerFiring, TriggerRule
from relata.engagement.trigger_scanners import usual_intervals
from relata.engagement.trigger_services import trigger_rules_run
from relata.sales.models import ProductCategory
from relata.scoring.models import CustomerSnapshot, RunStatus, ScoreRun
from tests.engagement.trigger_support import NOW, TODAY, buy, make_rule, segment_of_city
from tests.factories import ComplaintFactory, CustomerFactory, ProductFactory

pytestmark = pytest.mark.django_db


def fired(rule: TriggerRule, now: datetime = NOW) -> dict[int, str]:
    """Run the rule; customer id → event key of the firings it made in this run."""
    before = set(TriggerFiring.objects.filter(rule=rule).values_list("pk", flat=True))
    trigger_rules_run(rule=rule, now=now)
    new = TriggerFiring.objects.filter(rule=rule).exclude(pk__in=before)
    return dict(new.values_list("customer_id", "event_key"))


def at(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(9, 0)))


def test_birthday_on_the_day_and_days_before() -> None:
    # given customers born on 15 June, on 20 June, and one without a birth date
    today = CustomerFactory(birth_date=date(1986, 6, 15))
    soon = CustomerFactory(birth_date=date(1990, 6, 20))
    CustomerFactory(birth_date=None)
    on_the_day = make_rule("birthday")
    a_week_before = make_rule("birthday", event_params={"days_before": 7}, name="week")
    # when the rules run on 15 June 2026
    # then the day rule fires for the 15 June birthday only, keyed by the year
    assert fired(on_the_day) == {today.pk: "birthday:2026"}
    # and the week-before rule fires for both birthdays within the week
    assert fired(a_week_before) == {today.pk: "birthday:2026", soon.pk: "birthday:2026"}


def test_birthday_on_29_february_is_kept_on_the_28th_in_other_years() -> None:
    # given a leap-day baby
    leap = CustomerFactory(birth_date=date(2000, 2, 29))
    rule = make_rule("birthday")
    # when the rule runs on 28 February 2027 (not a leap year)
    # then the birthday fires that day
    assert fired(rule, at(date(2027, 2, 28))) == {leap.pk: "birthday:2027"}


def test_term_ending_within_the_days_before_unless_renewed() -> None:
    # given a product with a 24-month warranty bought by four customers
    warranty = ProductFactory(term_months=24, category__name="Phones")
    ending = CustomerFactory()
    line = buy(ending, date(2024, 7, 1), warranty).lines.get()
    later = CustomerFactory()
    buy(later, date(2024, 8, 1), warranty)  # ends 1 August: 47 days away
    renewed = CustomerFactory()
    buy(renewed, date(2024, 7, 1), warranty)
    buy(renewed, date(2025, 12, 1), ProductFactory(term_months=12, category=warranty.category))
    cancelled = CustomerFactory()
    buy(cancelled, date(2024, 7, 1), warranty, status="cancelled")
    rule = make_rule("term_ending", event_params={"days_before": 30})
    # when the rule runs on 15 June 2026
    # then only the term ending on 1 July fires, once per order line
    assert fired(rule) == {ending.pk: f"term:{line.pk}"}


def test_term_ending_includes_renewed_when_asked() -> None:
    warranty = ProductFactory(term_months=24, category__name="Phones")
    renewed = CustomerFactory()
    buy(renewed, date(2024, 7, 1), warranty)
    buy(renewed, date(2025, 12, 1), ProductFactory(term_months=12, category=warranty.category))
    rule = make_rule("term_ending", event_params={"skip_if_renewed": False})
    assert set(fired(rule)) == {renewed.pk}


def test_usual_intervals_median_gap_and_category_fallback() -> None:
    # given purchase days: customer 1 (gaps 10, 30, 11 → median 11, day 5 twice), customer 2
    # once only in the same category, customer 3 in another category once only
    customer = np.array([1, 1, 1, 1, 1, 2, 3])
    category = np.array([7, 7, 7, 7, 7, 7, 8])
    day = np.array([0, 10, 40, 51, 51, 5, 9])
    # when the usual intervals are computed
    usual = usual_intervals(customer, category, day)
    # then customer 1 has their own median, customer 2 the category's, customer 3 none
    assert usual.customer.tolist() == [1, 2, 3]
    assert usual.last_day.tolist() == [51, 5, 9]
    assert usual.interval[:2].tolist() == [11.0, 11.0]
    assert np.isnan(usual.interval[2])
    assert usual.own.tolist() == [True, False, False]


def test_replenishment_due_from_the_usual_interval() -> None:
    # given coffee (consumable) bought every 30 days by A, every 10 days by B (long
    # overdue), once by C (the category's median applies), and a sofa by D
    coffee = ProductFactory(
        category=ProductCategory.objects.create(name="Beans", is_consumable=True)
    )
    sofa = ProductFactory(category__name="Sofas")

    def days_ago(*days: int, product=coffee) -> Customer:  # type: ignore[no-untyped-def]
        customer = CustomerFactory()
        for n in days:
            buy(customer, TODAY - timedelta(days=n), product)
        return customer

    a = days_ago(100, 70, 40)  # interval 30, due 10 days ago
    days_ago(200, 190, 180)  # interval 10, due 170 days ago: a lapse, not replenishment
    c = days_ago(35)  # category median of (30, 10) = 20: due 15 days ago
    days_ago(100, 70, 40, product=sofa)
    rule = make_rule("replenishment")
    # when the rule runs
    result = fired(rule)
    # then A and C are due, keyed by category and last purchase
    category = coffee.category_id
    assert result == {
        a.pk: f"replenish:{category}:{(TODAY - timedelta(days=40)).isoformat()}",
        c.pk: f"replenish:{category}:{(TODAY - timedelta(days=35)).isoformat()}",
    }
    # and with 12 grace days A is not due yet
    graceful = make_rule("replenishment", event_params={"grace_days": 12}, name="grace")
    assert set(fired(graceful)) == {c.pk}


def test_new_customer_first_purchase_within_the_window() -> None:
    # given a customer who first bought 3 days ago, an old customer buying again, a prospect
    new = CustomerFactory()
    buy(new, TODAY - timedelta(days=3))
    old = CustomerFactory()
    buy(old, date(2025, 1, 10))
    buy(old, TODAY - timedelta(days=1))
    CustomerFactory()
    rule = make_rule("new_customer")
    # then only the new customer gets the welcome
    assert fired(rule) == {new.pk: "welcome"}


def test_no_purchase_for_n_days_keyed_by_the_last_order() -> None:
    # given a customer whose last order is 100 days old, one 10 days, one never bought
    lapsed = CustomerFactory()
    buy(lapsed, TODAY - timedelta(days=300))
    last = buy(lapsed, TODAY - timedelta(days=100))
    recent = CustomerFactory()
    buy(recent, TODAY - timedelta(days=10))
    CustomerFactory()
    rule = make_rule("no_purchase", event_params={"days": 90})
    assert fired(rule) == {lapsed.pk: f"lapse:{last.order_date.isoformat()}"}
    # when the lapsed customer buys again and lapses again, it is a new occurrence
    again = buy(lapsed, TODAY - timedelta(days=95))
    assert fired(rule, NOW + timedelta(days=1)) == {
        lapsed.pk: f"lapse:{again.order_date.isoformat()}"
    }
    # and a bound on how long ago keeps the long-lost out
    bounded = make_rule("no_purchase", event_params={"days": 30, "max_days": 60}, name="b")
    assert fired(bounded) == {}


def test_down_migration_from_the_latest_run_once_per_repeat_interval() -> None:
    # given a complete score run in which one customer moved down and one stayed
    down, stable = CustomerFactory(), CustomerFactory()
    run = ScoreRun.objects.create(period_end=TODAY, status=RunStatus.COMPLETE)
    for customer, movement in ((down, 5), (stable, 4)):
        CustomerSnapshot.objects.create(
            run=run, period_end=TODAY, customer=customer, tier=4, previous_tier=3,
            movement=movement, rfm_segment=1, value_grid=1, churn_level=0, lifecycle_stage=4,
        )  # fmt: skip
    rule = make_rule("down_migration")
    assert fired(rule) == {down.pk: f"down:{TODAY.isoformat()}"}
    # when the next day's run still says down, it does not fire again within 90 days
    tomorrow = TODAY + timedelta(days=1)
    run2 = ScoreRun.objects.create(period_end=tomorrow, status=RunStatus.COMPLETE)
    CustomerSnapshot.objects.create(
        run=run2, period_end=tomorrow, customer=down, tier=4, previous_tier=3, movement=5,
        rfm_segment=1, value_grid=1, churn_level=0, lifecycle_stage=4,
    )  # fmt: skip
    assert fired(rule, at(tomorrow)) == {}


def test_complaint_recent_and_of_the_cause() -> None:
    recent = ComplaintFactory(received_at=NOW - timedelta(days=1), cause="delivery")
    ComplaintFactory(received_at=NOW - timedelta(days=30))
    billing = ComplaintFactory(received_at=NOW - timedelta(hours=2), cause="billing")
    any_cause = make_rule("complaint")
    assert fired(any_cause) == {
        recent.customer_id: f"complaint:{recent.pk}",
        billing.customer_id: f"complaint:{billing.pk}",
    }
    billing_only = make_rule("complaint", event_params={"cause": "billing"}, name="billing")
    assert fired(billing_only) == {billing.customer_id: f"complaint:{billing.pk}"}


def test_nps_detractor_only_low_nps_scores() -> None:
    low, high, other = CustomerFactory(), CustomerFactory(), CustomerFactory()
    answer = CustomerEvent.objects.create(customer=low, kind="nps", score=3, occurred_at=NOW)
    CustomerEvent.objects.create(customer=high, kind="nps", score=9, occurred_at=NOW)
    CustomerEvent.objects.create(customer=other, kind="external", name="nps", score=1)
    rule = make_rule("nps_detractor")
    assert fired(rule) == {low.pk: f"nps:{answer.pk}"}


def test_in_segment_once_or_again_after_the_repeat_interval() -> None:
    # given two customers in Utrecht and one in Amsterdam
    utrecht = {CustomerFactory(city="Utrecht").pk, CustomerFactory(city="Utrecht").pk}
    CustomerFactory(city="Amsterdam")
    segment = segment_of_city("Utrecht")
    once = make_rule("in_segment", segment=segment)
    monthly = make_rule(
        "in_segment", segment=segment, event_params={"repeat_after_days": 30}, name="m"
    )
    # then each fires for the Utrecht customers only
    assert fired(once) == dict.fromkeys(utrecht, "segment")
    assert fired(monthly) == dict.fromkeys(utrecht, f"segment:{TODAY.isoformat()}")
    # and later: the once-rule never again, the monthly rule only after 30 days
    assert fired(once, NOW + timedelta(days=40)) == {}
    assert fired(monthly, NOW + timedelta(days=10)) == {}
    later = TODAY + timedelta(days=31)
    assert fired(monthly, at(later)) == dict.fromkeys(utrecht, f"segment:{later.isoformat()}")


def test_calendar_every_year_fixed_date_and_segment() -> None:
    # given two customers in Utrecht and one elsewhere
    utrecht = {CustomerFactory(city="Utrecht").pk, CustomerFactory(city="Utrecht").pk}
    CustomerFactory(city="Zwolle")
    segment = segment_of_city("Utrecht")
    june_20 = make_rule(
        "calendar", segment=segment, event_params={"month": 6, "day": 20, "days_before": 5}
    )
    christmas = make_rule("calendar", event_params={"month": 12, "day": 24}, name="xmas")
    today = make_rule("calendar", event_params={"date": "2026-06-15"}, name="fixed")
    assert fired(june_20) == dict.fromkeys(utrecht, "date:2026-06-20")
    assert fired(christmas) == {}
    assert len(fired(today)) == 3


def test_calendar_anniversary_of_the_first_purchase() -> None:
    six_years = CustomerFactory()
    buy(six_years, date(2020, 6, 15))
    buy(six_years, date(2023, 1, 5))
    this_year = CustomerFactory()
    buy(this_year, date(2026, 6, 15))
    other_day = CustomerFactory()
    buy(other_day, date(2021, 3, 1))
    rule = make_rule("calendar", event_params={"anniversary": True})
    assert fired(rule) == {six_years.pk: "anniversary:2026"}
