"""A campaign's results and its response analysis: the ORM side of
``relata.analytics.response`` (which computes; this module fetches and words).

Reads are a handful of queries returning plain columns, turned into NumPy arrays; nothing
loops over contacts with a query each.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np
import numpy.typing as npt
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from relata.analytics.response import (
    CampaignFigures,
    Direction,
    FitProblem,
    LogisticFitError,
    MissingReason,
    campaign_contacts,
    campaign_figures,
    design_build,
    logistic_fit,
    readable_table,
    wilson_interval,
)
from relata.customers.models import ConsentChannel, Customer, CustomerKind, Gender
from relata.engagement.models import Campaign, CampaignStatus, ContactGroup, LoyaltyMember
from relata.scoring.choices import RfmSegmentChoice, StageChoice, TierChoice
from relata.scoring.models import CustomerSnapshot, RunStatus, ScoreRun

CONFIDENCE = 0.95
MIN_GROUP_SIZE = 30  # smallest control and approached group for which uplift is shown
MIN_OUTCOMES = 10  # fewest responders (and non-responders) to fit a response model
MIN_LEVEL = 10  # categories with fewer contacts are merged into "other"
EVENTS_PER_COLUMN = 10  # rule of thumb for stable estimates (Peduzzi et al. 1996)
RIDGE = 1.0  # penalty used when the plain fit is impossible (separation, collinearity)

MISSING_REASON_TEXT = {
    MissingReason.NO_CONTROL: gettext_lazy(
        "No control group, so the uplift cannot be measured. Give the next campaign a "
        "control group of 10–20%%."
    ),
    MissingReason.CONTROL_TOO_SMALL: gettext_lazy(
        "The control group is smaller than %(min)s contacts: too small to measure uplift."
    ),
    MissingReason.NO_TREATMENT: gettext_lazy("Nobody was in the approached group."),
    MissingReason.TREATMENT_TOO_SMALL: gettext_lazy(
        "The approached group is smaller than %(min)s contacts: too small to measure uplift."
    ),
    MissingReason.NO_COST: gettext_lazy("No costs entered, so there is no return on investment."),
}


def signed_points(value: float, digits: int = 1) -> str:
    """A difference of two fractions in percentage points with its sign: "+4.2", "−0.3"."""
    rounded = round(value * 100, digits)
    sign = "+" if rounded > 0 else ("−" if rounded < 0 else "±")
    return sign + number_format(abs(rounded), digits)


def missing_text(reason: MissingReason | None) -> str:
    if reason is None:
        return ""
    return str(MISSING_REASON_TEXT[reason]) % {"min": MIN_GROUP_SIZE}


# ---------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class Verdict:
    code: str  # "higher", "lower", "no_difference", "unknown"
    text: str


@dataclass(frozen=True)
class CampaignResults:
    campaign: Campaign
    figures: CampaignFigures
    trackable: bool  # opens and clicks are known (e-mail)
    refused: int  # approached group, not sent (no consent, no address, failed)
    fixed_cost: float
    contact_cost: float
    verdict: Verdict
    roi_note: str
    uplift_note: str
    chart_data: dict[str, Any]
    error: str = ""


def _verdict(figures: CampaignFigures) -> Verdict:
    uplift = figures.uplift
    if uplift.difference is None or uplift.low is None or uplift.high is None:
        return Verdict("unknown", missing_text(uplift.reason))
    points = {
        "difference": signed_points(uplift.difference),
        "low": signed_points(uplift.low),
        "high": signed_points(uplift.high),
        "size": number_format(abs(round(uplift.difference * 100, 1)), 1),
    }
    if uplift.low > 0:
        return Verdict(
            "higher",
            _(
                "Significant: the approached customers converted %(size)s percentage "
                "points more often than the control group (95%% interval %(low)s to "
                "%(high)s). The campaign made a difference."
            )
            % points,
        )
    if uplift.high < 0:
        return Verdict(
            "lower",
            _(
                "Significant, and negative: the approached customers converted %(size)s "
                "percentage points less often than the control group (95%% interval %(low)s "
                "to %(high)s)."
            )
            % points,
        )
    return Verdict(
        "no_difference",
        _(
            "Not distinguishable from control: the difference of %(difference)s percentage "
            "points could be chance (95%% interval %(low)s to %(high)s includes 0)."
        )
        % points,
    )


def _bool(values: list[Any]) -> npt.NDArray[np.bool_]:
    return np.fromiter((v is not None for v in values), dtype=bool, count=len(values))


def _days_between(later: list[Any], earlier: list[Any]) -> npt.NDArray[np.float64]:
    """Whole local days from ``earlier`` to ``later`` (NaN where either is missing): an
    order dated the day after the approach is day 1, whatever the hour."""
    out = np.full(len(later), np.nan)
    for i, (a, b) in enumerate(zip(later, earlier, strict=True)):
        if a is not None and b is not None:
            out[i] = (timezone.localdate(a) - timezone.localdate(b)).days
    return out


def campaign_results(*, campaign: Campaign) -> CampaignResults:
    """The report figures of a campaign (formulas: ``relata.analytics.response.campaign``)."""
    rows = list(
        campaign.contacts.order_by().values_list(
            "group",
            "sent_at",
            "opened_at",
            "clicked_at",
            "responded_at",
            "converted_at",
            "revenue",
            "enrolled_at",
        )
    )
    columns: list[tuple[Any, ...]] = list(zip(*rows, strict=True)) if rows else [()] * 8
    group, sent, opened, clicked, responded, converted, revenue, enrolled = columns
    in_control = np.fromiter((g == ContactGroup.CONTROL for g in group), bool, len(rows))
    trackable = campaign.channel == ConsentChannel.EMAIL
    was_sent = _bool(list(sent))
    sent_count = int(was_sent.sum())
    fixed = float(campaign.fixed_cost)
    per_contact = float(campaign.cost_per_contact) * sent_count
    error = ""
    try:
        contacts = campaign_contacts(
            in_control=in_control,
            sent=was_sent,
            responded=_bool(list(responded)),
            converted=_bool(list(converted)),
            revenue=np.array([float(r) for r in revenue], dtype=np.float64),
            opened=_bool(list(opened)) if trackable else None,
            clicked=_bool(list(clicked)) if trackable else None,
        )
    except ValueError as problem:  # inconsistent rows (e.g. edited by hand); say so
        error = str(problem)
        contacts = campaign_contacts(
            in_control=in_control,
            sent=was_sent & ~in_control,
            responded=np.zeros(len(rows), bool),
            converted=np.zeros(len(rows), bool),
            revenue=np.zeros(len(rows)),
        )
    figures = campaign_figures(
        contacts,
        cost=fixed + per_contact,
        confidence=CONFIDENCE,
        min_group_size=MIN_GROUP_SIZE,
    )
    start = [s if s is not None else e for s, e in zip(sent, enrolled, strict=True)]
    chart = _chart_data(
        campaign, figures, in_control, _days_between(list(converted), start), trackable
    )
    return CampaignResults(
        campaign=campaign,
        figures=figures,
        trackable=trackable,
        refused=figures.treatment - figures.sent,
        fixed_cost=fixed,
        contact_cost=per_contact,
        verdict=_verdict(figures),
        roi_note=missing_text(figures.roi_reason),
        uplift_note=missing_text(figures.uplift.reason),
        chart_data=chart,
        error=error,
    )


def _rate_interval(successes: int, trials: int) -> list[float] | None:
    if trials < 1:
        return None
    low, high = wilson_interval(successes, trials, CONFIDENCE)
    return [successes / trials * 100, low * 100, high * 100]


def _chart_data(
    campaign: Campaign,
    figures: CampaignFigures,
    in_control: npt.NDArray[np.bool_],
    days_to_convert: npt.NDArray[np.float64],
    trackable: bool,
) -> dict[str, Any]:
    steps: list[tuple[str, int]] = [
        (_("Approached group"), figures.treatment),
        (_("Sent"), figures.sent),
    ]
    if trackable:
        steps += [(_("Opened"), figures.opened or 0), (_("Clicked"), figures.clicked or 0)]
    steps += [(_("Responded"), figures.responded), (_("Converted"), figures.converted)]
    horizon = int(campaign.attribution_days)
    days = np.arange(horizon + 1)
    curves = []
    for label, mask in ((_("Approached"), ~in_control), (_("Control"), in_control)):
        size = int(mask.sum())
        if not size:
            continue
        waited = days_to_convert[mask]
        waited = np.floor(waited[np.isfinite(waited)])
        counts = np.searchsorted(np.sort(waited), days, side="right")
        curves.append({"name": label, "values": np.round(counts / size * 100, 3).tolist()})
    groups = []
    treatment_rate = _rate_interval(figures.treatment_converted, figures.treatment)
    control_rate = _rate_interval(figures.control_converted, figures.control)
    if treatment_rate is not None:
        groups.append({"name": _("Approached"), "value": treatment_rate})
    if control_rate is not None:
        groups.append({"name": _("Control"), "value": control_rate})
    return {
        "funnel": [{"name": name, "value": value} for name, value in steps],
        "groups": groups,
        "days": days.tolist(),
        "curves": curves,
        "labels": {
            "contacts": _("Contacts"),
            "conversion": _("Conversion %"),
            "interval": _("95% interval"),
            "days": _("Days after the approach"),
            "converted_share": _("Converted so far (%)"),
        },
    }


# ---------------------------------------------------------------------------------------
# Response analysis


class Outcome:
    RESPONDED = "responded"
    CONVERTED = "converted"
    CHOICES = (
        (RESPONDED, gettext_lazy("Responded")),
        (CONVERTED, gettext_lazy("Converted (bought in the window)")),
    )


VARIABLE_LABELS = {
    "recency": gettext_lazy("Days since last purchase"),
    "frequency": gettext_lazy("Purchase days in the period"),
    "revenue": gettext_lazy("Revenue in the period"),
    "tier": gettext_lazy("Tier"),
    "rfm": gettext_lazy("RFM segment"),
    "stage": gettext_lazy("Lifecycle stage"),
    "age": gettext_lazy("Age"),
    "gender": gettext_lazy("Gender"),
    "kind": gettext_lazy("Customer kind"),
    "loyalty": gettext_lazy("Loyalty member"),
}
# The order of the table's variable choices; RFM segment is off by default: it is built
# from recency, frequency and revenue, which are in the model already.
VARIABLES = (
    "tier",
    "stage",
    "rfm",
    "recency",
    "frequency",
    "revenue",
    "age",
    "gender",
    "kind",
    "loyalty",
)
DEFAULT_VARIABLES = tuple(v for v in VARIABLES if v != "rfm")
_SCORE_VARIABLES = ("tier", "rfm", "stage", "recency", "frequency", "revenue")
_UNITS = {
    "recency": gettext_lazy("%(sd)s days"),
    "frequency": gettext_lazy("%(sd)s purchase days"),
    "revenue": gettext_lazy("€ %(sd)s"),
}
AGE_BANDS = ((25, "<25"), (35, "25–34"), (45, "35–44"), (55, "45–54"), (65, "55–64"))
_OTHER = "other"
_UNKNOWN = "unknown"


def _level_label(variable: str, level: str) -> str:
    if level == _OTHER:
        return _("other (rare)")
    if level == _UNKNOWN:
        return _("not scored") if variable in _SCORE_VARIABLES else _("unknown")
    choices: dict[str, Any] = {
        "tier": TierChoice,
        "rfm": RfmSegmentChoice,
        "stage": StageChoice,
    }
    if variable in choices:
        return str(choices[variable](int(level)).label)
    if variable == "gender":
        return str(Gender(level).label)
    if variable == "kind":
        return str(CustomerKind(level).label)
    if variable == "loyalty":
        return _("yes") if level == "yes" else _("no")
    return level


@dataclass(frozen=True)
class AnalysisRow:
    variable: str
    label: str
    odds_ratio: float
    low: float
    high: float
    p_value: float
    direction: str  # Direction code
    text: str


@dataclass
class ResponseAnalysis:
    outcome: str
    variables: list[str] = field(default_factory=list)
    contacts: int = 0
    events: int = 0
    rows: list[AnalysisRow] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    problem: str = ""  # why there is no table
    run: ScoreRun | None = None
    pseudo_r2: float | None = None
    lr_p_value: float | None = None
    ridge: float = 0.0


def _snapshot_run(campaign: Campaign) -> tuple[ScoreRun | None, bool]:
    """The latest complete score run at launch, else the first one after it (flagged)."""
    launched = timezone.localdate(campaign.launched_at) if campaign.launched_at else None
    runs = ScoreRun.objects.filter(status=RunStatus.COMPLETE).defer(
        "summary", "model_fit", "settings_used"
    )
    if launched is not None:
        before = runs.filter(period_end__lte=launched).order_by("-period_end").first()
        if before is not None:
            return before, False
    return runs.order_by("period_end").first(), True


def _age_band(birth: date | None, on: date) -> str:
    if birth is None:
        return _UNKNOWN
    age = on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
    for upper, label in AGE_BANDS:
        if age < upper:
            return label
    return "65+"


def _merge_rare(values: list[str]) -> list[str]:
    counts = Counter(values)
    rare = {level for level, n in counts.items() if n < MIN_LEVEL}
    return [_OTHER if v in rare else v for v in values]


def _sent_contacts(campaign: Campaign) -> Any:
    return campaign.contacts.filter(group=ContactGroup.TARGET, sent_at__isnull=False)


def _variables(
    campaign: Campaign, customer_ids: list[int], run: ScoreRun | None
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    on = timezone.localdate(campaign.launched_at) if campaign.launched_at else timezone.localdate()
    ids = _sent_contacts(campaign).values("customer_id")
    profile = {
        pk: (kind, gender, birth)
        for pk, kind, gender, birth in Customer.objects.filter(pk__in=ids).values_list(
            "pk", "kind", "gender", "birth_date"
        )
    }
    members = set(
        LoyaltyMember.objects.filter(customer_id__in=ids, joined_on__lte=on)
        .filter(Q(left_on__isnull=True) | Q(left_on__gt=on))
        .values_list("customer_id", flat=True)
    )
    scores: dict[int, tuple[Any, ...]] = {}
    if run is not None:
        scores = {
            row[0]: row[1:]
            for row in CustomerSnapshot.objects.filter(run=run, customer_id__in=ids).values_list(
                "customer_id",
                "tier",
                "rfm_segment",
                "lifecycle_stage",
                "recency_days",
                "frequency",
                "revenue",
            )
        }
    categorical: dict[str, list[str]] = {name: [] for name in ("kind", "gender", "age", "loyalty")}
    if run is not None:
        categorical.update({"tier": [], "rfm": [], "stage": []})
    recency: list[float] = []
    frequency: list[float] = []
    revenue: list[float] = []
    for pk in customer_ids:
        kind, gender, birth = profile.get(pk, (CustomerKind.PERSON, "", None))
        categorical["kind"].append(str(kind))
        categorical["gender"].append(gender or _UNKNOWN)
        categorical["age"].append(_age_band(birth, on) if kind == CustomerKind.PERSON else _UNKNOWN)
        categorical["loyalty"].append("yes" if pk in members else "no")
        if run is None:
            continue
        score = scores.get(pk)
        if score is None:
            for name in ("tier", "rfm", "stage"):
                categorical[name].append(_UNKNOWN)
            recency.append(np.nan)
            frequency.append(0.0)
            revenue.append(0.0)
            continue
        tier, rfm, stage, days, freq, money = score
        categorical["tier"].append(str(tier))
        categorical["rfm"].append(str(rfm))
        categorical["stage"].append(str(stage))
        recency.append(np.nan if days is None else float(days))
        frequency.append(float(freq))
        revenue.append(float(money or Decimal(0)))
    numeric: dict[str, Any] = {}
    if run is not None:
        recency_array = np.asarray(recency, dtype=np.float64)
        known = np.isfinite(recency_array)
        # Never bought: as long ago as the longest known recency (the oldest customers).
        fill = float(recency_array[known].max()) if known.any() else 0.0
        numeric = {
            "recency": np.where(known, recency_array, fill),
            "frequency": np.asarray(frequency),
            "revenue": np.asarray(revenue),
        }
    return numeric, {name: _merge_rare(values) for name, values in categorical.items()}


def _row_text(direction: str, odds_ratio: float, outcome: str) -> str:
    verb = _("responding") if outcome == Outcome.RESPONDED else _("buying")
    if direction == Direction.RAISES:
        return _("raises the odds of %(verb)s (× %(ratio)s)") % {
            "verb": verb,
            "ratio": f"{odds_ratio:.2f}",
        }
    if direction == Direction.LOWERS:
        return _("lowers the odds of %(verb)s (× %(ratio)s)") % {
            "verb": verb,
            "ratio": f"{odds_ratio:.2f}",
        }
    return _("no clear effect")


def _row_label(name: str, design_scale: dict[str, float], reference: dict[str, str]) -> str:
    if "=" in name:
        variable, level = name.split("=", 1)
        return _("%(variable)s: %(level)s (against %(reference)s)") % {
            "variable": VARIABLE_LABELS[variable],
            "level": _level_label(variable, level),
            "reference": _level_label(variable, reference[variable]),
        }
    sd = design_scale.get(name, 1.0)
    unit = str(_UNITS[name]) % {"sd": f"{sd:,.0f}" if sd >= 10 else f"{sd:,.1f}"}
    return _("%(variable)s: per %(unit)s more (one standard deviation)") % {
        "variable": VARIABLE_LABELS[name],
        "unit": unit,
    }


def campaign_response_analysis(
    *,
    campaign: Campaign,
    outcome: str = Outcome.RESPONDED,
    variables: tuple[str, ...] | list[str] = DEFAULT_VARIABLES,
) -> ResponseAnalysis:
    """Which customer variables predict the outcome among the contacts who were sent the
    campaign: logistic regression on the profile and the score snapshot at launch, as a
    readable table (odds ratios with 95% intervals, strongest evidence first).
    ``variables``: which of ``VARIABLES`` enter the model."""
    if outcome not in (Outcome.RESPONDED, Outcome.CONVERTED):
        outcome = Outcome.RESPONDED
    chosen = [v for v in VARIABLES if v in variables]
    analysis = ResponseAnalysis(outcome=outcome, variables=chosen)
    if not chosen:
        analysis.problem = _("Choose at least one variable.")
        return analysis
    if campaign.status == CampaignStatus.DRAFT:
        analysis.problem = _("The campaign has not been launched yet.")
        return analysis
    flag = "responded_at" if outcome == Outcome.RESPONDED else "converted_at"
    rows = list(_sent_contacts(campaign).order_by("customer_id").values_list("customer_id", flag))
    analysis.contacts = len(rows)
    if not rows:
        analysis.problem = _("Nobody was sent the campaign, so there is nothing to analyse.")
        return analysis
    customer_ids = [pk for pk, _at in rows]
    y = np.array([at is not None for _pk, at in rows], dtype=bool)
    analysis.events = events = int(y.sum())
    noun = _("responders") if outcome == Outcome.RESPONDED else _("buyers")
    if events < MIN_OUTCOMES or len(rows) - events < MIN_OUTCOMES:
        analysis.problem = _(
            "Too few %(noun)s for a response analysis: %(events)s of %(contacts)s contacts; "
            "at least %(min)s with and %(min)s without are needed."
        ) % {"noun": noun, "events": events, "contacts": len(rows), "min": MIN_OUTCOMES}
        return analysis

    run, after_launch = _snapshot_run(campaign)
    analysis.run = run
    if run is None:
        analysis.notes.append(
            _("No scores yet (run “relata score”): only profile variables are used.")
        )
    elif after_launch:
        analysis.notes.append(
            _("No scores from before the launch; the first later run (%(date)s) is used.")
            % {"date": run.period_end.isoformat()}
        )
    numeric, categorical = _variables(campaign, customer_ids, run)
    numeric = {name: values for name, values in numeric.items() if name in chosen}
    categorical = {name: values for name, values in categorical.items() if name in chosen}
    if not numeric and not categorical:
        analysis.problem = _("The chosen variables need scores; run “relata score” first.")
        return analysis
    reference = {
        name: level
        for name, level in (("kind", CustomerKind.PERSON), ("loyalty", "no"))
        if level in categorical.get(name, [])
    }
    design = design_build(
        numeric=numeric, categorical=categorical, standardise=True, reference=reference
    )
    for note in design.notes:
        analysis.notes.append(
            _("%(variable)s is the same for everyone here and is left out.")
            % {"variable": VARIABLE_LABELS.get(note.column, note.column)}
        )
    if design.matrix.shape[1] and events < EVENTS_PER_COLUMN * design.matrix.shape[1]:
        analysis.notes.append(
            ngettext(
                "Only %(events)s %(noun)s for %(columns)s model term: read the estimates as rough.",
                "Only %(events)s %(noun)s for %(columns)s model terms: read the estimates as "
                "rough (about 10 per term are needed for stable estimates).",
                design.matrix.shape[1],
            )
            % {"events": events, "noun": noun, "columns": design.matrix.shape[1]}
        )
    try:
        fit = logistic_fit(y, design)
    except LogisticFitError as error:
        if error.problem not in (
            FitProblem.SEPARATION,
            FitProblem.COLLINEAR,
            FitProblem.NOT_CONVERGED,
        ):
            analysis.problem = str(error)
            return analysis
        analysis.notes.append(_fit_problem_note(error, noun))
        try:
            fit = logistic_fit(y, design, ridge=RIDGE)
        except LogisticFitError as again:
            analysis.problem = str(again)
            return analysis
    analysis.ridge = fit.ridge
    analysis.pseudo_r2 = fit.pseudo_r2
    analysis.lr_p_value = fit.lr_p_value
    scale = dict(zip(design.names, design.scale.tolist(), strict=True))
    for row in readable_table(fit, alpha=1 - CONFIDENCE):
        variable = row.name.split("=", 1)[0]
        analysis.rows.append(
            AnalysisRow(
                variable=variable,
                label=_row_label(row.name, scale, dict(design.reference)),
                odds_ratio=row.odds_ratio,
                low=row.odds_ratio_low,
                high=row.odds_ratio_high,
                p_value=row.p_value,
                direction=str(row.direction),
                text=_row_text(row.direction, row.odds_ratio, outcome),
            )
        )
    return analysis


def _fit_problem_note(error: LogisticFitError, noun: str) -> str:
    columns = ", ".join(
        _row_label_short(name) for name in error.columns if not name.startswith("(")
    )
    if error.problem == FitProblem.SEPARATION:
        return _(
            "Some variables predict the %(noun)s perfectly (%(columns)s), so plain estimates "
            "would be infinite; the table uses a small penalty (ridge) that keeps them finite "
            "and pulls them towards no effect."
        ) % {"noun": noun, "columns": columns or _("several variables")}
    if error.problem == FitProblem.COLLINEAR:
        return _(
            "Some variables carry the same information (%(columns)s); the table uses a small "
            "penalty (ridge) to separate them."
        ) % {"columns": columns or _("several variables")}
    return _("The plain fit did not settle; the table uses a small penalty (ridge).")


def _row_label_short(name: str) -> str:
    if "=" in name:
        variable, level = name.split("=", 1)
        return f"{VARIABLE_LABELS.get(variable, variable)}: {_level_label(variable, level)}"
    return str(VARIABLE_LABELS.get(name, name))
