from django.contrib.auth import views as auth_views
from django.urls import path

from relata.accounts import access_views, views
from relata.web.password_forms import StyledPasswordChangeForm

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/",
        # Named apart from registration/…: django.contrib.admin's templates of that name come
        # first in INSTALLED_APPS and would show the admin's page instead of Relata's.
        auth_views.PasswordChangeView.as_view(
            template_name="web/password_change_form.html", form_class=StyledPasswordChangeForm
        ),
        name="password_change",
    ),
    path(
        "password/done/",
        auth_views.PasswordChangeDoneView.as_view(template_name="web/password_change_done.html"),
        name="password_change_done",
    ),
    path("tokens/", views.token_list, name="api_tokens"),
    path("tokens/all/", views.token_list_all, name="api_tokens_all"),
    path("tokens/<int:pk>/revoke/", views.token_revoke_view, name="api_token_revoke"),
    path("access/", access_views.access_settings, name="access_settings"),
]
