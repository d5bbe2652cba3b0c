"""Campaign results and response analysis (DOMAIN.md §12).

* ``campaign`` — counts, response rate, conversion ratio, revenue, ROI and the conversion
  uplift against the control group with Newcombe's interval;
* ``intervals`` — Wilson and Newcombe intervals, the two-proportion test;
* ``design`` — a named design matrix from numeric and categorical customer variables;
* ``logistic`` — logistic regression (IRLS, optional ridge) and its readable table.

Pure NumPy/SciPy on arrays; no Django, no other relata package.
"""

from relata.analytics.response.campaign import (
    CampaignContacts,
    CampaignFigures,
    MissingReason,
    Uplift,
    campaign_contacts,
    campaign_figures,
)
from relata.analytics.response.design import Design, DesignNote, NoteCode, design_build
from relata.analytics.response.intervals import (
    newcombe_interval,
    two_proportion_p_value,
    wilson_interval,
)
from relata.analytics.response.logistic import (
    INTERCEPT,
    Direction,
    FitProblem,
    LogisticFit,
    LogisticFitError,
    TableRow,
    logistic_fit,
    readable_table,
)

__all__ = [
    "INTERCEPT",
    "CampaignContacts",
    "CampaignFigures",
    "Design",
    "DesignNote",
    "Direction",
    "FitProblem",
    "LogisticFit",
    "LogisticFitError",
    "MissingReason",
    "NoteCode",
    "TableRow",
    "Uplift",
    "campaign_contacts",
    "campaign_figures",
    "design_build",
    "logistic_fit",
    "newcombe_interval",
    "readable_table",
    "two_proportion_p_value",
    "wilson_interval",
]
