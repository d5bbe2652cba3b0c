"""`relata send-campaigns`: send the messages of running campaigns that still wait (a large
launch leaves them to this command; an interrupted one too). Run it on a schedule."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from relata.engagement.campaign_services import campaign_pending_count, campaign_send_pending
from relata.engagement.models import Campaign, CampaignStatus


class Command(BaseCommand):
    help = ""  # set from translated_help when the parser is built
    translated_help = gettext_lazy(
        "Send the waiting messages of running campaigns (consent is checked for each)."
    )

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        self.help = str(self.translated_help)
        return super().create_parser(prog_name, subcommand, **kwargs)

    def handle(self, *args: Any, **options: Any) -> None:
        campaigns = Campaign.objects.filter(status=CampaignStatus.RUNNING).order_by("pk")
        for campaign in campaigns:
            if not campaign_pending_count(campaign=campaign):
                continue
            handled = campaign_send_pending(campaign=campaign)
            if int(options["verbosity"]) >= 1:
                self.stdout.write(
                    _("%(name)s: %(count)s waiting contacts handled.")
                    % {"name": campaign.name, "count": f"{handled:,}"}
                )
