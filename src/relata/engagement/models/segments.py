"""Saved segments: a tree of rules over the customer file and the latest snapshot,
evaluated in SQL (DOMAIN.md §10). A persona is a segment's description with its profile."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def empty_rules() -> dict[str, object]:
    return {"match": "all", "rules": []}


class Segment(models.Model):
    """``rules`` is a group: ``{"match": "all"|"any", "rules": [condition | group, ...]}``;
    a condition is ``{"field": ..., "op": ..., "value": ...}``. The field catalogue and the
    compilation to a query live in ``relata.engagement.segment_rules``."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    description = models.TextField(_("description"), blank=True)
    rules = models.JSONField(_("rules"), default=empty_rules)
    # Persona: a name and a short story for the people in the segment.
    persona_name = models.CharField(_("persona name"), max_length=120, blank=True)
    persona_story = models.TextField(_("persona description"), blank=True)
    last_count = models.PositiveIntegerField(_("last count"), null=True, blank=True)
    last_counted_at = models.DateTimeField(_("counted at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        verbose_name = _("segment")
        verbose_name_plural = _("segments")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
