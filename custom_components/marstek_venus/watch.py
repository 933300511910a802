"""What changed between two polls: device-trigger events and repair issues.

* The mode changed, not by Home Assistant (the app, the battery's own logic): the "mode
  changed outside" trigger, and that mode becomes the intended one.
* The CT meter went from connected to disconnected: the "CT disconnected" trigger.
* The battery went unavailable: the "API stopped" trigger, and after API_ISSUE_AFTER the
  "Open API" repair (issues.py) unless the neighbour table shows it left the network.
* After a stretch nobody watched (set-up, an outage) it reports another mode than intended: it
  may have been reset, the fixable "settings reset" repair.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from homeassistant.util import dt as dt_util

from . import issues
from .const import API_ISSUE_AFTER, LOGGER, Trigger
from .control import MarstekControl
from .helpers import async_fire_trigger
from .neighbours import host_answers_arp
from .pymarstek_venus import MeterStatus, Mode
from .runtime import MarstekRuntime, Snapshot


class WatchedSnapshot(Snapshot, Protocol):
    """A snapshot with the CT readings (coordinator.MarstekData)."""

    @property
    def grid_meter(self) -> MeterStatus | None:
        """EM.GetStatus, else the CT block of ES.GetMode."""


class Watcher:
    """Compares each poll with the one before; owned by the coordinator."""

    def __init__(self, runtime: MarstekRuntime, control: MarstekControl) -> None:
        """Nothing is watched before the first poll."""
        self._runtime = runtime
        self._control = control
        self.offline_since: datetime | None = None
        # Whether an address still answers ARP (blocking: run in the executor). The kernel's
        # neighbour table by default; tests give it a table of their own.
        self.neighbours: Callable[[str], bool | None] = host_answers_arp

    def _fire(self, trigger: Trigger, **extra: str) -> None:
        runtime = self._runtime
        async_fire_trigger(
            runtime.hass, runtime.config_entry, runtime.client.host, trigger, **extra
        )

    async def async_observe(
        self,
        previous: WatchedSnapshot | None,
        data: WatchedSnapshot,
        *,
        unwatched: bool,
        has_grid_meter: bool,
    ) -> None:
        """Fire device triggers and keep the repair issues current.

        ``unwatched``: the first batch after set-up, or the first after failed polls; what
        changed in between may have been a reset rather than a person.
        """
        runtime = self._runtime
        if not data.online:
            if self.offline_since is None:
                # Just went unavailable (a battery is only ever unavailable after it worked).
                self.offline_since = dt_util.utcnow()
                self._fire(Trigger.API_STOPPED)
            await self._async_check_api_issue(self.offline_since)
            return
        if data is previous:
            return  # a failed poll below the unavailability threshold: nothing new
        if self.offline_since is not None:
            self.offline_since = None
            issues.async_delete(runtime.hass, runtime.config_entry, issues.API)
        await self._async_observe_mode(previous, data, unwatched)
        if (
            previous is not None
            and has_grid_meter
            and previous.grid_meter is not None
            and data.grid_meter is not None
            and previous.grid_meter.connected is True
            and data.grid_meter.connected is False
        ):
            self._fire(Trigger.CT_DISCONNECTED)

    async def _async_observe_mode(
        self, previous: Snapshot | None, data: Snapshot, unwatched: bool
    ) -> None:
        reported = data.mode.mode if data.mode is not None else None
        if reported is None:
            return
        control, runtime = self._control, self._runtime
        own, control.own_change = control.own_change, None
        if reported is control.attempted_mode:
            # A write Home Assistant could not confirm did take effect after all.
            await control.async_mode_written(reported)
            control.own_change = None
            return
        before = previous.mode.mode if previous is not None and previous.mode is not None else None
        outside = before is not None and reported is not before and reported is not own
        if outside:
            self._fire(Trigger.MODE_CHANGED, mode=str(reported), previous_mode=str(before))
        expected = control.settings.mode
        if reported is expected:
            issues.async_delete(runtime.hass, runtime.config_entry, issues.SETTINGS_RESET)
            return
        if unwatched:
            if expected is not None:
                LOGGER.warning(
                    "Marstek battery at %s reports mode %s, but %s was set: it may have been reset",
                    runtime.client.host,
                    reported,
                    expected,
                )
                issues.async_settings_reset(
                    runtime.hass, runtime.config_entry, str(reported), str(expected)
                )
            return
        if outside:
            # Someone chose another mode (the app, the battery's own logic): that is now the
            # intended mode, and passive mode is no longer Home Assistant's to keep alive.
            LOGGER.info(
                "Marstek battery at %s switched from %s to %s outside Home Assistant",
                runtime.client.host,
                before,
                reported,
            )
            control.settings.mode = reported
            if reported is not Mode.PASSIVE:
                control.stop_passive()
            issues.async_delete(runtime.hass, runtime.config_entry, issues.SETTINGS_RESET)
            await control.store.async_save(control.settings)

    async def _async_check_api_issue(self, offline_since: datetime) -> None:
        """Raise the "Open API" repair once the battery has been silent long enough."""
        if dt_util.utcnow() - offline_since < API_ISSUE_AFTER:
            return
        runtime = self._runtime
        host = runtime.client.host
        on_network = await runtime.hass.async_add_executor_job(self.neighbours, host)
        if on_network is False:
            # Gone from the network (off, out of range): not something the Open API explains.
            issues.async_delete(runtime.hass, runtime.config_entry, issues.API)
            return
        issues.async_api_silent(runtime.hass, runtime.config_entry, host, on_network is True)

    async def async_still_silent(self) -> None:
        """A recovery probe went unanswered: keep the "Open API" repair current."""
        if self.offline_since is not None:
            await self._async_check_api_issue(self.offline_since)
