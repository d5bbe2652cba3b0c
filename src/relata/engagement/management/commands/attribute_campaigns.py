"""`relata attribute-campaigns`: attribute orders to campaign contacts (for imported orders,
which arrive without the order signal). Idempotent: run it as often as you like."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from relata.engagement.campaign_services import campaign_attribute
from relata.engagement.models import Campaign, CampaignStatus


class Command(BaseCommand):
    help = ""  # set from translated_help when the parser is built
    translated_help = gettext_lazy(
        "Attribute orders to the contacts of launched campaigns: the first order within "
        "each contact's attribution window converts it; revenue is the window's total."
    )

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        self.help = str(self.translated_help)
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--campaign",
            type=int,
            action="append",
            help=_("Only this campaign (its id; repeat for more). Default: all launched."),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        campaigns = Campaign.objects.exclude(status=CampaignStatus.DRAFT).order_by("pk")
        wanted = options["campaign"]
        if wanted:
            campaigns = campaigns.filter(pk__in=wanted)
            missing = sorted(set(wanted) - set(campaigns.values_list("pk", flat=True)))
            if missing:
                raise CommandError(
                    _("No launched campaign with id %(ids)s.")
                    % {"ids": ", ".join(str(i) for i in missing)}
                )
        for campaign in campaigns:
            contacts = campaign_attribute(campaign=campaign)
            converted = campaign.contacts.filter(converted_at__isnull=False).count()
            if int(options["verbosity"]) >= 1:
                self.stdout.write(
                    _("%(name)s: %(contacts)s contacts, %(converted)s converted")
                    % {
                        "name": campaign.name,
                        "contacts": f"{contacts:,}",
                        "converted": f"{converted:,}",
                    }
                )
