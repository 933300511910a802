"""Switching a battery's operating mode, with the parameters each mode needs.

ES.SetMode always carries the configuration block of the target mode, and ES.GetMode never
reports those parameters back (marstek-open-api.md §2.7, §2.8). The integration therefore
keeps the parameters it wants in :class:`ModeSettings` and sends them every time it switches.

Manual mode is the delicate one. There is no request that switches to Manual on its own: the
only way is to write a schedule slot, and the slots cannot be read. A user who built a
schedule in the Marstek app would lose a slot to whatever we write. So:

* if the integration keeps periods of its own, exactly those slots are written (they are the
  integration's by definition: the user set them up through Home Assistant);
* otherwise a *disabled* placeholder (00:00-00:00, no weekdays, 0 W, enable 0) is written to
  the last slot (9, or 5 on the Venus E mini), which the integration reserves for this purpose
  and documents as such. A disabled slot never runs, so the battery switches to Manual and
  keeps executing the user's own schedule in the other slots unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from .const import DEFAULT_PASSIVE_DURATION, DEFAULT_PASSIVE_POWER
from .protocol.client import MarstekClient
from .protocol.const import Mode
from .protocol.models import ManualPeriod, PassiveConfig, Weekday
from .protocol.profiles import FirmwareProfile

# Select options, in the order the select shows them; values are the translation keys.
MODE_OPTIONS: dict[str, Mode] = {
    "auto": Mode.AUTO,
    "ai": Mode.AI,
    "manual": Mode.MANUAL,
    "passive": Mode.PASSIVE,
    "ups": Mode.UPS,
}
OPTION_BY_MODE: dict[Mode, str] = {mode: option for option, mode in MODE_OPTIONS.items()}


@dataclass(slots=True)
class ModeSettings:
    """Parameters the integration sends with a mode switch (runtime only for now)."""

    passive_power: int = DEFAULT_PASSIVE_POWER  # W, + discharge / - charge (SetMode sign)
    passive_duration: int = DEFAULT_PASSIVE_DURATION  # s
    manual_periods: tuple[ManualPeriod, ...] = ()


def placeholder_slot(profile: FirmwareProfile) -> int:
    """The manual slot the integration owns: the last one the firmware has."""
    return profile.manual_slots - 1


def placeholder_period(profile: FirmwareProfile) -> ManualPeriod:
    """A disabled slot: switches the battery to Manual without ever running."""
    return ManualPeriod(
        slot=placeholder_slot(profile),
        start=time(0, 0),
        end=time(0, 0),
        weekdays=Weekday(0),
        power=0,
        enabled=False,
    )


def mode_options(profile: FirmwareProfile) -> list[str]:
    """The select options this firmware accepts (UPS only where the profile allows it)."""
    return [
        option
        for option, mode in MODE_OPTIONS.items()
        if mode is not Mode.UPS or profile.supports_ups
    ]


async def async_apply_mode(
    client: MarstekClient, profile: FirmwareProfile, mode: Mode, settings: ModeSettings
) -> None:
    """Switch the battery to ``mode``; the client verifies every write by reading back."""
    if mode is Mode.PASSIVE:
        await client.set_passive(
            PassiveConfig(power=settings.passive_power, duration=settings.passive_duration)
        )
    elif mode is Mode.MANUAL:
        for period in settings.manual_periods or (placeholder_period(profile),):
            await client.set_manual_period(period)
    else:
        await client.set_mode(mode)
