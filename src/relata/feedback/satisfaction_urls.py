from django.urls import path

from relata.feedback import satisfaction_views

app_name = "satisfaction"

urlpatterns = [
    path("", satisfaction_views.overview, name="overview"),
    path("export/<str:file_format>/", satisfaction_views.export, name="export"),
]
