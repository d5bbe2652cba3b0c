"""Generated complaints: how many, why, through which channel, and how they were settled."""

from __future__ import annotations

import numpy as np

from relata.demo.generate import DemoData
from tests.demo.conftest import NOW


def _columns(data: DemoData, model: str) -> dict[str, np.ndarray]:
    return {name: col.values for name, col in data.table(model).columns.items()}


def test_a_few_percent_of_customers_complain_mostly_about_delivery_and_products(
    work_data: DemoData,
) -> None:
    # given
    complaints = _columns(work_data, "contacts.Complaint")
    customers = work_data.table("customers.Customer").rows
    # when
    causes, counts = np.unique(complaints["cause"], return_counts=True)
    ranked = causes[np.argsort(-counts)].tolist()
    # then
    assert 0.015 < len(np.unique(complaints["customer_id"])) / customers < 0.07
    assert set(ranked[:2]) == {"delivery", "product"}
    assert {"repeat_story", "not_reachable", "no_answer", "unclear_info", "billing"} <= set(ranked)


def test_channel_and_touchpoint_fit_the_cause(work_data: DemoData) -> None:
    complaints = _columns(work_data, "contacts.Complaint")
    cause, channel = complaints["cause"], complaints["channel"]
    touchpoint = complaints["touchpoint"]
    # who could not reach us by phone did not complain by phone, or in person
    assert not np.isin(channel[cause == "not_reachable"], ["phone", "visit", "store"]).any()
    assert np.mean(touchpoint[cause == "delivery"] == "delivery") > 0.8
    assert np.mean(touchpoint[cause == "billing"] == "billing") > 0.8
    assert np.mean(np.isin(touchpoint[cause == "product"], ["after_sales", "service"])) > 0.8


def test_each_complaint_has_its_contact_moment(work_data: DemoData) -> None:
    # given
    complaints = _columns(work_data, "contacts.Complaint")
    moments = _columns(work_data, "contacts.ContactMoment")
    link = work_data.table("contacts.ContactMoment").columns["complaint_id"]
    assert link.null is not None
    linked = np.flatnonzero(~link.null)
    complaint_index = moments["complaint_id"][linked] - 1
    # then one moment per complaint, with outcome complaint, same customer, time and channel
    assert np.array_equal(np.sort(complaint_index), np.arange(len(complaints["id"])))
    assert np.all(moments["outcome"][linked] == "complaint")
    assert np.array_equal(
        moments["customer_id"][linked], complaints["customer_id"][complaint_index]
    )
    assert np.array_equal(
        moments["occurred_at"][linked], complaints["received_at"][complaint_index]
    )
    assert np.array_equal(moments["channel"][linked], complaints["channel"][complaint_index])
    assert np.array_equal(moments["touchpoint"][linked], complaints["touchpoint"][complaint_index])


def test_most_are_resolved_within_hours_to_weeks_and_recent_ones_are_open(
    work_data: DemoData,
) -> None:
    # given
    complaints = _columns(work_data, "contacts.Complaint")
    resolved_null = work_data.table("contacts.Complaint").columns["resolved_at"].null
    assert resolved_null is not None
    status = complaints["status"]
    is_open = np.isin(status, ["open", "in_progress"])
    # then open means not resolved, and only recent complaints are open
    assert np.array_equal(resolved_null, is_open)
    assert np.mean(~is_open) > 0.9
    assert is_open.any()
    age = np.datetime64(NOW) - complaints["received_at"][is_open]
    assert age.max() < np.timedelta64(57, "D")
    # and resolution takes hours to weeks
    took = (complaints["resolved_at"] - complaints["received_at"])[~is_open]
    hours = took / np.timedelta64(1, "h")
    assert hours.min() >= 1 and np.percentile(hours, 10) < 24 and np.percentile(hours, 90) > 7 * 24
    assert np.all(complaints["resolution"][~is_open] != "")
    assert np.all(complaints["resolution"][is_open] == "")
    assert 0 < np.mean(status == "rejected") < 0.15


def test_complaints_about_an_order_name_one_of_the_customer(work_data: DemoData) -> None:
    complaints = _columns(work_data, "contacts.Complaint")
    orders = _columns(work_data, "sales.Order")
    null = work_data.table("contacts.Complaint").columns["order_id"].null
    assert null is not None
    with_order = ~null
    order_index = complaints["order_id"][with_order] - 1
    assert np.mean(with_order[np.isin(complaints["cause"], ["delivery", "product"])]) > 0.7
    assert np.array_equal(orders["customer_id"][order_index], complaints["customer_id"][with_order])
    assert np.all(
        orders["order_date"][order_index]
        <= complaints["received_at"][with_order].astype("datetime64[D]")
    )
