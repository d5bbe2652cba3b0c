from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from relata.concurrency import StaleEditError
from relata.customers.models import Consent
from relata.engagement import campaign_services
from relata.engagement.campaign_services import (
    campaign_enrol,
    campaign_finish,
    campaign_launch,
    campaign_update,
    control_draw,
    control_size,
)
from relata.engagement.models import (
    CampaignContact,
    CustomerOffer,
    MessageStatus,
    OfferRun,
    OutboxMessage,
)
from tests.engagement.campaign_support import (
    customers_in_segment,
    email_template,
    new_campaign,
    segment_of_city,
)
from tests.factories import CustomerFactory, ProductFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("customers", "percent", "expected"),
    [(0, 10, 0), (9, 10, 1), (15, 10, 2), (25, 10, 3), (100, 0, 0), (7, 50, 4), (200, 15, 30)],
)
def test_control_size_is_n_times_percent_rounded_half_up(customers, percent, expected) -> None:
    assert control_size(customers, percent) == expected
    assert int(control_draw(customers, percent, seed=5).sum()) == expected


def test_control_draw_is_reproducible_from_its_seed() -> None:
    # given the same size and seed, then the same draw; another seed draws differently
    first = control_draw(1000, 20, seed=42)
    assert (first == control_draw(1000, 20, seed=42)).all()
    assert not (first == control_draw(1000, 20, seed=43)).all()


def test_launch_splits_exactly_and_reproducibly() -> None:
    # given a segment of 45 customers and a 20% control group
    customers_in_segment(45)
    segment = segment_of_city()
    campaign = new_campaign(segment=segment, control_percent=20, random_seed=1234)
    # when launched
    campaign_launch(campaign=campaign)
    # then exactly round(45 · 0.2) = 9 are in control, and the others were approached
    contacts = CampaignContact.objects.filter(campaign=campaign)
    assert contacts.count() == 45
    control = set(contacts.filter(group="control").values_list("customer_id", flat=True))
    assert len(control) == 9
    assert contacts.filter(group="target", sent_at__isnull=False).count() == 36
    assert contacts.filter(group="control", sent_at__isnull=False).count() == 0
    assert len(mail.outbox) == 36
    campaign.refresh_from_db()
    assert (campaign.status, campaign.random_seed) == ("running", 1234)
    # and the same seed on the same segment draws the same control group
    again = new_campaign(
        name="Spring again",
        segment=segment,
        template=campaign.template,
        control_percent=20,
        random_seed=1234,
    )
    campaign_launch(campaign=again)
    again_control = set(
        CampaignContact.objects.filter(campaign=again, group="control").values_list(
            "customer_id", flat=True
        )
    )
    assert again_control == control
    # and every contact has its own unguessable token
    tokens = list(CampaignContact.objects.values_list("token", flat=True))
    assert len(set(tokens)) == 90 and all(len(t) >= 20 for t in tokens)


def test_launch_without_a_seed_stores_the_one_it_drew() -> None:
    customers_in_segment(3)
    campaign = new_campaign(control_percent=10)
    campaign_launch(campaign=campaign)
    campaign.refresh_from_db()
    assert campaign.random_seed is not None


def test_email_goes_out_with_merge_fields_tracked_links_and_open_pixel(settings) -> None:
    # given one customer with consent and a template with merge fields and a link
    settings.RELATA_SITE_URL = "https://crm.example"
    (customer,) = customers_in_segment(1, first_name="Fenna", last_name="Hoekstra")
    campaign = new_campaign()
    # when launched
    campaign_launch(campaign=campaign)
    # then the e-mail reached Django's backend with the merge fields filled in
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == [customer.email]
    assert email.subject == "Fenna, something for you"
    assert email.body.startswith(
        "Dear Fenna Hoekstra,\n\nTen percent off at https://crm.example/t/c/"
    )
    # and the link is a tracked one; the HTML part carries the open pixel
    contact = CampaignContact.objects.get()
    assert f"/t/c/{contact.token}/?u=" in email.body
    assert "https://shop.example/spring" not in email.body.replace("%2F", "/").split("?u=")[0]
    html, mime = email.alternatives[0]
    assert mime == "text/html"
    assert f'src="https://crm.example/t/o/{contact.token}.gif"' in html
    # and the outbox row and the contact say it was sent
    message = OutboxMessage.objects.get()
    assert (message.status, message.campaign_contact_id) == (MessageStatus.SENT, contact.pk)
    assert contact.sent_at is not None and contact.refused_reason == ""


def test_contacts_without_consent_are_refused_and_not_sent() -> None:
    # given two customers with an e-mail opt-in, one who withdrew it and one who never gave it
    customers_in_segment(2)
    withdrawn, never = customers_in_segment(2, consent=False)
    Consent.objects.create(customer=withdrawn, channel="email", purpose="marketing", granted=True)
    Consent.objects.create(customer=withdrawn, channel="email", purpose="marketing", granted=False)
    campaign = new_campaign()
    # when launched
    campaign_launch(campaign=campaign)
    # then only the two with consent got the e-mail
    assert len(mail.outbox) == 2
    for customer in (withdrawn, never):
        contact = CampaignContact.objects.get(customer=customer)
        assert contact.group == "target"
        assert contact.sent_at is None
        assert "No opt-in for E-mail" in contact.refused_reason
        assert OutboxMessage.objects.get(campaign_contact=contact).status == MessageStatus.REFUSED


def test_phone_campaign_waits_in_the_outbox_and_counts_as_sent() -> None:
    customers_in_segment(2, channel="phone")
    template = email_template(
        name="Call script", channel="phone", subject="", body="Call {{ first_name }}"
    )
    campaign = new_campaign(channel="phone", template=template)
    campaign_launch(campaign=campaign)
    assert len(mail.outbox) == 0
    assert OutboxMessage.objects.filter(status=MessageStatus.QUEUED, channel="phone").count() == 2
    assert CampaignContact.objects.filter(sent_at__isnull=False).count() == 2
    # and no tracking link was added to a script that is read out
    assert "/t/c/" not in OutboxMessage.objects.first().body


def test_product_and_discount_offers_fill_their_merge_fields() -> None:
    customers_in_segment(1)
    product = ProductFactory(name="Espresso machine")
    template = email_template(body="{{ offer_product }} with {{ discount }}% off: {{ offer }}")
    campaign = new_campaign(
        template=template, offer_kind="product", offer_product=product, offer_text=""
    )
    campaign_launch(campaign=campaign)
    assert mail.outbox[0].body == "Espresso machine with % off: Espresso machine"
    assert CampaignContact.objects.get().offered_product == product

    discount = new_campaign(
        name="Discount",
        segment=campaign.segment,
        template=template,
        offer_kind="discount",
        discount_percent=Decimal("12.50"),
        offer_text="",
    )
    campaign_launch(campaign=discount)
    assert mail.outbox[1].body == " with 12.5% off: 12.5% discount"


def test_launch_refuses_bad_setups_naming_the_field() -> None:
    # a template for another channel
    campaign = new_campaign()
    with pytest.raises(ValidationError) as error:
        campaign_update(
            campaign=campaign,
            fields={"template": email_template(name="Letter", channel="post")},
        )
    assert "template" in error.value.message_dict
    campaign.refresh_from_db()
    # a product offer without a product, an end before the start
    with pytest.raises(ValidationError) as error:
        campaign_update(
            campaign=campaign,
            fields={"offer_kind": "product", "ends_on": campaign.starts_on.replace(year=2000)},
        )
    assert set(error.value.message_dict) == {"offer_product", "ends_on"}
    # no template
    campaign.refresh_from_db()
    campaign.template = None
    with pytest.raises(ValidationError) as error:
        campaign_launch(campaign=campaign)
    assert "template" in error.value.message_dict
    # and a campaign launched twice
    campaign.refresh_from_db()
    customers_in_segment(1)
    campaign_launch(campaign=campaign)
    with pytest.raises(ValidationError):
        campaign_launch(campaign=campaign)
    assert CampaignContact.objects.count() == 1


def test_a_campaign_without_segment_runs_for_trigger_enrolments() -> None:
    # given a campaign whose segment is empty now, and one without a segment
    empty = new_campaign()
    no_segment = new_campaign(name="Triggered only", segment=None, template=empty.template)
    # when launched, both run without contacts
    for campaign in (empty, no_segment):
        campaign_launch(campaign=campaign)
        campaign.refresh_from_db()
        assert campaign.status == "running"
    assert not CampaignContact.objects.exists()
    # and a trigger can enrol into them
    customer = customers_in_segment(1)[0]
    assert campaign_enrol(campaign=no_segment, customer=customer).sent_at is not None


def test_a_stale_launch_is_refused() -> None:
    customers_in_segment(1)
    campaign = new_campaign()
    seen = campaign.version
    campaign_update(campaign=campaign, fields={"name": "Renamed"}, expected_version=seen)
    with pytest.raises(StaleEditError):
        campaign_launch(campaign=campaign, expected_version=seen)
    assert CampaignContact.objects.count() == 0


def test_launched_campaign_keeps_its_audience_settings() -> None:
    customers_in_segment(1)
    campaign = new_campaign()
    campaign_launch(campaign=campaign)
    with pytest.raises(ValidationError) as error:
        campaign_update(campaign=campaign, fields={"control_percent": 10})
    assert "control_percent" in error.value.message_dict
    # but the name and costs may change
    campaign_update(campaign=campaign, fields={"name": "Spring 2026", "fixed_cost": Decimal(50)})
    campaign.refresh_from_db()
    assert campaign.name == "Spring 2026"


def test_enrol_once_sends_at_once_and_respects_running_and_control() -> None:
    # given a running campaign
    customers_in_segment(1)
    campaign = new_campaign()
    newcomer = CustomerFactory(city="Elsewhere")
    Consent.objects.create(customer=newcomer, channel="email", purpose="marketing", granted=True)
    # when a draft campaign is asked to enrol, nothing happens
    assert campaign_enrol(campaign=campaign, customer=newcomer) is None
    campaign_launch(campaign=campaign)
    # when enrolled (by a trigger), the customer gets the e-mail at once
    contact = campaign_enrol(campaign=campaign, customer=newcomer)
    assert contact is not None and contact.group == "target" and contact.sent_at is not None
    assert len(mail.outbox) == 2
    # and a second enrolment does nothing
    assert campaign_enrol(campaign=campaign, customer=newcomer) is None
    assert len(mail.outbox) == 2
    # and after the campaign finished nobody is enrolled
    campaign_finish(campaign=campaign)
    assert campaign_enrol(campaign=campaign, customer=CustomerFactory()) is None


def test_enrolment_control_share_is_applied_reproducibly() -> None:
    # given a running campaign with a 30% control group
    customers_in_segment(1)
    campaign = new_campaign(control_percent=30, random_seed=7)
    campaign_launch(campaign=campaign)
    # when 200 customers are enrolled one by one
    newcomers = [CustomerFactory(city="Elsewhere") for _ in range(200)]
    groups = [campaign_enrol(campaign=campaign, customer=c).group for c in newcomers]
    # then about 30% land in control (binomial: 60 ± 3 sd is 41–79), never sent anything
    control = groups.count("control")
    assert 41 <= control <= 79
    assert not CampaignContact.objects.filter(group="control", sent_at__isnull=False).exists()


def test_next_best_offer_is_personal_with_the_campaign_product_as_fallback() -> None:
    # given two customers, one with a computed next best offer
    with_offer, without = customers_in_segment(2)
    grinder = ProductFactory(name="Coffee grinder")
    beans = ProductFactory(name="House beans")
    run = OfferRun.objects.create(finished_at=timezone.now())
    CustomerOffer.objects.create(
        run=run, customer=with_offer, rank=1, product=grinder, kind=1, score=0.9
    )
    template = email_template(body="Something for you: {{ offer_product }}.")
    campaign = new_campaign(
        template=template, offer_kind="next_best", offer_product=beans, offer_text=""
    )
    # when launched
    campaign_launch(campaign=campaign)
    # then each gets their own offer; without one, the campaign's product
    bodies = {m.to[0]: m.body for m in mail.outbox}
    assert bodies[with_offer.email] == "Something for you: Coffee grinder."
    assert bodies[without.email] == "Something for you: House beans."
    assert CampaignContact.objects.get(customer=with_offer).offered_product == grinder
    assert CampaignContact.objects.get(customer=without).offered_product == beans


def test_one_failing_contact_does_not_stop_the_others(monkeypatch, caplog) -> None:  # type: ignore[no-untyped-def]
    # given three customers, the second of whom cannot be rendered (a bug, bad data)
    first, broken, third = customers_in_segment(3)
    real = campaign_services.customer_merge_values

    def merge_values(customer, **kwargs):  # type: ignore[no-untyped-def]
        if customer.pk == broken.pk:
            raise RuntimeError("bad data")
        return real(customer, **kwargs)

    monkeypatch.setattr(campaign_services, "customer_merge_values", merge_values)
    # when launched
    campaign_launch(campaign=new_campaign())
    # then the other two got their e-mail and the failure is recorded on the contact
    assert sorted(m.to[0] for m in mail.outbox) == sorted([first.email, third.email])
    failed = CampaignContact.objects.get(customer=broken)
    assert failed.sent_at is None
    assert (
        failed.refused_reason == "Sending failed unexpectedly; the details are in the server log."
    )
    assert "bad data" in caplog.text
