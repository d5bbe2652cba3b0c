"""The influence assumptions and weights on the scoring settings page."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from relata.analytics.influence import COMPONENTS
from relata.scoring.models import ScoringSettings
from relata.scoring.services import influence_weights, value_settings
from tests.scoring.pages_support import admin_client
from tests.scoring.test_pages_settings import _valid

pytestmark = pytest.mark.django_db


def _weights(**values: str) -> dict[str, Any]:
    return {f"weight_{name}": values.get(name, "10") for name in COMPONENTS}


def test_the_page_shows_the_assumptions_with_their_explanation() -> None:
    # when an administrator opens the settings
    page = admin_client().get("/value/settings/").content.decode()
    # then the reach assumptions and the four weights are there, with what they mean
    assert "Followers reached per year (%)" in page
    assert "Of those reached, become customers (%)" in page
    assert "Value of a customer won through reach (€)" in page
    assert "Empty: the average CLV" in page
    for name in COMPONENTS:
        assert f'name="weight_{name}"' in page
    assert 'value="35.0"' in page  # the default reach weight


def test_saving_stores_shares_value_and_weights() -> None:
    # when the influence settings are saved
    data = _valid(
        reach_rate_percent="5",
        reach_conversion_percent="0.5",
        reach_customer_value="180.00",
        **_weights(reach="50", referrals="30", reviews="0", recommendation="20"),
    )
    response = admin_client().post("/value/settings/", data)
    # then the percentages are stored as shares, the weights as given
    assert response.status_code == 302
    stored = ScoringSettings.current()
    assert stored.reach_rate == Decimal("0.0500")
    assert stored.reach_conversion == Decimal("0.0050")
    assert stored.reach_customer_value == Decimal("180.00")
    assert stored.influence_weights == {
        "reach": 50.0,
        "referrals": 30.0,
        "reviews": 0.0,
        "recommendation": 20.0,
    }
    # and the next run uses them
    used = value_settings(stored)
    assert used.reach_rate == pytest.approx(0.05)
    assert used.reach_customer_value == pytest.approx(180.0)
    assert used.influence_weights["reach"] == 50.0


def test_an_empty_value_per_customer_means_the_average_clv() -> None:
    admin_client().post("/value/settings/", _valid(reach_customer_value=""))
    assert ScoringSettings.current().reach_customer_value is None
    assert value_settings(ScoringSettings.current()).reach_customer_value is None


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (_weights(reach="0", referrals="0", reviews="0", recommendation="0"), "are all 0"),
        (_weights(reviews="-1"), "greater than or equal to 0"),
        ({"weight_reach": ""}, "This field is required"),
        ({"reach_rate_percent": "150"}, "less than or equal to 100"),
        ({"reach_conversion_percent": "-1"}, "greater than or equal to 0"),
        ({"reach_customer_value": "-5"}, "greater than or equal to 0"),
    ],
)
def test_invalid_influence_settings_are_refused(changes: dict[str, str], message: str) -> None:
    # given the stored defaults
    before = ScoringSettings.current()
    # when invalid influence settings are posted
    response = admin_client().post("/value/settings/", _valid(**changes))
    # then the form comes back with the reason, nothing saved
    assert response.status_code == 200
    assert message in response.content.decode()
    after = ScoringSettings.current()
    assert after.influence_weights == before.influence_weights
    assert after.reach_rate == before.reach_rate


def test_unreadable_stored_weights_fall_back_to_the_defaults() -> None:
    assert influence_weights({"reach": "x", "reviews": 5}) == {
        "reach": 35.0,
        "referrals": 30.0,
        "reviews": 5.0,
        "recommendation": 15.0,
    }
    assert influence_weights(None)["referrals"] == 30.0
