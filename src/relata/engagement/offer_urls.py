from django.urls import path

from relata.engagement import offer_views as views

app_name = "offers"

urlpatterns = [
    path("", views.offers_summary, name="summary"),
    path("rules/", views.offer_rules, name="rules"),
    path("recompute/", views.offers_recompute, name="recompute"),
]
