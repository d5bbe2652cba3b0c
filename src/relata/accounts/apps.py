from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "relata.accounts"
    verbose_name = _("Users and access")

    def ready(self) -> None:
        from relata.accounts.roles import roles_sync

        post_migrate.connect(roles_sync, dispatch_uid="relata_roles_sync")
