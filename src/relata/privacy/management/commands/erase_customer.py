"""`relata erase-customer <number> --reason … [--yes]`: erase one customer's personal data."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from relata.customers.models import Customer
from relata.privacy.services import erase_customer


class Command(BaseCommand):
    help = ""  # set from translated_help when the parser is built
    translated_help = gettext_lazy(
        "Erase the personal data of one customer (GDPR art. 17): the record is anonymised, "
        "orders and amounts stay in the revenue totals, consents stay as evidence. "
        "Cannot be undone."
    )

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        self.help = str(self.translated_help)
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("number", help=str(_("the customer number, e.g. C0000042")))
        parser.add_argument(
            "--reason",
            required=True,
            help=str(_("why (kept in the audit trail; write no personal data)")),
        )
        parser.add_argument(
            "--yes", action="store_true", help=str(_("do not ask for confirmation"))
        )

    def handle(self, *args: Any, **options: Any) -> None:
        number = options["number"].strip()
        customer = Customer.objects.filter(customer_number=number).first()
        if customer is None:
            raise CommandError(_("No customer with number %(number)s.") % {"number": number})
        if not options["yes"]:
            question = _(
                "Erase the personal data of %(number)s? This cannot be undone. Type the "
                "customer number to confirm: "
            ) % {"number": number}
            if input(question).strip() != number:
                raise CommandError(_("Not confirmed: nothing was erased."))
        try:
            result = erase_customer(customer, by=None, reason=options["reason"])
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        changed = sum(result.counts.values())
        self.stdout.write(
            _("Customer %(number)s erased (%(rows)s related rows deleted, emptied or scrubbed).")
            % {"number": number, "rows": f"{changed:,}"}
        )
