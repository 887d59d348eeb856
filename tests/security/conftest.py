"""Fixtures shared with the session tests."""

from tests.sessions.conftest import chairside  # noqa: F401 -- the session fixture, shared
