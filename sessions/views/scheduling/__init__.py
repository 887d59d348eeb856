"""Views of scheduling (spec: scheduling.md), one module per concept:

- `plans` — the treatment plan; `series` — booking an induction series;
- `patient_sessions` — a patient's sessions and the benefit review;
- `changes` — reschedule, cancel, no-show; `boosters` — boosters due, booking and
  asking for one, sessions cancelled by eligibility;
- `calendars` — the day and week calendars and the staff feed;
- `portal` — the patient's own sessions, calendar download and health questions.
"""
