from django.urls import path

from relata.scoring import views

app_name = "scoring"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("customers/", views.customers, name="customers"),
    path("customers/export.<str:file_format>", views.customers_export, name="export"),
    path("settings/", views.settings_edit, name="settings"),
    path("score/", views.score_now, name="score_now"),
]
