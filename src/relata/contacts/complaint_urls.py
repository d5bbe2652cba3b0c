from django.urls import path

from relata.contacts import complaint_views as views

app_name = "complaints"

urlpatterns = [
    path("", views.complaint_list, name="list"),
    path("new/", views.complaint_log, name="log"),
    path("report/", views.complaint_report_view, name="report"),
    path("<int:pk>/", views.complaint_detail, name="detail"),
    path("<int:pk>/edit/", views.complaint_edit, name="edit"),
    path("<int:pk>/resolve/", views.complaint_resolve_view, name="resolve"),
    path("<int:pk>/reopen/", views.complaint_reopen_view, name="reopen"),
]
