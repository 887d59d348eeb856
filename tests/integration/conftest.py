"""Fixtures for the integration tests."""

from tests.sessions.conftest import chairside  # noqa: F401 -- the session fixture, shared
