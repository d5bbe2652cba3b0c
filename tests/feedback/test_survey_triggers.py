"""The trigger events "contact moment logged" and "order placed", and the action "send a
survey": fired at once, filtered by the rule's settings, consent-checked, linked to the
cause, not repeated within the quiet days."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from relata.contacts.services import contact_moment_log
from relata.engagement.models import FiringOutcome, OutboxMessage, TriggerFiring, TriggerRule
from relata.engagement.trigger_forms import TriggerRuleForm
from relata.engagement.trigger_services import trigger_rule_save
from relata.feedback.models import SurveyInvitation
from relata.feedback.survey_services import survey_answer
from relata.sales.services import LineInput, order_create, order_update
from tests.factories import CustomerFactory, ProductFactory
from tests.feedback.survey_support import last_mailed_token, make_survey, opt_in

pytestmark = pytest.mark.django_db


def _rule(event: str, survey_id: int, **event_params: object) -> TriggerRule:
    return TriggerRule.objects.create(
        name=f"{event} survey",
        event=event,
        event_params=event_params,
        action="survey",
        action_params={"survey": survey_id},
    )


def _log(customer, touchpoint: str = "service", channel: str = "phone"):  # type: ignore[no-untyped-def]
    return contact_moment_log(
        customer=customer, channel=channel, touchpoint=touchpoint, subject="Help with setup"
    )


def test_a_service_contact_sends_the_survey_at_once(django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    # given a rule "service contact → survey" and a customer with a survey opt-in
    survey = make_survey()
    rule = _rule("contact_logged", survey.pk, touchpoint="service")
    customer = CustomerFactory()
    opt_in(customer)
    # when a service contact and a sales contact are logged
    with django_capture_on_commit_callbacks(execute=True):
        moment = _log(customer)
    with django_capture_on_commit_callbacks(execute=True):
        _log(customer, touchpoint="sales")
    # then one survey went out, about the service contact, traceable to the rule
    firing = TriggerFiring.objects.get()
    assert (firing.rule, firing.event_key, firing.outcome) == (
        rule,
        f"contact:{moment.pk}",
        FiringOutcome.DONE,
    )
    invitation = SurveyInvitation.objects.get()
    assert (invitation.source, invitation.trigger_rule, invitation.contact_moment) == (
        "trigger",
        rule,
        moment,
    )
    assert (invitation.touchpoint, invitation.channel) == ("service", "phone")
    assert OutboxMessage.objects.get().trigger_firing == firing
    # and the link answers, copying the cause
    response = survey_answer(token=last_mailed_token(), nps=9, csat=5)
    assert response.contact_moment == moment


def test_without_consent_the_firing_is_refused(django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    survey = make_survey()
    _rule("contact_logged", survey.pk)
    customer = CustomerFactory()
    with django_capture_on_commit_callbacks(execute=True):
        _log(customer)
    firing = TriggerFiring.objects.get()
    assert firing.outcome == FiringOutcome.REFUSED
    assert "No opt-in" in firing.detail
    invitation = SurveyInvitation.objects.get()
    assert invitation.message is not None and invitation.message.status == "refused"


def test_quiet_days_skip_a_second_survey(django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    survey = make_survey()
    _rule("contact_logged", survey.pk, channel="phone")
    customer = CustomerFactory()
    opt_in(customer)
    with django_capture_on_commit_callbacks(execute=True):
        _log(customer)
    with django_capture_on_commit_callbacks(execute=True):
        _log(customer, channel="email")  # another channel: not this rule
    with django_capture_on_commit_callbacks(execute=True):
        _log(customer)
    outcomes = list(TriggerFiring.objects.order_by("pk").values_list("outcome", flat=True))
    assert outcomes == [FiringOutcome.DONE, FiringOutcome.SKIPPED]
    assert SurveyInvitation.objects.count() == 1


def test_an_inactive_survey_skips(django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    survey = make_survey()
    _rule("contact_logged", survey.pk)
    survey.active = False
    survey.save()
    customer = CustomerFactory()
    with django_capture_on_commit_callbacks(execute=True):
        _log(customer)
    assert TriggerFiring.objects.get().outcome == FiringOutcome.SKIPPED
    assert not SurveyInvitation.objects.exists()


def test_an_order_placed_sends_the_survey_once(django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    survey = make_survey(touchpoint="")
    _rule("order_placed", survey.pk)
    customer = CustomerFactory()
    opt_in(customer)
    product = ProductFactory()
    with django_capture_on_commit_callbacks(execute=True):
        order = order_create(
            customer=customer, lines=[LineInput(product, Decimal(1))], channel="store"
        )
    with django_capture_on_commit_callbacks(execute=True):
        order_update(order=order, fields={"notes": "gift wrap"})
    firing = TriggerFiring.objects.get()
    assert firing.event_key == f"order:{order.pk}"
    invitation = SurveyInvitation.objects.get()
    assert (invitation.order, invitation.touchpoint, invitation.channel) == (
        order,
        "sales",
        "store",
    )


def test_an_order_rule_with_a_status_waits_for_delivery(django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    survey = make_survey(touchpoint="delivery")
    _rule("order_placed", survey.pk, status="delivered")
    customer = CustomerFactory()
    opt_in(customer)
    with django_capture_on_commit_callbacks(execute=True):
        order = order_create(
            customer=customer, lines=[LineInput(ProductFactory(), Decimal(1))], status="open"
        )
    assert not TriggerFiring.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        order_update(order=order, fields={"status": "delivered"})
    with django_capture_on_commit_callbacks(execute=True):
        order_update(order=order, fields={"notes": "signed for"})
    assert TriggerFiring.objects.get().outcome == FiringOutcome.DONE
    assert SurveyInvitation.objects.get().touchpoint == "delivery"


def test_the_rule_form_offers_the_active_surveys_and_checks_the_choice() -> None:
    active = make_survey(name="After service")
    inactive = make_survey(name="Old survey", active=False)
    form = TriggerRuleForm(kinds={"event": "contact_logged", "action": "survey"})
    choices = dict(form.fields["action__survey"].choices)  # type: ignore[attr-defined]
    assert choices.get(str(active.pk)) == "After service"
    assert str(inactive.pk) not in choices
    assert "event__touchpoint" in form.fields and "action__quiet_days" in form.fields
    data = {
        "name": "Survey after service",
        "event": "contact_logged",
        "action": "survey",
        "event__touchpoint": "service",
        "action__survey": str(inactive.pk),
        "active": "on",
    }
    bad = TriggerRuleForm(data, instance=TriggerRule())
    assert not bad.is_valid() and "action__survey" in bad.errors
    good = TriggerRuleForm({**data, "action__survey": str(active.pk)}, instance=TriggerRule())
    assert good.is_valid(), good.errors
    rule = trigger_rule_save(rule=good.rule())
    assert rule.action_params == {"survey": active.pk, "quiet_days": 30}
    assert rule.event_params == {"touchpoint": "service"}
    with pytest.raises(ValidationError):
        rule.action_params = {"survey": inactive.pk}
        trigger_rule_save(rule=rule)


def test_the_example_link_prefills_the_rule(marketing_client: Client) -> None:
    make_survey(name="After service")
    listing = marketing_client.get("/triggers/")
    assert 'id="trigger-example-survey"' in listing.content.decode()
    page = marketing_client.get(
        "/triggers/new/",
        {
            "event": "contact_logged",
            "action": "survey",
            "event__touchpoint": "service",
            "name": "Survey after a service contact",
        },
    )
    html = page.content.decode()
    assert page.status_code == 200
    assert 'value="Survey after a service contact"' in html
    assert '<option value="service" selected>' in html
    assert "After service" in html


@pytest.fixture
def marketing_client(db: None) -> Client:
    from django.contrib.auth.models import Group, User

    user = User.objects.create_user("mira", password="a-long-test-password")
    user.groups.add(Group.objects.get(name="marketing"))
    client = Client()
    client.force_login(user)
    return client
