"""The ledger tests use the session record's chairside (a session ready to open)."""

from tests.sessions.conftest import chairside  # noqa: F401  (fixture)
