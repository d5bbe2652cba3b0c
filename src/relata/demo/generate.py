"""Deterministic, vectorised demo data: columnar NumPy arrays, no loop per customer or line.

`demo_generate` returns a `DemoData` of `Table`s whose column names are the Django field
attnames; `relata.demo.writer` puts them into the database (COPY on PostgreSQL). The
generator imports no Django, so it can be used (and tested) on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
from numpy.random import PCG64, Generator, SeedSequence

from relata.demo.activity import contact_moments, frictions_draw, orders_draw
from relata.demo.arrays import CustomerOrders
from relata.demo.complaints import complaints_draw
from relata.demo.deals import deals_draw
from relata.demo.people import catalogue, consents, contact_persons, customers_draw
from relata.demo.routing import RuleSpec
from relata.demo.tables import DemoData
from relata.demo.tasks import tasks_draw

__all__ = ["DemoData", "DemoSpec", "RuleSpec", "demo_generate"]


@dataclass(frozen=True)
class DemoSpec:
    customers: int
    years: int
    seed: int
    today: date
    # The moment "now" as naive UTC; nothing generated lies after it.
    now: datetime
    # The active routing rules, in order; tasks are routed through them.
    routing_rules: tuple[RuleSpec, ...] = ()

    def __post_init__(self) -> None:
        if self.customers < 1:
            raise ValueError("customers must be at least 1")
        if not 1 <= self.years <= 30:
            raise ValueError("years must be between 1 and 30")


def demo_generate(spec: DemoSpec) -> DemoData:
    rng = Generator(PCG64(spec.seed))
    window_days = spec.years * 365
    start = np.datetime64(spec.today, "D") - np.timedelta64(window_days, "D")
    now = np.datetime64(spec.now.replace(tzinfo=None), "s")

    categories, products, product_info = catalogue(rng)
    customers = customers_draw(rng, spec.customers, window_days, start, now)
    people = contact_persons(rng, customers)
    orders, lines, order_info = orders_draw(rng, customers, product_info, window_days, start, now)
    moments = contact_moments(rng, customers, order_info, window_days, start, now)
    consent_rows = consents(rng, customers.table, now)

    # Deals, complaints and tasks draw from streams of their own, so adding them left the
    # tables above as they were for every seed (frictions likewise).
    deal_rng, complaint_rng, task_rng, friction_rng = (
        Generator(PCG64(child)) for child in SeedSequence(spec.seed).spawn(4)
    )
    index = CustomerOrders.build(order_info["owner"], order_info["day"], customers.n)
    deals, deal_lines, stage_changes, deal_info = deals_draw(
        deal_rng,
        customers,
        order_info,
        index,
        orders,
        lines,
        products,
        product_info,
        window_days,
        start,
        now,
    )
    complaints, moments, complaint_info = complaints_draw(complaint_rng, moments, index, start, now)
    moments = frictions_draw(
        friction_rng, customers, order_info, moments, complaints, window_days, start
    )
    tasks = tasks_draw(
        task_rng,
        customers,
        moments,
        complaint_info,
        deal_info,
        order_info,
        orders,
        spec.routing_rules,
        start,
        now,
    )
    return DemoData(
        [
            categories,
            products,
            customers.table,
            people,
            consent_rows,
            orders,
            lines,
            deals,
            deal_lines,
            stage_changes,
            complaints,
            moments,
            tasks,
        ]
    )
