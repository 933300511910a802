"""Several batteries on one meter, with memory: shares that never make them charge each other.

`meter_shares` (shares.py) splits one grid value by the batteries' outputs as last read. Those
reads are up to a minute old while the batteries follow the meter (gentle polling), and the
batteries' loops move at very different speeds (meter-emulation.md §3): a Venus D integrator
takes a whole step on the next value, an HMG-50 ramp climbs 50 W per 3 s gate at first. When
the fleet swings from discharging to charging (a kettle switching off under PV), the fast one
crosses zero at once while the slow ones still discharge: one battery charges the other.

`FleetShares` keeps, per battery, an *estimate* of its output: the last read, moved by every
value answered since through a model of that battery's loop (response.py). The shares are
computed on those estimates, and then these rules hold:

* **No battery crosses zero against the fleet's direction**, the sign of the fleet's
  estimated output plus the grid value: an answer may bring it to 0 W, never past it.
* **No battery crosses into the fleet's direction while another is on the other side.** A
  battery estimated more than ``HOLD_MARGIN_W`` on the other side holds the others at 0 W at
  most (or where they are, if further). It keeps holding after its estimate came back within
  the margin, until a read confirms where it is (`unconfirmed`: the caller asks for that read):
  a model running ahead of the real loop (a ramp whose gate is longer than modelled) would
  otherwise let the others cross while it still gives the other way.
* **A ramp comes to zero by halves** while more than ``2 * LAST_STEP_W`` is left, and is never
  told more than its next step is sure to take (response.py, ``sure_step``): a ramp that steps
  on one more value than modelled (a shorter gate) still stays on its side.

What a rule cuts stays on the grid and is answered again on the next poll, so nothing is lost:
the batteries that may move take it then. The price is a slower swing through zero.

Given the time of the source's sample (``shares(..., sample_at)``), a source slower than the
polls is answered as what is left of the sample: less what the batteries were told to move
since it.

Times are seconds on any monotonic clock the caller passes in, the same for ``read_at``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from .models import MeterReading
from .response import ResponseModel, response_model
from .shares import Follower, meter_shares

# W: a battery estimated this far on the other side of zero holds the others at zero. Within
# it, it counts as at zero (the loops' own deadbands are ±10-20 W).
HOLD_MARGIN_W = 20.0
# W: a ramp coming to zero is told half the way while more than twice this is left, then the
# rest: above the ramps' ±20 W deadband, and what a doubled step overshoots at worst.
LAST_STEP_W = 25.0
# s between two reads asked of one battery to confirm where it is (`reads_due`): a few per
# swing through zero, a few swings an hour, on top of the gentle once-a-minute polling.
CONFIRM_GAP = 10.0


@dataclass(slots=True)
class _Estimate:
    """One battery's estimated output and the model that moves it."""

    model: ResponseModel
    output_w: float = 0.0
    read_at: float | None = None  # when the output was last read (None: never)
    known: bool = False
    gated: bool = False  # a ramp that acts once per gate (response.py), not on every value
    # The side (+1 discharging, -1 charging) this battery was last known on beyond the margin,
    # by a read or by its estimate; 0 once a read found it within the margin (`unconfirmed`).
    behind_side: int = 0


@dataclass(slots=True)
class FleetShares:
    """Shares of one grid value for the batteries following one meter (module docstring)."""

    _estimates: dict[str, _Estimate] = field(default_factory=dict)
    _sample_at: float | None = None  # the grid sample the present answers come from
    _moved: dict[str, float] = field(default_factory=dict)  # W each moved since that sample
    _asked: dict[str, float] = field(default_factory=dict)  # when a read was last asked of each

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
            grid = grid.shifted(-sum(self._moved.values()))
        estimated = [replace(f, output_w=self._observe(f)) for f in followers]
        shares = meter_shares(grid, estimated)
        if len(followers) <= 1:
            return shares
        outputs = {f.key: f.output_w for f in estimated if f.output_w is not None}
        # The fleet's direction: its estimated output plus the grid value (+1 discharging).
        fleet = sum(outputs.values()) + grid.total
        sign = 1 if fleet > 0 else -1
        behind = self._holding(sign, outputs)
        held = dict(shares)
        if fleet != 0 and len(outputs) >= 2:
            gated = {key for key in outputs if self._estimates[key].gated}
            held = _held(sign, shares, outputs, behind, gated)
        for key, reading in held.items():
            estimate = self._estimates[key]
            sure = estimate.model.sure_step(reading.total)
            if estimate.known and abs(reading.total) > sure:
                held[key] = reading.scaled(sure / abs(reading.total))
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

    def unconfirmed(self) -> set[str]:
        """Batteries that came back from the other side of zero by their estimate only.

        Each still holds the others at zero until a read confirms where it is: a model that
        runs ahead of the real loop (a ramp whose gate is longer than modelled) would let the
        others cross while it still gives the other way. Reading these soon keeps that wait
        short; without a read the hold lasts until the next regular one.
        """
        return {
            key
            for key, estimate in self._estimates.items()
            if estimate.known
            and estimate.behind_side
            and estimate.behind_side * estimate.output_w <= HOLD_MARGIN_W
        }

    def reads_due(self, now: float) -> set[str]:
        """The `unconfirmed` batteries to ask a read of now: each at most every
        ``CONFIRM_GAP`` seconds (``now`` on the caller's clock); taken as asked."""
        due = {
            key
            for key in self.unconfirmed()
            if now - self._asked.get(key, -CONFIRM_GAP) >= CONFIRM_GAP
        }
        self._asked.update(dict.fromkeys(due, now))
        return due

    def _holding(self, sign: int, outputs: dict[str, float]) -> set[str]:
        """The batteries on the other side of zero from the fleet (``sign``), by estimate or
        unconfirmed."""
        holding: set[str] = set()
        for key, output in outputs.items():
            estimate = self._estimates[key]
            if sign * output < -HOLD_MARGIN_W:
                estimate.behind_side = -sign
            if estimate.behind_side == -sign:
                holding.add(key)
        return holding

    def forget(self, key: str) -> None:
        """Drop a battery's estimate (it stopped following, or the meter went silent)."""
        self._estimates.pop(key, None)

    def _observe(self, follower: Follower) -> float | None:
        """The follower's estimate, started anew from a read newer than the last one."""
        estimate = self._estimates.get(follower.key)
        if estimate is None:
            model = response_model(follower.family)
            gated = math.isfinite(model.sure_step(1.0))
            estimate = self._estimates[follower.key] = _Estimate(model, gated=gated)
        if follower.output_w is None:
            estimate.known = False
            return None
        if not estimate.known or (
            follower.read_at is not None and follower.read_at != estimate.read_at
        ):
            estimate.output_w, estimate.read_at = follower.output_w, follower.read_at
            estimate.known = True
            # The side a read finds it on holds the others until a read finds it elsewhere:
            # an estimate that came back to zero without a read may be a model running ahead.
            estimate.behind_side = _side(follower.output_w)
        return estimate.output_w


def _held(
    sign: int,
    shares: dict[str, MeterReading],
    outputs: dict[str, float],
    behind: set[str],
    gated: set[str],
) -> dict[str, MeterReading]:
    """The shares, each cut so that no battery crosses zero against the fleet's direction
    (``sign``), nor into it while another (``behind``) is on the other side."""
    held = dict(shares)
    for key, given in outputs.items():
        # The loop adds the value to its output (+ import: it discharges more). Against the
        # fleet's direction an answer may bring the output to zero, never past it; toward the
        # fleet's direction likewise while another battery is still on the other side.
        change = sign * shares[key].total
        output = sign * given
        if change < 0:
            room = max(output, 0.0)
        elif behind - {key}:
            room = max(-output, 0.0)
        else:
            continue
        if key in gated and room > 2 * LAST_STEP_W:
            # A gated ramp may step on a value the model thinks falls inside its gate (a gate
            # shorter than modelled) and then again on the next: half the way per answer
            # keeps even a doubled step on its side of zero. The last bit goes whole (half of
            # it would fall inside the ramp's deadband and never be taken).
            room /= 2
        if abs(change) > room:
            held[key] = shares[key].scaled(room / abs(change))
    return held


def _side(output: float) -> int:
    """+1 discharging, -1 charging beyond the margin; 0 within it."""
    return 0 if abs(output) <= HOLD_MARGIN_W else 1 if output > 0 else -1


__all__ = ["CONFIRM_GAP", "HOLD_MARGIN_W", "FleetShares"]
