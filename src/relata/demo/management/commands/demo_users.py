"""`relata demo-users`: the demo logins, one per role (idempotent)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from relata.demo.services import DEMO_PASSWORD, DEMO_USERS, demo_users_ensure


class Command(BaseCommand):
    help = ""  # set from translated_help when the parser is built
    translated_help = gettext_lazy(
        "Create the demo users (password 'demo') and share demo customers among sales."
    )

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        self.help = str(self.translated_help)  # in the language active now
        return super().create_parser(prog_name, subcommand, **kwargs)

    def handle(self, *args: Any, **options: Any) -> None:
        result = demo_users_ensure()
        if int(options["verbosity"]) < 1:
            return
        for spec in DEMO_USERS:
            state = _("created") if spec.username in result.created else _("exists")
            self.stdout.write(f"  {spec.username:<12} {spec.role:<12} {state}")
        if result.customers_assigned:
            self.stdout.write(
                _("%(count)s customers assigned to the sales users.")
                % {"count": f"{result.customers_assigned:,}"}
            )
        if result.deals_assigned or result.tasks_assigned:
            self.stdout.write(
                _("%(deals)s deals and %(tasks)s tasks assigned to their owners.")
                % {"deals": f"{result.deals_assigned:,}", "tasks": f"{result.tasks_assigned:,}"}
            )
        self.stdout.write(
            self.style.SUCCESS(
                _("Log in as %(user)s / %(password)s (every demo user has password %(password)s).")
                % {"user": DEMO_USERS[0].username, "password": DEMO_PASSWORD}
            )
        )
