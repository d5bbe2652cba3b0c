"""Optimistic locking: two people saving the same record never lose an update silently.

A locked model has a ``version`` column. An edit form (or API client) carries the version
it was loaded at; the write service calls ``version_claim`` inside its transaction before
saving. The conditional UPDATE either moves the row to the next version — then this save
wins — or finds that someone else saved in between and raises ``StaleEditError``, which the
views turn into "changed by someone else, reload" and the API into 409 Conflict.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import F
from django.utils.translation import gettext as _


class StaleEditError(Exception):
    """The record was saved by someone else after the editor loaded it."""

    def __init__(self, instance: models.Model, *, current_version: int | None) -> None:
        self.instance = instance
        self.current_version = current_version
        name = instance._meta.verbose_name
        super().__init__(
            _(
                "This %(name)s was changed by someone else while you were editing it. "
                "Reload to see the latest version, then make your change again."
            )
            % {"name": name}
        )


def version_claim(instance: Any, *, expected_version: int | None = None) -> None:
    """Move ``instance``'s row from the version the editor saw to the next one, or raise
    ``StaleEditError``. Call inside the saving transaction, before ``save()``; a new
    (unsaved) instance has nothing to claim. ``expected_version`` defaults to the version
    on the instance, i.e. the one loaded with it or set from the edit form."""
    if instance.pk is None:
        return
    seen = instance.version if expected_version is None else expected_version
    model = type(instance)
    claimed = model._default_manager.filter(pk=instance.pk, version=seen).update(
        version=F("version") + 1
    )
    if not claimed:
        current = model._default_manager.filter(pk=instance.pk).values_list("version", flat=True)
        raise StaleEditError(instance, current_version=next(iter(current), None))
    instance.version = seen + 1
