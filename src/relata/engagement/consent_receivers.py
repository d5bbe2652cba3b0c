"""A withdrawn opt-in refuses the messages still waiting in the outbox for it."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from relata.customers.models import Consent
from relata.engagement.message_services import messages_refuse_withdrawn


@receiver(post_save, sender=Consent, dispatch_uid="engagement_consent_withdrawn")
def consent_withdrawn(sender: Any, instance: Consent, created: bool = False, **kwargs: Any) -> None:
    if created and not instance.granted and not kwargs.get("raw"):
        messages_refuse_withdrawn(
            customer_id=instance.customer_id, channel=instance.channel, purpose=instance.purpose
        )
