"""When each step of a demo session happens, in minutes after the appointment's start."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sessions import monitoring
from sessions.models import Appointment

MIN = dt.timedelta(minutes=1)


@dataclass(frozen=True)
class Timeline:
    """Minutes after the appointment start at which each step happens."""

    dose: int
    readings: tuple[int, ...]
    infusion_end: int | None
    devices: tuple[int, ...]
    discharge: int


def timeline(appointment: Appointment) -> Timeline:
    protocol = appointment.plan.protocol
    route = appointment.plan.route
    dose = 15
    if route == "iv":
        end = dose + (appointment.plan.infusion_minutes or 40)
        discharge = end + protocol.observation_minutes + 5
        readings = tuple(range(dose + 15, discharge, 15))
        return Timeline(dose, readings, end, (), discharge)
    if route == monitoring.ESKETAMINE:
        discharge = dose + protocol.observation_minutes + 5
        readings = (dose + 40, *range(dose + 70, discharge, 30), discharge - 3)
        devices = tuple(dose + 5 * n for n in range(appointment.plan.esketamine_devices or 2))
        return Timeline(dose, readings, None, devices, discharge)
    discharge = dose + protocol.observation_minutes + 5
    return Timeline(dose, tuple(range(dose + 15, discharge, 15)), None, (), discharge)
