from django.urls import path

from relata.contacts import routing_views, task_views

app_name = "tasks"

urlpatterns = [
    path("", task_views.task_inbox, name="inbox"),
    path("new/", task_views.task_create_view, name="create"),
    path("<int:pk>/", task_views.task_show, name="detail"),
    path("<int:pk>/edit/", task_views.task_edit_view, name="edit"),
    path("<int:pk>/complete/", task_views.task_complete_view, name="complete"),
    path("<int:pk>/claim/", task_views.task_claim_view, name="claim"),
    path("<int:pk>/assign/", task_views.task_assign_view, name="assign"),
    path("<int:pk>/reroute/", task_views.task_reroute_view, name="reroute"),
    path("rules/", routing_views.rule_list, name="rules"),
    path("rules/new/", routing_views.rule_edit, name="rule_create"),
    path("rules/<int:pk>/", routing_views.rule_edit, name="rule_edit"),
    path("rules/<int:pk>/move/", routing_views.rule_move, name="rule_move"),
    path("rules/<int:pk>/delete/", routing_views.rule_delete, name="rule_delete"),
    path("notifications/", task_views.notification_list, name="notifications"),
    path("notifications/read/", task_views.notifications_read_all, name="notifications_read"),
    path("notifications/<int:pk>/", task_views.notification_open, name="notification_open"),
]
