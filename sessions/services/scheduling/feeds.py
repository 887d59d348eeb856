"""Staff calendar feeds: a private, revocable address a calendar app subscribes to."""

from __future__ import annotations

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from clinic.models import User
from clinic.policy import require
from sessions.models import CalendarFeed
from sessions.permissions import VIEW_SCHEDULE


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def calendar_feed_create(*, actor: User) -> str:
    """A new private feed token for this staff member (older ones are revoked)."""
    require(actor, VIEW_SCHEDULE, message="Calendar feeds are for staff.")
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        CalendarFeed.objects.filter(user=actor, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        CalendarFeed.objects.create(user=actor, token_hash=_token_hash(token))
    return token


def calendar_feed_revoke(*, actor: User) -> int:
    """Revoke the staff member's feed addresses; returns how many were active."""
    return CalendarFeed.objects.filter(user=actor, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def calendar_feed_owner(token: str) -> User | None:
    """The active staff member behind a feed token, or None (unknown, revoked, disabled)."""
    feed = (
        CalendarFeed.objects.select_related("user")
        .filter(token_hash=_token_hash(token), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if feed is None:
        return None
    CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=timezone.now())
    return feed.user
