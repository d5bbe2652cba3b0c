from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from relata.contacts.models import Complaint, ContactMoment
from relata.sales.models import Order
from tests.browser.conftest import login, screenshot
from tests.factories import ComplaintFactory, ContactMomentFactory, CustomerFactory


def test_log_resolve_and_see_a_complaint_in_the_timeline(page, sales_user) -> None:  # type: ignore[no-untyped-def]
    # given a customer with an order and an earlier call
    customer = CustomerFactory(first_name="Fenna", last_name="Hoekstra")
    Order.objects.create(order_number="O-2026-1", customer=customer)
    ContactMomentFactory(customer=customer, subject="Asked about delivery times")
    login(page)
    page.goto(f"{page.base_url}/customers/{customer.pk}/")
    # when a complaint is logged from the customer file
    page.click("#timeline >> text=Log a complaint")
    page.fill("#id_subject", "Table arrived scratched")
    page.select_option("#id_cause", "product")
    page.select_option("#id_touchpoint", "delivery")
    page.select_option("#id_channel", "email")
    page.fill("#id_order_number", "O-2026-1")
    page.fill("#id_description", "Deep scratch on the top, photos attached.")
    screenshot(page, "complaint-form")
    page.click("button[type=submit] >> text=Log complaint")
    # then its page opens, with the contact moment it came in through
    page.wait_for_selector("h1 >> text=Table arrived scratched")
    expect(page.locator("text=Contact moments about this complaint")).to_be_visible()
    # and it can be resolved
    page.fill("#id_resolution", "Sent a replacement table top.")
    page.click("text=Close the complaint")
    page.wait_for_selector(".alert-success >> text=Complaint closed.")
    screenshot(page, "complaint-detail")
    complaint = Complaint.objects.get()
    assert complaint.status == "resolved"
    assert ContactMoment.objects.filter(complaint=complaint, outcome="complaint").exists()
    # and the customer file's timeline shows it; the complaints filter works without reload
    page.goto(f"{page.base_url}/customers/{customer.pk}/")
    expect(page.locator("#timeline")).to_contain_text("Complaint resolved: Table arrived scratched")
    page.click("#timeline .timeline-filters >> text=Complaints")
    expect(page.locator("#timeline")).not_to_contain_text("Asked about delivery times")
    assert "type=complaints" in page.url
    screenshot(page, "customer-timeline-complaints")


def test_complaints_report_draws_its_charts(page, sales_user) -> None:  # type: ignore[no-untyped-def]
    # given complaints of several causes, some resolved
    now = timezone.now()
    for days, cause, touchpoint, hours in [
        (40, "delivery", "delivery", 30),
        (35, "delivery", "delivery", 8),
        (20, "billing", "billing", 50),
        (10, "no_answer", "service", None),
        (5, "repeat_story", "service", 2),
    ]:
        received = now - timedelta(days=days)
        ComplaintFactory(
            cause=cause,
            touchpoint=touchpoint,
            received_at=received,
            status="resolved" if hours else "open",
            resolved_at=received + timedelta(hours=hours) if hours else None,
            resolution="done" if hours else "",
        )
    login(page)
    # when the report opens
    page.goto(f"{page.base_url}/complaints/report/")
    # then the tables and the charts are there
    expect(page.locator("#cross table")).to_contain_text("Delivery")
    for chart in ("heatmap", "cause_times", "touchpoint_times", "channel", "trend"):
        expect(page.locator(f'[data-chart="{chart}"] svg')).to_have_count(1)
    screenshot(page, "complaints-report")
    page.goto(f"{page.base_url}/complaints/")
    expect(page.locator("#complaint-results tbody tr")).to_have_count(5)
    screenshot(page, "complaints-list")
