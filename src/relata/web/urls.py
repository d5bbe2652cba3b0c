from django.urls import path

from relata.web import health, views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    # Public (web.middleware): load balancers and monitors ask without a login.
    path("healthz", health.healthz, name="healthz"),
]
