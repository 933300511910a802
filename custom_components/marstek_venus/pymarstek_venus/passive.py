"""Passive mode that really delivers: the checks behind ``set_passive(confirm=True)``.

Field reports say passive commands are unreliable: the battery acknowledges and then does
nothing, or reacts only to the second command (Venus E 3.0 fw 144, marstek-open-api.md §2.8),
and a battery asked for more than its inverter can do accepts the command and delivers its
limit (a Venus A asked for 2000 W delivered 1200 W, issue 9). The mode read-back of every
write (writes.py) only shows "Passive". So a confirmed passive write also checks that
ES.GetMode's AC power is the requested power within a tolerance (``writes.delivers``), reading
it a few times while the inverter ramps; when the power is not there, the command is sent once
more (client.py), and if that does not help either, ``MarstekPassiveNotFollowedError`` names
both numbers.

A battery whose BMS forbids the direction (full and asked to charge, or not allowed to charge
or discharge) cannot follow at all; the check is skipped then, since it could only fail.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from .models import BatteryStatus, ModeStatus
from .writes import delivers


def bms_blocks(battery: BatteryStatus | None, target: int) -> bool:
    """Whether the battery may not move toward ``target`` W at all (+ discharge, - charge)."""
    if battery is None:
        return False
    if target < 0:
        return battery.charge_allowed is False or battery.soc == 100
    if target > 0:
        return battery.discharge_allowed is False
    return False


async def follows(
    read_mode: Callable[[], Awaitable[ModeStatus | None]],
    power: int,
    reads: int,
    interval: float,
) -> tuple[bool, float | None]:
    """Read the AC power up to ``reads`` times; (whether it is ``power``, the last reading)."""
    actual: float | None = None
    for read in range(reads):
        if read:
            await asyncio.sleep(interval)
        status = await read_mode()
        if status is None or status.ac_power is None:
            continue  # a read without an answer (or a power) is one read fewer
        actual = status.ac_power
        if delivers(actual, power):
            return True, actual
    return False, actual
