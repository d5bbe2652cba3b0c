"""Merges, imports and sign-ins: one entry each, nothing personal, never the password."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client

from relata.audit.models import AuditEntry
from relata.customers.merge import customers_merge
from relata.customers.models import Customer
from relata.customers.services import consent_record
from relata.sales.deal_services import deal_create
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_a_merge_writes_one_entry_on_the_kept_customer() -> None:
    # given two customers, the second with a consent and a deal
    keep = CustomerFactory(phone="")
    merge = CustomerFactory(phone="06-99999999")
    consent_record(customer=merge, channel="email", purpose="marketing", granted=True, source="x")
    deal_create(customer=merge, title="Old deal")
    last_before = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    # when the second is merged into the first
    customers_merge(keep=keep, merge=merge, field_choices={}, user=None)
    # then exactly one entry was added: a merge on the kept customer with what moved
    added = list(AuditEntry.objects.filter(pk__gt=last_before).order_by("pk"))
    assert [entry.action for entry in added] == ["merge"]
    [entry] = added
    assert entry.customer_id == keep.pk
    assert entry.object_label == f"Customer {keep.customer_number}"
    assert entry.context["merged_customer_id"] == merge.pk
    assert entry.context["merged_customer_number"] == merge.customer_number
    assert entry.context["moved"]["consents"] == 1
    assert entry.context["moved"]["deals"] == 1
    assert entry.changes["phone"] == ["", "•••"]
    assert "06-99999999" not in str(entry.changes) + str(entry.context)
    assert not Customer.objects.filter(pk=merge.pk).exists()


def test_a_finished_import_writes_one_entry_with_its_counts(tmp_path: Path) -> None:
    # given a customer file of three rows
    path = tmp_path / "klanten.csv"
    path.write_text(
        "customer_number;last_name;email\r\n"
        "K1;Smit;k1@example.nl\r\nK2;de Vries;k2@example.nl\r\nK3;Bos;k3@example.nl\r\n"
    )
    # when it is imported
    call_command("import", "customers", str(path), stdout=StringIO(), stderr=StringIO())
    # then one import entry counts the rows, and none per customer
    assert Customer.objects.count() == 3
    [entry] = AuditEntry.objects.filter(action="import")
    assert entry.context["kind"] == "customers"
    assert entry.context["file"] == "klanten.csv"
    assert entry.context["rows"] == 3 and entry.context["created"] == 3
    assert not AuditEntry.objects.filter(object_type="customers.customer").exists()


def test_a_dry_run_import_writes_no_entry(tmp_path: Path) -> None:
    # given a customer file
    path = tmp_path / "klanten.csv"
    path.write_text("customer_number;last_name\r\nK1;Smit\r\n")
    # when it is only checked
    call_command("import", "customers", str(path), "--dry-run", stdout=StringIO())
    # then nothing is recorded
    assert not AuditEntry.objects.filter(action="import").exists()


def test_sign_in_sign_out_and_a_failed_sign_in_are_recorded(admin_user: User) -> None:
    # given the sign-in page, reached from an address
    client = Client(REMOTE_ADDR="192.0.2.44")
    # when someone tries a wrong password, then signs in and out
    client.post("/accounts/login/", {"username": "alice-admin", "password": "wrong-guess-123"})
    response = client.post(
        "/accounts/login/", {"username": "alice-admin", "password": "a-long-test-password"}
    )
    assert response.status_code == 302
    client.post("/accounts/logout/")
    # then the failure names the username tried (never the password), then sign-in and out
    failed = AuditEntry.objects.get(action="login_failed")
    assert failed.context == {"username": "alice-admin"}
    assert failed.actor is None and failed.ip_address == "192.0.2.44"
    assert "wrong-guess-123" not in str(failed.context) + str(failed.changes)
    login = AuditEntry.objects.get(action="login")
    assert login.actor == admin_user and login.ip_address == "192.0.2.44"
    assert AuditEntry.objects.filter(action="logout", actor=admin_user).count() == 1
    # the last_login stamp of the sign-in is not a change of the user
    updates = AuditEntry.objects.filter(
        action="update", object_type="auth.user", object_id=str(admin_user.pk)
    )
    assert [entry.changes for entry in updates] == [{"groups": [[], ["admin"]]}]
