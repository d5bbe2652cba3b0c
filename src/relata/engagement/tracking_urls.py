from django.urls import re_path

from relata.engagement import tracking_views as views

app_name = "tracking"

# Tokens are URL-safe base64 (secrets.token_urlsafe): letters, digits, "-" and "_".
urlpatterns = [
    re_path(r"^o/(?P<token>[A-Za-z0-9_-]{1,32})\.gif$", views.open_pixel, name="open"),
    re_path(r"^c/(?P<token>[A-Za-z0-9_-]{1,32})/$", views.click, name="click"),
]
