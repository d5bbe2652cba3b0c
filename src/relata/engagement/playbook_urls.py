from django.urls import path

from relata.engagement import playbook_views as views

app_name = "playbooks"

urlpatterns = [
    path("", views.playbook_list, name="list"),
    path("<slug:key>/switch/", views.playbook_switch, name="switch"),
]
