"""Sending survey links and recording answers: the token stored only as a hash, consent,
single use, expiry, unknown links, the follow-up task and the NPS event."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from relata.contacts.models import Task, TaskKind, TaskPriority
from relata.engagement.models import CustomerEvent, MessageStatus, OutboxMessage
from relata.engagement.trigger_services import customer_event_record
from relata.feedback.models import SurveyInvitation, SurveyResponse
from relata.feedback.models.surveys import InvitationSource
from relata.feedback.survey_response_services import (
    survey_response_from_event,
    survey_response_record,
)
from relata.feedback.survey_selectors import InvitationState, invitation_state, survey_stats
from relata.feedback.survey_services import (
    LinkProblem,
    SurveyLinkError,
    survey_answer,
    survey_send,
)
from relata.sales.models import Order
from tests.factories import ContactMomentFactory, CustomerFactory
from tests.feedback.survey_support import last_mailed_token, make_survey, opt_in, send_link

pytestmark = pytest.mark.django_db


def _order(customer, channel: str = "web") -> Order:  # type: ignore[no-untyped-def]
    return Order.objects.create(
        customer=customer, order_number=f"O-{customer.pk}-{channel}", channel=channel
    )


def test_an_email_invitation_stores_only_the_hash_of_the_token() -> None:
    # given a customer who opted in to surveys by e-mail
    customer = CustomerFactory(first_name="Els")
    opt_in(customer)
    survey = make_survey(valid_days=10)
    # when a survey is sent
    sent = survey_send(survey=survey, customer=customer, source=InvitationSource.MANUAL)
    # then the e-mail carries the personal link, and only its SHA-256 is stored
    token = last_mailed_token()
    assert sent.link.endswith(f"/s/{token}/") and sent.usable
    assert len(token) >= 43
    invitation = SurveyInvitation.objects.get()
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert invitation.expires_at - invitation.created_at == timedelta(days=10)
    assert mail.outbox[0].to == [customer.email]
    assert "Dear Els," in mail.outbox[0].body
    # and the outbox copy keeps no working link
    message = OutboxMessage.objects.get()
    assert message.status == MessageStatus.SENT and message.purpose == "surveys"
    assert token not in message.body and "[personal survey link]" in message.body
    assert invitation.message == message


def test_without_a_survey_opt_in_the_email_is_refused_and_the_invitation_unusable() -> None:
    # given a customer with an opt-in for marketing only (surveys are their own purpose)
    customer = CustomerFactory()
    opt_in(customer, purpose="marketing")
    sent = survey_send(survey=make_survey(), customer=customer, source=InvitationSource.MANUAL)
    # then nothing is mailed, no link is returned, and the invitation can never be answered
    assert mail.outbox == []
    assert sent.refused and not sent.usable and sent.link == ""
    assert "No opt-in" in sent.reason
    invitation = SurveyInvitation.objects.get()
    assert invitation_state(invitation) == InvitationState.NOT_SENT
    assert invitation.expires_at <= timezone.now()
    assert survey_stats()[invitation.survey_id].sent == 0


def test_touchpoint_and_channel_follow_the_cause() -> None:
    customer = CustomerFactory()
    survey = make_survey(touchpoint="after_sales")
    moment = ContactMomentFactory(customer=customer, touchpoint="billing", channel="chat")
    by_moment, _token = send_link(survey, customer, contact_moment=moment)
    by_order, _token = send_link(survey, customer, order=_order(customer, "sales_rep"))
    plain, _token = send_link(survey, customer)
    assert (by_moment.invitation.touchpoint, by_moment.invitation.channel) == ("billing", "chat")
    # an order: the survey's touchpoint, the order's sales channel as a contact channel
    assert (by_order.invitation.touchpoint, by_order.invitation.channel) == ("after_sales", "visit")
    assert (plain.invitation.touchpoint, plain.invitation.channel) == ("after_sales", "")


def test_sending_refuses_a_cause_of_another_customer_and_an_inactive_survey() -> None:
    customer = CustomerFactory()
    with pytest.raises(ValidationError) as error:
        send_link(make_survey(), customer, contact_moment=ContactMomentFactory())
    assert "contact_moment" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        send_link(make_survey(active=False), customer)
    assert "survey" in error.value.message_dict
    assert not SurveyInvitation.objects.exists()


def test_an_answer_copies_the_cause_and_marks_the_link_used() -> None:
    customer = CustomerFactory()
    moment = ContactMomentFactory(customer=customer, touchpoint="delivery", channel="phone")
    sent, token = send_link(make_survey(), customer, contact_moment=moment)
    response = survey_answer(token=token, nps=9, csat="5", comment="  Quick and kind  ")
    assert (response.nps, response.csat, response.comment) == (9, 5, "Quick and kind")
    assert (response.touchpoint, response.channel) == ("delivery", "phone")
    assert response.contact_moment == moment and response.invitation == sent.invitation
    assert response.source == "link" and response.follow_up_task is None
    sent.invitation.refresh_from_db()
    assert sent.invitation.answered_at is not None


def test_a_link_answers_once() -> None:
    _sent, token = send_link(make_survey(), CustomerFactory())
    survey_answer(token=token, nps=8, csat=4)
    with pytest.raises(SurveyLinkError) as error:
        survey_answer(token=token, nps=0, csat=1)
    assert error.value.problem == LinkProblem.ANSWERED
    assert SurveyResponse.objects.get().nps == 8


def test_expired_unknown_tampered_and_closed_links_change_nothing() -> None:
    survey = make_survey()
    sent, token = send_link(survey, CustomerFactory())
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    for bad, problem in (
        (tampered, LinkProblem.UNKNOWN),
        ("x" * 43, LinkProblem.UNKNOWN),
        ("../../etc/passwd", LinkProblem.UNKNOWN),
        ("", LinkProblem.UNKNOWN),
    ):
        with pytest.raises(SurveyLinkError) as error:
            survey_answer(token=bad, nps=5, csat=3)
        assert error.value.problem == problem
    SurveyInvitation.objects.filter(pk=sent.invitation.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    with pytest.raises(SurveyLinkError) as error:
        survey_answer(token=token, nps=5, csat=3)
    assert error.value.problem == LinkProblem.EXPIRED
    _other, open_token = send_link(survey, CustomerFactory())
    survey.active = False
    survey.save()
    with pytest.raises(SurveyLinkError) as error:
        survey_answer(token=open_token, nps=5, csat=3)
    assert error.value.problem == LinkProblem.CLOSED
    assert not SurveyResponse.objects.exists()
    assert not SurveyInvitation.objects.filter(answered_at__isnull=False).exists()


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        ({"csat": 4}, "nps"),
        ({"nps": 11, "csat": 4}, "nps"),
        ({"nps": "seven", "csat": 4}, "nps"),
        ({"nps": 7}, "csat"),
        ({"nps": 7, "csat": 0}, "csat"),
        ({"nps": 7, "csat": 4, "comment": "x" * 5001}, "comment"),
        ({"nps": 7, "csat": 4, "comment": "nul\x00"}, "comment"),
    ],
)
def test_invalid_answers_name_the_field_and_leave_the_link_open(answers, field) -> None:  # type: ignore[no-untyped-def]
    sent, token = send_link(make_survey(), CustomerFactory())
    with pytest.raises(ValidationError) as error:
        survey_answer(token=token, **answers)
    assert field in error.value.message_dict
    sent.invitation.refresh_from_db()
    assert sent.invitation.answered_at is None
    assert not SurveyResponse.objects.exists()


def test_only_the_questions_asked_are_required() -> None:
    survey = make_survey(asks_nps=False, asks_csat=False, asks_comment=True)
    _sent, token = send_link(survey, CustomerFactory())
    with pytest.raises(ValidationError) as error:
        survey_answer(token=token, nps=3)
    assert "nps" in error.value.message_dict  # not asked
    response = survey_answer(token=token, comment="Fine")
    assert response.nps is None and response.comment == "Fine"


def test_a_detractor_gets_a_high_priority_follow_up_task_and_an_nps_event(
    django_capture_on_commit_callbacks,  # type: ignore[no-untyped-def]
) -> None:
    customer = CustomerFactory()
    moment = ContactMomentFactory(customer=customer, subject="Broken kettle")
    _sent, token = send_link(make_survey(name="After service"), customer, contact_moment=moment)
    with django_capture_on_commit_callbacks(execute=True):
        response = survey_answer(token=token, nps=2, csat=1, comment="Nobody called back")
    task = response.follow_up_task
    assert task is not None and task.kind == TaskKind.DETRACTOR
    assert task.priority == TaskPriority.HIGH  # NPS 0–3
    assert task.customer == customer and task.contact_moment == moment
    assert "NPS 2" in task.title and "After service" in task.title
    assert "Nobody called back" in task.description and "Broken kettle" in task.description
    event = CustomerEvent.objects.get()
    assert (event.kind, event.score, event.payload) == ("nps", 2, {"survey_response": response.pk})
    # the event of a survey answer is not stored as a second answer (no loop)
    assert SurveyResponse.objects.count() == 1


def test_follow_up_only_for_unhappy_answers() -> None:
    survey = make_survey()
    happy = survey_answer(token=send_link(survey, CustomerFactory())[1], nps=8, csat=3)
    passive_but_unhappy = survey_answer(
        token=send_link(survey, CustomerFactory())[1], nps=8, csat=2
    )
    mild_detractor = survey_answer(token=send_link(survey, CustomerFactory())[1], nps=5, csat=4)
    assert happy.follow_up_task is None
    assert passive_but_unhappy.follow_up_task is not None
    assert passive_but_unhappy.follow_up_task.priority == TaskPriority.NORMAL
    assert "CSAT 2" in passive_but_unhappy.follow_up_task.title
    assert mild_detractor.follow_up_task is not None
    assert mild_detractor.follow_up_task.priority == TaskPriority.NORMAL
    assert Task.objects.filter(kind=TaskKind.DETRACTOR).count() == 2


def test_an_nps_event_from_the_events_api_becomes_a_response_once() -> None:
    customer = CustomerFactory()
    event = customer_event_record(
        customer=customer,
        kind="nps",
        score=4,
        payload={"touchpoint": "delivery", "channel": "web", "comment": "Late", "csat": 9},
        source="webshop",
    )
    response = SurveyResponse.objects.get()
    assert (response.nps, response.source, response.external_id) == (4, "api", f"event:{event.pk}")
    assert (response.touchpoint, response.channel, response.comment) == ("delivery", "web", "Late")
    assert response.csat is None  # 9 is no CSAT answer
    assert response.follow_up_task is None and response.survey is None
    # storing it again changes nothing, and it announced no event of its own
    assert survey_response_from_event(event=event) is None
    assert SurveyResponse.objects.count() == 1 and CustomerEvent.objects.count() == 1


def test_a_response_recorded_elsewhere_is_idempotent_by_external_id() -> None:
    customer = CustomerFactory()
    first, created = survey_response_record(
        customer=customer, nps=10, comment="Great", external_id="tool-1", source="staff"
    )
    again, created_again = survey_response_record(customer=customer, nps=0, external_id="tool-1")
    assert created and not created_again and again.pk == first.pk and again.nps == 10
    with pytest.raises(ValidationError) as error:
        survey_response_record(customer=customer)
    assert "nps" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        survey_response_record(customer=customer, nps=5, answered_at=timezone.now() + timedelta(1))
    assert "answered_at" in error.value.message_dict


def test_stats_count_sent_answered_and_nps() -> None:
    survey = make_survey()
    for nps in (10, 9, 7, 3):
        survey_answer(token=send_link(survey, CustomerFactory())[1], nps=nps, csat=4)
    send_link(survey, CustomerFactory())  # not answered
    stats = survey_stats([survey.pk])[survey.pk]
    assert (stats.sent, stats.answered, stats.with_nps) == (5, 4, 4)
    assert stats.response_rate == pytest.approx(0.8)
    assert stats.nps == pytest.approx(25.0)  # 50% promoters − 25% detractors
    assert stats.csat_average == pytest.approx(4.0)
