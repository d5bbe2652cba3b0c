"""Translated labels for the codes the analytics core produces (values must match its enums;
tests/scoring/test_choices.py checks that they do)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class TierChoice(models.IntegerChoices):
    TOP = 1, _("Top")
    BIG = 2, _("Big")
    MEDIUM = 3, _("Medium")
    SMALL = 4, _("Small")
    INACTIVE = 5, _("Inactive")
    PROSPECT = 6, _("Prospect")
    SUSPECT = 7, _("Suspect")


class RfmSegmentChoice(models.IntegerChoices):
    NOT_A_CUSTOMER = 0, _("Not a customer")
    CHAMPIONS = 1, _("Champions")
    LOYAL = 2, _("Loyal")
    POTENTIAL_LOYALISTS = 3, _("Potential loyalists")
    NEW = 4, _("New")
    PROMISING = 5, _("Promising")
    NEED_ATTENTION = 6, _("Need attention")
    ABOUT_TO_SLEEP = 7, _("About to sleep")
    AT_RISK = 8, _("At risk")
    CANT_LOSE_THEM = 9, _("Can't lose them")
    HIBERNATING = 10, _("Hibernating")
    LOST = 11, _("Lost")


class StageChoice(models.IntegerChoices):
    SUSPECT = 1, _("Suspect")
    PROSPECT = 2, _("Prospect")
    NEW = 3, _("New customer")
    REPEAT = 4, _("Repeat customer")
    AMBASSADOR = 5, _("Ambassador")
    GROWING = 6, _("Growing")
    AT_RISK = 7, _("At risk")
    LOST = 8, _("Lost")


class GridChoice(models.IntegerChoices):
    RETAIN = 1, _("Retain")
    DEVELOP = 2, _("Develop")
    SERVE_DIFFERENTLY = 3, _("Serve differently")


class ChurnLevelChoice(models.IntegerChoices):
    NOT_APPLICABLE = 0, _("Not applicable")
    LOW = 1, _("Low")
    # Context: Dutch words the tier Medium and a medium risk differently.
    MEDIUM = 2, pgettext_lazy("churn risk level", "Medium")
    HIGH = 3, _("High")


class MovementChoice(models.IntegerChoices):
    NEW = 1, _("New")
    REACTIVATED = 2, _("Reactivated")
    UP = 3, _("Up")
    STABLE = 4, _("Stable")
    DOWN = 5, _("Down")
    LOST = 6, _("Lost")
    OUT = 7, _("Not active")


class QuadrantChoice(models.IntegerChoices):
    """Attitudinal against behavioural loyalty (Dick & Basu 1994; DOMAIN.md §7). Codes as in
    ``relata.analytics.loyalty_quadrant``."""

    UNKNOWN = 0, _("Attitude unknown")
    TRUE_LOYAL = 1, _("True loyal")
    CAPTIVE = 2, _("Captive")
    LATENT = 3, _("Latent")
    NONE = 4, _("No loyalty")
