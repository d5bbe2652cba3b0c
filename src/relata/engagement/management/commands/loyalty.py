"""`relata loyalty`: book what the order signal missed (imported orders), reward referrals
whose referred customer bought, expire points; print the figures. Run it daily."""

from __future__ import annotations

import time
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from relata.engagement.loyalty_selectors import member_stats
from relata.engagement.loyalty_services import loyalty_catch_up


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(
            _("Not a date (use YYYY-MM-DD): %(value)s") % {"value": value}
        ) from error


class Command(BaseCommand):
    help = (
        "Loyalty catch-up: points for members' orders not booked yet, points back for "
        "orders cancelled or returned, referral rewards, and expiry."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--since", type=_date, help="only orders from this date on (default: all)"
        )
        parser.add_argument(
            "--today", type=_date, help="the day to expire points by (default: today)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        today: date = options["today"] or timezone.localdate()
        if today > timezone.localdate():
            raise CommandError(_("--today cannot be in the future."))
        started = time.perf_counter()
        result = loyalty_catch_up(since=options["since"], today=today)
        seconds = time.perf_counter() - started
        stats = member_stats(today=today)
        lines = [
            _("Points earned: %(points)s on %(orders)s orders not booked before.")
            % {"points": result.earned_points, "orders": result.earned_entries},
            _("Points taken back: %(points)s on %(orders)s cancelled or returned orders.")
            % {"points": -result.reversed_points, "orders": result.reversed_entries},
            _("Referrals rewarded: %(n)s.") % {"n": result.referrals_rewarded},
            _("Points expired: %(points)s in %(entries)s bookings.")
            % {"points": result.expired_points, "entries": result.expired_customers},
            _("Members: %(members)s; points outstanding: %(points)s (liability € %(money)s).")
            % {
                "members": stats.members,
                "points": stats.points_outstanding,
                "money": stats.liability,
            },
            _("Done in %(seconds).1f s.") % {"seconds": seconds},
        ]
        for line in lines:
            self.stdout.write(line)
