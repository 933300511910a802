"""Device load as the simulated batteries saw it, and the discovery scans that add to it.

A real installation does not only poll: it scans for batteries at start-up and in the background
(ours every 15 minutes), and every probe of a scan is one more request to each battery it
reaches. Scans are where the device-safety rules were broken in the field (issue 9: a probe
milliseconds after a poll request), so the poll scenario runs the library's own discovery while
it polls, and the load counts probes like any other request.

Every figure is taken from the batteries' side: what reached them, and, for the smallest gap,
the kernel's arrival stamps per client IP address (``SimulatedBattery.smallest_gap``), so a
probe from a library's separate discovery socket counts against its poll requests as it would
on a real device.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from custom_components.marstek_venus.pymarstek_venus import MarstekError
from simulator import SimulatedBattery

from .adapters import Adapter
from .stats import peak_count

PEAK_WINDOW = 10.0  # s, for the largest request rate
PROBE_METHOD = "Marstek.GetDevice"  # what every library's discovery sends


def device_load(batteries: list[SimulatedBattery]) -> dict[str, Any]:
    """Requests (and of them probes), smallest gap, peak rate and violations of a fleet."""
    requests = [record for battery in batteries for record in battery.requests]
    peak = max(
        (peak_count([r.time for r in b.requests], PEAK_WINDOW) for b in batteries), default=0
    )
    gaps = [battery.smallest_gap for battery in batteries if battery.smallest_gap is not None]
    violations = Counter(str(v.kind) for battery in batteries for v in battery.violations)
    return {
        "requests": len(requests),
        "probes": sum(record.method == PROBE_METHOD for record in requests),
        "smallest_gap": min(gaps, default=None),
        "peak_requests_per_10s": peak,
        "violations": dict(violations),
    }


@dataclass(slots=True)
class Scanner:
    """Runs ``adapter.discover(targets)`` now and every ``every`` seconds until stopped.

    The first scan starts with the poll phase, as a Home Assistant start-up scan meets the
    first poll. A scan that has started is never cut short; the next one starts ``every``
    seconds after the previous one started (at once if that one took longer).
    """

    adapter: Adapter
    targets: list[str]
    every: float
    found: list[int] = field(default_factory=list)
    errors: int = 0
    unsupported: bool = False

    async def run(self, stop: asyncio.Event) -> None:
        loop = asyncio.get_running_loop()
        due = loop.time()
        while not stop.is_set():
            wait = due - loop.time()
            if wait > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), wait)
                if stop.is_set():
                    return
            due += self.every
            try:
                found = await self.adapter.discover(self.targets)
            except (OSError, MarstekError):  # a socket that could not be bound, and the like
                self.errors += 1
                continue
            if found is None:  # this library cannot be pointed at the batteries
                self.unsupported = True
                return
            self.found.append(found)

    def as_dict(self) -> dict[str, Any]:
        if self.unsupported:
            return {"scans": None, "scan_every": self.every}
        return {
            "scans": len(self.found) + self.errors,
            "scan_every": self.every,
            "scan_found": self.found,
            "scan_errors": self.errors,
            "scan_targets": len(self.targets),
        }
