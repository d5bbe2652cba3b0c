from django.urls import path

from relata.engagement import outbox_views as views

app_name = "outbox"

urlpatterns = [
    path("", views.message_list, name="list"),
    path("<int:pk>/", views.message_detail, name="detail"),
    path("<int:pk>/sent/", views.message_mark_sent, name="mark_sent"),
    path("<int:pk>/retry/", views.message_retry, name="retry"),
]
