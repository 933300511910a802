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

A counter can also be present and dead. Venus A/D before 150 send their meter counters as a
constant 0, and some Venus E builds freeze their grid totals while power flows (§2.6, §2.9).
Counters a firmware profile knows to be dead never get here (the decoder reports them as
None). For the others, :meth:`EnergyTotal.add_sample` watches the counter against the power
of the same flow: when the counter stays flat while that power clearly flows (at least
``STALL_POWER``) for ``STALL_SECONDS`` in all, and more than a few counter steps' worth of
energy went by, the counter is declared stalled. The total then adds what flowed while the
counter stood still, integrates the power from there on, and says so in the log once.
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
# A flat counter proves nothing while the flow is small: below this much power (W) the
# battery's ongrid_power idles and meters hover around zero.
STALL_POWER = 25.0
# How long (s, summed over polls) the flow must have been clearly non-zero with the counter
# flat, and how much energy (kWh) must have flowed meanwhile, before the counter is declared
# stalled. The energy must also be several counter steps, so that a coarse counter (100 Wh
# steps on Venus E 2.0 >= 154) is not taken for a stalled one between two steps.
STALL_SECONDS = 600.0
STALL_ENERGY = 0.02
STALL_STEPS = 3


@dataclass(slots=True)
class EnergyTotal:
    """One lifetime energy total in kWh, fed with device counters or power samples."""

    name: str  # for log messages only
    max_power: float  # W; the most the counted flow can physically be
    counter_step: float = 0.0  # kWh, the device counter's resolution (one raw unit)
    total: float | None = None  # kWh, what Home Assistant shows
    baseline: float | None = None  # kWh, the last accepted device counter
    baseline_at: datetime | None = None  # when the last plausible reading came
    pending: float | None = None  # kWh, a rejected counter that may be a new baseline
    pending_at: datetime | None = None
    last_power: float | None = None  # W, the previous sample for the trapezoid rule
    last_power_at: datetime | None = None
    # The counter was found stalled (on this firmware): the power is integrated instead.
    counter_stalled: bool = False
    stalled_firmware: int | None = None
    # Watching the counter for a stall: its last reading, the last power sample, and how
    # long / how much the flow ran since the counter last moved.
    watch_counter: float | None = None
    watch_power: float | None = None
    watch_at: datetime | None = None
    stall_seconds: float = 0.0
    stall_energy: float = 0.0  # kWh

    def _plausible(self, increase: float, since: datetime | None, now: datetime) -> bool:
        """Whether the counter can have risen by ``increase`` kWh since ``since``."""
        if increase < 0:
            return False
        if since is None:
            return increase <= COUNTER_STEP_SLACK
        hours = max((now - since).total_seconds(), 0.0) / 3600
        return increase <= self.max_power * POWER_MARGIN * hours / 1000 + COUNTER_STEP_SLACK

    def add_sample(
        self, counter: float | None, power: float | None, now: datetime, firmware: int | None
    ) -> bool:
        """Take one reading; return whether the total changed.

        ``counter`` is the device counter in kWh (None: there is none), ``power`` the power
        of the same flow in W (None: unknown), ``firmware`` the battery's ``ver``.

        Once the counter is found stalled, the total stays integrated for as long as the
        battery runs this firmware, across restarts too (the switch is stored with the
        total). Going back to the counter when it moves again would count twice whatever a
        frozen counter catches up with, and a counter that moves only now and then would
        flap between the two sources; integration is always right, if less exact. A
        firmware update may fix the counter, so new firmware gets a fresh chance: the
        counter's next reading becomes a new baseline (integration dropped the old one), so
        nothing integrated is counted again.
        """
        if self.counter_stalled and firmware is not None and firmware != self.stalled_firmware:
            _LOGGER.info(
                "%s: firmware %s replaced %s; using the device counter again",
                self.name,
                firmware,
                self.stalled_firmware,
            )
            self.counter_stalled, self.stalled_firmware = False, None
        if counter is None or self.counter_stalled:
            return power is not None and self.add_power(power, now)
        changed = self.add_counter(counter, now)
        if power is not None and self._watch(counter, power, now):
            self._switch_to_power(power, now, firmware)
            return True
        return changed

    def _watch(self, counter: float, power: float, now: datetime) -> bool:
        """Whether the counter now counts as stalled, given this reading."""
        power = max(power, 0.0)
        previous, previous_power, previous_at = self.watch_counter, self.watch_power, self.watch_at
        self.watch_counter, self.watch_power, self.watch_at = counter, power, now
        if previous is None or counter != previous:
            # The counter moves (or this is its first reading): it works.
            self.stall_seconds = self.stall_energy = 0.0
            return False
        if previous_power is None or previous_at is None:
            return False
        seconds = (now - previous_at).total_seconds()
        if 0 < seconds <= MAX_INTEGRATION_GAP and min(previous_power, power) >= STALL_POWER:
            self.stall_seconds += seconds
            self.stall_energy += (previous_power + power) / 2 * seconds / 3_600_000
        return self.stall_seconds >= STALL_SECONDS and self.stall_energy >= max(
            STALL_ENERGY, STALL_STEPS * self.counter_step
        )

    def _switch_to_power(self, power: float, now: datetime, firmware: int | None) -> None:
        """Stop trusting the counter: add what it missed, integrate from this sample on."""
        assert self.total is not None  # add_counter ran first
        missed = self.stall_energy
        _LOGGER.info(
            "%s: the device counter stayed at %.3f kWh for %.0f minutes while %.3f kWh flowed; "
            "counting this total from power readings from now on",
            self.name,
            self.watch_counter,
            self.stall_seconds / 60,
            missed,
        )
        self.total += missed
        self.counter_stalled, self.stalled_firmware = True, firmware
        self.baseline = self.baseline_at = self.pending = self.pending_at = None
        self._reset_watch()
        self.last_power, self.last_power_at = max(power, 0.0), now

    def _reset_watch(self) -> None:
        self.watch_counter = self.watch_power = self.watch_at = None
        self.stall_seconds = self.stall_energy = 0.0

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
        self._reset_watch()
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
        if self.baseline is not None:
            # Energy is now counted without the device counter (it went missing, or its
            # firmware is known to send 0). Its baseline is stale from here on: should the
            # counter come back, its next reading starts a new one instead of adding all it
            # counted meanwhile a second time.
            _LOGGER.info(
                "%s: no usable device counter any more; integrating power from now on", self.name
            )
            self.baseline = self.baseline_at = self.pending = self.pending_at = None
        self.total += energy
        return True

    def as_dict(self) -> dict[str, Any]:
        """What a restart needs to continue (the power sample is deliberately left out)."""
        return {
            "total": self.total,
            "baseline": self.baseline,
            "baseline_at": self.baseline_at.isoformat() if self.baseline_at else None,
            "counter_stalled": self.counter_stalled,
            "stalled_firmware": self.stalled_firmware,
        }

    def restore(self, data: dict[str, Any]) -> None:
        """Continue from :meth:`as_dict` output; anything malformed is ignored."""
        total = data.get("total")
        if not isinstance(total, int | float) or isinstance(total, bool) or total < 0:
            return
        self.total = float(total)
        if data.get("counter_stalled") is True:
            firmware = data.get("stalled_firmware")
            self.counter_stalled = True
            self.stalled_firmware = (
                firmware if isinstance(firmware, int) and not isinstance(firmware, bool) else None
            )
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
