from django.urls import path

from relata.feedback import social_views as views

app_name = "social"

urlpatterns = [
    path("", views.profile_list_view, name="list"),
    path("new/", views.profile_create_view, name="create"),
    path("<int:pk>/edit/", views.profile_edit_view, name="edit"),
    path("<int:pk>/delete/", views.profile_delete_view, name="delete"),
]
