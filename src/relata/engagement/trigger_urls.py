from django.urls import path

from relata.engagement import trigger_views as views

app_name = "triggers"

urlpatterns = [
    path("", views.rule_list, name="list"),
    path("new/", views.rule_create, name="create"),
    path("firings/", views.firing_log, name="firings"),
    path("<int:pk>/", views.rule_detail, name="detail"),
    path("<int:pk>/edit/", views.rule_edit, name="edit"),
    path("<int:pk>/preview/", views.rule_preview, name="preview"),
    path("<int:pk>/run/", views.rule_run, name="run"),
    path("<int:pk>/active/", views.rule_toggle, name="toggle"),
]
