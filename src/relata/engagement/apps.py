from importlib import import_module

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# Modules that connect signal receivers (orders, customers, complaints → engagement) or
# register with other apps (the customer timeline).
RECEIVER_MODULES: tuple[str, ...] = (
    "merge_receivers",
    "timeline",
    "campaign_receivers",
    "programme_receivers",
    "trigger_receivers",
    "consent_receivers",
)


class EngagementConfig(AppConfig):
    name = "relata.engagement"
    verbose_name = _("Engagement")

    def ready(self) -> None:
        for module in RECEIVER_MODULES:
            import_module(f"{self.name}.{module}")
