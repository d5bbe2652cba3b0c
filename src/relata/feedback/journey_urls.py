from django.urls import path

from relata.feedback import journey_views

app_name = "journeys"

urlpatterns = [
    path("", journey_views.overview, name="overview"),
    path("cohorts.csv", journey_views.cohorts_csv, name="cohorts_csv"),
]
