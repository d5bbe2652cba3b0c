from django.urls import URLPattern, URLResolver

app_name = "social"
urlpatterns: list[URLPattern | URLResolver] = []
