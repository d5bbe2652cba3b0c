"""The access settings page: "sales see only their own accounts", and who holds which role."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from relata.accounts.access_forms import AccessSettingsForm
from relata.accounts.access_services import access_settings_update
from relata.accounts.models import AccessSettings
from relata.accounts.roles import ROLE_LABELS


def _users_with_roles() -> list[dict[str, object]]:
    users = User.objects.prefetch_related("groups").order_by("username")
    return [
        {
            "user": user,
            "roles": [
                str(ROLE_LABELS.get(group.name, group.name))
                for group in sorted(user.groups.all(), key=lambda group: group.name)
            ],
        }
        for user in users
    ]


@login_required
@permission_required("accounts.change_accesssettings", raise_exception=True)
def access_settings(request: HttpRequest) -> HttpResponse:
    stored = AccessSettings.current()
    form = AccessSettingsForm(request.POST if request.method == "POST" else None, instance=stored)
    if request.method == "POST" and form.is_valid():
        access_settings_update(
            sales_own_accounts_only=form.cleaned_data["sales_own_accounts_only"],
            actor=request.user,
        )
        messages.success(request, _("Access settings saved."))
        return redirect("access_settings")
    context = {"form": form, "rows": _users_with_roles()}
    return render(request, "accounts/access.html", context)
