from django.urls import path

from relata.privacy import views

app_name = "privacy"

urlpatterns = [
    path("customers/<int:pk>/", views.customer_export_page_view, name="customer"),
    path("customers/<int:pk>/export.json", views.customer_export_json_view, name="export_json"),
    path("customers/<int:pk>/consents.csv", views.consent_evidence_csv, name="consent_evidence"),
    path("customers/<int:pk>/erase/", views.customer_erase, name="erase"),
    path("settings/", views.settings_edit, name="settings"),
]
