"""The battery's internal self-consumption loops, run on each meter value (doc §3).

Every law is *integral*: it adds to the battery's present output rather than copying the
meter value, so the meter value must include the battery's own effect (§3, "Integral, not
proportional"). Signs: ``grid`` + = import; ``output`` and the returned setpoint are AC power,
+ = the battery delivers (discharges). ``step`` returns ``None`` when the law leaves the
output alone (inside its deadband, or between regulation gates).

What the doc gives, and the choices made here where it does not (all parameters are fields):

* HMG-50 (Venus C / E 2.0) `RampLaw`: deadband ±20 W, also holding at 0 <= g < 10 W import;
  one step per ~3000-tick gate (3 s at the assumed 1 kHz tick); step capped at 50 W near
  zero, rising through 100 / 200 to ~400 W as a direction counter reaches ±5, and never more
  than |g|; ±2500 W clamp. *Choices*: the counter-to-cap table is (50, 100, 100, 200, 400)
  for counts 1..5 (the doc names the values, not the mapping); the counter restarts at 1 on
  a change of direction and at 0 inside the deadband. The √|g² - ref²| + 10 cap, the spike
  filter and the 10-tick sign-flip debounce are not modelled (their reference values are not
  published).
* VNSE3-0 (Venus E 3.0): deadband ±10 W and "the same input gate, a different integer ramp"
  whose steps are not published. *Choice*: the HMG-50 ramp with the ±10 W deadband, no
  import-side hold, and whole-watt setpoints.
* VNSD-0 (Venus D) `IntegratorLaw`: ``setpoint += ratio·error - 5 W`` on every value, ratio
  100 % by default, deadband ±11 W (single phase; ±15 W on a combined value: pass
  ``deadband=15``), clamps +2200 / -800 W.
* B2500 `SlewLaw`: target = output + 0.9·grid, ±10 W hysteresis, output slews ~17 W per
  cycle, never below its ~80 W minimum DC output.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Protocol

from .meter_config import LawName


class ControlLaw(Protocol):
    """One battery's regulator: meter value in, new AC setpoint (or None: unchanged) out."""

    def step(self, grid: float, output: float, now: float) -> float | None:
        """React to one meter value at simulated time `now` (s, the battery's clock)."""
        ...

    def reset(self) -> None:
        """Forget the loop's memory (the meter went away)."""
        ...


def _clamp(value: float, low: float, high: float) -> float:
    return min(max(value, low), high)


@dataclass(slots=True)
class RampLaw:
    """A gated, gain-scheduled ramp (HMG-50; with other numbers, this simulator's VNSE3-0)."""

    deadband: float = 20.0
    hold_import_below: float = 10.0  # also hold when 0 <= g < this (W of import)
    gate: float = 3.0  # s between two regulation steps
    caps: tuple[float, ...] = (50.0, 100.0, 100.0, 200.0, 400.0)  # by direction count 1..5
    clamp: float = 2500.0
    whole_watts: bool = False
    _direction: int = field(default=0, init=False)
    _count: int = field(default=0, init=False)
    _last_step: float = field(default=-math.inf, init=False)

    def reset(self) -> None:
        self._direction = 0
        self._count = 0
        self._last_step = -math.inf

    def step(self, grid: float, output: float, now: float) -> float | None:
        if now - self._last_step < self.gate:
            return None
        if abs(grid) <= self.deadband or 0.0 <= grid < self.hold_import_below:
            self._count = 0
            return None
        direction = 1 if grid > 0 else -1
        self._count = min(self._count + 1, len(self.caps)) if direction == self._direction else 1
        self._direction = direction
        self._last_step = now
        change = direction * min(abs(grid), self.caps[self._count - 1])
        setpoint = _clamp(output + change, -self.clamp, self.clamp)
        return float(round(setpoint)) if self.whole_watts else setpoint


@dataclass(slots=True)
class IntegratorLaw:
    """Venus D: a near-unity integer integrator applied on every meter value."""

    deadband: float = 11.0
    ratio: float = 1.0  # 0.3 .. 1.0 in the firmware, default 1.0
    bias: float = 5.0  # W subtracted on every step
    max_discharge: float = 2200.0
    max_charge: float = 800.0

    def reset(self) -> None:
        """The integrator's state is the battery's output itself: nothing to forget."""

    def step(self, grid: float, output: float, now: float) -> float | None:
        if abs(grid) <= self.deadband:
            return None
        setpoint = round(output + self.ratio * grid - self.bias)
        return _clamp(float(setpoint), -self.max_charge, self.max_discharge)


@dataclass(slots=True)
class SlewLaw:
    """B2500: a target of output + 0.9·grid, reached at a limited slew rate."""

    deadband: float = 10.0
    gain: float = 0.9
    slew: float = 17.0  # W per cycle
    min_output: float = 80.0
    max_output: float = 800.0

    def reset(self) -> None:
        """Nothing is remembered between cycles."""

    def step(self, grid: float, output: float, now: float) -> float | None:
        if abs(grid) <= self.deadband:
            return None
        target = output + self.gain * grid
        moved = output + _clamp(target - output, -self.slew, self.slew)
        return _clamp(moved, self.min_output, self.max_output)


def make_law(name: LawName, deadband: float | None = None) -> ControlLaw:
    """A fresh law of family `name`; `deadband` overrides the family's own."""
    law: RampLaw | IntegratorLaw | SlewLaw
    if name is LawName.HMG50:
        law = RampLaw()
    elif name is LawName.VNSE3:
        law = RampLaw(deadband=10.0, hold_import_below=0.0, whole_watts=True)
    elif name is LawName.VNSD:
        law = IntegratorLaw()
    else:
        law = SlewLaw()
    if deadband is not None:
        law.deadband = deadband
    return law
