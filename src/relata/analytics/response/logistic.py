"""Logistic regression of a binary response on a design, and its readable table.

Model: P(y = 1 | x) = 1 / (1 + exp(−η)), η = β₀ + xᵀβ. Fitted by maximising the (optionally
weighted, optionally ridge-penalised) log-likelihood

    ℓ_λ(β) = Σ wᵢ (yᵢ ηᵢ − log(1 + e^{ηᵢ})) − λ/2 · Σ_{j≥1} β_j²

with Newton's method, which for this model is iteratively reweighted least squares (IRLS;
McCullagh & Nelder 1989, "Generalized Linear Models", 2nd ed., §4.4; Hosmer, Lemeshow &
Sturdivant 2013, "Applied Logistic Regression", 3rd ed., ch. 1–2):

    g = Xᵀ w(y − μ) − λPβ,   H = Xᵀ diag(w μ(1 − μ)) X + λP,   β ← β + H⁻¹g

(P = identity without the intercept's entry: the intercept is never penalised), halving the
step while ℓ_λ does not increase. It stops when the Newton decrement gᵀH⁻¹g / 2 — the
predicted remaining gain in ℓ_λ (Boyd & Vandenberghe 2004, "Convex Optimization", §9.5) — is
below ``tol · (1 + |ℓ_λ|)`` *and* the largest step is below 10⁻⁶ · (1 + max|β|): under
separation the decrement vanishes while the coefficients keep growing by about 1 a step.

Standard errors are the square roots of the diagonal of H⁻¹ at the optimum (the inverse
Fisher information; with λ > 0 the inverse penalised information, which is the posterior
covariance under a N(0, 1/λ) prior and slightly understates frequentist uncertainty). Then
z = β/se, two-sided p = 2Φ(−|z|), odds ratio = e^β with Wald interval e^{β ± z₁₋α/₂ se}; the
interval excludes 1 exactly when p < α. Whole-model figures: deviance −2ℓ, the likelihood
ratio statistic against the intercept-only model (χ² with one degree of freedom per
column) and McFadden's pseudo-R² = 1 − ℓ/ℓ₀.

Weights are frequency weights, so identical rows may be compressed into one row with their
count (the fit works on sufficient statistics, as elsewhere in the analytics core).

Failures raise :class:`LogisticFitError` with a ``problem`` code: no rows, a constant outcome,
collinear columns (only without a penalty), perfect or quasi-complete *separation* (only
without a penalty; a small ``ridge`` such as 1.0 on standardised columns makes the estimates
finite), or no convergence. Separation is suspected when the fitted probabilities reach 0 or
1 or Newton does not settle, and confirmed by the linear program of Konis (2007, "Linear
programming algorithms for detecting separated data in binary logistic regression models",
DPhil thesis, Oxford): maximise Σ sᵢ xᵢᵀβ subject to sᵢ xᵢᵀβ ≥ 0, |β_j| ≤ 1 with
sᵢ = ±1 for y = 1/0 — a positive optimum is a separating direction, whose non-zero entries
name the columns involved.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import numpy.typing as npt
from scipy.special import chdtrc, expit, ndtr

from relata.analytics._checks import FloatArray, bool_array, float_array
from relata.analytics.response.design import Design, DesignNote
from relata.analytics.response.intervals import z_for

__all__ = [
    "INTERCEPT",
    "Direction",
    "FitProblem",
    "LogisticFit",
    "LogisticFitError",
    "TableRow",
    "logistic_fit",
    "readable_table",
]

INTERCEPT = "(intercept)"
_EXTREME_ETA = 30.0  # |η| beyond this: fitted probability within 1e-13 of 0 or 1


class FitProblem(StrEnum):
    EMPTY = "empty"
    CONSTANT_OUTCOME = "constant_outcome"
    COLLINEAR = "collinear"
    SEPARATION = "separation"
    NOT_CONVERGED = "not_converged"


class LogisticFitError(ValueError):
    """The data cannot identify the model; ``problem`` says why, ``columns`` which columns."""

    def __init__(self, problem: FitProblem, message: str, columns: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.problem = problem
        self.columns = columns


@dataclass(frozen=True)
class LogisticFit:
    names: tuple[str, ...]  # INTERCEPT first, then the design's columns
    coef: FloatArray
    se: FloatArray
    z: FloatArray
    p_value: FloatArray
    covariance: FloatArray
    log_likelihood: float  # unpenalised, at the estimate
    null_log_likelihood: float  # intercept-only model
    deviance: float
    lr_statistic: float
    lr_p_value: float
    pseudo_r2: float  # McFadden
    rows: float  # Σ weights
    events: float  # Σ weights · y
    ridge: float
    iterations: int
    newton_decrement: float  # gᵀH⁻¹g / 2 at the last iterate
    notes: tuple[DesignNote, ...]


def _log_likelihood(y: FloatArray, w: FloatArray, eta: FloatArray) -> float:
    return float(np.sum(w * (y * eta - np.logaddexp(0.0, eta))))


def _separating_columns(x: FloatArray, y: FloatArray, w: FloatArray) -> FloatArray | None:
    """Konis's LP: a separating direction β (in the scaled columns), or ``None``."""
    from scipy.optimize import linprog  # imported here: scipy.optimize is slow to import

    keep = w > 0
    scale = np.max(np.abs(x[keep]), axis=0)
    scale[scale == 0] = 1.0
    a = np.where(y[keep] > 0, 1.0, -1.0)[:, None] * (x[keep] / scale)
    result = linprog(
        -a.sum(axis=0),
        A_ub=-a,
        b_ub=np.zeros(a.shape[0]),
        bounds=(-1.0, 1.0),
        method="highs",
    )
    if result.status != 0:
        return None
    direction = np.where(np.abs(result.x) > 1e-9, result.x, 0.0)
    margins = a @ direction
    if margins.min() >= -1e-7 and margins.max() > 1e-4:
        return np.asarray(direction, dtype=np.float64)
    return None


def _raise_if_separated(
    x: FloatArray, y: FloatArray, w: FloatArray, names: tuple[str, ...]
) -> None:
    direction = _separating_columns(x, y, w)
    if direction is None:
        return
    involved = tuple(n for n, d in zip(names, direction, strict=True) if d != 0 and n != INTERCEPT)
    raise LogisticFitError(
        FitProblem.SEPARATION,
        "the response is perfectly predicted by "
        + (", ".join(involved) if involved else "the design")
        + "; the coefficients have no finite estimate — use a small ridge penalty or drop "
        "or merge those columns",
        involved,
    )


def _check_collinear(x: FloatArray, w: FloatArray, names: tuple[str, ...]) -> None:
    weighted = x * np.sqrt(w)[:, None]
    norms = np.linalg.norm(weighted, axis=0)
    norms[norms == 0] = 1.0
    r = np.diag(np.linalg.qr(weighted / norms, mode="r"))
    dependent = tuple(names[j] for j in range(len(names)) if abs(r[j]) < 1e-7)
    if dependent:
        raise LogisticFitError(
            FitProblem.COLLINEAR,
            "column(s) " + ", ".join(dependent) + " are a linear combination of earlier "
            "columns; drop them or use a small ridge penalty",
            dependent,
        )


def logistic_fit(
    outcome: npt.ArrayLike,
    design: Design,
    *,
    weights: npt.ArrayLike | None = None,
    ridge: float = 0.0,
    max_iter: int = 100,
    tol: float = 1e-10,
) -> LogisticFit:
    """Fit P(outcome) on ``design`` plus an intercept (method and outputs: module doc)."""
    y = bool_array("outcome", outcome).astype(np.float64)
    if y.size != design.rows:
        raise ValueError(f"outcome has {y.size} values but the design has {design.rows} rows")
    w = np.ones(y.size) if weights is None else float_array("weights", weights, nonnegative=True)
    if w.size != y.size:
        raise ValueError(f"weights has {w.size} values but the outcome has {y.size}")
    if not (np.isfinite(ridge) and ridge >= 0):
        raise ValueError(f"ridge must be a number of 0 or more, got {ridge!r}")
    if max_iter < 1:
        raise ValueError(f"max_iter must be 1 or more, got {max_iter}")

    total = float(w.sum())
    events = float(np.sum(w * y))
    if total <= 0:
        raise LogisticFitError(FitProblem.EMPTY, "there are no contacts to fit the model on")
    if events <= 0 or events >= total:
        raise LogisticFitError(
            FitProblem.CONSTANT_OUTCOME,
            "every contact has the same outcome ("
            + ("none" if events <= 0 else "all")
            + " responded); there is nothing to explain",
        )

    x = np.column_stack([np.ones(y.size), design.matrix])
    names = (INTERCEPT, *design.names)
    penalty = np.full(len(names), ridge)
    penalty[0] = 0.0
    if ridge == 0:
        _check_collinear(x, w, names)

    mean = events / total
    null_ll = total * (mean * np.log(mean) + (1.0 - mean) * np.log1p(-mean))
    beta = np.zeros(len(names))
    beta[0] = np.log(mean / (1.0 - mean))
    eta = x @ beta
    objective = _log_likelihood(y, w, eta)
    decrement = np.inf
    converged = False
    iterations = 0
    hessian = np.eye(len(names))
    for iteration in range(1, max_iter + 1):
        iterations = iteration
        mu = expit(eta)
        gradient = x.T @ (w * (y - mu)) - penalty * beta
        hessian = (x * (w * mu * (1.0 - mu))[:, None]).T @ x + np.diag(penalty)
        try:
            step = np.linalg.solve(hessian, gradient)
        except np.linalg.LinAlgError:
            break
        if not np.all(np.isfinite(step)):
            break
        decrement = float(gradient @ step) / 2.0
        # Both tests: under separation the decrement shrinks while the step stays near 1.
        small_step = float(np.max(np.abs(step))) <= 1e-6 * (1.0 + float(np.max(np.abs(beta))))
        if decrement <= tol * (1.0 + abs(objective)) and small_step:
            converged = True
            break
        factor = 1.0
        for _ in range(40):
            trial = beta + factor * step
            trial_eta = x @ trial
            trial_objective = _log_likelihood(y, w, trial_eta) - 0.5 * float(
                np.sum(penalty * trial**2)
            )
            if trial_objective >= objective - 1e-12 * (1.0 + abs(objective)):
                break
            factor /= 2.0
        beta, eta, objective = trial, trial_eta, trial_objective

    extreme = bool(np.any(np.abs(eta[w > 0]) > _EXTREME_ETA))
    if ridge == 0 and (not converged or extreme):
        _raise_if_separated(x, y, w, names)
    if not converged:
        raise LogisticFitError(
            FitProblem.NOT_CONVERGED,
            f"the fit did not converge (stopped after {iterations} of at most {max_iter} "
            "iterations)",
        )

    covariance = np.asarray(np.linalg.inv(hessian), dtype=np.float64)
    se = np.sqrt(np.clip(np.diag(covariance), 0.0, None))
    z = beta / se
    ll = _log_likelihood(y, w, eta)
    lr = max(0.0, 2.0 * (ll - null_ll))
    return LogisticFit(
        names=names,
        coef=beta,
        se=se,
        z=z,
        p_value=2.0 * ndtr(-np.abs(z)),
        covariance=covariance,
        log_likelihood=ll,
        null_log_likelihood=float(null_ll),
        deviance=-2.0 * ll,
        lr_statistic=lr,
        lr_p_value=float(chdtrc(len(names) - 1, lr)) if len(names) > 1 else 1.0,
        pseudo_r2=1.0 - ll / float(null_ll),
        rows=total,
        events=events,
        ridge=float(ridge),
        iterations=iterations,
        newton_decrement=decrement,
        notes=design.notes,
    )


class Direction(StrEnum):
    """Plain-language effect of a variable on the response (codes; the web layer words them)."""

    RAISES = "raises"
    LOWERS = "lowers"
    NO_CLEAR_EFFECT = "no_clear_effect"


@dataclass(frozen=True)
class TableRow:
    name: str
    coef: float
    se: float
    z: float
    p_value: float
    odds_ratio: float
    odds_ratio_low: float
    odds_ratio_high: float
    direction: Direction


def readable_table(
    fit: LogisticFit, *, alpha: float = 0.05, include_intercept: bool = False
) -> tuple[TableRow, ...]:
    """One row per variable, strongest evidence (largest |z|) first.

    Odds-ratio intervals are at confidence 1 − ``alpha``; ``direction`` is ``RAISES`` /
    ``LOWERS`` when p < ``alpha`` and the coefficient is positive / negative, else
    ``NO_CLEAR_EFFECT`` — so it agrees with whether the interval excludes 1.
    """
    z_crit = z_for(1.0 - alpha)
    order = np.argsort(-np.abs(fit.z), kind="stable")
    rows: list[TableRow] = []
    for j in order.tolist():
        name = fit.names[j]
        if name == INTERCEPT and not include_intercept:
            continue
        coef, se, p = float(fit.coef[j]), float(fit.se[j]), float(fit.p_value[j])
        if p < alpha:
            direction = Direction.RAISES if coef > 0 else Direction.LOWERS
        else:
            direction = Direction.NO_CLEAR_EFFECT
        rows.append(
            TableRow(
                name=name,
                coef=coef,
                se=se,
                z=float(fit.z[j]),
                p_value=p,
                odds_ratio=float(np.exp(coef)),
                odds_ratio_low=float(np.exp(coef - z_crit * se)),
                odds_ratio_high=float(np.exp(coef + z_crit * se)),
                direction=direction,
            )
        )
    return tuple(rows)
