"""Which batteries follow an emulated meter now, so that their Open API is polled gently.

A battery that regulates on the emulated meter needs no fast Open API polling from Home
Assistant: its own loop does the work, and every Open API request is traffic it has to
answer. On the HMG-50 (Venus C / Venus E 2.0) it is worse: the Open API server and the meter
reader share one receive channel, and Open API datagrams can crowd out the meter replies until
the battery declares its meter gone (meter-emulation.md §5.3). So while a battery follows:

* its coordinator polls at most once a minute (``GENTLE_INTERVAL``), or slower if the user
  chose so;
* on an HMG-50 only the groups the meter's shares need are read: ES.GetStatus and
  ES.GetMode (SOC and AC power), and the rare GetDevice;
* on an HMG-50 each of those requests is sent in the quiet moment just after the meter
  answered the battery (library ``quiet``): the meter hands each follower's ``QuietWindow``
  over, and it becomes the send gate of the battery's client until the battery stops following.

The meter runtime writes here (``async_set_followers``) every few seconds, and at once when a
battery starts following; the battery's coordinator reads ``gentle_groups`` on every poll. Both
sides go through a registry in ``hass.data``, so neither needs the other's entry to be loaded.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any, Final, Protocol

from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.core import HomeAssistant, callback
from homeassistant.util.hass_dict import HassKey

from .const import DOMAIN, Group
from .kinds import is_battery
from .options import MarstekOptions
from .pymarstek_venus import SHARED_CHANNEL_FAMILIES, DeviceInfo, SendGate

# A battery that polled the meter within this many seconds follows it. Batteries poll every
# 0.4 to 2 s (§1.5), so a few missed polls do not count as leaving.
FOLLOW_WINDOW: Final = 5.0
GENTLE_INTERVAL: Final = timedelta(seconds=60)
GENTLE_GROUPS: Final = frozenset({Group.ES, Group.MODE, Group.DEVICE})


class Gated(Protocol):
    """What this module needs of a battery's client: its send gate (library ``quiet``)."""

    send_gate: SendGate | None


class Polled(Protocol):
    """What this module needs of a battery's coordinator (coordinator.py imports this one)."""

    update_interval: timedelta | None

    @property
    def client(self) -> Gated:
        """The battery's client."""

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
    """The batteries (entry ids) each meter (entry id) serves that follow it now, each with
    the gate that meter keeps for it."""

    def __init__(self) -> None:
        self._by_meter: dict[str, dict[str, SendGate]] = {}

    def update(self, meter: str, followers: Mapping[str, SendGate]) -> None:
        """What ``meter`` sees now; nothing when it stops."""
        if followers:
            self._by_meter[meter] = dict(followers)
        else:
            self._by_meter.pop(meter, None)

    def followed(self, battery: str) -> bool:
        """Whether any meter sees the battery follow it."""
        return any(battery in followers for followers in self._by_meter.values())

    def gate(self, battery: str) -> SendGate | None:
        """The gate of a meter the battery follows (a battery polls one meter at a time)."""
        return next((f[battery] for f in self._by_meter.values() if battery in f), None)

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
    if coordinator.device.family not in SHARED_CHANNEL_FAMILIES or not followed:
        return wanted
    return (wanted & GENTLE_GROUPS) or {Group.MODE}


def poll_interval(coordinator: Polled, followed: bool) -> timedelta:
    """The fast tier's interval: the user's, stretched to a minute while the battery follows."""
    chosen = timedelta(seconds=coordinator.options.scan_interval)
    return max(chosen, GENTLE_INTERVAL) if followed else chosen


def send_gate(coordinator: Polled, gate: SendGate | None) -> SendGate | None:
    """The gate for the battery's requests: the meter's quiet window on an HMG-50 only."""
    return gate if coordinator.device.family in SHARED_CHANNEL_FAMILIES else None


@callback
def async_set_followers(
    hass: HomeAssistant, meter_entry_id: str, followers: Mapping[str, SendGate]
) -> None:
    """Record which batteries (entry id: their gate) follow the meter now, and set every
    battery's poll interval and send gate.

    Called every few seconds by each running meter (and with nothing when it stops), so a
    battery whose entry was reloaded meanwhile gets its interval and gate back within seconds.
    """
    registry = _registry(hass)
    registry.update(meter_entry_id, followers)
    for entry in hass.config_entries.async_entries(DOMAIN):
        if not is_battery(entry) or entry.state is not ConfigEntryState.LOADED:
            continue
        coordinator: Polled = entry.runtime_data
        interval = poll_interval(coordinator, registry.followed(entry.entry_id))
        if coordinator.update_interval != interval:
            coordinator.update_interval = interval
        coordinator.client.send_gate = send_gate(coordinator, registry.gate(entry.entry_id))
