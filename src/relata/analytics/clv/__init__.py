"""Customer lifetime value, three ways (DOMAIN.md §6).

* ``formula`` — KW = T × A × P − K;
* ``discounted`` — Σ m r^(t−1)/(1+d)^t − K;
* probabilistic — ``bgnbd`` (purchases, P(alive)), ``gamma_gamma`` (spend per transaction),
  ``residual`` (discounted expected residual value) and ``model`` (fit and score a summary).

Pure NumPy/SciPy on arrays; no Django, no other relata package.
"""

from relata.analytics.clv._common import ClvInputError, FitError
from relata.analytics.clv.bgnbd import BgNbdFit, BgNbdParams
from relata.analytics.clv.discounted import discounted_customer_value
from relata.analytics.clv.formula import simple_customer_value
from relata.analytics.clv.gamma_gamma import GammaGammaFit, GammaGammaParams
from relata.analytics.clv.model import ClvModel, fit_models, score
from relata.analytics.clv.residual import ClvScores, customer_lifetime_value

__all__ = [
    "BgNbdFit",
    "BgNbdParams",
    "ClvInputError",
    "ClvModel",
    "ClvScores",
    "FitError",
    "GammaGammaFit",
    "GammaGammaParams",
    "customer_lifetime_value",
    "discounted_customer_value",
    "fit_models",
    "score",
    "simple_customer_value",
]
