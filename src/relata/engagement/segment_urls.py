from django.urls import path

from relata.engagement import segment_views as views

app_name = "segments"

urlpatterns = [
    path("", views.segment_list_page, name="list"),
    path("new/", views.segment_create_page, name="create"),
    path("preview/", views.segment_preview, name="preview"),
    path("suggest/", views.segment_suggest, name="suggest"),
    path("<int:pk>/", views.segment_detail_page, name="detail"),
    path("<int:pk>/edit/", views.segment_edit_page, name="edit"),
    path("<int:pk>/persona/", views.segment_persona_edit, name="persona"),
    path("<int:pk>/duplicate/", views.segment_duplicate_view, name="duplicate"),
    path("<int:pk>/delete/", views.segment_delete_page, name="delete"),
    path("<int:pk>/members.csv", views.segment_export, name="export"),
]
