"""What the control and watch parts see of a battery's coordinator (typing only).

control.py, watch.py, passive.py, recovery.py and schedule_writer.py work for the coordinator
but do not import it: the coordinator builds them. These protocols name what they use of it,
so the import graph stays a tree.
"""

from __future__ import annotations

from typing import Any, Protocol

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant

from .pymarstek_venus import BatteryStatus, FirmwareProfile, MarstekClient, Mode, ModeStatus


class Snapshot(Protocol):
    """The parts of the latest poll (coordinator.MarstekData) that control decisions read."""

    @property
    def online(self) -> bool:
        """False once the battery is shown as unavailable."""

    @property
    def mode(self) -> ModeStatus | None:
        """The last ES.GetMode answer."""

    @property
    def battery(self) -> BatteryStatus | None:
        """The last Bat.GetStatus answer."""


class MarstekRuntime(Protocol):
    """One battery as its coordinator presents it."""

    @property
    def hass(self) -> HomeAssistant:
        """Home Assistant."""

    @property
    def config_entry(self) -> ConfigEntry[Any]:
        """The battery's config entry."""

    @property
    def client(self) -> MarstekClient:
        """The library client (its ``lock`` serialises everything sent to the battery)."""

    @property
    def profile(self) -> FirmwareProfile:
        """The firmware profile of the battery's current firmware."""

    @property
    def data(self) -> Snapshot | None:
        """The latest snapshot (None before the first poll)."""

    def async_update_listeners(self) -> None:
        """Let the entities show what changed."""

    async def async_request_refresh(self) -> None:
        """Poll soon (debounced)."""

    async def async_refresh(self) -> None:
        """Poll now."""

    def show_mode(self, mode: Mode) -> None:
        """Show a mode the client read back before the next poll does."""
