from django.urls import URLPattern, URLResolver, path

from relata.feedback import influence_views

app_name = "influence"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", influence_views.overview, name="overview"),
    path("export.csv", influence_views.export, name="export"),
]
