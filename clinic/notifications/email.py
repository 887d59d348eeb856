"""Templated email: subject, text and HTML from `templates/emails/<name>_*`."""

from __future__ import annotations

from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone

from clinic.selectors import clinic_settings


def send_templated_email(template: str, context: dict[str, object], to: list[str]) -> None:
    """Render the three parts in the clinic's time zone and send one message."""
    with timezone.override(clinic_settings().zone):
        subject = render_to_string(f"emails/{template}_subject.txt", context).strip()
        text = render_to_string(f"emails/{template}_body.txt", context)
        html = render_to_string(f"emails/{template}_body.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=to)
    message.attach_alternative(html, "text/html")
    message.send()
