"""The routing of DOMAIN.md §15 as three editable rules: big requests and Top/Big customers
go to the account owner, the rest to the back office."""

from decimal import Decimal

from django.conf import settings
from django.db import migrations
from django.utils import translation
from django.utils.translation import gettext as _

TOP, BIG = 1, 2  # relata.scoring.choices.TierChoice


def create_rules(apps, schema_editor):
    rule = apps.get_model("contacts", "RoutingRule")
    if rule.objects.exists():
        return
    with translation.override(settings.LANGUAGE_CODE):
        rule.objects.bulk_create(
            [
                rule(
                    position=10,
                    name=_("Large quotes and requests to the account owner"),
                    task_kinds=["quote_request", "request"],
                    min_value=Decimal("500.00"),
                    destination="account_owner",
                ),
                rule(
                    position=20,
                    name=_("Top and Big customers to the account owner"),
                    tiers=[TOP, BIG],
                    destination="account_owner",
                ),
                rule(
                    position=30,
                    name=_("Everything else to the back office"),
                    destination="back_office",
                ),
            ]
        )


def remove_rules(apps, schema_editor):
    apps.get_model("contacts", "RoutingRule").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("contacts", "0003_tasks_complaints_notifications")]

    operations = [migrations.RunPython(create_rules, remove_rules)]
