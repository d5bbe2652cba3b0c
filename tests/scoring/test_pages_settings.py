"""The scoring settings page: who may use it, validation, and what saving changes."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client

from relata.analytics.influence import COMPONENTS
from relata.contacts.models import Channel
from relata.scoring.models import ScoringSettings
from tests.scoring.pages_support import admin_client, client_for, sales_client, scored_demo


def _valid(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "period_months": 12,
        "value_basis": "revenue",
        "top_percent": "1",
        "big_percent": "4",
        "medium_percent": "15",
        "discount_percent": "8",
        "horizon_months": 24,
        "value_drop_percent": "25",
        "new_customer_days": 60,
        "lost_after_days": 400,
        "delivery_cost": "5.00",
        "return_cost": "10.00",
        "reach_rate_percent": "2",
        "reach_conversion_percent": "1",
        "reach_customer_value": "",
    }
    data.update({f"channel_{value}": "1.50" for value in Channel.values})
    data.update({f"weight_{name}": "25" for name in COMPONENTS})
    data.update(changes)
    return data


@pytest.mark.django_db
def test_settings_need_the_admin_role_or_the_permission() -> None:
    # given a sales user, an administrator and a user granted just the permission
    granted = User.objects.create_user("gina", password="a-long-test-password")
    granted.user_permissions.add(Permission.objects.get(codename="change_scoringsettings"))
    # then only the last two may open the settings
    assert sales_client().get("/value/settings/").status_code == 403
    assert admin_client().get("/value/settings/").status_code == 200
    assert client_for(granted).get("/value/settings/").status_code == 200
    assert Client().get("/value/settings/").status_code == 302


@pytest.mark.django_db
def test_saving_settings_stores_them_and_says_they_apply_to_the_next_run() -> None:
    # given an administrator
    client = admin_client()
    # when the settings are saved with new values
    response = client.post("/value/settings/", _valid(), follow=True)
    # then they are stored, percentages as shares and one cost per channel
    stored = ScoringSettings.current()
    assert stored.discount_rate == Decimal("0.08")
    assert stored.risk_value_drop == Decimal("0.25")
    assert stored.horizon_months == 24
    assert stored.channel_costs == {value: 1.5 for value in Channel.values}
    # and the page says they apply from the next score run
    assert "apply from the next score run" in response.content.decode()


@pytest.mark.django_db
def test_saved_settings_do_not_rewrite_history() -> None:
    # given a scored period
    scored = scored_demo(customers=40)
    before = dict(scored.run.settings_used)
    # when the settings change
    admin_client().post("/value/settings/", _valid(top_percent="2", discount_percent="20"))
    # then the period keeps the settings it was scored with
    scored.run.refresh_from_db()
    assert scored.run.settings_used == before
    assert before["top"] == pytest.approx(0.01)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"top_percent": "10", "big_percent": "40", "medium_percent": "60"},
            "Top, Big and Medium together are 110",
        ),
        ({"channel_phone": "-1"}, "greater than or equal to 0"),
        ({"discount_percent": "150"}, "less than or equal to 100"),
        ({"period_months": "0"}, "greater than or equal to 1"),
        ({"delivery_cost": "-4"}, "greater than or equal to 0"),
        ({"channel_email": ""}, "This field is required"),
    ],
)
@pytest.mark.django_db
def test_invalid_settings_are_refused_with_a_message(changes: dict[str, str], message: str) -> None:
    # given an administrator and the stored defaults
    client = admin_client()
    original = ScoringSettings.current()
    # when invalid settings are posted
    response = client.post("/value/settings/", _valid(**changes))
    # then the form comes back with the reason and nothing is saved
    assert response.status_code == 200
    assert message in response.content.decode()
    assert ScoringSettings.current().discount_rate == original.discount_rate
    assert ScoringSettings.current().channel_costs == original.channel_costs
