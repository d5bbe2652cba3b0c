"""Issue 5.4 in the browser: build a segment, launch a campaign to it, see conversions after
orders come in."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from relata.accounts.roles import roles_sync
from relata.engagement.models import Campaign, CampaignContact, Segment
from relata.sales.services import LineInput, order_create
from tests.browser.conftest import login, screenshot
from tests.engagement.campaign_support import CITY, customers_in_segment, email_template
from tests.factories import CustomerFactory, ProductFactory


def _marketer() -> User:
    roles_sync()
    user = User.objects.create_user("mara", password="browser-test-password", first_name="Mara")
    user.groups.add(Group.objects.get(name="marketing"))
    return user


def test_segment_campaign_launch_and_conversions(page, transactional_db) -> None:  # type: ignore[no-untyped-def]
    # given 12 customers in one town (10 gave an e-mail opt-in), others elsewhere, a product
    # and an e-mail template with a link; and a marketer
    customers_in_segment(10)
    customers_in_segment(2, consent=False)
    for _ in range(3):
        CustomerFactory(city="Elsewhere")
    product = ProductFactory(name="Winter coat", price=Decimal("80.00"))
    email_template(name="Winter coat offer")
    _marketer()
    login(page, "mara")

    # when a segment "customers in town" is built in the segment builder
    page.goto(f"{page.base_url}/segments/new/")
    page.fill("#id_name", "Customers in Campaignville")
    page.click(".sb-add-condition")
    page.select_option(".sb-field", "city")
    page.select_option(".sb-op", "eq")
    page.fill(".sb-col-value input", CITY)
    expect(page.locator("#segment-preview")).to_contain_text("12")
    page.click("#save-segment")
    page.wait_for_url("**/segments/*/")
    segment = Segment.objects.get(name="Customers in Campaignville")

    # and a campaign to it is created, with a 20% control group
    page.goto(f"{page.base_url}/campaigns/new/")
    page.fill("#id_name", "Winter coats")
    page.select_option("#id_segment", str(segment.pk))
    expect(page.locator("#segment-reach")).to_contain_text("12 customers in the segment now")
    expect(page.locator("#segment-reach")).to_contain_text("10 may be contacted")
    page.select_option("#id_template", label="Winter coat offer (E-mail)")
    page.select_option("#id_offer_kind", "product")
    page.select_option("#id_offer_product", str(product.pk))
    page.fill("#id_offer_text", "Our warmest coat, 20% off")
    page.fill("#id_control_percent", "20")
    page.fill("#id_fixed_cost", "50")
    page.fill("#id_cost_per_contact", "0.50")
    screenshot(page, "campaign-form")
    page.click("text=Save campaign")
    expect(page.locator("#launch-preview")).to_contain_text("Ready to launch?")

    # and launched after the confirmation, which says who will be approached
    page.click("#launch-button")
    expect(page.locator("#preview-segment")).to_have_text("12")
    expect(page.locator("#preview-control")).to_have_text("2")
    expect(page.locator("#preview-approached")).to_have_text("10")
    expect(page.locator("#preview-no-consent")).to_have_text("2")
    screenshot(page, "campaign-launch")
    page.click("#confirm-launch")
    expect(page.locator(".alert-success")).to_contain_text("Campaign launched")
    campaign = Campaign.objects.get(name="Winter coats")
    assert campaign.status == "running"
    contacts = CampaignContact.objects.filter(campaign=campaign)
    sent = list(contacts.filter(sent_at__isnull=False).select_related("customer"))
    assert contacts.filter(group="control").count() == 2
    assert len(mail.outbox) == len(sent) >= 8

    # then a recipient clicks the tracked link in the e-mail (no login in that browser)
    link = next(w for w in mail.outbox[0].body.split() if "/t/c/" in w)
    tracked = page.request.get(
        link.replace(settings.RELATA_SITE_URL, page.base_url), max_redirects=0
    )
    assert tracked.status == 302
    assert tracked.headers["location"] == "https://shop.example/spring"

    # when orders come in from three of the approached customers (one after the window)
    today = timezone.localdate()
    for contact, days in zip(sent[:3], (1, 5, 45), strict=True):
        order_create(
            customer=contact.customer,
            lines=[LineInput(product, Decimal(1))],
            order_date=today + timedelta(days=days),
        )

    # then the report shows two conversions, their revenue, the ROI and the uplift status
    page.goto(f"{page.base_url}/campaigns/{campaign.pk}/")
    expect(page.locator("#converted-count")).to_have_text("2")
    expect(page.locator("#revenue")).to_have_text("€ 160")
    expect(page.locator("#counts")).to_contain_text("Clicked")
    expect(page.locator("#verdict")).to_contain_text("control group is smaller than 30")
    expect(page.locator('[data-chart="funnel"] svg')).to_have_count(1)
    expect(page.locator('[data-chart="curves"] svg')).to_have_count(1)
    expect(page.locator("#analysis-problem")).to_contain_text("Too few responders")
    screenshot(page, "campaign-report")

    # and the contacts tab lists the converted ones with their orders
    page.click("#contacts-tab")
    page.select_option("select[name=state]", "converted")
    expect(page.locator("#contacts-table tbody tr")).to_have_count(2)
    screenshot(page, "campaign-contacts")
