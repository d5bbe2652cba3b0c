from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from relata.sales.services import LineInput, order_create
from relata.scoring.services import score_run_create
from tests.factories import CustomerFactory, ProductFactory


def _order(amount: str) -> None:
    product = ProductFactory(price=Decimal(amount))
    order_create(
        customer=CustomerFactory(), lines=[LineInput(product=product, quantity=Decimal(1))]
    )


@pytest.mark.django_db
def test_overview_before_any_score_run_counts_live(logged_in_client: Client) -> None:
    # given two orders and no score run
    _order("100.00")
    _order("50.00")
    # when the overview is opened
    overview = logged_in_client.get("/").context["overview"]
    # then the figures are computed from the orders themselves
    assert overview.customers == 2
    assert overview.orders_in_period == 2
    assert overview.revenue_in_period == Decimal("150.00")


@pytest.mark.django_db
def test_overview_reads_the_latest_score_run(logged_in_client: Client) -> None:
    # given a scored period, and an order placed after it was scored
    _order("100.00")
    run = score_run_create(period_end=timezone.localdate())
    _order("70.00")
    # when the overview is opened
    response = logged_in_client.get("/")
    overview = response.context["overview"]
    # then the sales figures are the run's, labelled with its period end; counts are live
    assert overview.period_end == run.period_end
    assert overview.orders_in_period == 1
    assert overview.revenue_in_period == Decimal("100.00")
    assert overview.customers == 2
    assert not overview.customers_estimated


@pytest.mark.django_db
def test_overview_counts_contact_moments_of_the_last_30_days(logged_in_client: Client) -> None:
    from tests.factories import ContactMomentFactory

    ContactMomentFactory()
    ContactMomentFactory(occurred_at=timezone.now() - timedelta(days=40))
    assert logged_in_client.get("/").context["overview"].contacts_last_30_days == 1
