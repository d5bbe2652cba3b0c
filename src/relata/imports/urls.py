from django.urls import path

from relata.web import views

app_name = "imports"
urlpatterns = [path("", views.home, name="start")]
