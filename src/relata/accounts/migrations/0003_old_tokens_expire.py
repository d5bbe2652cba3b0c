from datetime import timedelta

from django.db import migrations
from django.utils import timezone

# Tokens issued before expiry existed get the default lifetime from the upgrade on, so a
# leaked old token stops working by itself; their owners see the date on the token page.
GRACE = timedelta(days=90)


def _old_tokens_expire(apps, schema_editor):
    ApiToken = apps.get_model("accounts", "ApiToken")
    ApiToken.objects.filter(expires_at__isnull=True, revoked=False).update(
        expires_at=timezone.now() + GRACE
    )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_token_scopes_expiry_access_settings")]

    operations = [migrations.RunPython(_old_tokens_expire, migrations.RunPython.noop)]
