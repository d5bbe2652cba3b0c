from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from relata.contacts.models import Notification, RoutingRule, Task
from relata.scoring.choices import TierChoice
from tests.contacts.task_support import make_task, scored_customer, user_with_role
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def jan() -> User:
    return user_with_role("jan", "sales", first_name="Jan", last_name="de Vries")


@pytest.fixture
def bo() -> User:
    return user_with_role("bo", "back_office", first_name="Bo")


def test_inbox_tabs_show_mine_and_the_queues(jan: User, bo: User) -> None:
    # given a task for Jan, one in each queue and one for Bo
    mine = make_task(title="Mine urgent", assignee=jan, priority=1)
    make_task(title="Mine later", assignee=jan, priority=3)
    make_task(title="Sales waiting", team="sales")
    make_task(title="Back office waiting", team="back_office")
    make_task(title="Bo's", assignee=bo, team="back_office")
    make_task(title="Mine done", assignee=jan, status="done")
    client = client_for(jan)

    def titles(**params: str) -> list[str]:
        response = client.get("/tasks/", params)
        assert response.status_code == 200
        return [t.title for t in response.context["page"]]

    # then each tab lists its tasks, most urgent first
    assert titles() == ["Mine urgent", "Mine later"]
    assert titles(tab="sales") == ["Sales waiting"]
    assert titles(tab="back_office") == ["Back office waiting"]
    assert len(titles(tab="all")) == 5
    assert titles(status="closed") == ["Mine done"]
    assert titles(priority="1") == ["Mine urgent"]
    assert titles(tab="nonsense", priority="x", status="y") == ["Mine urgent", "Mine later"]
    page = client.get("/tasks/").content.decode()
    assert f'href="/tasks/{mine.pk}/"' in page


def test_inbox_htmx_returns_only_the_results(jan: User) -> None:
    make_task(title="Mine", assignee=jan)
    response = client_for(jan).get("/tasks/", HTTP_HX_REQUEST="true")
    assert b"Mine" in response.content and b"<html" not in response.content
    assert "HX-Request" in response["Vary"]


def test_overdue_filter(jan: User) -> None:
    today = timezone.localdate()
    make_task(title="Late", assignee=jan, due_date=today - timedelta(days=2))
    make_task(title="Soon", assignee=jan, due_date=today + timedelta(days=2))
    response = client_for(jan).get("/tasks/", {"overdue": "1"})
    assert [t.title for t in response.context["page"]] == ["Late"]


def test_create_page_routes_and_shows_why(jan: User, bo: User) -> None:
    # given a Small customer of Jan's
    customer = scored_customer(TierChoice.SMALL, account_owner=jan)
    client = client_for(bo)
    form = client.get(f"/tasks/new/?customer={customer.pk}")
    assert customer.customer_number in form.content.decode()
    # when the back office creates a small request
    response = client.post(
        "/tasks/new/",
        {
            "customer_number": customer.customer_number,
            "title": "Copy of invoice",
            "kind": "request",
            "value": "120",
            "priority": "3",
            "send_to": "route",
        },
        follow=True,
    )
    # then it lands in the back-office queue and the page says why
    task = Task.objects.get()
    assert (task.team, task.assignee) == ("back_office", None)
    assert "Back office: €120 &lt; €500 threshold and tier Small" in response.content.decode()


def test_a_reminder_in_year_one_is_refused_by_name(jan: User) -> None:
    # given
    customer = CustomerFactory()
    # when the reminder moment is typed with an impossible year
    response = client_for(jan).post(
        "/tasks/new/",
        {
            "customer_number": customer.customer_number,
            "title": "Call back",
            "kind": "request",
            "priority": "3",
            "remind_at": "0001-01-01T00:00",
            "send_to": "route",
        },
    )
    # then the form says what is wrong instead of failing, and no task is made
    assert response.status_code == 200
    assert "Enter a date between the years 1900 and 2199." in response.content.decode()
    assert not Task.objects.exists()


def test_create_with_an_unknown_customer_names_the_field(jan: User) -> None:
    response = client_for(jan).post(
        "/tasks/new/",
        {
            "customer_number": "NOPE",
            "title": "x",
            "kind": "request",
            "priority": "3",
            "send_to": "route",
        },
    )
    assert response.status_code == 200
    assert "No customer with number NOPE." in response.content.decode()
    assert not Task.objects.exists()


def test_claim_and_complete_from_the_task_page(jan: User, bo: User) -> None:
    task = make_task(customer=CustomerFactory(account_owner=jan), team="back_office")
    client = client_for(bo)
    page = client.get(f"/tasks/{task.pk}/").content.decode()
    assert "Take this task" in page
    client.post(f"/tasks/{task.pk}/claim/")
    task.refresh_from_db()
    assert task.assignee == bo
    response = client.post(f"/tasks/{task.pk}/complete/", {"version": task.version})
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.status == "done"
    assert Notification.objects.filter(recipient=jan, kind="task_done").exists()


def test_htmx_complete_redirects_with_a_header(jan: User) -> None:
    task = make_task(assignee=jan)
    response = client_for(jan).post(
        f"/tasks/{task.pk}/complete/", {"version": "1"}, HTTP_HX_REQUEST="true"
    )
    assert response["HX-Redirect"] == f"/tasks/{task.pk}/"


def test_stale_complete_shows_the_message(jan: User) -> None:
    task = make_task(assignee=jan)
    Task.objects.filter(pk=task.pk).update(version=5)
    response = client_for(jan).post(f"/tasks/{task.pk}/complete/", {"version": "1"}, follow=True)
    assert "changed by someone else" in response.content.decode()
    assert Task.objects.get(pk=task.pk).status == "open"


def test_edit_with_a_stale_version_keeps_the_input(jan: User) -> None:
    task = make_task(assignee=jan)
    Task.objects.filter(pk=task.pk).update(version=3)
    data = {
        "title": "My new title",
        "kind": "request",
        "status": "open",
        "priority": "2",
        "version": "1",
    }
    response = client_for(jan).post(f"/tasks/{task.pk}/edit/", data)
    body = response.content.decode()
    assert "changed by someone else" in body and "My new title" in body
    assert Task.objects.get(pk=task.pk).title == "Call back"
    ok = client_for(jan).post(f"/tasks/{task.pk}/edit/", {**data, "version": "3"})
    assert ok.status_code == 302
    assert Task.objects.get(pk=task.pk).title == "My new title"


def test_reassign_to_a_colleague(jan: User, bo: User) -> None:
    task = make_task(assignee=jan)
    response = client_for(jan).post(
        f"/tasks/{task.pk}/assign/", {"assignee": bo.pk, "team": "back_office", "version": "1"}
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.assignee == bo
    bad = client_for(jan).post(f"/tasks/{task.pk}/assign/", {"team": "nope", "version": "2"})
    assert bad.status_code == 400


def test_task_pages_need_permission() -> None:
    nobody = user_with_role("nobody", None)
    task = make_task()
    client = client_for(nobody)
    assert client.get("/tasks/").status_code == 403
    assert client.get(f"/tasks/{task.pk}/").status_code == 403
    assert client.post(f"/tasks/{task.pk}/complete/").status_code == 403
    assert Client().get("/tasks/").status_code == 302
    assert client_for(user_with_role("m", "marketing")).get("/tasks/999/").status_code == 404


def test_rules_page_lists_tests_and_edits_rules(jan: User) -> None:
    admin = user_with_role("admin", "admin")
    client = client_for(admin)
    page = client.get("/tasks/rules/")
    assert page.status_code == 200
    assert "Everything else to the back office" in page.content.decode()
    # the test box says where a task would go and why
    tried = client.get(
        "/tasks/rules/", {"kind": "request", "value": "120", "tier": "4", "has_owner": "on"}
    )
    assert "Back office: €120 &lt; €500 threshold and tier Small" in tried.content.decode()
    unknown = client.get(
        "/tasks/rules/", {"kind": "request", "value": "", "tier": "unknown"}, HTTP_HX_REQUEST="true"
    )
    assert "tier unknown (never scored)" in unknown.content.decode()
    # a new rule
    response = client.post(
        "/tasks/rules/new/",
        {
            "name": "Complaints to the back office",
            "active": "on",
            "task_kinds": ["complaint"],
            "destination": "back_office",
        },
    )
    assert response.status_code == 302
    rule = RoutingRule.objects.get(name="Complaints to the back office")
    assert rule.task_kinds == ["complaint"] and rule.position == 40
    # moved to the top, then deleted
    client.post(f"/tasks/rules/{rule.pk}/move/", {"direction": "up"})
    client.post(f"/tasks/rules/{rule.pk}/move/", {"direction": "up"})
    client.post(f"/tasks/rules/{rule.pk}/move/", {"direction": "up"})
    assert RoutingRule.objects.order_by("position").first() == rule
    client.post(f"/tasks/rules/{rule.pk}/delete/")
    assert not RoutingRule.objects.filter(pk=rule.pk).exists()


def test_rule_form_errors_name_the_field() -> None:
    client = client_for(user_with_role("admin", "admin"))
    response = client.post(
        "/tasks/rules/new/", {"name": "", "destination": "user", "min_value": "-5"}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Choose the colleague this rule sends tasks to." in body
    assert "greater than or equal to 0" in body


def test_sales_may_view_but_not_change_rules(jan: User) -> None:
    client = client_for(jan)
    assert client.get("/tasks/rules/").status_code == 200
    assert client.get("/tasks/rules/new/").status_code == 403
    rule = RoutingRule.objects.first()
    assert rule is not None
    assert client.post(f"/tasks/rules/{rule.pk}/delete/").status_code == 403


def test_nav_badge_and_home_card(jan: User) -> None:
    today = timezone.localdate()
    make_task(title="Overdue one", assignee=jan, due_date=today - timedelta(days=1))
    make_task(title="Today one", assignee=jan, due_date=today)
    make_task(title="Remind me", assignee=jan, remind_at=timezone.now() - timedelta(hours=1))
    make_task(title="Not mine", due_date=today)
    response = client_for(jan).get("/")
    body = response.content.decode()
    dashboard = response.context["my_tasks"]
    assert [t.title for t in dashboard.overdue] == ["Overdue one"]
    assert [t.title for t in dashboard.due_today] == ["Today one"]
    assert [t.title for t in dashboard.reminders] == ["Remind me"]
    assert 'id="nav-tasks"' in body and "My open tasks" in body
    assert response.context["my_open_task_count"] == 3


def test_customer_file_shows_open_tasks_and_a_follow_up(jan: User, bo: User) -> None:
    customer = scored_customer(TierChoice.BIG, account_owner=jan)
    make_task(customer=customer, title="Visible open task", assignee=jan)
    make_task(customer=customer, title="Closed task", status="done")
    client = client_for(bo)
    body = client.get(f"/customers/{customer.pk}/").content.decode()
    card = body[body.index('id="customer-tasks"') :]
    card = card[: card.index("</ul>")]
    assert "Visible open task" in card and "Closed task" not in card
    # when the back office logs a call with a routed follow-up
    response = client.post(
        f"/contacts/log/{customer.pk}/",
        {
            "channel": "phone",
            "direction": "inbound",
            "touchpoint": "service",
            "office": "back",
            "subject": "Wants advice",
            "occurred_at": "2026-11-20T10:00",
            "follow_up_title": "Advise on the new range",
            "follow_up_assign": "route",
        },
        HTTP_HX_REQUEST="true",
    )
    # then the follow-up went to Jan (Big customer) and the answer says why
    task = Task.objects.get(title="Advise on the new range")
    assert task.assignee == jan
    assert "Account owner Jan de Vries: tier Big" in response.content.decode()
    kinds = set(Notification.objects.filter(recipient=jan).values_list("kind", flat=True))
    assert kinds == {"contact_logged", "task_assigned"}


def test_follow_up_for_an_ownerless_customer_shows_the_field_error(bo: User) -> None:
    customer = CustomerFactory()
    response = bo_client_log(bo, customer.pk, follow_up_assign="owner")
    assert "This customer has no account owner." in response.content.decode()
    assert not customer.contact_moments.exists()
    no_title = bo_client_log(bo, customer.pk, follow_up_title="", follow_up_due="2026-12-01")
    assert "Give the follow-up task a title." in no_title.content.decode()


def bo_client_log(user: User, customer_pk: int, **extra: str):  # type: ignore[no-untyped-def]
    data = {
        "channel": "phone",
        "direction": "inbound",
        "touchpoint": "service",
        "office": "back",
        "subject": "Call",
        "occurred_at": "2026-11-20T10:00",
        "follow_up_title": "Call back",
        **extra,
    }
    return client_for(user).post(f"/contacts/log/{customer_pk}/", data, HTTP_HX_REQUEST="true")


def test_value_shown_with_euro_in_inbox(jan: User) -> None:
    make_task(assignee=jan, value=Decimal("1234.50"))
    assert "€ 1,234.50" in client_for(jan).get("/tasks/").content.decode()


def test_task_pages_render_in_dutch(jan: User) -> None:
    # given a task in Jan's inbox
    task = make_task(assignee=jan, value=Decimal("120"))
    client = client_for(jan)
    # when Jan reads the task pages with a Dutch browser, every page renders in Dutch
    for path in [
        "/",
        "/tasks/",
        f"/tasks/{task.pk}/",
        "/tasks/rules/?kind=request&value=5&tier=4",
        "/tasks/notifications/",
        "/tasks/new/",
        f"/tasks/{task.pk}/edit/",
        f"/customers/{task.customer_id}/",
    ]:
        response = client.get(path, HTTP_ACCEPT_LANGUAGE="nl")
        assert response.status_code == 200, path
        assert 'lang="nl"' in response.content.decode(), path


@pytest.mark.parametrize("customer", ["9" * 25, "²"])
def test_inbox_ignores_a_customer_id_no_database_holds(jan: User, customer: str) -> None:
    # given a task for Jan
    make_task(title="Mine", assignee=jan)
    # when the inbox is filtered by a customer id too large for a column or a non-ASCII digit
    response = client_for(jan).get("/tasks/", {"customer": customer})
    # then the inbox answers, unfiltered
    assert response.status_code == 200
    assert b"Mine" in response.content


def test_completing_with_a_superscript_digit_as_version_reads_as_no_version(jan: User) -> None:
    # given an open task of Jan
    task = make_task(title="Mine", assignee=jan)
    # when completing it with a version int() cannot read
    response = client_for(jan).post(f"/tasks/{task.pk}/complete/", {"version": "²"})
    # then it is handled as a request without a version: completed, back to the task
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.completed_at is not None
