"""Customer profitability: revenue − cost of goods − cost to serve; loss-making customers.

DOMAIN.md §6. Cost to serve = Σ over channels (contact moments × cost per contact on that
channel) + deliveries × cost per delivery + returns × cost per return. A customer is
loss-making (verliesgevend) when profit is below ``loss_below`` (default 0).

The cost defaults below are placeholders in euros, to be replaced by each installation's own
figures (they are settings): DOMAIN.md gives no default costs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
import numpy.typing as npt

from relata.analytics._checks import (
    BoolArray,
    FloatArray,
    float_array,
    same_length,
)

__all__ = [
    "DEFAULT_CONTACT_COSTS",
    "ProfitabilityResult",
    "ProfitabilitySettings",
    "profitability_compute",
]

#: Cost per contact moment by channel (the ``ContactMoment`` channel codes).
DEFAULT_CONTACT_COSTS: Mapping[str, float] = MappingProxyType(
    {
        "phone": 5.0,
        "email": 0.25,
        "visit": 75.0,
        "store": 3.0,
        "web": 0.0,
        "chat": 2.0,
        "social": 1.0,
        "letter": 1.5,
    }
)


@dataclass(frozen=True)
class ProfitabilitySettings:
    contact_costs: Mapping[str, float] = field(default_factory=lambda: DEFAULT_CONTACT_COSTS)
    cost_per_delivery: float = 7.50
    cost_per_return: float = 12.50
    loss_below: float = 0.0  # loss-making when profit < this

    def __post_init__(self) -> None:
        for channel, cost in self.contact_costs.items():
            if not (np.isfinite(cost) and cost >= 0):
                raise ValueError(f"contact_costs[{channel!r}] must be 0 or more, got {cost!r}")
        for name in ("cost_per_delivery", "cost_per_return"):
            cost = getattr(self, name)
            if not (np.isfinite(cost) and cost >= 0):
                raise ValueError(f"{name} must be 0 or more, got {cost!r}")
        if not np.isfinite(self.loss_below):
            raise ValueError(f"loss_below must be a finite number, got {self.loss_below!r}")


@dataclass(frozen=True)
class ProfitabilityResult:
    gross_margin: FloatArray  # revenue − cost of goods
    contact_cost: FloatArray
    delivery_cost: FloatArray
    return_cost: FloatArray
    cost_to_serve: FloatArray  # contact + delivery + return cost
    profit: FloatArray  # gross margin − cost to serve
    loss_making: BoolArray


def profitability_compute(
    revenue: npt.ArrayLike,
    cost_of_goods: npt.ArrayLike,
    *,
    contacts: Mapping[str, npt.ArrayLike] | None = None,
    deliveries: npt.ArrayLike | None = None,
    returns: npt.ArrayLike | None = None,
    settings: ProfitabilitySettings | None = None,
) -> ProfitabilityResult:
    """Profit per customer and the loss-making flag.

    ``contacts`` maps a channel code to the number of contact moments per customer on that
    channel; every channel given must have a cost in ``settings.contact_costs``. Missing
    ``contacts``/``deliveries``/``returns`` count as zero. Revenue may be negative (net of
    credit notes); counts must be 0 or more.
    """
    settings = settings or ProfitabilitySettings()
    income = float_array("revenue", revenue)
    goods = float_array("cost_of_goods", cost_of_goods)
    same_length(revenue=income, cost_of_goods=goods)
    n = income.size

    contact_cost = np.zeros(n)
    for channel, counts in (contacts or {}).items():
        if channel not in settings.contact_costs:
            known = ", ".join(sorted(settings.contact_costs))
            raise ValueError(
                f"contacts: channel {channel!r} has no cost per contact (known: {known})"
            )
        channel_counts = float_array(f"contacts[{channel!r}]", counts, nonnegative=True)
        same_length(revenue=income, **{f"contacts[{channel!r}]": channel_counts})
        contact_cost += channel_counts * settings.contact_costs[channel]

    def priced(name: str, counts: npt.ArrayLike | None, unit_cost: float) -> FloatArray:
        if counts is None:
            return np.zeros(n)
        array = float_array(name, counts, nonnegative=True)
        same_length(revenue=income, **{name: array})
        return array * unit_cost

    delivery_cost = priced("deliveries", deliveries, settings.cost_per_delivery)
    return_cost = priced("returns", returns, settings.cost_per_return)
    gross_margin = income - goods
    cost_to_serve = contact_cost + delivery_cost + return_cost
    profit = gross_margin - cost_to_serve
    return ProfitabilityResult(
        gross_margin=gross_margin,
        contact_cost=contact_cost,
        delivery_cost=delivery_cost,
        return_cost=return_cost,
        cost_to_serve=cost_to_serve,
        profit=profit,
        loss_making=profit < settings.loss_below,
    )
