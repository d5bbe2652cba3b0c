"""The e-mail Relata sends for an outbox message: the plain text as written, with an HTML
alternative made from it (links clickable, paragraphs kept) so that a campaign e-mail can
carry its open pixel. The HTML is built from the escaped text, never from markup a user
typed, so a template cannot inject HTML."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.utils.html import escape, linebreaks, urlize

from relata.engagement.models import OutboxMessage
from relata.engagement.tracking import open_pixel_url


def email_html(text: str, *, pixel_url: str = "") -> str:
    html = linebreaks(urlize(text, autoescape=True), autoescape=False)
    if pixel_url:
        html += f'\n<img src="{escape(pixel_url)}" width="1" height="1" alt="">'
    return f"<!doctype html>\n<html><body>\n{html}\n</body></html>\n"


def email_build(message: OutboxMessage) -> EmailMultiAlternatives:
    contact = message.campaign_contact if message.campaign_contact_id else None
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.to_address],
    )
    pixel = open_pixel_url(contact.token) if contact is not None and contact.token else ""
    email.attach_alternative(email_html(message.body, pixel_url=pixel), "text/html")
    return email
