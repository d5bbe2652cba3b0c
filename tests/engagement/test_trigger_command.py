"""`relata run-triggers`: idempotent, per-rule counts, dry run, one rule."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from relata.cli import main
from relata.contacts.models import Task
from relata.engagement.models import TriggerFiring
from tests.engagement.trigger_support import buy, make_rule
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("run_triggers", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def new_customers(n: int) -> list[int]:
    ids = []
    for _ in range(n):
        customer = CustomerFactory()
        buy(customer, timezone.localdate() - timedelta(days=1))
        ids.append(customer.pk)
    return ids


def test_run_twice_one_welcome_per_customer() -> None:
    # given two new customers and a welcome rule
    ids = new_customers(2)
    rule = make_rule("new_customer", "task", name="Welcome", action_params={"title": "Hi"})
    # when the command runs twice
    first, _ = run()
    second, _ = run()
    # then each customer got one welcome, and the output says so per rule
    assert f"#{rule.pk} Welcome: matched 2, fired 2 (done 2, refused 0" in first
    assert f"#{rule.pk} Welcome: matched 2, fired 0 (done 0" in second
    welcomed = TriggerFiring.objects.filter(rule=rule, event_key="welcome")
    assert sorted(welcomed.values_list("customer_id", flat=True)) == ids
    assert Task.objects.filter(title="Hi").count() == 2


def test_dry_run_changes_nothing_and_one_rule_only() -> None:
    new_customers(3)
    welcome = make_rule("new_customer", name="Welcome")
    other = make_rule("moved", name="Moved")
    out, _ = run("--dry-run", "--rule", str(welcome.pk))
    assert "matched 3, would fire 3" in out and "Dry run" in out
    assert "Moved" not in out
    assert not TriggerFiring.objects.exists()
    out, _ = run("--rule", str(other.pk))
    assert "fires when the event happens" in out


def test_errors_are_reported() -> None:
    make_rule("in_segment", name="No segment")
    _, err = run()
    assert "No segment: not run: This event needs a segment." in err
    with pytest.raises(CommandError, match="No trigger rule with id 999"):
        run("--rule", "999")


def test_dash_name_through_the_console_script(capsys: pytest.CaptureFixture[str]) -> None:
    make_rule("new_customer", name="Welcome")
    main(["run-triggers", "--dry-run"])
    assert "Welcome: matched 0, would fire 0" in capsys.readouterr().out
