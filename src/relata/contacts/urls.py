from django.urls import path

from relata.contacts import views

app_name = "contacts"

urlpatterns = [
    path("", views.contact_list, name="list"),
    path("log/<int:customer_pk>/", views.contact_log, name="log"),
]
