from django.urls import URLPattern, URLResolver, path

from relata.feedback import quadrant_views

app_name = "quadrant"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", quadrant_views.overview, name="overview"),
    path("customers/", quadrant_views.customers, name="customers"),
    path("customers/export.csv", quadrant_views.export, name="export"),
]
