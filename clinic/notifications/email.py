"""Templated email: subject, text and HTML from `templates/emails/<name>_*`."""

from __future__ import annotations

from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone

from clinic.selectors import clinic_settings


def clinic_sender() -> str:
    """The sender every e-mail shows: the clinic's own name (from its settings) with the
    deployment's address, e.g. "Riverside Ketamine Clinic <noreply@clinic.example>"."""
    _, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    return formataddr((clinic_settings().name, address or "noreply@localhost"))


def send_templated_email(template: str, context: dict[str, object], to: list[str]) -> None:
    """Render the three parts in the clinic's time zone and send one message."""
    with timezone.override(clinic_settings().zone):
        subject = render_to_string(f"emails/{template}_subject.txt", context).strip()
        text = render_to_string(f"emails/{template}_body.txt", context)
        html = render_to_string(f"emails/{template}_body.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=to, from_email=clinic_sender())
    message.attach_alternative(html, "text/html")
    message.send()
