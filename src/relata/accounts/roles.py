"""The roles Relata ships with, as Django groups with model permissions.

Roles are data, not code paths: an installation may edit the groups in the admin.
`roles_sync` (run by `relata migrate` through a post_migrate hook) creates missing groups and
adds the default permissions; it never removes permissions an admin granted.
"""

from __future__ import annotations

from django.apps import apps as global_apps
from django.contrib.auth.models import Group, Permission
from django.utils.translation import gettext_lazy as _

ADMIN = "admin"
SALES = "sales"
BACK_OFFICE = "back_office"
MARKETING = "marketing"
ANALYST = "analyst"

ROLE_LABELS = {
    ADMIN: _("Administrator"),
    SALES: _("Sales"),
    BACK_OFFICE: _("Back office"),
    MARKETING: _("Marketing"),
    ANALYST: _("Analyst (read only)"),
}

_ALL = ("view", "add", "change", "delete")
_EDIT = ("view", "add", "change")
_VIEW = ("view",)

_ENGAGEMENT_MODELS = (
    "segment",
    "messagetemplate",
    "outboxmessage",
    "campaign",
    "campaigncontact",
    "triggerrule",
    "triggerfiring",
    "customerevent",
    "loyaltyprogramme",
    "loyaltymember",
    "pointsentry",
    "referralcode",
    "referral",
    "offerrun",
    "offerrule",
    "customeroffer",
)
# Marketing runs segments, campaigns, triggers and the programmes; sales and the back office
# see them, record responses, send outbox messages by phone or post and serve members.
_ENGAGEMENT_MARKETING = {
    **{f"engagement.{name}": _ALL for name in _ENGAGEMENT_MODELS},
    "engagement.triggerfiring": _VIEW,
    "engagement.offerrule": _VIEW,
    "engagement.customeroffer": _VIEW,
}
_ENGAGEMENT_FRONT_AND_BACK = {
    **{f"engagement.{name}": _VIEW for name in _ENGAGEMENT_MODELS},
    "engagement.campaigncontact": _EDIT,
    "engagement.outboxmessage": _EDIT,
    "engagement.customerevent": _EDIT,
    "engagement.loyaltymember": _EDIT,
    "engagement.pointsentry": _EDIT,
    "engagement.referralcode": _EDIT,
    "engagement.referral": _EDIT,
}

_FEEDBACK_MODELS = ("survey", "surveyinvitation", "surveyresponse", "review", "socialprofile")
# Marketing designs surveys and keeps reviews and social profiles; everyone who serves
# customers sends surveys, records answers, reviews and profiles, and reads the reports.
_FEEDBACK_MARKETING = {f"feedback.{name}": _ALL for name in _FEEDBACK_MODELS}
_FEEDBACK_FRONT_AND_BACK = {
    "feedback.survey": _VIEW,
    "feedback.surveyinvitation": _EDIT,
    "feedback.surveyresponse": _EDIT,
    "feedback.review": _EDIT,
    "feedback.socialprofile": _EDIT,
}

ROLE_PERMISSIONS: dict[str, dict[str, tuple[str, ...]]] = {
    ADMIN: {
        "accounts.accesssettings": _EDIT,
        # Locked-out sign-ins (django-axes) in the Django admin: deleting one unlocks it.
        "axes.accessattempt": ("view", "delete"),
        "axes.accessfailurelog": _VIEW,
        "audit.auditentry": _VIEW,
        "sales.deal": _ALL,
        "sales.dealline": _ALL,
        "sales.dealstagechange": _VIEW,
        "contacts.task": _ALL,
        "contacts.routingrule": _ALL,
        "contacts.complaint": _ALL,
        "customers.customer": (*_ALL, "merge", "export", "erase"),
        "customers.contactperson": _ALL,
        "customers.consent": _EDIT,
        "sales.order": _ALL,
        "sales.orderline": _ALL,
        "sales.product": _ALL,
        "sales.productcategory": _ALL,
        "contacts.contactmoment": _ALL,
        "imports.importbatch": _ALL,
        "accounts.apitoken": _ALL,
        "scoring.customersnapshot": _VIEW,
        "scoring.scorerun": _VIEW,
        "scoring.scoringsettings": _ALL,
        "privacy.privacysettings": _EDIT,
        **{f"engagement.{name}": _ALL for name in _ENGAGEMENT_MODELS},
        **_FEEDBACK_MARKETING,
    },
    SALES: {
        "sales.deal": _ALL,
        "sales.dealline": _ALL,
        "sales.dealstagechange": _VIEW,
        "contacts.task": _EDIT,
        "contacts.routingrule": _VIEW,
        "contacts.complaint": _EDIT,
        "customers.customer": _EDIT,
        "customers.contactperson": _ALL,
        "customers.consent": _EDIT,
        "sales.order": _EDIT,
        "sales.orderline": _ALL,
        "sales.product": _VIEW,
        "sales.productcategory": _VIEW,
        "contacts.contactmoment": _EDIT,
        "scoring.customersnapshot": _VIEW,
        "scoring.scorerun": _VIEW,
        **_ENGAGEMENT_FRONT_AND_BACK,
        **_FEEDBACK_FRONT_AND_BACK,
    },
    BACK_OFFICE: {
        "sales.deal": _EDIT,
        "sales.dealline": _ALL,
        "sales.dealstagechange": _VIEW,
        "contacts.task": _EDIT,
        "contacts.routingrule": _VIEW,
        "contacts.complaint": _EDIT,
        "customers.customer": (*_EDIT, "merge", "export"),
        "customers.contactperson": _ALL,
        "customers.consent": _EDIT,
        "sales.order": _EDIT,
        "sales.orderline": _ALL,
        "sales.product": _VIEW,
        "sales.productcategory": _VIEW,
        "contacts.contactmoment": _EDIT,
        "imports.importbatch": _EDIT,
        "scoring.customersnapshot": _VIEW,
        "scoring.scorerun": _VIEW,
        **_ENGAGEMENT_FRONT_AND_BACK,
        **_FEEDBACK_FRONT_AND_BACK,
    },
    MARKETING: {
        "sales.deal": _VIEW,
        "sales.dealline": _VIEW,
        "sales.dealstagechange": _VIEW,
        "contacts.task": _EDIT,
        "contacts.routingrule": _VIEW,
        "contacts.complaint": _VIEW,
        "customers.customer": _VIEW,
        "customers.contactperson": _VIEW,
        "customers.consent": _VIEW,
        "sales.order": _VIEW,
        "sales.orderline": _VIEW,
        "sales.product": _EDIT,
        "sales.productcategory": _EDIT,
        "contacts.contactmoment": _EDIT,
        "imports.importbatch": _EDIT,
        "scoring.customersnapshot": _VIEW,
        "scoring.scorerun": _VIEW,
        **_ENGAGEMENT_MARKETING,
        **_FEEDBACK_MARKETING,
    },
}

# The analyst reads everything the administrator can (reports, exports, the API with a read
# token) and changes nothing; access settings, API tokens of others and the audit trail stay
# with administrators.
_ADMIN_ONLY = {
    "accounts.accesssettings",
    "accounts.apitoken",
    "audit.auditentry",
    "axes.accessattempt",
    "axes.accessfailurelog",
}
ROLE_PERMISSIONS[ANALYST] = {
    label: _VIEW for label in ROLE_PERMISSIONS[ADMIN] if label not in _ADMIN_ONLY
}


def roles_sync(**_: object) -> None:
    for role, model_perms in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role)
        wanted: list[Permission] = []
        for label, actions in model_perms.items():
            app_label, model_name = label.split(".")
            if not (
                global_apps.is_installed(f"relata.{app_label}")
                or global_apps.is_installed(app_label)
            ):
                continue
            codenames = [f"{action}_{model_name}" for action in actions]
            wanted.extend(
                Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
            )
        group.permissions.add(*wanted)
