"""Several batteries on one meter, with memory: shares that never make them charge each other.

`meter_shares` (shares.py) splits one grid value by the batteries' outputs as last read. Those
reads are up to a minute old while the batteries follow the meter (gentle polling), and the
batteries' loops move at very different speeds (meter-emulation.md §3): a Venus D integrator
takes a whole step on the next value, an HMG-50 ramp climbs 50 W per 3 s gate at first. When
the fleet swings from discharging to charging (a kettle switching off under PV), the fast one
crosses zero at once while the slow ones still discharge: one battery charges the other.

`FleetShares` keeps, per battery, an *estimate* of its output: the last read, moved by every
value answered since through a model of that battery's loop (response.py). The shares are
computed on those estimates, and then one rule holds:

* **no battery crosses into the fleet's direction while another is still on the other
  side.** The fleet's direction is the sign of its estimated output plus the grid value. A
  battery whose estimate is on the other side by more than ``HOLD_MARGIN_W`` holds every
  other battery at 0 W at most (or where it already is, if further): their answers are cut so
  that their estimated output does not go past that. The batteries on the other side keep
  their shares and come toward zero; once all are within the margin, all may cross.

What the cut leaves unanswered stays on the grid and is answered again on the next poll, so
nothing is lost: the batteries that may move take it then. An estimate that is wrong holds a
battery too long (some export or import meanwhile) or lets it go too early; the next read
corrects it.

Times are seconds on any monotonic clock the caller passes in, the same for ``read_at``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

# The library is imported under two names, so it reaches its own modules relatively only.
from ..models import Family  # noqa: TID252
from .models import MeterReading
from .response import ResponseModel, response_model
from .shares import Follower, meter_shares

# W: a battery estimated this far on the other side of zero holds the others at zero. Within
# it, it counts as at zero (the loops' own deadbands are ±10-20 W).
HOLD_MARGIN_W = 20.0


@dataclass(slots=True)
class _Estimate:
    """One battery's estimated output and the model that moves it."""

    model: ResponseModel
    output_w: float = 0.0
    read_at: float | None = None  # when the output was last read (None: never)
    known: bool = False


@dataclass(slots=True)
class FleetShares:
    """Shares of one grid value for the batteries following one meter (module docstring)."""

    _estimates: dict[str, _Estimate] = field(default_factory=dict)
    _sample_at: float | None = None  # the grid sample the present answers come from
    _moved: dict[str, float] = field(default_factory=dict)  # W each moved since that sample

    def estimate(self, key: str) -> float | None:
        """The battery's estimated output now (W, + discharge); None: never read."""
        estimate = self._estimates.get(key)
        return estimate.output_w if estimate is not None and estimate.known else None

    def shares(
        self, grid: MeterReading, followers: Sequence[Follower], sample_at: float | None = None
    ) -> dict[str, MeterReading]:
        """Each follower's reading now: `meter_shares` on the estimated outputs, then the
        hold at zero. One follower gets ``grid`` unchanged.

        ``sample_at``: when the source took ``grid``. A source slower than the polls answers
        the same sample several times; what the batteries were told since has moved them
        already (the estimates), so the grid value is answered less that movement: the
        residual as it stands now, not as it stood at the sample.
        """
        if sample_at is not None and sample_at != self._sample_at:
            self._sample_at = sample_at
            self._moved.clear()
        elif sample_at is not None:
            grid = _shifted(grid, -sum(self._moved.values()))
        estimated = [replace(f, output_w=self._observe(f)) for f in followers]
        shares = meter_shares(grid, estimated)
        if len(followers) <= 1:
            return shares
        outputs = {f.key: f.output_w for f in estimated if f.output_w is not None}
        held = _held(grid, shares, outputs, estimated)
        for key, reading in held.items():
            estimate = self._estimates[key]
            sure = estimate.model.sure_step(reading.total)
            if estimate.known and abs(reading.total) > sure:
                held[key] = _scaled(reading, sure / abs(reading.total))
        return held

    def told(self, follower: Follower, reading: MeterReading, time: float) -> None:
        """``reading`` was answered to ``follower`` at ``time`` (after any pacing)."""
        estimate = self._estimates.get(follower.key)
        if estimate is None or not estimate.known:
            return
        moved = estimate.model.respond(reading.total, estimate.output_w, time)
        member = follower.member
        moved = min(max(moved, -float(member.max_charge_w)), member.max_discharge_w)
        key = follower.key
        self._moved[key] = self._moved.get(key, 0.0) + moved - estimate.output_w
        estimate.output_w = moved

    def forget(self, key: str) -> None:
        """Drop a battery's estimate (it stopped following, or the meter went silent)."""
        self._estimates.pop(key, None)

    def _observe(self, follower: Follower) -> float | None:
        """The follower's estimate, started anew from a read newer than the last one."""
        estimate = self._estimates.get(follower.key)
        if estimate is None:
            estimate = self._estimates[follower.key] = _Estimate(response_model(follower.family))
        if follower.output_w is None:
            estimate.known = False
            return None
        if not estimate.known or (
            follower.read_at is not None and follower.read_at != estimate.read_at
        ):
            estimate.output_w, estimate.read_at = follower.output_w, follower.read_at
            estimate.known = True
        return estimate.output_w


def _held(
    grid: MeterReading,
    shares: dict[str, MeterReading],
    outputs: dict[str, float],
    followers: Sequence[Follower],
) -> dict[str, MeterReading]:
    """The shares, each cut so that no battery crosses while another is on the other side."""
    fleet = sum(outputs.values()) + grid.total
    if fleet == 0 or len(outputs) < 2:
        return shares
    sign = 1.0 if fleet > 0 else -1.0
    behind = {key for key, output in outputs.items() if sign * output < -HOLD_MARGIN_W}
    held = dict(shares)
    for follower in followers:
        key = follower.key
        if key not in outputs:
            continue
        # The loop adds the value to its output (+ import: it discharges more). Against the
        # fleet's direction an answer may bring the output to zero, never past it; toward the
        # fleet's direction likewise while another battery is still on the other side.
        change = sign * shares[key].total
        output = sign * outputs[key]
        if change < 0:
            room = max(output, 0.0)
        elif behind - {key}:
            room = max(-output, 0.0)
        else:
            continue
        if abs(change) > room:
            held[key] = _scaled(shares[key], room / abs(change))
    return held


def _shifted(reading: MeterReading, delta: float) -> MeterReading:
    """``reading`` with ``delta`` W added on its largest phase (a single phase stays single)."""
    phases = list(reading.phases)
    main = max(range(3), key=lambda i: (abs(phases[i]) > 0, abs(phases[i]), -i))
    phases[main] += delta
    return MeterReading(*phases)


def _scaled(reading: MeterReading, factor: float) -> MeterReading:
    return MeterReading(reading.a * factor, reading.b * factor, reading.c * factor)


__all__ = ["HOLD_MARGIN_W", "Family", "FleetShares"]
