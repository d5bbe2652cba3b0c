from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from relata.engagement.campaign_services import campaign_attribute, campaign_launch
from relata.engagement.models import CampaignContact
from relata.sales.models import Order
from relata.sales.services import LineInput, order_create, order_update
from tests.engagement.campaign_support import customers_in_segment, new_campaign, order_for
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

LAUNCH = timezone.make_aware(datetime(2026, 3, 10, 14, 30))
DAY0 = LAUNCH.date()


def _launch(count: int, *, days: int = 30, control: int = 0, consent: bool = True):  # type: ignore[no-untyped-def]
    customers = customers_in_segment(count, consent=consent)
    campaign = new_campaign(attribution_days=days, control_percent=control, random_seed=3)
    campaign_launch(campaign=campaign)
    # as if launched (and sent) on LAUNCH
    CampaignContact.objects.filter(campaign=campaign).update(enrolled_at=LAUNCH)
    CampaignContact.objects.filter(campaign=campaign, sent_at__isnull=False).update(sent_at=LAUNCH)
    return campaign, customers


def _contact(customer) -> CampaignContact:  # type: ignore[no-untyped-def]
    return CampaignContact.objects.get(customer=customer)


def test_window_runs_from_the_send_day_to_attribution_days_later_inclusive() -> None:
    # given five approached customers and a 30-day window
    campaign, (before, same_day, last_day, after, cancelled) = _launch(5)
    order_for(before, on=DAY0 - timedelta(days=1), amount="10.00")
    order_for(same_day, on=DAY0, amount="20.00")
    order_for(last_day, on=DAY0 + timedelta(days=30), amount="30.00")
    order_for(after, on=DAY0 + timedelta(days=31), amount="40.00")
    order_for(cancelled, on=DAY0 + timedelta(days=2), amount="50.00", status="cancelled")
    # when attributed
    campaign_attribute(campaign=campaign)
    # then only the orders on day 0 and day 30 convert
    assert _contact(before).converted_at is None
    assert _contact(after).converted_at is None
    assert _contact(cancelled).converted_at is None
    assert _contact(cancelled).revenue == 0
    first = _contact(same_day)
    assert first.converted_at == LAUNCH  # an order on the send day converts at the send
    assert first.revenue == Decimal("20.00")
    last = _contact(last_day)
    assert last.conversion_order.order_date == DAY0 + timedelta(days=30)
    assert timezone.localdate(last.converted_at) == DAY0 + timedelta(days=30)


def test_first_order_converts_and_revenue_sums_the_window_idempotently() -> None:
    campaign, (customer,) = _launch(1)
    second = order_for(customer, on=DAY0 + timedelta(days=9), amount="15.50")
    first = order_for(customer, on=DAY0 + timedelta(days=3), amount="100.00")
    order_for(customer, on=DAY0 + timedelta(days=40), amount="999.00")
    campaign_attribute(campaign=campaign)
    once = _contact(customer)
    campaign_attribute(campaign=campaign)
    twice = _contact(customer)
    assert once.conversion_order_id == first.pk != second.pk
    assert once.revenue == Decimal("115.50")
    assert (twice.conversion_order_id, twice.converted_at, twice.revenue) == (
        once.conversion_order_id,
        once.converted_at,
        once.revenue,
    )


def test_control_and_unsent_contacts_are_followed_from_enrolment() -> None:
    # given a control group (and an approached customer without consent)
    campaign, _customers = _launch(10, control=50, consent=False)
    control = CampaignContact.objects.filter(campaign=campaign, group="control").first()
    refused = CampaignContact.objects.filter(campaign=campaign, group="target").first()
    assert refused.sent_at is None
    for contact in (control, refused):
        order_for(contact.customer, on=DAY0 + timedelta(days=5), amount="12.00")
    # when attributed, then both convert, counted from enrolment
    campaign_attribute(campaign=campaign)
    control.refresh_from_db()
    refused.refresh_from_db()
    assert control.revenue == refused.revenue == Decimal("12.00")
    assert control.converted_at is not None and refused.converted_at is not None


def test_each_contact_uses_its_own_send_day() -> None:
    campaign, (early, late) = _launch(2, days=7)
    CampaignContact.objects.filter(customer=late).update(sent_at=LAUNCH + timedelta(days=10))
    order_for(early, on=DAY0 + timedelta(days=12), amount="5.00")  # outside early's window
    order_for(late, on=DAY0 + timedelta(days=12), amount="6.00")  # inside late's window
    campaign_attribute(campaign=campaign)
    assert _contact(early).converted_at is None
    assert _contact(late).revenue == Decimal("6.00")


def test_an_order_saved_through_the_service_is_attributed_at_once(
    django_capture_on_commit_callbacks,
) -> None:
    # given a running campaign sent today
    customers = customers_in_segment(1)
    campaign = new_campaign()
    campaign_launch(campaign=campaign)
    product = ProductFactory(price=Decimal("25.00"))
    # when the customer orders (the signal fires on commit)
    with django_capture_on_commit_callbacks(execute=True):
        order = order_create(customer=customers[0], lines=[LineInput(product, Decimal(2))])
    # then the contact converted with the order's value
    contact = CampaignContact.objects.get()
    assert contact.conversion_order_id == order.pk
    assert contact.revenue == Decimal("50.00")
    # and when the order is cancelled, the conversion is undone
    with django_capture_on_commit_callbacks(execute=True):
        order_update(order=order, fields={"status": "cancelled"})
    contact.refresh_from_db()
    assert contact.converted_at is None and contact.revenue == 0


def test_command_attributes_imported_orders() -> None:
    _campaign, (customer,) = _launch(1)
    Order.objects.create(
        order_number="IMP-1",
        customer=customer,
        order_date=DAY0 + timedelta(days=1),
        total_amount=Decimal("42.00"),
    )
    out = StringIO()
    call_command("attribute_campaigns", stdout=out)
    assert "1 converted" in out.getvalue()
    assert _contact(customer).revenue == Decimal("42.00")
    # and an unknown campaign id is a clear error
    with pytest.raises(CommandError, match="No launched campaign with id 999"):
        call_command("attribute_campaigns", campaign=[999], stdout=out)
