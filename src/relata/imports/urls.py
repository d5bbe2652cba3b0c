from django.urls import path

from relata.imports import views

app_name = "imports"
urlpatterns = [
    path("", views.start, name="start"),
    path("<int:pk>/", views.preview, name="preview"),
    path("<int:pk>/recheck/", views.recheck, name="recheck"),
    path("<int:pk>/confirm/", views.confirm, name="confirm"),
    path("<int:pk>/rejects.csv", views.rejects, name="rejects"),
    path("export/<str:kind>.<str:file_format>", views.export, name="export"),
]
