"""Migration accounts 0003: tokens from before expiry existed get a lifetime."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("accounts", "0002_token_scopes_expiry_access_settings")]
AFTER = [("accounts", "0003_old_tokens_expire")]


def migrate(targets: list[tuple[str, str]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor


def test_old_tokens_expire_ninety_days_after_the_upgrade() -> None:
    # given a live token and a revoked token without expiry, as the code before 0003 left them
    old_state = migrate(BEFORE).loader.project_state(BEFORE[0]).apps
    user = old_state.get_model("auth", "User").objects.create(username="old-integration")
    token_model = old_state.get_model("accounts", "ApiToken")
    live = token_model.objects.create(user=user, name="shop", prefix="rel_aaaa", key_hash="a" * 64)
    revoked = token_model.objects.create(
        user=user, name="gone", prefix="rel_bbbb", key_hash="b" * 64, revoked=True
    )
    # when the migration runs
    new_state = migrate(AFTER).loader.project_state(AFTER[0]).apps
    # then the live token expires in 90 days and the revoked one is left as it was
    tokens = new_state.get_model("accounts", "ApiToken").objects
    expires = tokens.get(pk=live.pk).expires_at
    assert expires is not None
    assert abs(expires - (timezone.now() + timedelta(days=90))) < timedelta(minutes=5)
    assert tokens.get(pk=revoked.pk).expires_at is None
