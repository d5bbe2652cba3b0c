from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClvCliConfig(AppConfig):
    name = "relata.clvcli"
    label = "clvcli"
    verbose_name = _("Customer lifetime value (command line)")
