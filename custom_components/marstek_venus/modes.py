"""The operating-mode options, and how to switch to Manual without touching the user's schedule.

ES.SetMode always carries the configuration block of the target mode, and ES.GetMode never
reports those parameters back (marstek-open-api.md §2.7, §2.8). The integration keeps the
parameters it wrote (store.py) and sends them with every switch.

Manual mode is the delicate one. There is no request that switches to Manual on its own: the
only way is to write a schedule slot, and the slots cannot be read. Whatever slot is written
replaces what the battery had there. So the switch writes a slot whose content the integration
knows, with exactly that content again, which changes nothing on the battery:

1. the reserved slot (the last one: 10, or 6 on the Venus E mini) if the integration wrote it;
2. else a disabled period the integration wrote (rewriting it cannot start anything);
3. else any period the integration wrote;
4. only if the integration has written no period at all: a *disabled* placeholder
   (00:00-00:00, no weekdays, 0 W, enable 0) in the reserved slot, which is then remembered
   like any other period. The reserved slot is documented as the integration's own; a
   disabled slot never runs, so the battery keeps executing the schedule in the other slots.

Slots the integration never wrote are never written by a mode switch, except with schedule
edits the user made in Home Assistant and that are pending: when there are any, the switch
writes those instead (schedule_writer.py), since they are what the user asked the battery to run.
"""

from __future__ import annotations

from collections.abc import Mapping

from .pymarstek_venus import FirmwareProfile, ManualPeriod, Mode
from .schedule import cleared_period

# Select options, in the order the select shows them; values are the translation keys.
MODE_OPTIONS: dict[str, Mode] = {
    "auto": Mode.AUTO,
    "ai": Mode.AI,
    "manual": Mode.MANUAL,
    "passive": Mode.PASSIVE,
    "ups": Mode.UPS,
}
OPTION_BY_MODE: dict[Mode, str] = {mode: option for option, mode in MODE_OPTIONS.items()}


def placeholder_slot(profile: FirmwareProfile) -> int:
    """The manual slot the integration reserves: the last one the firmware has."""
    return profile.manual_slots - 1


def placeholder_period(profile: FirmwareProfile) -> ManualPeriod:
    """A disabled slot: switches the battery to Manual without ever running."""
    return cleared_period(placeholder_slot(profile))


def switch_period(profile: FirmwareProfile, periods: Mapping[int, ManualPeriod]) -> ManualPeriod:
    """The period to (re)write to switch the battery to Manual (see the module docstring)."""
    known = {slot: period for slot, period in periods.items() if slot < profile.manual_slots}
    reserved = placeholder_slot(profile)
    if reserved in known:
        return known[reserved]
    for slot in sorted(known):
        if not known[slot].enabled:
            return known[slot]
    if known:
        return known[min(known)]
    return placeholder_period(profile)


def mode_options(profile: FirmwareProfile) -> list[str]:
    """The select options this firmware accepts (UPS only where the profile allows it)."""
    return [
        option
        for option, mode in MODE_OPTIONS.items()
        if mode is not Mode.UPS or profile.supports_ups
    ]
