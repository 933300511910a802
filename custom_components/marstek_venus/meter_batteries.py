"""The configured batteries as an emulated meter sees them: where each polls from, and what the
shares know of it (its energy, limits and AC output as its coordinator last read them)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_HOST
from homeassistant.core import HomeAssistant

from .const import Group
from .coordinator import MarstekDataUpdateCoordinator
from .hostname import is_ipv4_address
from .kinds import battery_entries
from .members import split_member
from .pymarstek_venus import Follower, SplitMember

# A battery's output reading older than this (two gentle polls, following.py) is not passed to
# the shares: it takes no part in their balancing, and holds no other battery at zero. A
# younger one is where the shares' estimate of its output starts (library meter.fleet).
OUTPUT_MAX_AGE: Final = timedelta(seconds=120)


@dataclass(frozen=True, slots=True)
class Battery:
    """A configured battery as the meter sees it: where it polls from, and its coordinator."""

    entry_id: str
    title: str
    address: str | None  # IPv4; None while unknown (a host name not resolved yet)
    coordinator: MarstekDataUpdateCoordinator | None  # None while its entry is not loaded


def configured_batteries(hass: HomeAssistant) -> list[Battery]:
    """Every configured battery, with its current address: its coordinator's (a host name is
    resolved, and a new address followed), else the IPv4 address its entry stores."""
    found: list[Battery] = []
    for entry in battery_entries(hass):
        coordinator: MarstekDataUpdateCoordinator | None = None
        address: str | None = None
        if entry.state is ConfigEntryState.LOADED:
            coordinator = entry.runtime_data
            address = coordinator.client.host
        elif is_ipv4_address(host := str(entry.data.get(CONF_HOST, ""))):
            address = host.strip()
        found.append(Battery(entry.entry_id, entry.title, address, coordinator))
    return found


def follower_of(battery: Battery, now: datetime) -> Follower:
    """The battery as the shares see it: its energy, limits and AC output (+ discharge)."""
    assert battery.address is not None
    coordinator = battery.coordinator
    data = coordinator.latest if coordinator is not None else None
    if coordinator is None or data is None:
        # Not loaded: its state is unknown, so it takes no weighted part.
        return Follower(battery.address, SplitMember(battery.address, 0.0, 0.0, 0, 0), None)
    read_at = max(
        (at for group, at in data.fetched.items() if group in (Group.ES, Group.MODE)),
        default=None,
    )
    fresh = read_at is not None and now - read_at <= OUTPUT_MAX_AGE
    output = data.ac_power if fresh and data.online else None
    return Follower(
        battery.address,
        split_member(coordinator, battery.address),
        output,
        read_at.timestamp() if read_at is not None else None,
        data.device.family,
    )
