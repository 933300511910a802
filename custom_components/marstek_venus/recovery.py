"""A battery that stopped answering: gentle probes instead of polling, and a targeted scan.

Polling a battery that does not answer spends the whole retry budget on the first read of
every cycle: two datagrams per attempt, three attempts, about 13.5 s, every cycle (about 500
datagrams an hour at the default 30 s interval), for as long as its Open API stays off. And a
battery that got a new address from DHCP was only found again by the 15-minute background scan.

So once ``unavailable_after`` cycles in a row got no answer at all (the moment the battery
shows as unavailable), the coordinator stops polling and hands over to ``Recovery``:

* a gentle probe: one ``Marstek.GetDevice`` datagram (no resend, no retry), 15 s, 45 s and
  105 s after polling stopped, then once a minute;
* a targeted scan: the library's paced discovery on the battery's own port, the answers
  filtered by its BLE MAC, at once and then 1, 2, 4 and 8 minutes later. After that the
  15-minute background scan (``__init__.py``) keeps looking, as it does for every battery;
* the Open API repair issue, kept current after every unanswered probe.

The first answer ends it: a battery the scan found at another address is followed there
(client and entry, logged at INFO), and full polling resumes at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from homeassistant.const import CONF_HOST
from homeassistant.core import CALLBACK_TYPE, callback
from homeassistant.helpers.event import async_call_later

from .const import LOGGER
from .discovery import async_find_device, log_moved
from .hostname import async_follow_host_name, is_host_name
from .identity import BatteryIdentity
from .pymarstek_venus import DeviceInfo, MarstekConnectionError, MarstekError
from .runtime import MarstekRuntime


@dataclass(frozen=True, slots=True)
class RecoveryTiming:
    """Seconds between the steps of a recovery, counted from when polling stopped.

    ``probes``: before each gentle probe; the last value repeats (at most one a minute).
    ``scans``: before each targeted scan; none after the last.
    """

    probes: tuple[float, ...] = (15.0, 30.0, 60.0)
    scans: tuple[float, ...] = (0.0, 60.0, 120.0, 240.0, 480.0)


class Recovery:
    """Watches one silent battery until it answers; owned by its coordinator."""

    def __init__(
        self,
        coordinator: MarstekRuntime,
        identity: BatteryIdentity,
        *,
        still_silent: Callable[[], Awaitable[None]],
        timing: RecoveryTiming | None = None,
    ) -> None:
        """Idle until ``start``; ``still_silent``: a probe went unanswered."""
        self._coordinator = coordinator
        self._identity = identity
        self._still_silent = still_silent
        self.timing = timing or RecoveryTiming()
        self.active = False
        self._probe_step = 0
        self._scan_step = 0
        self._timers: dict[str, CALLBACK_TYPE] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}

    @callback
    def start(self) -> None:
        """Polling stopped: probe and scan on the schedule (nothing happens if running)."""
        if self.active:
            return
        self.active = True
        self._probe_step = self._scan_step = 0
        LOGGER.debug(
            "Marstek battery at %s: polling paused; probing it gently until it answers",
            self._coordinator.client.host,
        )
        self._schedule("probe", self.timing.probes, self._probe_step)
        self._schedule("scan", self.timing.scans, self._scan_step)

    @callback
    def stop(self) -> None:
        """Cancel what is scheduled or running (except the caller's own task)."""
        self.active = False
        for cancel in self._timers.values():
            cancel()
        self._timers.clear()
        current = asyncio.current_task()
        for task in self._tasks.values():
            if task is not current:
                task.cancel()
        self._tasks.clear()

    def _schedule(self, kind: str, delays: tuple[float, ...], step: int) -> None:
        if kind == "scan" and step >= len(delays):
            return  # the background scan carries on from here
        delay = delays[min(step, len(delays) - 1)]

        @callback
        def due(_now: datetime) -> None:
            self._timers.pop(kind, None)
            # The next step is counted from this moment, however long this one takes.
            if kind == "probe":
                self._probe_step += 1
                self._schedule(kind, delays, self._probe_step)
                self._spawn(kind, self._async_probe())
            else:
                self._scan_step += 1
                self._schedule(kind, delays, self._scan_step)
                self._spawn(kind, self._async_scan())

        self._timers[kind] = async_call_later(self._coordinator.hass, delay, due)

    def _spawn(self, kind: str, job: Coroutine[Any, Any, None]) -> None:
        if kind in self._tasks:
            job.close()  # the previous one is still running: skip this turn
            return
        coordinator = self._coordinator
        task = coordinator.config_entry.async_create_background_task(
            coordinator.hass, job, f"marstek_venus {kind} {coordinator.client.host}"
        )
        if task.done():
            return  # it ran to its end at once (tasks start eagerly)
        self._tasks[kind] = task
        task.add_done_callback(partial(self._forget, kind))

    def _forget(self, kind: str, task: asyncio.Task[None]) -> None:
        if self._tasks.get(kind) is task:
            del self._tasks[kind]

    async def _async_probe(self) -> None:
        """One GetDevice datagram; any answer means the Open API is back."""
        coordinator = self._coordinator
        # A battery stored by host name may answer under a new address of that name.
        await async_follow_host_name(coordinator.config_entry, coordinator.client)
        try:
            device: DeviceInfo | None = await coordinator.client.get_device(single=True)
        except MarstekConnectionError:
            await self._still_silent()
            return
        except MarstekError:
            device = None  # an error reply ("busy"): it is listening again
        await self._async_answered(device)

    async def _async_scan(self) -> None:
        """Broadcast for our BLE MAC; follow the battery if it answers at another address."""
        coordinator = self._coordinator
        entry = coordinator.config_entry
        if entry.unique_id is None:
            return
        device = await async_find_device(coordinator.hass, entry.unique_id, coordinator.client.port)
        if device is None or not self.active:
            return
        if device.host != coordinator.client.host:
            log_moved(device.ble_mac, coordinator.client.host, device.host)
            coordinator.client.set_host(device.host)
            if not is_host_name(str(entry.data[CONF_HOST])):
                # A stored host name stays: the user chose to follow the name.
                coordinator.hass.config_entries.async_update_entry(
                    entry, data={**entry.data, CONF_HOST: device.host}
                )
        await self._async_answered(device)

    async def _async_answered(self, device: DeviceInfo | None) -> None:
        """The battery answered (with its GetDevice answer, if it sent one): poll at once."""
        if not self.active:
            return
        if device is not None:
            if not self._identity.is_ours(device):
                # Another battery answers at our address (DHCP gave it ours): keep looking.
                LOGGER.debug("Another battery answers at %s", self._coordinator.client.host)
                return
            self._identity.accept(device)
        self.stop()
        await self._coordinator.async_refresh()
