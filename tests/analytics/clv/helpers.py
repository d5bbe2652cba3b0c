"""Shared helpers for the CLV tests: asymptotic standard errors of a fit."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def standard_errors(gradient: Callable[[np.ndarray], np.ndarray], params: np.ndarray) -> np.ndarray:
    """Standard errors from the observed information: the Hessian of the total
    log-likelihood, by central differences of its analytic gradient (relative step 1e-5)."""
    k = params.size
    hessian = np.zeros((k, k))
    for j in range(k):
        step = np.zeros(k)
        step[j] = params[j] * 1e-5
        hessian[:, j] = (gradient(params + step) - gradient(params - step)) / (2 * step[j])
    hessian = (hessian + hessian.T) / 2
    covariance = np.linalg.inv(-hessian)
    return np.sqrt(np.diag(covariance))
