"""The outbox pages: filters, why a message was refused, mark sent, send again."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client

from relata.customers.models import Consent
from relata.engagement.message_services import message_queue
from relata.engagement.models import OutboxMessage
from relata.engagement.outbox_services import outbox_mark_sent, outbox_retry
from relata.engagement.trigger_services import trigger_rules_run
from tests.contacts.task_support import user_with_role
from tests.engagement.trigger_support import NOW, make_rule, opt_in, template
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def back_office() -> Client:
    client = Client()
    client.force_login(user_with_role("bea", "back_office"))
    return client


def queue(customer, channel: str = "sms") -> OutboxMessage:  # type: ignore[no-untyped-def]
    return message_queue(
        customer=customer, channel=channel, purpose="marketing", subject="", body="Hi there"
    )


def test_list_filters_by_status_channel_and_trigger(back_office: Client) -> None:
    # given SMS messages from a trigger rule: one queued (opt-in), one refused
    allowed = CustomerFactory(first_name="Ans")
    CustomerFactory(first_name="Rik")
    opt_in(allowed, channel="sms")
    rule = make_rule(
        "calendar",
        "message",
        name="Summer SMS",
        template=template("sms", subject="", body="Summer sale!"),
        event_params={"date": "2026-06-15"},
    )
    trigger_rules_run(now=NOW)
    # when the outbox is filtered
    queued = back_office.get("/outbox/", {"status": "queued"}).content.decode()
    refused_page = back_office.get("/outbox/", {"status": "refused", "rule": rule.pk})
    # then each filter shows its message, with the rule that made it and the reason
    assert "Ans" in queued and "Rik" not in queued and "Summer SMS" in queued
    page = refused_page.content.decode()
    assert "Rik" in page and "No opt-in for SMS / WhatsApp" in page
    assert "Summer sale!" in page  # no subject: the body stands in
    partial = back_office.get("/outbox/", {"source": "campaign"}, headers={"HX-Request": "true"})
    assert "No messages." in partial.content.decode() and "<html" not in partial.content.decode()


def test_junk_filters_do_not_break_the_list(back_office: Client) -> None:
    response = back_office.get(
        "/outbox/", {"campaign": "abc", "rule": "9" * 30, "status": "x", "customer": "-1"}
    )
    assert response.status_code == 200


def test_detail_shows_the_refusal_reason(back_office: Client) -> None:
    message = queue(CustomerFactory())
    page = back_office.get(f"/outbox/{message.pk}/").content.decode()
    assert "Refused, never sent:" in page and "No opt-in for SMS / WhatsApp" in page
    assert "Mark sent" not in page
    assert back_office.get("/outbox/999999/").status_code == 404


def test_mark_a_queued_sms_sent(back_office: Client) -> None:
    customer = CustomerFactory()
    opt_in(customer, channel="sms")
    message = queue(customer)
    assert message.status == "queued"
    assert "Mark sent" in back_office.get(f"/outbox/{message.pk}/").content.decode()
    page = back_office.post(f"/outbox/{message.pk}/sent/", follow=True).content.decode()
    message.refresh_from_db()
    assert message.status == "sent" and message.sent_at is not None
    assert "Marked sent." in page
    again = back_office.post(f"/outbox/{message.pk}/sent/", follow=True).content.decode()
    assert "Only a queued message can be marked sent; this one is sent." in again


def test_mark_sent_rechecks_consent(back_office: Client) -> None:
    customer = CustomerFactory()
    opt_in(customer, channel="post")
    customer.street, customer.house_number = "Neude", "5"
    customer.save()
    message = queue(customer, "post")
    # withdrawn in bulk, as an import does (no signal refuses the waiting letter first)
    Consent.objects.bulk_create(
        [Consent(customer=customer, channel="post", purpose="marketing", granted=False)]
    )
    page = back_office.post(f"/outbox/{message.pk}/sent/", follow=True).content.decode()
    message.refresh_from_db()
    assert message.status == "refused" and "Not sent: No opt-in for Post" in page


def test_email_cannot_be_marked_sent_by_hand() -> None:
    customer = CustomerFactory()
    message = OutboxMessage.objects.create(customer=customer, channel="email", subject="x")
    with pytest.raises(Exception, match="Relata sends e-mail itself"):
        outbox_mark_sent(message=message)


def test_send_a_failed_email_again(back_office: Client) -> None:
    # given an e-mail that failed because the customer had no address
    customer = CustomerFactory(email="")
    opt_in(customer)
    message = queue(customer, "email")
    assert message.status == "failed" and mail.outbox == []
    page = back_office.get(f"/outbox/{message.pk}/").content.decode()
    assert "Could not be sent:" in page and "Send again" in page
    # when the address is filled in and the e-mail is sent again
    customer.email = "ans@example.nl"
    customer.save()
    back_office.post(f"/outbox/{message.pk}/retry/")
    # then it went out once, to the new address
    message.refresh_from_db()
    assert message.status == "sent" and message.to_address == "ans@example.nl"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["ans@example.nl"]
    with pytest.raises(Exception, match="Only a failed e-mail"):
        outbox_retry(message=message)


def test_sales_may_act_but_nobody_without_a_role(client: Client) -> None:
    customer = CustomerFactory()
    opt_in(customer, channel="sms")
    message = queue(customer)
    client.force_login(user_with_role("nobody", None))
    assert client.post(f"/outbox/{message.pk}/sent/").status_code == 403
    message.refresh_from_db()
    assert message.status == "queued"


def test_withdrawing_consent_refuses_the_letters_still_waiting() -> None:
    # given a letter waiting in the outbox for a customer who may be written to
    from relata.customers.models import Consent
    from relata.engagement.models import OutboxMessage

    customer = CustomerFactory(street="Dam", house_number="1", postcode="1012 AB", city="Amsterdam")
    letter = OutboxMessage.objects.create(
        customer=customer, channel="post", purpose="marketing", subject="Catalogue"
    )
    # when the customer withdraws the opt-in for post
    Consent.objects.create(customer=customer, channel="post", purpose="marketing", granted=False)
    # then the letter is refused with the reason, before anybody sends it
    letter.refresh_from_db()
    assert letter.status == "refused"
    assert "No opt-in" in letter.status_reason
