from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, User
from django.core import mail
from django.test import Client
from django.utils import timezone

from relata.contacts.models import ContactMoment
from relata.engagement.campaign_services import campaign_attribute, campaign_launch
from relata.engagement.models import Campaign, CampaignContact, MessageTemplate
from tests.engagement.campaign_support import (
    customers_in_segment,
    email_template,
    new_campaign,
    order_for,
    segment_of_city,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def marketer(db: None) -> User:
    user = User.objects.create_user("mara", password="a-long-test-password")
    user.groups.add(Group.objects.get(name="marketing"))
    return user


@pytest.fixture
def client_m(marketer: User) -> Client:
    client = Client()
    client.force_login(marketer)
    return client


def test_create_a_campaign_through_the_form(client_m: Client) -> None:
    # given a segment of 3 customers (2 with consent) and an e-mail template
    customers_in_segment(2)
    customers_in_segment(1, consent=False)
    segment = segment_of_city()
    template = email_template()
    # when the form is opened, it shows the segment's live size
    page = client_m.get("/campaigns/new/", {"segment": segment.pk})
    assert page.status_code == 200
    assert "3 customers in the segment now" in page.content.decode()
    # and the live count follows the channel
    reach = client_m.get(
        "/campaigns/segment-reach/",
        {"segment": segment.pk, "channel": "email", "purpose": "marketing"},
    )
    assert "2 may be contacted" in reach.content.decode()
    assert "1 without consent" in reach.content.decode()
    # when saved
    response = client_m.post(
        "/campaigns/new/",
        {
            "name": "Autumn",
            "segment": segment.pk,
            "channel": "email",
            "purpose": "marketing",
            "template": template.pk,
            "offer_kind": "none",
            "starts_on": "2026-09-01",
            "attribution_days": 21,
            "control_percent": 10,
            "fixed_cost": "250.00",
            "cost_per_contact": "0.10",
        },
    )
    campaign = Campaign.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/campaigns/{campaign.pk}/"
    assert (campaign.attribution_days, campaign.control_percent) == (21, 10)
    # and the detail page offers the launch with the preview figures
    detail = client_m.get(f"/campaigns/{campaign.pk}/").content.decode()
    assert "Ready to launch?" in detail
    assert 'id="preview-segment">3<' in detail


def test_form_names_the_field_of_a_bad_setup(client_m: Client) -> None:
    segment = segment_of_city()
    letter = email_template(name="Letter", channel="post")
    response = client_m.post(
        "/campaigns/new/",
        {
            "name": "Mixed up",
            "segment": segment.pk,
            "channel": "email",
            "purpose": "marketing",
            "template": letter.pk,
            "offer_kind": "discount",
            "starts_on": "2026-09-01",
            "attribution_days": 0,
            "control_percent": 80,
            "fixed_cost": "0",
            "cost_per_contact": "0",
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) >= {"attribution_days", "control_percent"}
    # and once those are right, the cross-field rules name their fields
    data = {
        "name": "Mixed up",
        "segment": segment.pk,
        "channel": "email",
        "purpose": "marketing",
        "template": letter.pk,
        "offer_kind": "discount",
        "starts_on": "2026-09-01",
        "attribution_days": 30,
        "control_percent": 10,
        "fixed_cost": "0",
        "cost_per_contact": "0",
    }
    form = client_m.post("/campaigns/new/", data).context["form"]
    assert "written for Post" in form.errors["template"][0]
    assert "discount" in form.errors["discount_percent"][0]
    assert not Campaign.objects.exists()


def test_launch_confirmation_then_launch(client_m: Client) -> None:
    # given a draft campaign to 10 customers, 2 without consent, 20% control
    customers_in_segment(8)
    customers_in_segment(2, consent=False)
    campaign = new_campaign(control_percent=20)
    # when the launch page is opened, it shows what will happen
    page = client_m.get(f"/campaigns/{campaign.pk}/launch/").content.decode()
    assert 'id="preview-segment">10<' in page
    assert 'id="preview-control">2<' in page
    assert 'id="preview-approached">8<' in page
    assert 'id="preview-no-consent">2<' in page
    # when confirmed
    response = client_m.post(f"/campaigns/{campaign.pk}/launch/", {"version": campaign.version})
    # then it is launched and the report opens
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.status == "running"
    assert CampaignContact.objects.filter(campaign=campaign).count() == 10
    report = client_m.get(f"/campaigns/{campaign.pk}/")
    assert report.status_code == 200
    assert report.context["results"].figures.treatment == 8
    assert "Campaign launched:" in report.content.decode()
    # and a second launch (an old tab) is refused without a second mailing
    sent = len(mail.outbox)
    again = client_m.post(f"/campaigns/{campaign.pk}/launch/", {"version": 1})
    assert again.status_code == 302
    assert len(mail.outbox) == sent


def test_stale_launch_shows_the_message(client_m: Client) -> None:
    customers_in_segment(1)
    campaign = new_campaign()
    Campaign.objects.filter(pk=campaign.pk).update(version=5)
    response = client_m.post(f"/campaigns/{campaign.pk}/launch/", {"version": 1})
    assert response.status_code == 400
    assert "changed by someone else" in response.content.decode()
    assert not CampaignContact.objects.exists()


def _launched(count: int = 3) -> Campaign:
    customers_in_segment(count)
    campaign = new_campaign(fixed_cost=Decimal(30))
    campaign_launch(campaign=campaign)
    return campaign


def test_report_and_analysis_render_with_the_figures(client_m: Client) -> None:
    campaign = _launched()
    contact = CampaignContact.objects.first()
    order_for(contact.customer, on=timezone.localdate(), amount="75.00")
    campaign_attribute(campaign=campaign)
    page = client_m.get(f"/campaigns/{campaign.pk}/")
    html = page.content.decode()
    assert 'id="conversion-ratio">33.3%<' in html
    assert "€ 75" in html
    assert "No control group" in html
    assert "Too few responders" in html
    assert 'data-chart="funnel"' in html and "campaign-report-data" in html
    # the analysis switches outcome through htmx and returns only its card
    partial = client_m.get(
        f"/campaigns/{campaign.pk}/",
        {"outcome": "converted"},
        headers={"HX-Request": "true", "HX-Target": "analysis"},
    )
    assert "Too few buyers" in partial.content.decode()
    assert "<html" not in partial.content.decode()


def test_contacts_filter_respond_and_csv(client_m: Client, marketer: User) -> None:
    campaign = _launched(3)
    customers_in_segment(1, consent=False)
    # (the fourth customer joined after the launch: not a contact)
    contact = CampaignContact.objects.filter(campaign=campaign).first()
    # when a response is recorded by hand
    response = client_m.post(
        f"/campaigns/{campaign.pk}/audience/{contact.pk}/respond/",
        {"note": "Called back, wants a quote", "next": f"/campaigns/{campaign.pk}/audience/"},
    )
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.responded_at is not None
    moment = ContactMoment.objects.get(customer=contact.customer)
    assert (moment.direction, moment.touchpoint, moment.staff) == ("inbound", "marketing", marketer)
    assert moment.notes == "Called back, wants a quote"
    # then the filter shows just that one
    page = client_m.get(f"/campaigns/{campaign.pk}/audience/", {"state": "responded"})
    assert list(page.context["page"]) == [contact]
    assert (
        client_m.get(f"/campaigns/{campaign.pk}/audience/", {"state": "nonsense"}).status_code
        == 200
    )
    # and the CSV export has a header and one row per contact
    export = client_m.get(f"/campaigns/{campaign.pk}/audience/", {"format": "csv"})
    assert export["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig"))))
    assert rows[0][:3] == ["Customer number", "Name", "Group"]
    assert len(rows) == 4


def test_responding_for_an_unsent_contact_is_refused(client_m: Client) -> None:
    customers_in_segment(1, consent=False)
    campaign = new_campaign()
    campaign_launch(campaign=campaign)
    contact = CampaignContact.objects.get()
    response = client_m.post(f"/campaigns/{campaign.pk}/audience/{contact.pk}/respond/", {})
    assert response.status_code == 302
    follow = client_m.get(response["Location"]).content.decode()
    assert "Only a contact who was sent the campaign can respond" in follow
    contact.refresh_from_db()
    assert contact.responded_at is None


def test_finish_and_list(client_m: Client) -> None:
    campaign = _launched()
    response = client_m.post(f"/campaigns/{campaign.pk}/finish/", {"version": campaign.version})
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.status == "finished"
    listing = client_m.get("/campaigns/", {"status": "finished"})
    assert list(listing.context["page"]) == [campaign]
    assert client_m.get(f"/campaigns/{campaign.pk}/edit/").status_code == 302


def test_pages_need_permissions(client: Client) -> None:
    user = User.objects.create_user("viewer", password="a-long-test-password")
    user.groups.add(Group.objects.get(name="sales"))
    client.force_login(user)
    campaign = _launched()
    assert client.get("/campaigns/").status_code == 200
    assert client.get(f"/campaigns/{campaign.pk}/").status_code == 200
    assert client.get("/campaigns/new/").status_code == 403
    assert client.post(f"/campaigns/{campaign.pk}/finish/").status_code == 403
    assert client.get("/campaigns/999999/").status_code == 404
    anonymous = Client()
    assert anonymous.get("/campaigns/").status_code == 302


def test_template_crud_refuses_unknown_merge_fields_and_previews(client_m: Client) -> None:
    customers_in_segment(1, first_name="Noor")
    # when a template with a typo in a merge field is saved, the typo is named
    data = {
        "name": "Welcome",
        "channel": "email",
        "subject": "Hello {{ first_name }}",
        "body": "Dear {{ frist_name }}, your code {{ referral_code }} {{ shoe_size }}",
    }
    page = client_m.post("/campaigns/templates/new/", data)
    assert page.status_code == 200
    error = page.context["form"].errors["body"][0]
    assert "Unknown merge fields {{ frist_name }}, {{ shoe_size }}" in error
    assert not MessageTemplate.objects.exists()
    # and the page shows the preview for a sample customer and the list of merge fields
    html = page.content.decode()
    assert "Hello Noor" in html
    assert "{{ points_balance }}" in html
    # when corrected, it is saved
    data["body"] = "Dear {{ first_name }}, see https://shop.example"
    assert client_m.post("/campaigns/templates/new/", data).status_code == 302
    template = MessageTemplate.objects.get()
    # the live preview renders what is typed
    preview = client_m.post(
        "/campaigns/templates/preview/", {"subject": "Hi {{ first_name }}", "body": "{{ city }}"}
    ).content.decode()
    assert "Hi Noor" in preview and "Campaignville" in preview
    # a template used by a campaign cannot be deleted; an unused one can
    campaign = new_campaign(template=template)
    client_m.post(f"/campaigns/templates/{template.pk}/delete/")
    assert MessageTemplate.objects.filter(pk=template.pk).exists()
    campaign.delete()
    client_m.post(f"/campaigns/templates/{template.pk}/delete/")
    assert not MessageTemplate.objects.filter(pk=template.pk).exists()


def test_editing_a_launched_campaign_keeps_the_audience(client_m: Client) -> None:
    campaign = _launched()
    form = client_m.get(f"/campaigns/{campaign.pk}/edit/").context["form"]
    assert form.fields["segment"].disabled and form.fields["control_percent"].disabled
    response = client_m.post(
        f"/campaigns/{campaign.pk}/edit/",
        {
            "version": campaign.version,
            "name": "Renamed",
            "segment": campaign.segment_id,
            "control_percent": 40,
            "attribution_days": 14,
            "starts_on": (timezone.localdate() - timedelta(days=1)).isoformat(),
            "fixed_cost": "10",
            "cost_per_contact": "0",
        },
    )
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert (campaign.name, campaign.control_percent, campaign.attribution_days) == (
        "Renamed",
        0,
        14,
    )


def test_an_interrupted_launch_can_be_finished_from_the_page(client_m: Client) -> None:
    # given a running campaign whose sending stopped after the contacts were created
    customers = customers_in_segment(3)
    campaign = new_campaign()
    Campaign.objects.filter(pk=campaign.pk).update(status="running", launched_at=timezone.now())
    for i, customer in enumerate(customers):
        CampaignContact.objects.create(campaign=campaign, customer=customer, token=f"tok{i}")
    # when the report is opened, it says so
    page = client_m.get(f"/campaigns/{campaign.pk}/").content.decode()
    assert "3 approached contacts have not been sent the message yet" in page
    # when the marketer sends them
    response = client_m.post(f"/campaigns/{campaign.pk}/send-pending/")
    # then each gets the message once
    assert response.status_code == 302
    assert len(mail.outbox) == 3
    assert not CampaignContact.objects.filter(sent_at__isnull=True).exists()
    client_m.post(f"/campaigns/{campaign.pk}/send-pending/")
    assert len(mail.outbox) == 3


def test_a_large_launch_leaves_sending_to_the_scheduled_command(
    client_m: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a campaign to 5 customers, with the in-request sending limit at 3
    from django.core.management import call_command

    from relata.engagement import campaign_views

    monkeypatch.setattr(campaign_views, "SEND_IN_REQUEST_LIMIT", 3)
    customers_in_segment(5)
    campaign = new_campaign()
    mail.outbox.clear()
    # when it is launched from the page
    response = client_m.post(
        f"/campaigns/{campaign.pk}/launch/", {"version": campaign.version}, follow=True
    )
    # then the contacts exist, nothing was sent yet, and the page says how it goes on
    assert CampaignContact.objects.filter(campaign=campaign, sent_at__isnull=True).count() == 5
    assert mail.outbox == []
    assert "5 messages wait to be sent by" in response.content.decode()
    # when the scheduled command runs (twice)
    call_command("send_campaigns", verbosity=0)
    call_command("send_campaigns", verbosity=0)
    # then every message went out once
    assert len(mail.outbox) == 5
    assert not CampaignContact.objects.filter(campaign=campaign, sent_at__isnull=True).exists()
