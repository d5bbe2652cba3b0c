"""Erasure: the person is gone from every table, the figures stay, the evidence stays."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Sum
from django.test import Client
from django.urls import reverse

from relata.audit.models import AuditEntry
from relata.customers.models import Consent, ContactPerson, Customer
from relata.customers.selectors import consent_in_force, customer_search
from relata.customers.services import customer_update
from relata.feedback.models import SocialProfile
from relata.privacy.services import erase_customer
from relata.sales.models import Deal, Order, OrderLine
from relata.scoring.aggregates import customer_base, order_days
from relata.scoring.models import CustomerSnapshot
from tests.factories import user_with_role
from tests.privacy.support import EMAIL, FULL_NAME, LAST, NEEDLES, customer_with_history, text_hits

pytestmark = pytest.mark.django_db


def _revenue() -> dict[str, object]:
    """What the pyramid and the revenue reports read."""
    period_end = date(2026, 1, 1)
    days = order_days(base=customer_base(period_end=period_end), period_end=period_end)
    return {
        "order_total": Order.objects.aggregate(total=Sum("total_amount"))["total"],
        "line_total": OrderLine.objects.aggregate(total=Sum("unit_price"))["total"],
        "deal_value": Deal.objects.aggregate(total=Sum("value"))["total"],
        "pyramid_revenue": days.revenue.tolist(),
        "pyramid_customers": days.customer.tolist(),
        "snapshots": CustomerSnapshot.objects.count(),
    }


def test_erasure_keeps_revenue_totals_and_the_pyramid_input_identical() -> None:
    # given a customer with orders, a won deal and a score snapshot
    history = customer_with_history(user_with_role("owner", "sales"))
    before = _revenue()
    # when the customer is erased
    erase_customer(history.customer, by=None, reason="Request by e-mail")
    # then every total and the per-customer revenue the pyramid reads are unchanged
    assert _revenue() == before
    assert before["order_total"] == sum(order.total_amount for order in history.orders)


def test_erasure_leaves_the_old_name_email_and_phone_nowhere_in_the_database() -> None:
    # given the customer's name, e-mail, phone, contact person and handle in many texts
    history = customer_with_history(user_with_role("owner", "sales"))
    assert text_hits(LAST), "the test data must contain the name before the erasure"
    # when the customer is erased
    erase_customer(history.customer, by=None, reason="Request by e-mail")
    # then no text, char or JSON column of any table holds any of them any more
    assert {needle: text_hits(needle) for needle in NEEDLES} == {needle: [] for needle in NEEDLES}
    # and the customer search finds nothing under the old name or e-mail
    assert not customer_search(query=LAST).exists()
    assert not customer_search(query=EMAIL).exists()


def test_erasure_anonymises_the_record_and_deletes_people_and_profiles() -> None:
    # given a customer with a contact person and a social profile
    history = customer_with_history(user_with_role("owner", "sales"))
    customer = history.customer
    # when erased
    result = erase_customer(customer, by=None, reason="Request by e-mail")
    # then the record is anonymised, numbered as before, and marked erased
    erased = Customer.objects.get(pk=customer.pk)
    assert erased.display_name == "Erased customer"
    assert erased.customer_number == customer.customer_number
    assert (erased.email, erased.phone, erased.street, erased.notes) == ("", "", "", "")
    assert erased.birth_date is None and erased.occupation == ""
    assert erased.erased_at is not None
    assert erased.version == customer.version + 1
    # kept for the figures: acquisition cost and source, account owner
    assert erased.acquisition_cost == customer.acquisition_cost
    assert erased.account_owner_id == customer.account_owner_id
    # and contact persons and social profiles are gone
    assert not ContactPerson.objects.filter(organisation=customer).exists()
    assert not SocialProfile.objects.filter(customer=customer).exists()
    assert result.counts["customers.contactperson.organisation.deleted"] == 1


def test_erasure_keeps_the_consent_log_and_withdraws_every_opt_in() -> None:
    # given a customer with two newsletter decisions (withdrawn now) and an opt-in for surveys
    history = customer_with_history(user_with_role("owner", "sales"))
    Consent.objects.create(
        customer=history.customer, channel="email", purpose="surveys", granted=True
    )
    before = list(Consent.objects.filter(customer=history.customer).values().order_by("pk"))
    granted_before = {
        key for key, allowed in consent_in_force(customer=history.customer).items() if allowed
    }
    # when erased
    erase_customer(history.customer, by=None, reason="Request by e-mail")
    # then the earlier consent rows are exactly as they were
    after = list(Consent.objects.filter(customer=history.customer).values().order_by("pk"))
    assert after[: len(before)] == before and len(before) == 3
    # and every opt-in that was in force got a withdrawal appended, marked as the erasure
    appended = after[len(before) :]
    assert granted_before == {("email", "surveys")}
    assert {(row["channel"], row["purpose"]) for row in appended} == granted_before
    assert all(not row["granted"] and row["source"] == "erasure (GDPR)" for row in appended)
    assert not any(consent_in_force(customer=history.customer).values())


def test_erasure_writes_one_audit_entry_with_counts_and_no_personal_values() -> None:
    # given a customer and the staff member who erases
    admin = user_with_role("privacy-admin", "admin")
    history = customer_with_history(admin)
    # when erased
    erase_customer(history.customer, by=admin, reason="Request by e-mail")
    # then one erase entry names the customer by number, the reason and the counts
    entry = AuditEntry.objects.get(action="erase", customer_id=history.customer.pk)
    assert entry.actor == admin
    assert entry.object_label == f"Customer {history.customer.customer_number}"
    assert entry.context["reason"] == "Request by e-mail"
    assert entry.context["counts"]["feedback.socialprofile.customer.deleted"] == 1
    # and nothing personal is in it
    stored = f"{entry.object_label} {entry.changes} {entry.context}"
    assert LAST not in stored and EMAIL not in stored


def test_a_second_erasure_is_refused_with_a_clear_message() -> None:
    # given an erased customer
    history = customer_with_history(user_with_role("owner", "sales"))
    erase_customer(history.customer, by=None, reason="Request by e-mail")
    # when erased again
    with pytest.raises(ValidationError) as refused:
        erase_customer(history.customer, by=None, reason="Again")
    # then it is refused, naming the customer, and no second entry is written
    assert f"{history.customer.customer_number} was already erased" in refused.value.messages[0]
    assert AuditEntry.objects.filter(action="erase").count() == 1


def test_erasure_needs_a_reason() -> None:
    # given a customer
    history = customer_with_history(user_with_role("owner", "sales"))
    # when erased without a reason
    with pytest.raises(ValidationError) as refused:
        erase_customer(history.customer, by=None, reason="  ")
    # then the reason field is named and nothing changed
    assert "reason" in refused.value.message_dict
    assert Customer.objects.get(pk=history.customer.pk).last_name == LAST


def test_an_erased_customer_cannot_be_edited_through_the_service() -> None:
    # given an erased customer
    history = customer_with_history(user_with_role("owner", "sales"))
    erase_customer(history.customer, by=None, reason="Request by e-mail")
    erased = Customer.objects.get(pk=history.customer.pk)
    # when someone tries to fill the name in again
    with pytest.raises(ValidationError) as refused:
        customer_update(customer=erased, fields={"last_name": LAST})
    # then it is refused and nothing is written
    assert "erased" in refused.value.messages[0]
    assert Customer.objects.get(pk=erased.pk).last_name == "Erased customer"


def test_the_erase_page_needs_the_typed_number_and_a_reason() -> None:
    # given an administrator on the erase page of a customer
    admin = user_with_role("privacy-admin", "admin")
    history = customer_with_history(admin)
    client = Client()
    client.force_login(admin)
    url = reverse("privacy:erase", kwargs={"pk": history.customer.pk})
    # when they type a wrong number
    response = client.post(url, {"customer_number": "C999", "reason": "Request"})
    # then the page says so and nothing is erased
    assert response.status_code == 200
    assert "This is not the number of this customer" in response.content.decode()
    assert Customer.objects.get(pk=history.customer.pk).erased_at is None
    # when they type the number and a reason
    number = history.customer.customer_number
    response = client.post(url, {"customer_number": number, "reason": "Request by e-mail"})
    # then the customer is erased and the customer page shows the banner, no edit button
    assert response.status_code == 302
    page = client.get(reverse("customers:detail", kwargs={"pk": history.customer.pk}))
    html = page.content.decode()
    assert "Erased on" in html and FULL_NAME not in html
    assert reverse("customers:edit", kwargs={"pk": history.customer.pk}) not in html


def test_the_edit_form_refuses_changes_to_an_erased_customer() -> None:
    # given an erased customer and an administrator on its edit form
    admin = user_with_role("privacy-admin", "admin")
    history = customer_with_history(admin)
    erase_customer(history.customer, by=admin, reason="Request by e-mail")
    erased = Customer.objects.get(pk=history.customer.pk)
    client = Client()
    client.force_login(admin)
    # when they submit a name
    response = client.post(
        reverse("customers:edit", kwargs={"pk": erased.pk}),
        {
            "customer_number": erased.customer_number,
            "last_name": LAST,
            "country": "NL",
            "version": erased.version,
        },
    )
    # then the form shows the refusal and the record stays anonymised
    assert response.status_code == 200
    assert "personal data was erased" in response.content.decode()
    assert Customer.objects.get(pk=erased.pk).last_name == "Erased customer"


@pytest.mark.parametrize("role", ["sales", "back_office", "marketing", "analyst"])
def test_only_administrators_may_erase(role: str) -> None:
    # given a user of another role
    user = user_with_role(f"user-{role}", role)
    history = customer_with_history(user)
    client = Client()
    client.force_login(user)
    # when they open or post the erase page
    url = reverse("privacy:erase", kwargs={"pk": history.customer.pk})
    number = history.customer.customer_number
    responses = [client.get(url), client.post(url, {"customer_number": number, "reason": "x"})]
    # then both are forbidden and nothing is erased
    assert [response.status_code for response in responses] == [403, 403]
    assert Customer.objects.get(pk=history.customer.pk).erased_at is None


def test_the_command_erases_by_number_and_refuses_a_second_time() -> None:
    # given a customer
    history = customer_with_history(user_with_role("owner", "sales"))
    number = history.customer.customer_number
    # when erased from the command line without a question
    call_command("erase_customer", number, "--reason", "Written request", "--yes")
    # then the customer is erased, with the reason in the trail
    assert Customer.objects.get(pk=history.customer.pk).erased_at is not None
    assert AuditEntry.objects.get(action="erase").context["reason"] == "Written request"
    # and a second run says it was erased already
    with pytest.raises(CommandError, match="already erased"):
        call_command("erase_customer", number, "--reason", "Again", "--yes")


def test_the_command_names_an_unknown_number() -> None:
    # given no customer with the number
    # when the command is asked to erase it
    with pytest.raises(CommandError, match="No customer with number X-404"):
        call_command("erase_customer", "X-404", "--reason", "Request", "--yes")
    # then nothing was recorded
    assert not AuditEntry.objects.filter(action="erase").exists()
