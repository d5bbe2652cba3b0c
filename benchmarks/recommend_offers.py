"""Next-best-offer core: time association rules and offers on synthetic data (no database).

    .venv/bin/python benchmarks/recommend_offers.py [--customers 100000] [--products 2000]

Baskets of 1 + Poisson(2) products with Zipf-like popularity; customers with 1 + Poisson(10)
purchases; a catalogue with 100 categories, 20 % one-off, 30 % repeatable, 95 % active
products. Prints the seconds each step takes and the number of rules and offers.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from relata.analytics.recommend import Catalogue, association_rules, recommend_offers


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--products", type=int, default=2_000)
    parser.add_argument("--baskets", type=int, default=4_000_000)
    parser.add_argument("--min-support", type=float, default=1e-4)
    parser.add_argument("--min-confidence", type=float, default=0.01)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    weights = 1.0 / np.arange(1, args.products + 1) ** 0.8
    weights /= weights.sum()
    sizes = rng.poisson(2.0, args.baskets) + 1
    basket = np.repeat(np.arange(args.baskets), sizes)
    product = rng.choice(args.products, size=basket.size, p=weights)

    start = time.perf_counter()
    rules = association_rules(
        basket, product, min_support=args.min_support, min_confidence=args.min_confidence
    )
    mined = time.perf_counter() - start
    print(f"association rules: {basket.size:,} lines in {args.baskets:,} baskets "
          f"→ {rules.antecedent.size:,} rules in {mined:.2f} s")

    catalogue = Catalogue.build(
        product_id=np.arange(args.products),
        category=np.arange(args.products) % 100,
        price=rng.uniform(5, 500, args.products),
        is_one_off=rng.random(args.products) < 0.2,
        repeatable=rng.random(args.products) < 0.3,
        active=rng.random(args.products) < 0.95,
    )
    customers = np.repeat(np.arange(args.customers), rng.poisson(10, args.customers) + 1)
    bought = rng.choice(args.products, size=customers.size, p=weights)
    start = time.perf_counter()
    offers = recommend_offers(customers, bought, catalogue=catalogue, rules=rules)
    offered = time.perf_counter() - start
    print(f"offers: {args.customers:,} customers, {customers.size:,} purchases "
          f"→ {offers.customer_id.size:,} offers in {offered:.2f} s")


if __name__ == "__main__":
    main()
