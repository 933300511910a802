"""The fault schedule of a soak run: what goes wrong, on which battery, when, for how long.

Times are simulated seconds from the start of the run. Every kind of fault appears at least
once in any run (the CI soak included); longer runs get about one fault per battery every two
simulated hours. The schedule is reproducible from its seed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

# kind -> (shortest, longest) duration in simulated seconds
DURATIONS: dict[str, tuple[float, float]] = {
    "loss_burst": (300.0, 1200.0),  # 50 % loss both ways
    "silence": (120.0, 600.0),  # Open API off: nothing answered
    "reboot_reset": (60.0, 180.0),  # reboot; lifetime counters restart from zero
    "contention_burst": (300.0, 900.0),  # 30 % of requests answered "CT busy" (-32700/403)
    "duplicate_burst": (600.0, 1800.0),  # half of all replies sent twice
}
# Faults after which entities may be without data for a while; a duplicate burst is not one:
# duplicates must never cost a reading.
OUTAGES = frozenset({"loss_burst", "silence", "reboot_reset", "contention_burst", "ip_change"})
HOURS_PER_FAULT = 2.0  # per battery, on average


@dataclass(frozen=True, slots=True)
class FaultEvent:
    """One fault on one battery."""

    battery: int
    kind: str
    start: float  # simulated seconds from the start of the run
    duration: float  # simulated seconds (an IP change lasts until the battery is found again)

    @property
    def end(self) -> float:
        return self.start + self.duration

    @property
    def is_outage(self) -> bool:
        return self.kind in OUTAGES


def plan_faults(hours: float, batteries: int, seed: int = 1) -> list[FaultEvent]:
    """A reproducible schedule covering every kind of fault, sorted by start time."""
    if batteries < 1 or hours <= 0:
        raise ValueError("a soak needs at least one battery and a positive duration")
    rng = random.Random(seed)
    total = hours * 3600
    kinds = list(DURATIONS)
    count = max(len(kinds), round(batteries * hours / HOURS_PER_FAULT))
    events = []
    for index in range(count):
        kind = kinds[index % len(kinds)]
        shortest, longest = DURATIONS[kind]
        duration = min(rng.uniform(shortest, longest), 0.2 * total)
        start = rng.uniform(0.05 * total, 0.9 * total - duration)
        events.append(FaultEvent(rng.randrange(batteries), kind, start, duration))
    # DHCP hands out new addresses: one battery early, another late in the run.
    events.append(FaultEvent(0, "ip_change", 0.3 * total, 0.0))
    if batteries > 1:
        events.append(FaultEvent(batteries // 2, "ip_change", 0.65 * total, 0.0))
    return sorted(events, key=lambda event: event.start)
