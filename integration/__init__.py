"""Integration-therapy notes, outcomes and the treatment course summary."""
