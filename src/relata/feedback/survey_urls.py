from django.urls import path

from relata.feedback import survey_views as views

app_name = "surveys"

urlpatterns = [
    path("", views.surveys, name="list"),
    path("new/", views.survey_create, name="create"),
    path("answers/", views.answers, name="answers"),
    path("invitations/", views.invitations, name="invitations"),
    path("send/<int:customer_pk>/", views.send, name="send"),
    path("send/contact/<int:moment_pk>/", views.send_contact, name="send_contact"),
    path("<int:pk>/", views.survey_detail, name="detail"),
    path("<int:pk>/edit/", views.survey_edit, name="edit"),
    path("<int:pk>/active/", views.survey_toggle, name="toggle"),
]
