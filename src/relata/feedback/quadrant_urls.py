from django.urls import URLPattern, URLResolver

app_name = "quadrant"
urlpatterns: list[URLPattern | URLResolver] = []
