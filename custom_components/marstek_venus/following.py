"""Which batteries follow an emulated meter now, so that their Open API is polled gently.

A battery that regulates on the emulated meter needs no fast Open API polling from Home
Assistant: its own loop does the work, and every Open API request is traffic it has to
answer. On the HMG-50 (Venus C / Venus E 2.0) it is worse: the Open API server and the meter
reader share one receive channel, and Open API datagrams can crowd out the meter replies until
the battery declares its meter gone (meter-emulation.md §5.3). So while a battery follows:

* its coordinator polls at most once a minute (``GENTLE_INTERVAL``), or slower if the user
  chose so;
* on an HMG-50 only the groups the meter's shares need are read: ES.GetStatus and
  ES.GetMode (SOC and AC power), and the rare GetDevice.

The meter runtime writes here (``async_set_followers``) every few seconds; the battery's
coordinator reads ``gentle_groups`` on every poll. Both sides go through a registry in
``hass.data``, so neither needs the other's entry to be loaded.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any, Final, Protocol

from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.core import HomeAssistant, callback
from homeassistant.util.hass_dict import HassKey

from .const import DOMAIN, Group
from .kinds import is_battery
from .options import MarstekOptions
from .pymarstek_venus import DeviceInfo, Family

# A battery that polled the meter within this many seconds follows it. Batteries poll every
# 0.4 to 2 s (§1.5), so a few missed polls do not count as leaving.
FOLLOW_WINDOW: Final = 5.0
GENTLE_INTERVAL: Final = timedelta(seconds=60)
# Families whose Open API shares the meter reader's receive channel (§5.3).
SHARED_CHANNEL: Final = frozenset({Family.VENUS_E2, Family.VENUS_C})
GENTLE_GROUPS: Final = frozenset({Group.ES, Group.MODE, Group.DEVICE})


class Polled(Protocol):
    """What this module needs of a battery's coordinator (coordinator.py imports this one)."""

    update_interval: timedelta | None

    @property
    def hass(self) -> HomeAssistant:
        """Home Assistant."""

    @property
    def config_entry(self) -> ConfigEntry[Any]:
        """The battery's entry."""

    @property
    def device(self) -> DeviceInfo:
        """The battery's GetDevice answer."""

    @property
    def options(self) -> MarstekOptions:
        """The user's polling options."""


class Following:
    """The batteries (entry ids) each meter (entry id) serves that follow it now."""

    def __init__(self) -> None:
        self._by_meter: dict[str, frozenset[str]] = {}

    def update(self, meter: str, batteries: Iterable[str]) -> None:
        """What ``meter`` sees now; an empty set when it stops."""
        if followers := frozenset(batteries):
            self._by_meter[meter] = followers
        else:
            self._by_meter.pop(meter, None)

    def followed(self, battery: str) -> bool:
        """Whether any meter sees the battery follow it."""
        return any(battery in followers for followers in self._by_meter.values())

    def batteries(self) -> set[str]:
        """Every battery that follows some meter."""
        found: set[str] = set()
        return found.union(*self._by_meter.values())


FOLLOWING: HassKey[Following] = HassKey(f"{DOMAIN}_following")


def _registry(hass: HomeAssistant) -> Following:
    if (registry := hass.data.get(FOLLOWING)) is None:
        registry = hass.data[FOLLOWING] = Following()
    return registry


def is_followed(hass: HomeAssistant, battery_entry_id: str) -> bool:
    """Whether the battery follows an emulated meter now (diagnostics, polling)."""
    return _registry(hass).followed(battery_entry_id)


def gentle_groups(coordinator: Polled, wanted: set[Group]) -> set[Group]:
    """The groups a battery's poll reads: ``wanted``, cut to the minimum on a following HMG-50."""
    followed = is_followed(coordinator.hass, coordinator.config_entry.entry_id)
    if coordinator.device.family not in SHARED_CHANNEL or not followed:
        return wanted
    return (wanted & GENTLE_GROUPS) or {Group.MODE}


def poll_interval(coordinator: Polled, followed: bool) -> timedelta:
    """The fast tier's interval: the user's, stretched to a minute while the battery follows."""
    chosen = timedelta(seconds=coordinator.options.scan_interval)
    return max(chosen, GENTLE_INTERVAL) if followed else chosen


@callback
def async_set_followers(hass: HomeAssistant, meter_entry_id: str, batteries: Iterable[str]) -> None:
    """Record which batteries follow the meter now, and set every battery's poll interval.

    Called every few seconds by each running meter (and with nothing when it stops), so a
    battery whose entry was reloaded meanwhile gets its interval back within seconds.
    """
    registry = _registry(hass)
    registry.update(meter_entry_id, batteries)
    for entry in hass.config_entries.async_entries(DOMAIN):
        if not is_battery(entry) or entry.state is not ConfigEntryState.LOADED:
            continue
        coordinator: Polled = entry.runtime_data
        interval = poll_interval(coordinator, registry.followed(entry.entry_id))
        if coordinator.update_interval != interval:
            coordinator.update_interval = interval
