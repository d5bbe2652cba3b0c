from django.urls import path

from relata.sales import deal_views as views

app_name = "deals"

urlpatterns = [
    path("", views.deal_board_page, name="board"),
    path("list/", views.deal_list, name="list"),
    path("new/", views.deal_create_page, name="create"),
    path("funnel/", views.deal_funnel_page, name="funnel"),
    path("win-back/", views.win_back_page, name="win_back"),
    path("<int:pk>/", views.deal_detail_page, name="detail"),
    path("<int:pk>/edit/", views.deal_edit_page, name="edit"),
    path("<int:pk>/move/", views.deal_move_view, name="move"),
]
