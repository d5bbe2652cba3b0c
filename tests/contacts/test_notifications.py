from __future__ import annotations

import pytest
from django.test import Client
from django.utils import translation

from relata.contacts.models import Notification
from relata.contacts.notification_services import notification_send, notifications_mark_read
from relata.contacts.notification_texts import notification_text
from tests.contacts.task_support import user_with_role

pytestmark = pytest.mark.django_db


def test_send_skips_the_actor_and_missing_recipients() -> None:
    jan = user_with_role("jan")
    assert notification_send(recipient=jan, kind="reminder", actor=jan) is None
    assert notification_send(recipient=None, kind="reminder") is None
    sent = notification_send(recipient=jan, kind="reminder", params={"title": "Call Ann"})
    assert sent is not None and sent.read_at is None
    assert Notification.objects.count() == 1


def test_texts_are_rendered_from_kind_and_params() -> None:
    # given notifications of each kind the app sends
    jan = user_with_role("jan")
    bo = user_with_role("bo", "back_office", first_name="Bo", last_name="Smit")
    cases = {
        "task_assigned": {"title": "Quote", "customer": "Ann"},
        "task_done": {"title": "Quote", "customer": "Ann", "by": "Bo Smit"},
        "contact_logged": {"customer": "Ann", "channel": "phone", "subject": "Price"},
        "complaint": {"customer": "Ann", "subject": "Late", "cause": "delivery"},
        "deal_changed": {
            "deal": "Chairs",
            "customer": "Ann",
            "from_stage": "lead",
            "to_stage": "won",
        },
        "reminder": {"title": "Call Ann"},
    }
    texts = {}
    with translation.override("en"):
        for kind, params in cases.items():
            notification = Notification(recipient=jan, kind=kind, params=params, actor=bo)
            texts[kind] = notification_text(notification)
    # then each names who did what about which customer
    assert texts["task_assigned"] == "Bo Smit sent you the task “Quote” (Ann)."
    assert texts["task_done"] == "Bo Smit completed the task “Quote” for Ann."
    assert texts["contact_logged"] == "Bo Smit contacted your customer Ann (phone): Price"
    assert texts["complaint"].endswith("(Delivery)")
    assert "Chairs" in texts["deal_changed"] and "Ann" in texts["deal_changed"]
    assert texts["reminder"] == "Reminder: Call Ann"


def test_page_lists_and_marks_read_and_bell_counts_unread() -> None:
    jan = user_with_role("jan")
    notification_send(recipient=jan, kind="reminder", params={"title": "First"}, url="/tasks/")
    notification_send(recipient=jan, kind="reminder", params={"title": "Second"})
    other = user_with_role("other")
    notification_send(recipient=other, kind="reminder", params={"title": "Not for Jan"})
    client = Client()
    client.force_login(jan)
    # the bell shows two unread
    home = client.get("/")
    assert home.context["unread_notification_count"] == 2
    # the page lists Jan's only, marked new, and reading marks them read
    page = client.get("/tasks/notifications/")
    body = page.content.decode()
    assert "Reminder: First" in body and "Not for Jan" not in body
    assert body.count(">new</span>") == 2
    assert not Notification.objects.filter(recipient=jan, read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=other, read_at__isnull=True).exists()


def test_opening_a_notification_follows_its_link_and_marks_it_read() -> None:
    jan = user_with_role("jan")
    sent = notification_send(recipient=jan, kind="reminder", url="/tasks/")
    evil = notification_send(recipient=jan, kind="reminder", url="https://evil.example/")
    assert sent is not None and evil is not None
    client = Client()
    client.force_login(jan)
    response = client.get(f"/tasks/notifications/{sent.pk}/")
    assert response["Location"] == "/tasks/"
    sent.refresh_from_db()
    assert sent.read_at is not None
    assert client.get(f"/tasks/notifications/{evil.pk}/")["Location"] == "/tasks/notifications/"
    # someone else's notification is not found
    intruder = Client()
    intruder.force_login(user_with_role("x"))
    assert intruder.get(f"/tasks/notifications/{sent.pk}/").status_code == 404


def test_mark_all_read() -> None:
    jan = user_with_role("jan")
    for _ in range(3):
        notification_send(recipient=jan, kind="reminder")
    client = Client()
    client.force_login(jan)
    client.post("/tasks/notifications/read/")
    assert notifications_mark_read(recipient=jan) == 0


def test_without_notifications_the_page_says_so_and_shows_no_empty_counter() -> None:
    # given a user nobody has notified
    client = Client()
    client.force_login(user_with_role("jan"))
    # when
    body = client.get("/tasks/notifications/").content.decode()
    # then only the empty-state text shows, no "0–0 of 0" and nothing to mark read
    assert "No notifications." in body
    assert "0–0 of 0" not in body
    assert "Mark all read" not in body
