"""The integration's traffic in a soak: one poller per battery, and the periodic discovery scan.

Each poller reads its battery the way the coordinator does: the tiers of ``POLL_EVERY`` in
``POLL_ORDER``, a batch abandoned when its first read gets nothing, lifetime energy totals
kept by the integration's own ``EnergyTotal``. The scan is the library's public ``discover``
on the pollers' port, run while they poll, and it follows a battery to a new IP address.
"""

from __future__ import annotations

import asyncio
import traceback
from collections import Counter
from collections.abc import Callable
from typing import Any

from custom_components.marstek_venus.const import POLL_EVERY, POLL_ORDER, Group
from custom_components.marstek_venus.energy import EnergyTotal
from custom_components.marstek_venus.polling import READERS
from custom_components.marstek_venus.pymarstek_venus import (
    FirmwareProfile,
    MarstekClient,
    MarstekConnectionError,
    MarstekError,
    MarstekMethodNotSupportedError,
    PvStatus,
    Timing,
    discover,
)
from simulator import SimulatedBattery, Simulator

from .soak_model import Findings, SoakConfig, Window

# The integration's limits for rejecting impossible counter jumps (energy_sensor.py, W).
BATTERY_MAX_POWER, PV_MAX_POWER, GRID_MAX_POWER = 3000.0, 5000.0, 50000.0
POLLED = (Group.ES, Group.MODE, Group.METER, Group.BATTERY, Group.PV)
_ENERGY: tuple[tuple[str, Group, float, Callable[[Any], float | None]], ...] = (
    ("battery_discharged", Group.ES, BATTERY_MAX_POWER, lambda es: es.ac_output_energy),
    ("battery_charged", Group.ES, BATTERY_MAX_POWER, lambda es: es.ac_input_energy),
    ("pv", Group.ES, PV_MAX_POWER, lambda es: es.pv_energy),
    ("grid_import", Group.METER, GRID_MAX_POWER, lambda meter: meter.import_energy),
    ("grid_export", Group.METER, GRID_MAX_POWER, lambda meter: meter.export_energy),
)


def readable_groups(profile: FirmwareProfile) -> set[Group]:
    """What the coordinator reads from this firmware (core and default optional groups).

    The firmware's method table decides, through the integration's own group readers.
    """
    return {group for group in POLLED if profile.answers(READERS[group].method)}


class Poller:
    """One battery's coordinator, reduced to what the soak checks."""

    def __init__(
        self, config: SoakConfig, sim: Simulator, battery: SimulatedBattery, port: int
    ) -> None:
        self.config = config
        self.sim = sim
        self.battery = battery
        self.name = f"{battery.profile.key}@{battery.host}"
        # The integration's defaults, except the gap, which the run's config names.
        self.client = MarstekClient(
            battery.host, port, timing=Timing(request_gap=config.request_gap)
        )
        self.windows: list[Window] = []
        self.pending_host: str | None = None
        self.groups: set[Group] = set()
        self._cycle = 0
        self._next_due: dict[Group, int] = {}
        self._stale: Counter[Group] = Counter()
        self._failed = 0
        self._totals = {
            name: EnergyTotal(f"{battery.ble_mac} {name}", power) for name, _, power, _ in _ENERGY
        }
        self._raw: dict[str, float] = {}
        self._pv: PvStatus | None = None  # the last PV reading, which ES decoding may need

    def now(self) -> float:
        return self.sim.clock.monotonic()

    async def start(self) -> None:
        await self.client.connect()
        await self.client.get_device()
        profile = self.client.profile
        assert profile is not None
        self.groups = readable_groups(profile)

    async def run(self, until: float, findings: Findings) -> None:
        """Poll every ``scan_interval`` until ``until``, like the coordinator's timer."""
        loop = asyncio.get_running_loop()
        while self.now() < until:
            started = loop.time()
            if self.pending_host is not None:
                self._follow(findings)
            await self.cycle(findings)
            await asyncio.sleep(max(0.0, started + self.config.scan_interval - loop.time()))

    def _follow(self, findings: Findings) -> None:
        """The integration updates an entry whose battery a scan found at a new IP."""
        host, self.pending_host = self.pending_host, None
        assert host is not None
        self.client.set_host(host)
        for window in self.windows:
            if window.kind == "ip_change" and window.end is None:
                window.end = self.now()
        findings.ip_changes_followed += 1

    async def cycle(self, findings: Findings) -> None:
        """One batch, as the coordinator reads it, then the soak's checks."""
        start = self.now()
        due = [
            group
            for group in POLL_ORDER
            if group in self.groups and self._next_due.get(group, 0) <= self._cycle
        ]
        fetched: dict[Group, Any] = {}
        answered = False
        for group in due:
            try:
                value = await READERS[group].read(self.client, self._pv)
            except MarstekMethodNotSupportedError:
                answered = True
                self.groups.discard(group)
                findings.learned_unsupported[f"{self.battery.profile.key} {group}"] += 1
            except MarstekConnectionError:
                if not answered:
                    break
            except MarstekError:
                answered = True
            except Exception:  # exactly what the soak is looking for
                findings.unhandled.append(f"{self.name}: {traceback.format_exc()}")
            else:
                answered = True
                fetched[group] = value
                if isinstance(value, PvStatus):
                    self._pv = value
            self._next_due[group] = self._cycle + POLL_EVERY[group]
        self._cycle += 1
        self._check(findings, start, due, fetched, answered)
        self._feed_energy(findings, fetched)

    def _check(
        self,
        findings: Findings,
        start: float,
        due: list[Group],
        fetched: dict[Group, Any],
        answered: bool,
    ) -> None:
        """Count cycles without data, but only those no fault overlapped."""
        findings.cycles += 1
        end = self.now()
        counted = not any(window.overlaps(start, end) for window in self.windows)
        findings.counted_cycles += counted
        self._failed = 0 if answered else self._failed + counted
        if counted and self._failed >= self.config.unavailable_after:
            findings.unavailable.append(f"{self.name}: {self._failed} failed cycles at {end:.0f} s")
        for group in due:
            if group in fetched:
                self._stale[group] = 0
            elif counted and group in self.groups:
                self._stale[group] += 1
                stale = self._stale[group]
                findings.longest_stale_after_fault = max(findings.longest_stale_after_fault, stale)
                if stale == self.config.unavailable_after + 1:
                    findings.stale_entities.append(
                        f"{self.name} {group}: no data for {stale} cycles at {end:.0f} s"
                    )

    def _feed_energy(self, findings: Findings, fetched: dict[Group, Any]) -> None:
        """Take counters into the never-decreasing totals, timed on the simulated clock."""
        now = self.sim.clock.now()
        for name, group, _, read in _ENERGY:
            source = fetched.get(group)
            if group is Group.METER and source is None and Group.MODE in fetched:
                source = fetched[Group.MODE].meter  # HMG-50: the CT block inside ES.GetMode
            value = read(source) if source is not None else None
            if value is None:
                continue
            if value < self._raw.get(name, 0.0):
                findings.counter_restarts += 1
            self._raw[name] = value
            total = self._totals[name]
            before = total.total
            total.add_counter(value / 1000, now)
            if before is not None and total.total is not None and total.total < before:
                findings.energy_decreases.append(
                    f"{self.name} {name}: {before:.4f} -> {total.total:.4f} kWh"
                )

    def energy_kwh(self) -> float:
        return sum(total.total or 0.0 for total in self._totals.values())


async def discovery_scans(
    config: SoakConfig,
    pollers: list[Poller],
    port: int,
    targets: list[str],
    findings: Findings,
) -> None:
    """The integration's scans, on the pollers' own port and while they poll.

    One at the start (Home Assistant scans at start-up, right on top of the first polls) and
    then every ``discovery_interval``. A battery found at a new address gets its entry
    updated. A scan that raises is a finding: the integration's scan must never fail.
    """
    by_mac = {poller.battery.ble_mac: poller for poller in pollers}
    while True:
        try:
            found = await discover([port], targets=targets)
        except Exception:  # what the soak is looking for
            findings.scan_errors.append(traceback.format_exc())
            found = []
        findings.scans += 1
        findings.scan_found.append(len(found))
        for device in found:
            poller = by_mac.get(device.ble_mac)
            if poller is not None and device.host != poller.client.host:
                poller.pending_host = device.host
        await asyncio.sleep(config.discovery_interval)
