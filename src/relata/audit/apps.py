from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "relata.audit"
    verbose_name = _("Audit trail")

    def ready(self) -> None:
        from relata.audit import capture, receivers

        capture.connect()
        receivers.connect()
