"""The signing and witness password throttle (controlled.services.signing): five wrong
passwords for one person refuse even the right one for 15 minutes, the refusal says when
to try again, and the count is kept where every web process sees it (the shared cache,
Redis when REDIS_URL is set)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.core.exceptions import ValidationError
from django.utils import timezone

from clinic import clock
from controlled.services import signing
from controlled.services.signing import confirm_password
from tests.factories import StaffFactory
from tests.factories.clinic import PASSWORD

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 11, 30, 14, 0, tzinfo=dt.UTC)


def _refusal(user, password: str) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as caught:
        confirm_password(user, password, field="password")
    return caught.value.message_dict["password"][0]


def _five_wrong(user) -> None:  # type: ignore[no-untyped-def]
    for attempt in range(5):
        assert "did not match" in _refusal(user, f"guess-{attempt}")


def test_five_wrong_refuse_the_right_one_saying_when_and_the_lock_lifts_after_15_minutes() -> None:
    witness = StaffFactory(first_name="Rae", last_name="Cole")
    with clock.at(START):
        _five_wrong(witness)
    with clock.at(START + dt.timedelta(minutes=3)):
        text = _refusal(witness, PASSWORD)
    until = timezone.localtime(START + dt.timedelta(minutes=15))
    assert "Too many wrong passwords for" in text and "Rae Cole" in text
    assert f"try again at {until:%H:%M} (in 12 minutes)" in text
    with clock.at(START + dt.timedelta(minutes=14, seconds=59)):
        assert "Too many wrong passwords" in _refusal(witness, PASSWORD)
    with clock.at(START + dt.timedelta(minutes=15)):
        confirm_password(witness, PASSWORD, field="password")  # accepted: the lock lifted
        # and the count starts again: one wrong try is only a wrong try
        assert "did not match" in _refusal(witness, "guess")
        confirm_password(witness, PASSWORD, field="password")


def test_four_wrong_then_the_right_one_clears_the_count() -> None:
    witness = StaffFactory()
    with clock.at(START):
        for attempt in range(4):
            _refusal(witness, f"guess-{attempt}")
        confirm_password(witness, PASSWORD, field="password")
        _five_wrong(witness)  # five more are needed to lock again
        assert "Too many wrong passwords" in _refusal(witness, PASSWORD)


@pytest.mark.skipif(not settings.REDIS_URL, reason="the shared cache is Redis (REDIS_URL)")
def test_the_count_holds_across_web_processes_through_the_shared_cache(monkeypatch) -> None:
    """Two cache clients, as two gunicorn workers hold: the wrong tries made through one
    lock the password for the other."""
    assert isinstance(caches["default"], RedisCache)
    options = {"KEY_PREFIX": "signing-test"}
    first, second = RedisCache(settings.REDIS_URL, options), RedisCache(settings.REDIS_URL, options)
    witness = StaffFactory()
    try:
        with clock.at(START):
            monkeypatch.setattr(signing, "cache", first)
            _five_wrong(witness)
            monkeypatch.setattr(signing, "cache", second)
            assert "Too many wrong passwords" in _refusal(witness, PASSWORD)
    finally:
        second.delete_many(list(signing._keys(witness)))
