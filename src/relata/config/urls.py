from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from relata.api.api import api

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
    path("accounts/", include("relata.accounts.urls")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("customers/", include("relata.customers.urls")),
    path("orders/", include("relata.sales.urls")),
    path("deals/", include("relata.sales.deal_urls")),
    path("contacts/", include("relata.contacts.urls")),
    path("complaints/", include("relata.contacts.complaint_urls")),
    path("tasks/", include("relata.contacts.task_urls")),
    path("imports/", include("relata.imports.urls")),
    path("value/", include("relata.scoring.urls")),
    path("playbooks/", include("relata.engagement.playbook_urls")),
    path("campaigns/", include("relata.engagement.campaign_urls")),
    path("segments/", include("relata.engagement.segment_urls")),
    path("triggers/", include("relata.engagement.trigger_urls")),
    path("outbox/", include("relata.engagement.outbox_urls")),
    path("loyalty/", include("relata.engagement.loyalty_urls")),
    path("referrals/", include("relata.engagement.referral_urls")),
    path("offers/", include("relata.engagement.offer_urls")),
    path("surveys/", include("relata.feedback.survey_urls")),
    path("satisfaction/", include("relata.feedback.satisfaction_urls")),
    path("reviews/", include("relata.feedback.review_urls")),
    path("social/", include("relata.feedback.social_urls")),
    path("influence/", include("relata.feedback.influence_urls")),
    path("loyalty-quadrant/", include("relata.feedback.quadrant_urls")),
    path("journeys/", include("relata.feedback.journey_urls")),
    path("audit/", include("relata.audit.urls")),
    path("privacy/", include("relata.privacy.urls")),
    # Personal survey links answered without a login (see web.middleware).
    path("s/", include("relata.feedback.public_urls")),
    # Open pixel and click links of campaign e-mails: public (see web.middleware).
    path("t/", include("relata.engagement.tracking_urls")),
    path("", include("relata.web.urls")),
]

# A request over a size or field-count limit gets a page saying which (decision 0960).
handler400 = "relata.web.errors.bad_request"
# An /api/ URL that matches no operation answers JSON, as every API error does (decision 0965).
handler404 = "relata.api.errors.page_not_found"
