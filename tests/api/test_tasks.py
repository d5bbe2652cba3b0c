from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from relata.accounts.models import ApiToken
from relata.contacts.models import Notification, Task
from relata.scoring.choices import TierChoice
from tests.api.conftest import ApiClient, error_locs, user_with_role
from tests.contacts.task_support import make_task, scored_customer
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def client_for(user: User) -> ApiClient:
    _token, raw = ApiToken.issue(user=user, name="tests")
    return ApiClient(raw)


def test_create_routes_and_says_why(api: ApiClient) -> None:
    # given a Small customer owned by Jan
    jan = User.objects.create_user("jan", first_name="Jan", last_name="de Vries")
    customer = scored_customer(TierChoice.SMALL, account_owner=jan)
    # when a big quote request and a small request come in through the API
    big = api.post(
        "/api/tasks/",
        {
            "customer_number": customer.customer_number,
            "title": "Quote",
            "kind": "quote_request",
            "value": "1200.00",
        },
    )
    small = api.post(
        "/api/tasks/", {"customer_id": customer.pk, "title": "Copy invoice", "value": 120}
    )
    # then the response says where each went and why
    assert big.status_code == 201, big.json()
    body = big.json()
    assert (body["assignee_id"], body["team"]) == (jan.pk, "sales")
    assert body["routing_reason"] == "Account owner Jan de Vries: €1,200 ≥ €500 threshold"
    assert body["routing"]["met"] == [{"c": "value", "threshold": "500.00"}]
    assert small.json()["team"] == "back_office" and small.json()["assignee_id"] is None
    assert small.json()["routing_reason"] == "Back office: €120 < €500 threshold and tier Small"
    assert Notification.objects.filter(recipient=jan, kind="task_assigned").count() == 1


def test_create_by_hand_and_bad_input(api: ApiClient, sales_user: User) -> None:
    customer = CustomerFactory()
    placed = api.post(
        "/api/tasks/",
        {"customer_id": customer.pk, "title": "Mine", "assignee_id": sales_user.pk},
    )
    assert placed.status_code == 201
    assert placed.json()["routing"]["manual"] is True
    bad = api.post(
        "/api/tasks/",
        {
            "customer_id": customer.pk,
            "title": "",
            "value": "-3",
            "kind": "nope",
            "assignee_id": 999999,
        },
    )
    assert bad.status_code == 422
    assert {("body", "payload", f) for f in ("title", "value", "kind")} <= {
        tuple(loc) for loc in error_locs(bad)
    }
    unknown = api.post(
        "/api/tasks/", {"customer_id": customer.pk, "title": "x", "assignee_id": 999999}
    )
    assert error_locs(unknown) == [["body", "payload", "assignee_id"]]
    no_customer = api.post("/api/tasks/", {"customer_number": "NOPE", "title": "x"})
    assert no_customer.status_code == 422


def test_list_filters(api: ApiClient, sales_user: User) -> None:
    other = User.objects.create_user("other")
    customer = CustomerFactory()
    today = timezone.localdate()
    make_task(
        title="Mine late",
        assignee=sales_user,
        due_date=today - timedelta(days=1),
        customer=customer,
    )
    make_task(title="Mine urgent", assignee=sales_user, priority=1)
    make_task(title="Queue", team="back_office")
    make_task(title="Others", assignee=other)
    make_task(title="Done", assignee=sales_user, status="done")

    def titles(**params: object) -> list[str]:
        response = api.get("/api/tasks/", params)
        assert response.status_code == 200, response.json()
        return [t["title"] for t in response.json()["items"]]

    assert titles(assignee="me") == ["Mine urgent", "Mine late"]
    assert titles(assignee="none", team="back_office") == ["Queue"]
    assert titles(assignee=str(other.pk)) == ["Others"]
    assert titles(status="closed") == ["Done"]
    assert titles(overdue="true") == ["Mine late"]
    assert titles(customer_id=customer.pk) == ["Mine late"]
    assert len(titles()) == 4
    page = api.get("/api/tasks/", {"limit": 1}).json()
    assert page["count"] == 4 and page["next"] is not None
    assert api.get("/api/tasks/", {"assignee": "everyone"}).status_code == 422


def test_get_gives_the_reason_in_the_readers_language(api: ApiClient) -> None:
    customer = scored_customer(TierChoice.SMALL)
    created = api.post(
        "/api/tasks/", {"customer_id": customer.pk, "title": "x", "value": "1234.50"}
    ).json()
    english = api.get(f"/api/tasks/{created['id']}").json()
    dutch = api.client.get(
        f"/api/tasks/{created['id']}", headers={**api.headers, "Accept-Language": "nl"}
    ).json()
    assert english["routing_reason"] == "Sales queue: no account owner (€1,234.50 ≥ €500 threshold)"
    assert "€1.234,50" in dutch["routing_reason"]
    assert english["routing"] == dutch["routing"]
    assert api.get("/api/tasks/999999").status_code == 404


def test_patch_with_version_and_stale_version(api: ApiClient, sales_user: User) -> None:
    task = make_task(assignee=sales_user)
    ok = api.patch(f"/api/tasks/{task.pk}", {"version": 1, "priority": 1, "title": "New"})
    assert ok.status_code == 200
    assert (ok.json()["priority"], ok.json()["version"]) == (1, 2)
    stale = api.patch(f"/api/tasks/{task.pk}", {"version": 1, "title": "Lost update"})
    assert stale.status_code == 409
    assert "changed by someone else" in stale.json()["detail"]
    assert Task.objects.get(pk=task.pk).title == "New"
    assert api.patch(f"/api/tasks/{task.pk}", {"title": "x"}).status_code == 422
    assert api.patch(f"/api/tasks/{task.pk}", {"version": 2, "title": None}).status_code == 422
    assert api.patch(f"/api/tasks/{task.pk}", {"version": 2, "assignee": 1}).status_code == 422


def test_complete_notifies_the_owner(api: ApiClient) -> None:
    jan = User.objects.create_user("jan")
    task = make_task(customer=CustomerFactory(account_owner=jan), assignee=jan)
    done = api.post(f"/api/tasks/{task.pk}/complete", {"version": 1})
    assert done.status_code == 200
    assert done.json()["status"] == "done" and done.json()["completed_at"]
    assert Notification.objects.filter(recipient=jan, kind="task_done").exists()
    other = make_task()
    assert api.post(f"/api/tasks/{other.pk}/complete", {"version": 7}).status_code == 409
    assert api.post(f"/api/tasks/{other.pk}/complete", {}).status_code == 200


def test_permissions(no_role_api: ApiClient) -> None:
    task = make_task()
    assert no_role_api.get("/api/tasks/").status_code == 403
    assert no_role_api.post(f"/api/tasks/{task.pk}/complete", {}).status_code == 403
    viewer = user_with_role("viewer", None)
    assert ApiClient(None).get("/api/tasks/").status_code == 401
    assert client_for(viewer).get(f"/api/tasks/{task.pk}").status_code == 403
