from django.urls import path

from relata.feedback import review_views as views

app_name = "reviews"

urlpatterns = [
    path("", views.review_list_view, name="list"),
    path("new/", views.review_create_view, name="create"),
    path("<int:pk>/", views.review_detail_view, name="detail"),
    path("<int:pk>/edit/", views.review_edit_view, name="edit"),
    path("<int:pk>/delete/", views.review_delete_view, name="delete"),
]
