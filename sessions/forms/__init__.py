"""Forms of the sessions app, by where they are used: `scheduling` (plans, booking,
boosters) and `records` (the session record at the chair)."""
