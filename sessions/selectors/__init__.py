"""Reads of the sessions app: scheduling, the session record and the nurse board."""
