from django.urls import path

from relata.customers import duplicate_views, views

app_name = "customers"

urlpatterns = [
    path("", views.customer_list, name="list"),
    path("new/", views.customer_create, name="create"),
    path("duplicates/", duplicate_views.duplicate_list, name="duplicates"),
    path("merge/", duplicate_views.merge_page, name="merge"),
    path("merge/done/", duplicate_views.merge_result, name="merge_result"),
    path("<int:pk>/", views.customer_detail, name="detail"),
    path("<int:pk>/edit/", views.customer_edit, name="edit"),
    path("<int:pk>/consents/", views.consent_change, name="consent_change"),
    path("<int:pk>/consents/history/", views.consent_history_page, name="consent_history"),
    path("<int:pk>/contact-persons/new/", views.contact_person_edit, name="contact_person_create"),
    path(
        "<int:pk>/contact-persons/<int:person_pk>/",
        views.contact_person_edit,
        name="contact_person_edit",
    ),
    path(
        "<int:pk>/contact-persons/<int:person_pk>/delete/",
        views.contact_person_delete,
        name="contact_person_delete",
    ),
]
