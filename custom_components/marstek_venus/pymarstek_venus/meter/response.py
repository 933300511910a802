"""How a battery's own loop answers a meter value: the emulated meter's model of each law.

The battery's output is read over the Open API only now and then (gently, once a minute, while
it follows the meter), but the meter knows every value it answered since. Each model below
moves a copy of the battery's output the way that battery's loop moves the real one
(meter-emulation.md §3), so that the shares of several batteries (fleet.py) know where each
battery stands between two reads. The models are *estimates*: a read replaces the estimate
with the battery's real output, so an error lasts until the next read at most.

* HMG-50 (Venus C / E 2.0), `GatedRamp`: a step at most once per ~3 s gate; deadband ±20 W,
  also holding while 0 ≤ g < 10 W of import; the step is at most |g| and at most a cap that
  starts at 50 W and grows through 100 and 200 to ~400 W while the steps keep one direction
  (a direction counter up to 5). The doc names those caps, not which count gives which, so
  the model takes the smallest reading (`SURE_CAPS`) and the shares never answer a ramp more
  than the cap of its next step (`sure_step`): whatever the real caps, the step is then the
  answer itself, and the estimate does not depend on the reading.
* VNSE3-0 (Venus E 3.0): "the same input gate, a different integer ramp" whose steps are not
  published: the HMG-50 ramp with the ±10 W deadband and no import hold, whole watts.
* VNSD-0 (Venus D), `Integrator`: ``setpoint += error - 5 W`` on every value outside ±11 W
  (ratio 100 %, the firmware's default; a user's lower ratio makes the estimate run ahead).
* Venus A, the mini and unknown models have no published law: an integrator without bias,
  ±10 W deadband (what every published law does at its core).

Every estimate stays within the battery's limits (±2500 W at most; the caller clamps to the
battery's own).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Protocol

# The library is imported under two names, so it reaches its own modules relatively only.
from ..models import Family  # noqa: TID252
from .pacing import gate_for

# W: the HMG-50's step caps by direction count 1..5. The doc gives the values (50 near zero,
# rising through 100 and 200 to ~400 at a count of 5), not which count has which; this is the
# smallest reading (100 at a count of 3, where 200 would fit too). Answers are kept within the
# cap of the next step (fleet.py), so a larger real cap changes nothing: the step is the answer.
SURE_CAPS = (50.0, 100.0, 100.0, 200.0, 400.0)


class ResponseModel(Protocol):
    """One battery's loop as the meter models it: the output after one answered value."""

    def respond(self, grid: float, output: float, time: float) -> float:
        """The output after the battery acts on ``grid`` (W, + import) at ``time`` (s)."""
        ...

    def sure_step(self, grid: float) -> float:
        """The largest answer (W) in ``grid``'s direction that the next step is sure to take
        whole: an answer up to this moves the battery by exactly that much."""
        ...


@dataclass(slots=True)
class GatedRamp:
    """A step per gate, capped by how long the steps have kept one direction."""

    deadband: float = 20.0
    hold_import_below: float = 10.0
    gate: float = 3.0
    caps: tuple[float, ...] = SURE_CAPS
    whole_watts: bool = False
    _direction: int = field(default=0, init=False)
    _count: int = field(default=0, init=False)
    _last_step: float = field(default=-math.inf, init=False)

    def respond(self, grid: float, output: float, time: float) -> float:
        if time - self._last_step < self.gate:
            return output
        if abs(grid) <= self.deadband or 0.0 <= grid < self.hold_import_below:
            self._count = 0
            return output
        direction = 1 if grid > 0 else -1
        same = direction == self._direction
        self._count = min(self._count + 1, len(self.caps)) if same else 1
        self._direction = direction
        self._last_step = time
        moved = output + direction * min(abs(grid), self.caps[self._count - 1])
        return float(round(moved)) if self.whole_watts else moved

    def sure_step(self, grid: float) -> float:
        """The cap of the next step (the smallest reading): the counter goes on in the same
        direction and starts again at 1 in the other."""
        same = (1 if grid > 0 else -1) == self._direction
        return self.caps[min(self._count, len(self.caps) - 1) if same else 0]


@dataclass(slots=True)
class Integrator:
    """The error added to the output on every value outside the deadband, less a bias."""

    deadband: float = 10.0
    bias: float = 0.0

    def respond(self, grid: float, output: float, time: float) -> float:
        if abs(grid) <= self.deadband:
            return output
        return output + grid - self.bias

    def sure_step(self, grid: float) -> float:
        """Every value is taken whole."""
        return math.inf


def response_model(family: Family | None) -> ResponseModel:
    """A fresh model of that family's loop (see the module docstring)."""
    if family in (Family.VENUS_E2, Family.VENUS_C):
        return GatedRamp(gate=gate_for(family))
    if family is Family.VENUS_E3:
        gate = gate_for(family)
        return GatedRamp(deadband=10.0, hold_import_below=0.0, gate=gate, whole_watts=True)
    if family is Family.VENUS_D:
        return Integrator(deadband=11.0, bias=5.0)
    return Integrator()
