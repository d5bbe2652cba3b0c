"""Trigger pages: list, form with settings per event and action, preview, run, switch,
firing logs, and the firings card of the customer file."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.context_processors import PermWrapper
from django.template import Context, Template
from django.test import Client, RequestFactory
from django.utils import timezone

from relata.contacts.models import Task
from relata.engagement.models import Campaign, TriggerFiring, TriggerRule
from relata.engagement.trigger_services import trigger_rules_run
from tests.contacts.task_support import user_with_role
from tests.engagement.trigger_support import buy, make_rule, segment_of_city, template
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def marketing() -> Client:
    client = Client()
    client.force_login(user_with_role("mia", "marketing"))
    return client


@pytest.fixture
def sales() -> Client:
    client = Client()
    client.force_login(user_with_role("sam", "sales"))
    return client


def welcomed(n: int) -> list[int]:
    ids = []
    for _ in range(n):
        customer = CustomerFactory()
        buy(customer, timezone.localdate() - timedelta(days=1))
        ids.append(customer.pk)
    return ids


RULE = {
    "name": "Birthday notice",
    "description": "",
    "event": "birthday",
    "event__days_before": "7",
    "action": "notice",
    "action__text": "Send a card",
    "active": "on",
}


def test_list_shows_rules_and_recent_firings(marketing: Client, sales: Client) -> None:
    # given a rule that fired twice
    welcomed(2)
    make_rule("new_customer", name="Welcome")
    trigger_rules_run()
    # when marketing and sales open the list
    page = marketing.get("/triggers/").content.decode()
    read_only = sales.get("/triggers/").content.decode()
    # then both see the rule with its two firings; only marketing may add rules
    assert "Welcome" in page and "First purchase within the last days: 30" in page
    assert "New rule" in page and "New rule" not in read_only
    assert "Welcome" in read_only


def test_nobody_without_a_role_sees_the_pages(client: Client) -> None:
    client.force_login(user_with_role("nobody", None))
    rule = make_rule("birthday")
    for url in ("/triggers/", f"/triggers/{rule.pk}/", "/triggers/firings/", "/outbox/"):
        assert client.get(url).status_code == 403


def test_create_a_rule_with_its_settings(marketing: Client) -> None:
    response = marketing.post("/triggers/new/", RULE)
    rule = TriggerRule.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/triggers/{rule.pk}/"
    assert rule.event_params == {"days_before": 7}
    assert rule.action_params == {"text": "Send a card"}
    assert rule.created_by is not None and rule.created_by.username == "mia"


def test_bad_settings_give_readable_errors(marketing: Client) -> None:
    # given settings that are not numbers or out of range, and a missing template
    data = RULE | {"event__days_before": "a week", "action": "message"}
    response = marketing.post("/triggers/new/", data)
    page = response.content.decode()
    # then the form comes back with the reason per field, and nothing is saved
    assert response.status_code == 400
    assert "“Days before the birthday” must be a whole number." in page
    assert "Choose the message template." in page
    too_far = marketing.post("/triggers/new/", RULE | {"event__days_before": "400"})
    assert "“Days before the birthday” must be between 0 and 90." in too_far.content.decode()
    calendar = RULE | {"event": "calendar", "event__month": "2", "event__day": "30"}
    assert "February has no day 30." in marketing.post("/triggers/new/", calendar).content.decode()
    segment = RULE | {"event": "in_segment"}
    assert (
        "This event needs a segment" in marketing.post("/triggers/new/", segment).content.decode()
    )
    assert not TriggerRule.objects.exists()


def test_settings_follow_the_chosen_event_and_action(marketing: Client) -> None:
    # when the user picks the calendar event, htmx asks for its settings only
    response = marketing.get(
        "/triggers/new/", {"part": "event", "event": "calendar"}, headers={"HX-Request": "true"}
    )
    part = response.content.decode()
    assert response.status_code == 200 and "<html" not in part
    assert 'name="event__month"' in part and 'name="event__anniversary"' in part
    assert 'name="event__days_before"' in part and "event__within_days" not in part
    # and the campaign action asks for a campaign
    action = marketing.get(
        "/triggers/new/", {"part": "action", "action": "campaign"}, headers={"HX-Request": "true"}
    ).content.decode()
    assert 'name="campaign"' in action and 'name="template"' not in action
    assert "HX-Request" in response["Vary"]


def test_edit_keeps_the_settings_and_changes_them(marketing: Client) -> None:
    rule = make_rule("no_purchase", event_params={"days": 120}, action_params={"text": "Call"})
    page = marketing.get(f"/triggers/{rule.pk}/edit/").content.decode()
    assert 'value="120"' in page
    data = RULE | {"event": "no_purchase", "event__days": "60", "event__max_days": "365"}
    assert marketing.post(f"/triggers/{rule.pk}/edit/", data).status_code == 302
    rule.refresh_from_db()
    assert rule.event_params == {"days": 60, "max_days": 365}


def test_preview_counts_and_samples_without_writing(marketing: Client) -> None:
    welcomed(3)
    rule = make_rule("new_customer", name="Welcome")
    response = marketing.get(f"/triggers/{rule.pk}/preview/", headers={"HX-Request": "true"})
    page = response.content.decode()
    assert "<strong>3</strong> customers would fire now (3 matched" in page
    assert page.count("welcome") >= 3 and "First purchase on" in page
    assert not TriggerFiring.objects.exists()


def test_run_now_and_the_firing_log(marketing: Client, sales: Client) -> None:
    # given a welcome-task rule and two new customers
    welcomed(2)
    rule = make_rule("new_customer", "task", name="Welcome", action_params={"title": "Hi"})
    # when sales tries to run it: refused; marketing runs it
    assert sales.post(f"/triggers/{rule.pk}/run/").status_code == 403
    response = marketing.post(f"/triggers/{rule.pk}/run/", follow=True)
    page = response.content.decode()
    # then it fired twice and the log links each firing to its task
    assert "Matched 2, fired 2: 2 done" in page
    for task in Task.objects.all():
        assert f"/tasks/{task.pk}/" in page
    done = marketing.get(f"/triggers/{rule.pk}/", {"outcome": "done"}).content.decode()
    none = marketing.get(f"/triggers/{rule.pk}/", {"outcome": "failed"}).content.decode()
    assert done.count("welcome</code>") == 2 and "No firings." in none


def test_all_firings_filtered_by_customer_and_junk(marketing: Client) -> None:
    ids = welcomed(2)
    make_rule("new_customer", name="Welcome")
    trigger_rules_run()
    one = marketing.get("/triggers/firings/", {"customer": ids[0]}).content.decode()
    assert one.count("welcome</code>") == 1
    junk = marketing.get("/triggers/firings/", {"customer": "x" * 40, "outcome": "nope"})
    assert junk.status_code == 200


def test_switch_off_and_on(marketing: Client) -> None:
    rule = make_rule("birthday")
    marketing.post(f"/triggers/{rule.pk}/active/", {"next": "list"})
    rule.refresh_from_db()
    assert rule.active is False
    marketing.post(f"/triggers/{rule.pk}/active/", {"active": "on"})
    rule.refresh_from_db()
    assert rule.active is True
    # a rule that cannot run is not switched on, and the user is told why
    broken = make_rule("in_segment", active=False)
    page = marketing.post(f"/triggers/{broken.pk}/active/", {"active": "on"}, follow=True)
    assert "cannot be switched on: This event needs a segment" in page.content.decode()
    broken.refresh_from_db()
    assert broken.active is False


def test_campaign_rule_form_lists_open_campaigns(marketing: Client) -> None:
    Campaign.objects.create(name="Onboarding", channel="email", template=template())
    Campaign.objects.create(name="Old one", channel="email", status="finished")
    page = marketing.get("/triggers/new/", {"action": "campaign"}).content.decode()
    assert "Onboarding" in page and "Old one" not in page


def test_customer_firings_card(marketing: Client) -> None:
    # given a customer in Utrecht for whom a segment rule fired
    customer = CustomerFactory(city="Utrecht")
    make_rule("in_segment", "message", segment=segment_of_city("Utrecht"), template=template())
    trigger_rules_run()
    user = user_with_role("lotte", "marketing")
    request = RequestFactory().get("/")
    request.user = user
    # when the lead's customer file includes the partial
    html = Template('{% include "engagement/triggers/_customer_firings.html" %}').render(
        Context({"customer": customer, "perms": PermWrapper(user), "request": request})
    )
    # then the firing shows with its outcome and a link to the refused message
    assert "Triggers fired" in html and "Refused: no consent" in html
    assert "/outbox/" in html and "segment</code>" in html
