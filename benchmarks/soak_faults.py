"""Applies a soak's fault schedule (benchmarks/faultplan.py) to the simulated fleet.

Background faults (a little loss, duplicates and CT contention) are always on; the planned
ones come and go on the clock, and each outage opens a window on its battery's poller, so
that cycles it overlaps are not held against the integration.
"""

from __future__ import annotations

import asyncio
from collections import Counter

from simulator import Faults

from .faultplan import FaultEvent
from .soak_model import Findings, SoakConfig, Window
from .soak_poller import Poller


class FaultDriver:
    """Applies the fault schedule to the fleet and opens the pollers' fault windows."""

    def __init__(self, config: SoakConfig, pollers: list[Poller], spare_hosts: list[str]) -> None:
        self.config = config
        self.pollers = pollers
        self.spare_hosts = spare_hosts
        self._active: list[Counter[str]] = [Counter() for _ in pollers]

    def background(self) -> Faults:
        config = self.config
        return Faults(
            loss=config.background_loss,
            latency=config.latency,
            jitter=config.jitter,
            duplicate_replies=config.background_duplicates,
            ct_contention=config.background_contention,
        )

    def _apply(self, index: int) -> None:
        active = self._active[index]
        faults = self.pollers[index].battery.faults
        base = self.background()
        faults.loss = 0.5 if active["loss_burst"] else base.loss
        faults.ct_contention = 0.3 if active["contention_burst"] else base.ct_contention
        faults.duplicate_replies = 0.5 if active["duplicate_burst"] else base.duplicate_replies
        faults.silent = bool(active["silence"])

    async def run(self, events: list[FaultEvent], origin: float, findings: Findings) -> None:
        clock = self.pollers[0].sim.clock
        timeline = [(event.start, True, event) for event in events]
        timeline += [(event.end, False, event) for event in events if event.kind != "ip_change"]
        timeline.sort(key=lambda item: item[0])
        for at, begins, event in timeline:
            delay = origin + at - clock.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            poller = self.pollers[event.battery]
            if not begins:
                self._active[event.battery][event.kind] -= 1
                self._apply(event.battery)
                continue
            findings.faults[event.kind] += 1
            now = clock.monotonic()
            if event.kind == "ip_change":
                poller.windows.append(Window(event.kind, now))
                await poller.battery.change_ip(self.spare_hosts[event.battery])
                continue
            if event.is_outage:
                poller.windows.append(Window(event.kind, now, now + event.duration))
            if event.kind == "reboot_reset":
                poller.battery.reboot(reset_counters=True, duration=event.duration)
                continue
            self._active[event.battery][event.kind] += 1
            self._apply(event.battery)
