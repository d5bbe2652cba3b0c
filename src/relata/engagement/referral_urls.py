from django.urls import path

from relata.engagement import referral_views

app_name = "referrals"

urlpatterns = [
    path("", referral_views.referrals, name="list"),
    path("record/", referral_views.record, name="record"),
    path("<int:pk>/reward/", referral_views.reward, name="reward"),
    path("<int:pk>/reject/", referral_views.reject, name="reject"),
    path("codes/<int:pk>/", referral_views.issue_code, name="issue_code"),
]
