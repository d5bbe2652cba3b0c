"""Generated deals: the funnel, the stage history, the lines and the link to orders."""

from __future__ import annotations

import numpy as np

from relata.demo.generate import DemoData
from tests.demo.conftest import NOW, TODAY, work_generate

OPEN = ["lead", "qualified", "quote"]


def _columns(data: DemoData, model: str) -> dict[str, np.ndarray]:
    return {name: col.values for name, col in data.table(model).columns.items()}


def _nulls(data: DemoData, model: str, name: str) -> np.ndarray:
    column = data.table(model).columns[name]
    return np.zeros(len(column.values), bool) if column.null is None else column.null


def test_same_seed_gives_identical_deals_and_another_seed_others(work_data: DemoData) -> None:
    # given / when
    again = work_generate()
    other = work_generate(seed=8)
    # then
    for model in ("sales.Deal", "sales.DealLine", "sales.DealStageChange"):
        for name, column in work_data.table(model).columns.items():
            assert np.array_equal(column.values, again.table(model).columns[name].values), name
    assert work_data.table("sales.Deal").rows != other.table("sales.Deal").rows


def test_organisations_have_deals_more_often(work_data: DemoData) -> None:
    # given
    deals = _columns(work_data, "sales.Deal")
    kind = work_data.table("customers.Customer").columns["kind"].values
    with_deal = np.zeros(len(kind), bool)
    with_deal[deals["customer_id"] - 1] = True
    # when
    org_share = with_deal[kind == "organisation"].mean()
    person_share = with_deal[kind == "person"].mean()
    # then
    assert 0.3 < org_share < 0.9
    assert 0.03 < person_share < org_share / 2


def test_funnel_converts_roughly_as_specified(work_data: DemoData) -> None:
    # given the stages each closed deal entered
    deals = _columns(work_data, "sales.Deal")
    changes = _columns(work_data, "sales.DealStageChange")
    closed = np.isin(deals["stage"], ["won", "lost"])
    entered = {
        stage: np.unique(changes["deal_id"][changes["to_stage"] == stage])
        for stage in ("lead", "qualified", "quote", "won")
    }
    closed_ids = deals["id"][closed]
    reached = {stage: np.isin(closed_ids, ids).sum() for stage, ids in entered.items()}
    # when / then: lead → qualified ~60 %, qualified → quote ~60 %, quote → won ~45 %
    assert reached["lead"] == closed.sum()
    assert 0.52 < reached["qualified"] / reached["lead"] < 0.68
    assert 0.52 < reached["quote"] / reached["qualified"] < 0.68
    assert 0.35 < reached["won"] / reached["quote"] < 0.55


def test_lost_deals_have_reasons_price_first(work_data: DemoData) -> None:
    deals = _columns(work_data, "sales.Deal")
    lost = deals["stage"] == "lost"
    reasons, counts = np.unique(deals["lost_reason"][lost], return_counts=True)
    assert "" not in reasons.tolist()
    assert reasons[np.argmax(counts)] == "price"
    assert len(reasons) >= 6
    assert np.all(deals["lost_reason"][~lost] == "")


def test_lines_belong_to_the_deal_and_sum_to_its_value(work_data: DemoData) -> None:
    # given
    deals = _columns(work_data, "sales.Deal")
    lines = _columns(work_data, "sales.DealLine")
    deal_index = lines["deal_id"] - 1
    # when
    value = np.bincount(deal_index, lines["quantity"] * lines["unit_price"], len(deals["id"]))
    # then every deal has lines, with its customer, adding up to its value
    assert np.all(np.bincount(deal_index, minlength=len(deals["id"])) >= 1)
    assert np.array_equal(lines["customer_id"], deals["customer_id"][deal_index])
    assert np.array_equal(np.rint(value).astype(np.int64), deals["value"])
    assert lines["quantity"].min() >= 1 and lines["unit_price"].min() > 0


def test_won_deals_link_to_an_order_of_their_customer_at_the_close(work_data: DemoData) -> None:
    # given
    deals = _columns(work_data, "sales.Deal")
    orders = _columns(work_data, "sales.Order")
    no_order = _nulls(work_data, "sales.Deal", "order_id")
    linked = ~no_order
    order_index = deals["order_id"][linked] - 1
    # then only won deals have orders, most of them do, and never two deals one order
    assert np.all(deals["stage"][linked] == "won")
    assert np.mean(linked[deals["stage"] == "won"]) > 0.6
    assert len(np.unique(order_index)) == len(order_index)
    # and the order is the customer's, placed when the deal was won
    assert np.array_equal(orders["customer_id"][order_index], deals["customer_id"][linked])
    closed_day = deals["closed_at"][linked].astype("datetime64[D]")
    assert np.all(orders["order_date"][order_index] == closed_day)
    assert np.all(orders["status"][order_index] != "cancelled")
    # and a won deal with an order has the order's lines
    lines = _columns(work_data, "sales.DealLine")
    deal_total = np.bincount(lines["deal_id"] - 1, lines["quantity"] * lines["unit_price"])
    assert np.array_equal(
        np.rint(deal_total[linked]).astype(np.int64), orders["total_amount"][order_index]
    )


def test_stage_history_matches_each_deal(work_data: DemoData) -> None:
    # given
    deals = _columns(work_data, "sales.Deal")
    changes = _columns(work_data, "sales.DealStageChange")
    order = np.lexsort((changes["id"], changes["deal_id"]))
    deal_id = changes["deal_id"][order]
    from_stage, to_stage = changes["from_stage"][order], changes["to_stage"][order]
    changed_at = changes["changed_at"][order]
    first = np.ones(len(deal_id), bool)
    first[1:] = deal_id[1:] != deal_id[:-1]
    last = np.roll(first, -1)
    last[-1] = True
    deal_index = deal_id - 1
    # then each history starts as a lead when the deal was created
    assert np.array_equal(np.unique(deal_id), deals["id"])
    assert np.all(from_stage[first] == "") and np.all(to_stage[first] == "lead")
    assert np.array_equal(changed_at[first], deals["created_at"][deal_index[first]])
    # and every step continues from the previous one, forward in time, one stage at a time
    step = ~first
    assert np.array_equal(from_stage[step], to_stage[np.flatnonzero(step) - 1])
    assert np.all(changed_at[step] >= changed_at[np.flatnonzero(step) - 1])
    ladder = {("lead", "qualified"), ("qualified", "quote"), ("quote", "won")}
    pairs = set(zip(from_stage[step].tolist(), to_stage[step].tolist(), strict=True))
    assert pairs - ladder <= {("lead", "lost"), ("qualified", "lost"), ("quote", "lost")}
    # and ends in the deal's stage, at the moment the deal entered it
    assert np.array_equal(to_stage[last], deals["stage"][deal_index[last]])
    assert np.array_equal(changed_at[last], deals["stage_changed_at"][deal_index[last]])
    assert changes["customer_id"].tolist() == deals["customer_id"][changes["deal_id"] - 1].tolist()


def test_open_deals_are_recent_and_expected_to_close_in_the_coming_weeks(
    work_data: DemoData,
) -> None:
    # given
    deals = _columns(work_data, "sales.Deal")
    is_open = np.isin(deals["stage"], OPEN)
    closed_null = _nulls(work_data, "sales.Deal", "closed_at")
    today = np.datetime64(TODAY)
    # then
    assert set(deals["stage"][is_open].tolist()) == set(OPEN)
    assert np.array_equal(closed_null, is_open)
    expected = deals["expected_close_date"][is_open]
    assert expected.min() >= today and expected.max() <= today + np.timedelta64(8 * 7, "D")
    age = np.datetime64(NOW) - deals["created_at"][is_open]
    assert np.median(age) < np.timedelta64(60, "D")
    assert np.all(deals["closed_at"][~is_open] <= np.datetime64(NOW))
    assert np.all(deals["probability"][deals["stage"] == "won"] == 100)
    assert np.all(deals["probability"][deals["stage"] == "lost"] == 0)


def test_open_deals_scale_with_the_customer_base(work_data: DemoData) -> None:
    # given a small and a four times larger customer base
    small = np.isin(work_data.table("sales.Deal").columns["stage"].values, OPEN).sum()
    large_data = work_generate(customers=24_000, seed=9)
    large = np.isin(large_data.table("sales.Deal").columns["stage"].values, OPEN).sum()
    # then about 1 % of customers has an open deal: 5,000 customers show 40–150 on the
    # board, and 1,000,000 have the 5,000 the kanban benchmark needs
    assert 0.007 < small / 6000 < 0.025
    assert 0.007 < large / 24_000 < 0.025
    assert 3 < large / small < 5.5
