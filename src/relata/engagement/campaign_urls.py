from django.urls import path

from relata.engagement import campaign_views as views
from relata.engagement import template_views

app_name = "campaigns"

urlpatterns = [
    path("", views.campaign_list_page, name="list"),
    path("new/", views.campaign_create_page, name="create"),
    path("segment-reach/", views.segment_reach_fragment, name="segment_reach"),
    path("<int:pk>/", views.campaign_detail_page, name="detail"),
    path("<int:pk>/edit/", views.campaign_edit_page, name="edit"),
    path("<int:pk>/launch/", views.campaign_launch_page, name="launch"),
    path("<int:pk>/finish/", views.campaign_finish_view, name="finish"),
    path("<int:pk>/send-pending/", views.campaign_send_pending_view, name="send_pending"),
    path("<int:pk>/audience/", views.campaign_contacts_page, name="contacts"),
    path(
        "<int:pk>/audience/<int:contact_pk>/respond/",
        views.contact_respond_view,
        name="contact_respond",
    ),
    path("templates/", template_views.template_list_page, name="template_list"),
    path("templates/new/", template_views.template_create_page, name="template_create"),
    path("templates/preview/", template_views.template_preview_fragment, name="template_preview"),
    path("templates/<int:pk>/edit/", template_views.template_edit_page, name="template_edit"),
    path("templates/<int:pk>/delete/", template_views.template_delete_view, name="template_delete"),
]
