"""Lifetime energy totals for the Energy panel that never decrease.

A battery's own counters are not trustworthy enough to be handed to Home Assistant as they
are (marstek-open-api.md §2.6, §3.4): they restart from zero when the unit reboots or is
reset, some Venus A builds report a spurious 0 now and then, and a wrong scale factor turns
a reading into a jump of orders of magnitude. Home Assistant's ``total_increasing`` would
take any drop as a meter reset and add the whole new value again, so a single bad reading
would put hundreds of kWh into the Energy panel.

:class:`EnergyTotal` therefore keeps its own total and only adds *plausible* increases of the
device counter: never more than the device could have moved at ``max_power`` since the last
accepted reading (a catch-up after a frozen counter counts as a jump too: under-counting is
better than a spike that stays in the statistics forever). A reading that breaks the rule is rejected and logged. If the device keeps
counting from the new level (a second reading that is plausible relative to the rejected
one), the new level becomes the baseline: the total continues from where it was, and the
energy counted before the reset is not lost (the offset between our total and the device
counter simply changes).

Where the firmware has no counter at all, the total integrates a power reading between
polls (trapezoid rule). Samples further apart than ``MAX_INTEGRATION_GAP`` are not bridged:
nobody knows what the battery did while it was unreachable or Home Assistant was stopped.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

_LOGGER = logging.getLogger(__name__)

# Do not integrate power across a gap longer than this (seconds).
MAX_INTEGRATION_GAP = 900.0
# Counters move in steps (100 Wh on Venus E 2.0 >= 154), so a single step of up to this much
# is always plausible, however short the time since the last reading (kWh).
COUNTER_STEP_SLACK = 0.2
# Headroom on top of max_power for rounding and clock jitter between polls.
POWER_MARGIN = 1.5


@dataclass(slots=True)
class EnergyTotal:
    """One lifetime energy total in kWh, fed with device counters or power samples."""

    name: str  # for log messages only
    max_power: float  # W; the most the counted flow can physically be
    total: float | None = None  # kWh, what Home Assistant shows
    baseline: float | None = None  # kWh, the last accepted device counter
    baseline_at: datetime | None = None  # when the last plausible reading came
    pending: float | None = None  # kWh, a rejected counter that may be a new baseline
    pending_at: datetime | None = None
    last_power: float | None = None  # W, the previous sample for the trapezoid rule
    last_power_at: datetime | None = None

    def _plausible(self, increase: float, since: datetime | None, now: datetime) -> bool:
        """Whether the counter can have risen by ``increase`` kWh since ``since``."""
        if increase < 0:
            return False
        if since is None:
            return increase <= COUNTER_STEP_SLACK
        hours = max((now - since).total_seconds(), 0.0) / 3600
        return increase <= self.max_power * POWER_MARGIN * hours / 1000 + COUNTER_STEP_SLACK

    def add_counter(self, value: float, now: datetime) -> bool:
        """Take a device counter reading in kWh; return whether the total changed."""
        # Switching from integration to a counter: the next power sample starts afresh.
        self.last_power = self.last_power_at = None
        if self.baseline is None:
            # First reading ever, or after a restore without a baseline: the device counter
            # is the natural start for a fresh total; an existing total just continues.
            self.baseline, self.baseline_at = value, now
            if self.total is None:
                self.total = value
                return True
            return False
        assert self.total is not None
        increase = value - self.baseline
        if self._plausible(increase, self.baseline_at, now):
            self.pending = self.pending_at = None
            self.total += increase
            self.baseline, self.baseline_at = value, now
            return increase > 0
        if self.pending is not None and self._plausible(value - self.pending, self.pending_at, now):
            # The device keeps counting from the new level: it was reset (reboot, factory
            # reset) or rescaled, not a one-off glitch. Continue the total from where it was.
            _LOGGER.info(
                "%s: the device counter restarted at %.3f kWh (was %.3f kWh); the total "
                "continues from %.3f kWh",
                self.name,
                self.pending,
                self.baseline,
                self.total,
            )
            added = value - self.pending
            self.total += added
            self.baseline, self.baseline_at = value, now
            self.pending = self.pending_at = None
            return added > 0
        _LOGGER.info(
            "%s: ignoring an implausible counter reading of %.3f kWh (last accepted %.3f kWh)",
            self.name,
            value,
            self.baseline,
        )
        self.pending, self.pending_at = value, now
        return False

    def add_power(self, power: float, now: datetime) -> bool:
        """Integrate a power sample in W (only its positive part counts)."""
        power = max(power, 0.0)
        previous, previous_at = self.last_power, self.last_power_at
        self.last_power, self.last_power_at = power, now
        if self.total is None:
            self.total = 0.0
        if previous is None or previous_at is None:
            return False
        seconds = (now - previous_at).total_seconds()
        if seconds <= 0 or seconds > MAX_INTEGRATION_GAP:
            return False
        energy = (previous + power) / 2 * seconds / 3_600_000  # W·s -> kWh
        if energy <= 0:
            return False
        self.total += energy
        return True

    def as_dict(self) -> dict[str, Any]:
        """What a restart needs to continue (the power sample is deliberately left out)."""
        return {
            "total": self.total,
            "baseline": self.baseline,
            "baseline_at": self.baseline_at.isoformat() if self.baseline_at else None,
        }

    def restore(self, data: dict[str, Any]) -> None:
        """Continue from :meth:`as_dict` output; anything malformed is ignored."""
        total = data.get("total")
        if not isinstance(total, int | float) or isinstance(total, bool) or total < 0:
            return
        self.total = float(total)
        baseline = data.get("baseline")
        baseline_at = data.get("baseline_at")
        if isinstance(baseline, int | float) and not isinstance(baseline, bool):
            self.baseline = float(baseline)
            try:
                self.baseline_at = (
                    datetime.fromisoformat(baseline_at) if isinstance(baseline_at, str) else None
                )
            except ValueError:
                self.baseline_at = None
