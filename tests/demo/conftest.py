from __future__ import annotations

from datetime import date, datetime

import pytest

from relata.demo.generate import DemoData, DemoSpec, RuleSpec, demo_generate

TODAY = date(2025, 6, 2)
NOW = datetime(2025, 6, 2, 10, 30)
# The three rules the contacts migration seeds (ids as on a fresh database).
DEFAULT_RULES = (
    RuleSpec(
        1,
        "Large quotes and requests to the account owner",
        "account_owner",
        task_kinds=("quote_request", "request"),
        min_value=50_000,
    ),
    RuleSpec(2, "Top and Big customers to the account owner", "account_owner", tiers=(1, 2)),
    RuleSpec(3, "Everything else to the back office", "back_office"),
)


def work_generate(customers: int = 6000, seed: int = 7) -> DemoData:
    return demo_generate(
        DemoSpec(
            customers=customers,
            years=4,
            seed=seed,
            today=TODAY,
            now=NOW,
            routing_rules=DEFAULT_RULES,
        )
    )


@pytest.fixture(scope="session")
def work_data() -> DemoData:
    """Demo data with deals, complaints and tasks routed through the default rules."""
    return work_generate()
