from django.urls import path

from relata.audit import views

app_name = "audit"

urlpatterns = [
    path("", views.audit_list, name="list"),
    path("export/", views.audit_export, name="export"),
    path("customer/<int:pk>/", views.customer_history_view, name="customer"),
]
