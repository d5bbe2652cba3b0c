"""Translated words of the value pages that the analytics core holds in English: migration
states, lifecycle playbooks, value-grid decisions and the customer-value methods with their
assumptions. tests/scoring/test_pages_labels.py keeps the English text equal to the core's."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from relata.analytics.migration import MigrationState
from relata.scoring.choices import GridChoice, StageChoice, TierChoice

STATE_LABELS: dict[int, StrOrPromise] = {
    MigrationState.TOP: TierChoice.TOP.label,
    MigrationState.BIG: TierChoice.BIG.label,
    MigrationState.MEDIUM: TierChoice.MEDIUM.label,
    MigrationState.SMALL: TierChoice.SMALL.label,
    MigrationState.INACTIVE: TierChoice.INACTIVE.label,
    MigrationState.NOT_A_CUSTOMER: _("Not a customer"),
}

#: Translatable copies of ``relata.analytics.lifecycle.PLAYBOOKS`` (a test keeps them equal).
PLAYBOOKS: dict[int, StrOrPromise] = {
    StageChoice.SUSPECT: _(
        "Select and profile: check the customer fits a target segment and complete the "
        "profile data."
    ),
    StageChoice.PROSPECT: _(
        "Approach by persona: a personal offer that fits the profile and the contact so far."
    ),
    StageChoice.NEW: _(
        "Welcome programme and an extra service call: the drop-off risk is highest now."
    ),
    StageChoice.REPEAT: _("Loyalty programme and personalised offers."),
    StageChoice.AMBASSADOR: _("Referral programme and a surprise."),
    StageChoice.GROWING: _("Cross-sell, up-sell and deep-sell towards the potential value."),
    StageChoice.AT_RISK: _("Retention call and a win-back offer."),
    StageChoice.LOST: _("Win-back campaign (terugwinnen)."),
}

#: Where each stage's playbook is put into action: (URL name, fragment, link text).
STAGE_ACTIONS: dict[int, tuple[str, str, StrOrPromise]] = {
    StageChoice.SUSPECT: ("segments:create", "", _("Build a target segment")),
    StageChoice.PROSPECT: ("segments:list", "", _("Segments and personas")),
    StageChoice.NEW: ("playbooks:list", "playbook-onboarding", _("Welcome programme")),
    StageChoice.REPEAT: ("loyalty:overview", "", _("Loyalty programme")),
    StageChoice.AMBASSADOR: ("referrals:list", "", _("Referral programme")),
    StageChoice.GROWING: ("offers:summary", "", _("Next best offers")),
    StageChoice.AT_RISK: ("playbooks:list", "playbook-win_back", _("Win-back playbook")),
    StageChoice.LOST: ("playbooks:list", "playbook-win_back", _("Win-back playbook")),
}

#: The V step of the CRM funnel per stage (Dutch terms by design, as in the analytics core).
V_STEPS: dict[int, str] = {
    StageChoice.SUSPECT: "Verkennen / Verfijnen",
    StageChoice.PROSPECT: "Verleiden",
    StageChoice.NEW: "Veroveren → Verwennen",
    StageChoice.REPEAT: "Verbinden",
    StageChoice.AMBASSADOR: "Verrassen",
    StageChoice.GROWING: "Verhogen",
    StageChoice.AT_RISK: "",
    StageChoice.LOST: "",
}

GRID_EXPLANATIONS: dict[int, StrOrPromise] = {
    GridChoice.RETAIN: _("Current value close to potential: keep the relationship as it is."),
    GridChoice.DEVELOP: _("Potential at least 1.5 × current value: cross-, up- and deep-sell."),
    GridChoice.SERVE_DIFFERENTLY: _(
        "Loss-making now and at potential: serve through cheaper channels."
    ),
}


@dataclass(frozen=True)
class ValueMethod:
    """One of the three customer-value methods, with the assumptions the UI shows."""

    field: str
    name: StrOrPromise
    formula: str
    assumptions: StrOrPromise


#: Translatable copies of the ``ASSUMPTIONS`` constants of ``relata.analytics.clv.formula``,
#: ``.discounted`` and ``.residual`` (a test keeps the English text equal).
VALUE_METHODS: tuple[ValueMethod, ...] = (
    ValueMethod(
        field="clv_formula",
        name=_("Simple formula"),
        formula="KW = T × A × P − K",
        assumptions=_(
            "Expected transactions over the relationship are given, not estimated; "
            "no time value of money; retention and service costs are ignored."
        ),
    ),
    ValueMethod(
        field="clv_discounted",
        name=_("Discounted (net present value)"),
        formula="CLV = Σ m·r^(t−1) / (1+d)^t − K",
        assumptions=_(
            "Constant margin and retention rate per period; margin earned at the end of each "
            "period; no customer comes back after churning."
        ),
    ),
    ValueMethod(
        field="clv_probabilistic",
        name=_("BG/NBD + Gamma-Gamma"),
        formula="CLV = margin × E[spend] × DERT(H)",
        assumptions=_(
            "BG/NBD purchase process and Gamma-Gamma spend, independent of each other and "
            "unchanged over the horizon; margin a constant share of spend; purchases "
            "discounted at the end of each period; acquisition cost not subtracted (residual "
            "value)."
        ),
    ),
)
