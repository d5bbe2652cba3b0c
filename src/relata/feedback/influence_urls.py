from django.urls import URLPattern, URLResolver

app_name = "influence"
urlpatterns: list[URLPattern | URLResolver] = []
