"""The customer-score card on the customer file."""

from __future__ import annotations

import html
import re

import pytest
from django.conf import settings

from relata.scoring.models import CustomerSnapshot
from tests.factories import CustomerFactory
from tests.scoring.pages_support import sales_client, scored_demo


@pytest.mark.django_db
def test_customer_file_shows_scores_methods_playbook_and_history() -> None:
    # given a customer scored in two periods
    scored = scored_demo(customers=80)
    latest = (
        CustomerSnapshot.objects.filter(run=scored.run, tier__lte=4)
        .order_by("-revenue")
        .select_related("customer")
        .first()
    )
    assert latest is not None
    earlier = CustomerSnapshot.objects.get(run=scored.earlier, customer=latest.customer)
    # when their file is opened
    client = sales_client()
    response = client.get(f"/customers/{latest.customer_id}/")
    # then the value card shows the latest scores
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    card = page[page.index('id="value-scores"') :]
    card = card[: card.index('<div class="card mb-3"><div class="card-header">')]
    assert latest.get_tier_display() in card
    assert latest.get_rfm_segment_display() in card
    assert f"R {latest.r_score} · F {latest.f_score} · M {latest.m_score}" in card
    # and each customer-value method with its assumptions on hover
    assert "Simple formula: KW = T × A × P − K. Assumptions: Expected transactions" in card
    assert "Discounted (net present value)" in card and "no customer comes back" in card
    assert "BG/NBD + Gamma-Gamma" in card and "acquisition cost not subtracted" in card
    # and the lifecycle stage with its playbook
    assert latest.get_lifecycle_stage_display() in card
    assert "Playbook" in card
    # and the history of both periods, newest first
    newest = card.index(latest.period_end.strftime("%m/%d/%Y"))
    older = card.index(earlier.period_end.strftime("%m/%d/%Y"))
    assert newest < older
    # and in Dutch the history sparkline keeps SVG numbers (a decimal comma breaks the dot)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nl"
    dutch = client.get(f"/customers/{latest.customer_id}/").content.decode()
    svg = dutch[dutch.index('<svg class="sparkline"') :]
    svg = svg[: svg.index("</svg>")]
    numbers = re.findall(r'(?:cx|cy|viewBox)="([^"]*)"', svg)
    assert len(numbers) == 3
    assert all(re.fullmatch(r"[\d. ]+", value) for value in numbers), numbers


@pytest.mark.django_db
def test_customer_file_without_scores_says_so() -> None:
    # given a customer who has never been scored
    customer = CustomerFactory()
    # when the file is opened
    response = sales_client().get(f"/customers/{customer.pk}/")
    # then the value card says scores come with the next run
    assert response.status_code == 200
    assert "Not scored yet" in response.content.decode()
