from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext_lazy
from django.views.decorators.http import require_POST

from relata.accounts.models import ApiToken, TokenScope
from relata.accounts.token_services import (
    DEFAULT_EXPIRY_DAYS,
    EXPIRY_DAYS,
    token_issue,
    token_revoke,
)

# Exporting or erasing a customer's personal data needs this permission; a token may only
# carry the personal_data scope for users who hold it.
PERSONAL_DATA_PERMISSION = "customers.export_customer"
SEE_ALL_TOKENS_PERMISSION = "accounts.view_apitoken"
REVOKE_ANY_TOKEN_PERMISSION = "accounts.change_apitoken"  # noqa: S105 (a permission name)

SCOPE_HELP = {
    TokenScope.READ: gettext_lazy("read what your account may see (GET)"),
    TokenScope.WRITE: gettext_lazy("create and change what your account may change"),
    TokenScope.PERSONAL_DATA: gettext_lazy("export or erase a customer's personal data"),
}


class TokenForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    scopes = forms.MultipleChoiceField(
        label=gettext_lazy("Scopes"),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        initial=[TokenScope.READ.value],
        error_messages={"required": gettext_lazy("Choose at least one scope.")},
    )
    expires_in_days = forms.TypedChoiceField(
        label=gettext_lazy("Expires after"),
        coerce=int,
        choices=[
            (days, ngettext_lazy("%(days)d day", "%(days)d days", days) % {"days": days})
            for days in EXPIRY_DAYS
        ],
        initial=DEFAULT_EXPIRY_DAYS,
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        offered = [
            scope
            for scope in TokenScope
            if scope != TokenScope.PERSONAL_DATA or user.has_perm(PERSONAL_DATA_PERMISSION)
        ]
        scopes = cast(forms.MultipleChoiceField, self.fields["scopes"])
        scopes.choices = [
            (scope.value, f"{scope.label} — {SCOPE_HELP[scope]}") for scope in offered
        ]


def token_rows(tokens: Any) -> list[dict[str, Any]]:
    """Each token with its scopes in words and whether it is expired or revoked."""
    now = timezone.now()
    labels = dict(TokenScope.choices)
    return [
        {
            "token": token,
            "scopes": [labels.get(scope, scope) for scope in token.scopes or []],
            "revoked": token.revoked or token.revoked_at is not None,
            "expired": token.is_expired(now),
        }
        for token in tokens
    ]


@login_required
def token_list(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    new_token = None
    form = TokenForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        _token, new_token = token_issue(
            user=user,
            name=form.cleaned_data["name"],
            scopes=form.cleaned_data["scopes"],
            expires_in_days=form.cleaned_data["expires_in_days"],
        )
        messages.success(request, _("Token created. Copy it now: it is not shown again."))
        form = TokenForm(user=user)
    tokens = ApiToken.objects.filter(user=user)
    return render(
        request,
        "accounts/tokens.html",
        {
            "form": form,
            "rows": token_rows(tokens),
            "new_token": new_token,
            "can_see_all": user.has_perm(SEE_ALL_TOKENS_PERMISSION),
        },
    )


@permission_required(SEE_ALL_TOKENS_PERMISSION, raise_exception=True)
def token_list_all(request: HttpRequest) -> HttpResponse:
    """Every user's tokens, for administrators, newest first."""
    tokens = ApiToken.objects.select_related("user")
    return render(
        request,
        "accounts/tokens_all.html",
        {
            "rows": token_rows(tokens),
            "can_revoke_any": request.user.has_perm(REVOKE_ANY_TOKEN_PERMISSION),
        },
    )


@login_required
@require_POST
def token_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken.objects.select_related("user"), pk=pk)
    own = token.user_id == request.user.pk
    if not own and not request.user.has_perm(REVOKE_ANY_TOKEN_PERMISSION):
        raise Http404(_("No token with id %(id)s.") % {"id": pk})
    if token_revoke(token=token, by=request.user):
        messages.success(request, _("Token revoked."))
    else:
        messages.info(request, _("That token was already revoked."))
    return redirect("api_tokens" if own else "api_tokens_all")
