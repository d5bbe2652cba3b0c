"""Merging duplicate customers: every related row moves, history is kept, one transaction."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, User
from django.db import models
from django.test import Client
from django.utils import timezone

from relata.concurrency import StaleEditError
from relata.contacts.models import Complaint, ContactMoment, Notification, Task
from relata.customers.merge import (
    DELETED_RELATIONS,
    KEEP,
    MERGE,
    customer_relations,
    customers_merge,
    merge_preview,
)
from relata.customers.models import Consent, ContactPerson, Customer
from relata.customers.selectors import consent_matrix
from relata.engagement.models import (
    Campaign,
    CampaignContact,
    CustomerEvent,
    CustomerOffer,
    LoyaltyMember,
    OfferRun,
    OutboxMessage,
    PointsEntry,
    Referral,
    ReferralCode,
    TriggerFiring,
    TriggerRule,
)
from relata.feedback.models import SurveyInvitation
from relata.sales.models import Deal, DealLine, DealStageChange, Order, OrderLine
from relata.scoring.models import CustomerSnapshot, ScoreRun
from tests.factories import (
    ContactMomentFactory,
    CustomerFactory,
    ProductFactory,
    ReviewFactory,
    SocialProfileFactory,
    SurveyFactory,
    SurveyResponseFactory,
)

pytestmark = pytest.mark.django_db


def _all_customer_foreign_keys() -> set[tuple[str, str]]:
    """Found independently of the merge module: every FK to Customer in every model."""
    found = set()
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.get_fields(include_hidden=True):
            if isinstance(field, models.ForeignKey) and field.related_model is Customer:
                found.add((model._meta.label_lower, field.name))
    return found


def test_every_model_with_a_customer_foreign_key_is_handled() -> None:
    # given every foreign key to Customer in the project
    expected = _all_customer_foreign_keys()
    # when the merge lists the relations it moves or deletes
    handled = {(r.model._meta.label_lower, r.field_name) for r in customer_relations()}
    # then none is missed, and the only deleted relation is the derived score snapshots
    assert handled == expected
    assert expected >= DELETED_RELATIONS


def _engagement_history(customer: Customer, product: Any, *, once_per_customer: bool) -> None:
    """Engagement rows; those allowed once per customer only when ``once_per_customer``
    (clashes between the two customers have their own tests in tests/engagement)."""
    campaign = Campaign.objects.create(name=f"Campaign {customer.pk}", channel="email")
    rule = TriggerRule.objects.create(name=f"Rule {customer.pk}", event="birthday", action="notice")
    firing = TriggerFiring.objects.create(rule=rule, customer=customer, event_key="birthday:2026")
    contact = CampaignContact.objects.create(
        campaign=campaign, customer=customer, token=f"tok{customer.pk}", trigger_firing=firing
    )
    OutboxMessage.objects.create(
        customer=customer, channel="email", subject="Hi", campaign_contact=contact
    )
    CustomerEvent.objects.create(customer=customer, kind="nps", score=9)
    PointsEntry.objects.create(customer=customer, kind="adjusted", points=10)
    offer_run = OfferRun.objects.get_or_create(baskets=1)[0]
    CustomerOffer.objects.create(
        run=offer_run, customer=customer, rank=1, product=product, kind=1, score=0.5
    )
    third = CustomerFactory(last_name=f"Derde{customer.pk}")
    Referral.objects.create(referrer=customer, referred=third)
    if once_per_customer:
        LoyaltyMember.objects.create(customer=customer, member_number=f"M{customer.pk}")
        ReferralCode.objects.create(customer=customer, code=f"CODE{customer.pk}")
        fourth = CustomerFactory(last_name=f"Vierde{customer.pk}")
        Referral.objects.create(referrer=fourth, referred=customer)


def _feedback_history(customer: Customer, product: Any, moment: Any) -> None:
    """Voice-of-the-customer rows: a survey sent and answered, a review, a social profile."""
    survey = SurveyFactory()
    invitation = SurveyInvitation.objects.create(
        survey=survey,
        customer=customer,
        token_hash=f"{customer.pk:064d}",
        expires_at=timezone.now(),
        contact_moment=moment,
    )
    SurveyResponseFactory(survey=survey, customer=customer, invitation=invitation)
    ReviewFactory(customer=customer, product=product)
    SocialProfileFactory(customer=customer, handle=f"merge{customer.pk}")


def _history(customer: Customer, user: User, *, when: Any, once_per_customer: bool = False) -> None:
    """One row of every kind of history the merge must move, for ``customer``."""
    product = ProductFactory()
    _engagement_history(customer, product, once_per_customer=once_per_customer)
    order = Order.objects.create(
        order_number=f"O-{customer.pk}", customer=customer, total_amount=Decimal("10")
    )
    OrderLine.objects.create(
        order=order, customer=customer, product=product, quantity=1, unit_price=Decimal("10")
    )
    deal = Deal.objects.create(customer=customer, title=f"Deal {customer.pk}", owner=user)
    DealLine.objects.create(deal=deal, customer=customer, product=product, unit_price=Decimal(5))
    DealStageChange.objects.create(deal=deal, customer=customer, to_stage="lead")
    moment = ContactMomentFactory(customer=customer, subject=f"Call {customer.pk}")
    Task.objects.create(customer=customer, title=f"Task {customer.pk}", contact_moment=moment)
    _feedback_history(customer, product, moment)
    Complaint.objects.create(
        customer=customer,
        channel="phone",
        touchpoint="service",
        cause="no_answer",
        subject=f"Complaint {customer.pk}",
    )
    Consent.objects.create(
        customer=customer,
        channel="email",
        purpose="newsletter",
        granted=customer.pk % 2 == 0,
        recorded_at=when,
        source="test",
    )
    if customer.is_organisation:
        ContactPerson.objects.create(organisation=customer, last_name="Mol", dmu_role="buyer")
    run = ScoreRun.objects.get_or_create(period_end=date(2026, 1, 1))[0]
    CustomerSnapshot.objects.create(
        run=run,
        period_end=run.period_end,
        customer=customer,
        tier=1,
        movement=1,
        rfm_segment=0,
        value_grid=1,
        churn_level=0,
        lifecycle_stage=1,
    )


def _counts(customer_id: int) -> dict[tuple[str, str], int]:
    counts = {}
    for label, field in _all_customer_foreign_keys():
        model = apps.get_model(label)
        counts[(label, field)] = model._default_manager.filter(**{field: customer_id}).count()
    return counts


def test_merge_moves_every_related_row_and_keeps_history() -> None:
    # given two organisations, each with one row of every kind of history
    user = User.objects.create_user("merger", password="a-long-test-password")
    now = timezone.now()
    keep = CustomerFactory(
        kind="organisation",
        organisation_name="Bakkerij",
        last_name="",
        email="",
        phone="020-1234567",
        created_at=now,
    )
    merge = CustomerFactory(
        kind="organisation",
        organisation_name="Bakkerij B.V.",
        last_name="",
        email="info@bakkerij.nl",
        phone="",
        created_at=now - timedelta(days=9),
    )
    _history(keep, user, when=now - timedelta(days=2))
    _history(merge, user, when=now - timedelta(days=1), once_per_customer=True)
    Notification.objects.create(
        recipient=user,
        kind="contact_logged",
        params={"customer_id": merge.pk},
        url=f"/customers/{merge.pk}/#timeline",
    )
    before_keep, before_merge = _counts(keep.pk), _counts(merge.pk)
    # when merging, choosing the merged customer's organisation name
    result = customers_merge(
        keep=keep, merge=merge, field_choices={"organisation_name": MERGE}, user=user
    )
    # then the merged customer is gone and every row moved (snapshots deleted)
    assert not Customer.objects.filter(pk=merge.pk).exists()
    after = _counts(keep.pk)
    for relation, count in after.items():
        if relation in DELETED_RELATIONS:
            assert count == before_keep[relation], relation
        else:
            assert count == before_keep[relation] + before_merge[relation], relation
        assert before_merge[relation] >= 1 or relation[0] == "customers.contactperson"
    # and the fields: chosen value, empty filled from the other, own value kept otherwise
    keep.refresh_from_db()
    assert keep.organisation_name == "Bakkerij B.V."
    assert keep.email == "info@bakkerij.nl"
    assert keep.phone == "020-1234567"
    assert keep.created_at == merge.created_at
    assert "bakkerij.nl" in keep.search_text
    # and a note records the merge; the version moved on
    assert f"Merged from {result.merged_number}" in keep.notes
    assert "by merger" in keep.notes
    assert keep.version == 2
    # and the consent history of both is kept, the newest decision in force
    history = list(Consent.objects.filter(customer=keep).order_by("recorded_at"))
    assert len(history) == 2
    in_force = consent_matrix(customer=keep)[0].states[1].consent
    assert in_force is not None and in_force.pk == history[-1].pk
    # and the notification points at the kept customer
    notification = Notification.objects.get()
    assert notification.params["customer_id"] == keep.pk
    assert notification.url == f"/customers/{keep.pk}/#timeline"
    assert result.moved and result.deleted == {"customer snapshots": 1, "offers": 1}


def test_preview_lists_differing_fields_and_what_moves() -> None:
    # given two persons differing in e-mail and city, one with orders
    keep = CustomerFactory(email="a@example.nl", city="Utrecht", phone="")
    merge = CustomerFactory(
        email="b@example.nl", city="", phone="0612345678", last_name=keep.last_name
    )
    ContactMomentFactory(customer=merge)
    # when previewing
    preview = merge_preview(keep=keep, merge=merge)
    # then e-mail (keep by default) and phone (filled from the other) are offered
    fields = {f.name: f.default for f in preview.fields}
    assert fields == {"email": KEEP, "phone": MERGE}
    assert [(m.relation.model, m.count) for m in preview.moves] == [(ContactMoment, 1)]


def test_preview_shows_account_owners_by_name() -> None:
    # given two duplicates with different account owners
    sanne = User.objects.create_user("sales1", first_name="Sanne", last_name="de Vries")
    bram = User.objects.create_user("sales2", first_name="Bram", last_name="Jansen")
    keep = CustomerFactory(account_owner=sanne)
    merge = CustomerFactory(account_owner=bram)
    # when
    preview = merge_preview(keep=keep, merge=merge)
    # then the owners read as people, not login names
    owner = next(field for field in preview.fields if field.name == "account_owner")
    assert (owner.keep_value, owner.merge_value) == ("Sanne de Vries", "Bram Jansen")


def test_merge_is_refused_when_a_customer_changed_since_the_preview() -> None:
    # given a preview shown at version 1, after which someone edited the kept customer
    keep = CustomerFactory()
    merge = CustomerFactory()
    ContactMomentFactory(customer=merge)
    Customer.objects.filter(pk=keep.pk).update(version=2)
    # when merging with the version from the preview
    with pytest.raises(StaleEditError):
        customers_merge(
            keep=keep, merge=merge, field_choices={}, user=None, keep_version=1, merge_version=1
        )
    # then nothing happened
    assert Customer.objects.filter(pk=merge.pk).exists()
    assert ContactMoment.objects.get().customer_id == merge.pk


def _back_office_client() -> Client:
    user = User.objects.create_user("bo", password="a-long-test-password")
    user.groups.add(Group.objects.get(name="back_office"))
    client = Client()
    client.force_login(user)
    return client


def test_merge_pages_preview_confirm_result() -> None:
    # given two duplicates and a back-office user
    keep = CustomerFactory(email="same@example.nl", city="Delft")
    merge = CustomerFactory(email="same@example.nl", city="Gouda")
    ContactMomentFactory(customer=merge, subject="Old call")
    client = _back_office_client()
    # when opening the preview
    preview = client.get("/customers/merge/", {"keep": keep.pk, "merge": merge.pk})
    # then it shows both side by side with a choice for the city and what moves
    assert preview.status_code == 200
    content = preview.content.decode()
    assert 'name="field_city"' in content and "Gouda" in content
    assert "Contact moments" in content
    # when confirming with the other city
    response = client.post(
        "/customers/merge/",
        {
            "keep": keep.pk,
            "merge": merge.pk,
            "keep_version": 1,
            "merge_version": 1,
            "field_city": "merge",
        },
    )
    # then the result page links to the kept customer
    assert response.status_code == 302
    result = client.get(response["Location"])
    assert f"/customers/{keep.pk}/" in result.content.decode()
    keep.refresh_from_db()
    assert keep.city == "Gouda"
    assert ContactMoment.objects.get().customer_id == keep.pk


def test_merge_page_with_a_stale_preview_explains_and_shows_the_latest() -> None:
    keep = CustomerFactory()
    merge = CustomerFactory()
    client = _back_office_client()
    response = client.post(
        "/customers/merge/",
        {"keep": keep.pk, "merge": merge.pk, "keep_version": 1, "merge_version": 7},
    )
    assert response.status_code == 409
    assert "changed by someone else" in response.content.decode()
    assert Customer.objects.filter(pk=merge.pk).exists()


def test_merge_needs_the_permission(logged_in_client: Client) -> None:
    keep, merge = CustomerFactory(), CustomerFactory()
    response = logged_in_client.post("/customers/merge/", {"keep": keep.pk, "merge": merge.pk})
    assert response.status_code == 403
    assert Customer.objects.count() == 2
