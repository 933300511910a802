"""A scripted household: a base load, appliance events and PV ramps, on a timeline in seconds.

It closes the meter loop: the battery's physics take the house load and PV from it, and
``grid = load - battery output - PV`` is what a meter reports (physics.py computes it).
Deterministic: a pure function of the seconds since ``start`` (the RTC moment of t = 0; set
when the household is given to a battery, unless fixed beforehand).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Final


@dataclass(frozen=True, slots=True)
class Step:
    """The load changes by `watts` at `at` and stays changed (a heater switched on)."""

    at: float
    watts: float

    def load(self, t: float) -> float:
        return self.watts if t >= self.at else 0.0


@dataclass(frozen=True, slots=True)
class Appliance:
    """`watts` from `at` for `duration` seconds; `kettle` is the common case."""

    at: float
    duration: float
    watts: float

    def load(self, t: float) -> float:
        return self.watts if self.at <= t < self.at + self.duration else 0.0


def kettle(at: float, watts: float = 2000.0, duration: float = 150.0) -> Appliance:
    """A kettle: about 2 kW for two and a half minutes."""
    return Appliance(at, duration, watts)


@dataclass(frozen=True, slots=True)
class WashingMachine:
    """A 40 °C cycle: fill, heat, a drum turning both ways, then a spin.

    Phases from `at`: 120 s filling (valve and electronics, 10 W), `heat_duration` s heating at
    `heat_watts`, `wash_duration` s of the drum alternating 30 s at 150 W and 30 s at 350 W,
    then `spin_duration` s spinning at 500 W.
    """

    at: float
    heat_watts: float = 2000.0
    heat_duration: float = 600.0
    wash_duration: float = 1200.0
    spin_duration: float = 300.0

    def load(self, t: float) -> float:
        elapsed = t - self.at
        if elapsed < 0:
            return 0.0
        if elapsed < 120.0:
            return 10.0
        elapsed -= 120.0
        if elapsed < self.heat_duration:
            return self.heat_watts
        elapsed -= self.heat_duration
        if elapsed < self.wash_duration:
            return 150.0 if int(elapsed // 30.0) % 2 == 0 else 350.0
        elapsed -= self.wash_duration
        return 500.0 if elapsed < self.spin_duration else 0.0


type LoadEvent = Step | Appliance | WashingMachine


@dataclass(frozen=True, slots=True)
class PvRamp:
    """PV goes linearly from `from_watts` at `start` to `to_watts` at `end`, then stays there
    until the next ramp starts (a sunrise, a passing cloud)."""

    start: float
    end: float
    from_watts: float
    to_watts: float

    def at(self, t: float) -> float:
        if t >= self.end or self.end <= self.start:
            return self.to_watts
        share = (t - self.start) / (self.end - self.start)
        return self.from_watts + (self.to_watts - self.from_watts) * share


@dataclass(frozen=True, slots=True)
class Household:
    """House load and PV over time: ``base_load`` plus every event, and the PV ramps."""

    base_load: float = 300.0
    events: tuple[LoadEvent, ...] = ()
    pv: tuple[PvRamp, ...] = ()
    base_pv: float = 0.0  # W before the first ramp
    start: datetime | None = None

    def anchored(self, start: datetime) -> Household:
        """This household with t = 0 at RTC time `start` (kept if already anchored)."""
        return self if self.start is not None else replace(self, start=start)

    def load_at(self, t: float) -> float:
        """W consumed `t` seconds after the start."""
        return self.base_load + sum(event.load(t) for event in self.events)

    def pv_at(self, t: float) -> float:
        """W of PV `t` seconds after the start."""
        current = self.base_pv
        for ramp in sorted(self.pv, key=lambda r: r.start):
            if ramp.start > t:
                break
            current = ramp.at(t)
        return max(current, 0.0)

    def _seconds(self, now: datetime) -> float:
        return 0.0 if self.start is None else (now - self.start).total_seconds()

    def load(self, now: datetime) -> float:
        return self.load_at(self._seconds(now))

    def solar(self, now: datetime) -> float:
        return self.pv_at(self._seconds(now))


def step_household(watts: float = 500.0, at: float = 60.0, base_load: float = 300.0) -> Household:
    """A constant load with one step of `watts` at `at` seconds (the settling-time scenario)."""
    return Household(base_load, (Step(at, watts),))


def demo_household() -> Household:
    """One hour of a house: a 500 W step, a kettle, a washing machine, PV rising, a cloud.

    Minute 5: +500 W for ten minutes; minute 12: a kettle; minute 20: the washing machine
    (heating to minute 32, washing to minute 52, spin to minute 57). PV ramps from 0 to
    1500 W over minutes 10-30, a cloud takes it to 300 W over minutes 40-42, and it is back to
    1300 W by minute 48.
    """
    minute = 60.0
    return Household(
        base_load=250.0,
        events=(
            Appliance(5 * minute, 10 * minute, 500.0),
            kettle(12 * minute),
            WashingMachine(20 * minute),
        ),
        pv=(
            PvRamp(10 * minute, 30 * minute, 0.0, 1500.0),
            PvRamp(40 * minute, 42 * minute, 1500.0, 300.0),
            PvRamp(45 * minute, 48 * minute, 300.0, 1300.0),
        ),
    )


#: Named households for the CLI's ``--household``.
HOUSEHOLDS: Final = {"demo": demo_household, "step500": step_household}
