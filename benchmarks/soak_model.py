"""What a soak run is set up with, and what it finds.

All durations are seconds on the run's virtual clock (benchmarks/virtual_time.py), which is
also the simulated batteries' clock: one virtual second is one simulated second.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from custom_components.marstek_venus.const import (
    DEFAULT_REQUEST_GAP,
    DEFAULT_SCAN_INTERVAL,
    DEFAULT_UNAVAILABLE_AFTER,
    DISCOVERY_INTERVAL,
)


@dataclass(slots=True)
class SoakConfig:
    """A soak run: the integration's own constants, a fleet, and the faults thrown at it."""

    hours: float = 24.0
    batteries: int = 10
    seed: int = 1
    hostile_rate: float = 0.25  # datagrams per second at the client's socket
    forge_share: float = 0.02  # of those, forged replies to requests in flight
    background_loss: float = 0.02
    background_duplicates: float = 0.02
    background_contention: float = 0.01
    latency: float = 0.15  # s before a battery's reply leaves
    jitter: float = 0.05
    scan_interval: float = float(DEFAULT_SCAN_INTERVAL)  # s between poll cycles
    request_gap: float = DEFAULT_REQUEST_GAP  # s between two requests to one battery
    unavailable_after: int = DEFAULT_UNAVAILABLE_AFTER
    # Discovery scans run at the start (as at Home Assistant's start-up, on top of the first
    # polls) and then every this many seconds, while the batteries are being polled.
    discovery_interval: float = DISCOVERY_INTERVAL.total_seconds()
    min_gap: float = 0.3  # s: the device's own limit (CT mutex window), judged per client IP

    @property
    def duration(self) -> float:
        """Seconds of the run."""
        return self.hours * 3600


@dataclass(slots=True)
class Window:
    """A fault on one battery, in seconds; ``end`` None while it lasts."""

    kind: str
    start: float
    end: float | None = None

    def overlaps(self, start: float, end: float) -> bool:
        return self.start <= end and (self.end is None or self.end >= start)


@dataclass(slots=True)
class Findings:
    """Everything a soak counts, over the whole fleet."""

    cycles: int = 0
    counted_cycles: int = 0
    unhandled: list[str] = field(default_factory=list)
    stale_entities: list[str] = field(default_factory=list)
    unavailable: list[str] = field(default_factory=list)
    longest_stale_after_fault: int = 0
    energy_decreases: list[str] = field(default_factory=list)
    counter_restarts: int = 0
    faults: Counter[str] = field(default_factory=Counter)
    ip_changes_followed: int = 0
    learned_unsupported: Counter[str] = field(default_factory=Counter)
    scans: int = 0
    scan_found: list[int] = field(default_factory=list)  # batteries each scan found
    scan_errors: list[str] = field(default_factory=list)
