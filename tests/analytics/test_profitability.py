from __future__ import annotations

import time

import numpy as np
import pytest

from relata.analytics.profitability import ProfitabilitySettings, profitability_compute


def test_hand_worked_profit_and_loss_flag():
    # given two customers: a big buyer and a small one who calls and returns a lot
    revenue = np.array([1000.0, 100.0])
    cost_of_goods = np.array([600.0, 60.0])
    contacts = {"phone": np.array([2, 6]), "visit": np.array([1, 0]), "email": [10, 4]}
    settings = ProfitabilitySettings(
        contact_costs={"phone": 5.0, "visit": 75.0, "email": 0.25},
        cost_per_delivery=7.5,
        cost_per_return=12.5,
    )

    # when
    result = profitability_compute(
        revenue,
        cost_of_goods,
        contacts=contacts,
        deliveries=[4, 2],
        returns=[0, 1],
        settings=settings,
    )

    # then profit = revenue − goods − (contacts + deliveries + returns)
    np.testing.assert_allclose(result.gross_margin, [400.0, 40.0])
    np.testing.assert_allclose(result.contact_cost, [10 + 75 + 2.5, 30 + 1.0])
    np.testing.assert_allclose(result.delivery_cost, [30.0, 15.0])
    np.testing.assert_allclose(result.return_cost, [0.0, 12.5])
    np.testing.assert_allclose(result.profit, [400 - 117.5, 40 - 58.5])
    assert result.loss_making.tolist() == [False, True]


def test_without_cost_to_serve_profit_is_gross_margin():
    # given no contacts, deliveries or returns
    # when
    result = profitability_compute([50.0, 0.0], [20.0, 0.0])

    # then break-even is not loss-making
    np.testing.assert_allclose(result.profit, [30.0, 0.0])
    assert result.loss_making.tolist() == [False, False]


def test_loss_threshold_is_a_setting():
    # given a customer with profit 30
    # when the installation calls everything below 50 loss-making
    result = profitability_compute([50.0], [20.0], settings=ProfitabilitySettings(loss_below=50.0))

    # then
    assert result.loss_making.tolist() == [True]


def test_bad_input_is_refused():
    # given / when / then
    with pytest.raises(ValueError, match="channel 'fax' has no cost per contact"):
        profitability_compute([1.0], [0.0], contacts={"fax": [1]})
    with pytest.raises(ValueError, match="deliveries: negative value"):
        profitability_compute([1.0], [0.0], deliveries=[-1])
    with pytest.raises(ValueError, match="lengths differ"):
        profitability_compute([1.0, 2.0], [0.0, 0.0], returns=[1])
    with pytest.raises(ValueError, match="cost_of_goods: 1 missing"):
        profitability_compute([1.0], [np.nan])
    with pytest.raises(ValueError, match="contact_costs\\['phone'\\] must be 0 or more"):
        ProfitabilitySettings(contact_costs={"phone": -1.0})


def test_empty_input():
    # given / when
    result = profitability_compute([], [], contacts={"phone": []})

    # then
    assert result.profit.size == 0


def test_performance_one_million_customers():
    # given a million customers with contacts on all channels
    rng = np.random.default_rng(0)
    n = 1_000_000
    revenue = rng.lognormal(5, 1, n)
    contacts = {
        channel: rng.poisson(1, n)
        for channel in ("phone", "email", "visit", "store", "web", "chat", "social", "letter")
    }

    # when
    start = time.perf_counter()
    result = profitability_compute(
        revenue, revenue * 0.6, contacts=contacts, deliveries=rng.poisson(2, n)
    )
    elapsed = time.perf_counter() - start

    # then
    print(f"\nprofitability_compute, 1,000,000 customers: {elapsed:.3f} s")
    assert result.profit.size == n
