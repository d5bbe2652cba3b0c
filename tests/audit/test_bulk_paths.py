"""Bulk paths stay cheap: demo data and scoring write no entry per row."""

from __future__ import annotations

from datetime import date

import pytest
from django.apps import apps
from django.core.management import call_command

from relata.audit.capture import REGISTRY
from relata.audit.models import AuditEntry
from relata.customers.models import Customer

pytestmark = pytest.mark.django_db


def test_demo_data_and_a_score_run_write_no_entry_per_customer() -> None:
    # given / when demo data for 60 customers is loaded and scored
    call_command("demo_data", customers=60, years=2, seed=5, verbosity=0)
    loaded = AuditEntry.objects.count()
    call_command("score", period_end=date(2026, 6, 30), no_progress=True, verbosity=0)
    # then the customers, orders, deals and snapshots were written without entries
    assert Customer.objects.count() == 60
    assert not AuditEntry.objects.filter(object_type="customers.customer").exists()
    assert not AuditEntry.objects.filter(object_type="sales.deal").exists()
    # only configuration the demo sets up (users, rules, templates …) is in the trail
    assert loaded < 60
    assert AuditEntry.objects.count() - loaded <= 1  # at most the scoring settings' creation


def test_every_audited_model_is_installed() -> None:
    # given the registry / when each label is looked up
    missing = []
    for label in REGISTRY:
        try:
            apps.get_model(label)
        except LookupError:
            missing.append(label)
    # then every model exists (a typo would silently audit nothing)
    assert missing == []
