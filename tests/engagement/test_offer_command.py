"""`relata offers`: computes the run, prints its figures, and with --evaluate the time-split
check against popularity, stored with the run."""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from relata.engagement.models import OfferRun
from tests.engagement.offer_support import buy, offer_shop

pytestmark = pytest.mark.django_db

NO_THRESHOLDS = ["--min-support", "0", "--min-confidence", "0", "--min-lift", "0"]


def run_command(*args: str) -> str:
    out = StringIO()
    call_command("offers", *args, stdout=out)
    return out.getvalue()


def test_command_prints_the_figures_of_the_run() -> None:
    # given the hand-made shop
    offer_shop()

    # when `relata offers` runs without thresholds
    output = run_command(*NO_THRESHOLDS, "--min-pair-count", "1", "-v", "2")

    # then it reports baskets, rules, customers and offers per kind, and the phases
    run = OfferRun.objects.get()
    assert "6 baskets, 4 rules, 5 customers with offers" in output
    assert "cross-sell" in output and "deep-sell" in output
    assert "Seconds per phase: read" in output
    assert run.settings_used["min_pair_count"] == 1
    assert run.evaluation == {}


def test_default_thresholds_leave_out_rare_pairs() -> None:
    # given the shop, whose pairs are in at most two baskets
    offer_shop()

    # when the command runs with the default thresholds (a pair in at least 5 baskets)
    output = run_command()

    # then no rule qualifies, and up- and deep-sell offers are still made
    run = OfferRun.objects.get()
    assert run.rules == 0
    assert run.customers > 0
    assert "0 rules" in output


def test_evaluate_prints_and_stores_model_against_popularity() -> None:
    # given the shop and, after 2025-07-01, eva buying beans (new to her)
    shop = offer_shop()
    buy(shop.eva, shop.beans, day=date(2025, 8, 1))

    # when the command evaluates with a cut on 2025-07-01 and three test months
    output = run_command(
        *NO_THRESHOLDS, "--min-pair-count", "1", "--evaluate", "--cut", "2025-07-01",
        "--test-months", "3",
    )  # fmt: skip

    # then the split and the three measures are printed for the model and the baseline
    assert "trained on the orders before 2025-07-01" in output
    assert "2025-07-01 to 2025-09-30" in output
    assert "Precision@5" in output and "Recall@5" in output and "Hit rate@5" in output
    # and stored with the run
    evaluation = OfferRun.objects.get().evaluation
    assert evaluation["cut"] == "2025-07-01"
    assert evaluation["test_months"] == 3
    assert evaluation["customers"] == 1
    assert evaluation["baseline"] == {"precision": 0.2, "recall": 1.0, "hit_rate": 1.0}
    assert set(evaluation["model"]) == {"precision", "recall", "hit_rate"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--k", "0"], "k must be a whole number of at least 1"),
        (["--min-confidence", "1.5"], "min_confidence"),
        (["--test-months", "0"], "--test-months must be at least 1"),
        (["--up-sell-weight", "-1"], "up_sell_weight"),
        (["--cut", "2025-13-01"], "Not a date"),
    ],
)
def test_bad_settings_are_refused_with_the_reason(args: list[str], message: str) -> None:
    # given the shop
    offer_shop()

    # when / then the command stops with the setting and the reason, and stores nothing
    with pytest.raises(CommandError, match=message):
        run_command(*args)
    assert not OfferRun.objects.exists()


def test_evaluate_without_orders_is_refused() -> None:
    # given no orders
    # when / then
    with pytest.raises(CommandError, match="no orders to evaluate"):
        run_command("--evaluate")
