"""Helpers shared by the intake views."""

from __future__ import annotations

from clinic.forms import attach_errors

__all__ = ["attach_errors"]
