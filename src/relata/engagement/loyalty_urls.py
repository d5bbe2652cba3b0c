from django.urls import path

from relata.engagement import loyalty_views

app_name = "loyalty"

urlpatterns = [
    path("", loyalty_views.overview, name="overview"),
    path("report/", loyalty_views.report, name="report"),
    path("settings/", loyalty_views.settings_view, name="settings"),
    path("members/", loyalty_views.members, name="members"),
    path("members/enrol/", loyalty_views.enrol, name="enrol"),
    path("points/<int:pk>/", loyalty_views.customer_points, name="customer"),
    path("points/<int:pk>/redeem/", loyalty_views.redeem, name="redeem"),
    path("points/<int:pk>/adjust/", loyalty_views.adjust, name="adjust"),
    path("points/<int:pk>/leave/", loyalty_views.leave, name="leave"),
]
