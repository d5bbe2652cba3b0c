from importlib import import_module

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# Modules that connect signal receivers or register with other apps (the customer timeline,
# the trigger actions, the segment fields).
RECEIVER_MODULES: tuple[str, ...] = (
    "review_timeline",
    "survey_timeline",
    "survey_receivers",
)


class FeedbackConfig(AppConfig):
    name = "relata.feedback"
    verbose_name = _("Voice of the customer")

    def ready(self) -> None:
        for module in RECEIVER_MODULES:
            import_module(f"{self.name}.{module}")
