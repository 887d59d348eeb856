"""Treatment sessions: plans, scheduling, appointments and in-session monitoring."""
