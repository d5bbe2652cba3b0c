"""The password change form with Relata's look; Django's validators decide what is allowed
(settings ``AUTH_PASSWORD_VALIDATORS``, decision 0960) and their help text lists the rules."""

from __future__ import annotations

from django.contrib.auth.forms import PasswordChangeForm

from relata.web.forms import BootstrapFormMixin


class StyledPasswordChangeForm(BootstrapFormMixin, PasswordChangeForm):
    """Django's password change form, its fields styled as every other Relata form."""
