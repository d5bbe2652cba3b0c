"""Next best offer (DOMAIN.md §13): association rules, offers per customer, evaluation.

* ``rules`` — pairwise association rules ``A → B`` over baskets (support, confidence, lift);
* ``offers`` — the top-k cross-sell / up-sell / deep-sell offers of every customer;
* ``evaluate`` — precision, recall and hit rate @k on a time split against popularity.

Pure NumPy/SciPy on arrays; no Django, no other relata package.
"""

from relata.analytics.recommend.catalogue import Catalogue
from relata.analytics.recommend.evaluate import (
    OfferEvaluation,
    RankingMetrics,
    evaluate_offers,
    popular_offers,
)
from relata.analytics.recommend.offers import (
    KIND_NAMES,
    OfferKind,
    Offers,
    OfferSettings,
    recommend_offers,
)
from relata.analytics.recommend.rules import AssociationRules, association_rules

__all__ = [
    "KIND_NAMES",
    "AssociationRules",
    "Catalogue",
    "OfferEvaluation",
    "OfferKind",
    "OfferSettings",
    "Offers",
    "RankingMetrics",
    "association_rules",
    "evaluate_offers",
    "popular_offers",
    "recommend_offers",
]
