"""Demo session records for `manage.py seed_demo`: every past appointment gets a signed,
co-signed record with a realistic vitals curve, made by the same service calls a nurse
and a psychiatrist make at the chair, each at the moment it happened (`clinic.clock.at`);
then the benefit reviews, the boosters and the REMS submissions, and today's live floor
(`sessions.demo_live_day`).

Alerts are raised by the vitals service itself, the appointment's status moves with the
record, and a step the services refuse is not forced (it is logged). Idempotent:
appointments that already have a record are left alone.

One module per part: the session's timeline, how the demo patient responds, the
check-in, the dose, one record charted step by step, and the history around it.
"""

from sessions.demo_records.history import seed_records_demo
from sessions.demo_records.record import build_record, log_refusal
from sessions.demo_records.timeline import MIN, Timeline, timeline

__all__ = ["MIN", "Timeline", "build_record", "log_refusal", "seed_records_demo", "timeline"]
