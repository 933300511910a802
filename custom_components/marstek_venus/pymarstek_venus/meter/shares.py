"""Several batteries on one emulated meter: each one's share of the grid power.

A Shelly meter serves one grid value, and every battery that polls it regulates on all of it:
two batteries each take the whole step, overshoot, and end up charging each other
(meter-emulation.md §4). The emulator knows who asks (the poll's source address), so it can
answer each battery with its own share instead.

The battery's loop is *integral* (§3): it adds the value it reads to its present output. A
share is therefore a change of output, and two parts make it up:

* a **weighted part** of the grid power, split by the fleet rule of ``split_power``: energy
  above the floor while the fleet discharges (its known output plus the grid value is
  positive), room to full while it charges; a battery at its floor (or full) gets nothing in
  that direction. The direction is the fleet's, not the grid value's sign: a grid value
  swinging around zero would otherwise switch the weights on every answer and walk the
  batteries apart. If no battery can take part, the part is shared equally: the grid value
  must still be told, or the total would stop adding up;
* a **balancing part** that sums to zero across the batteries: it moves each battery toward
  its share of the fleet's total output (``split_power`` of output + grid) and so pulls the
  batteries toward the same split; two batteries with opposite signs (one charging the
  other) are pulled together.

The balancing part is deliberately slow (``BALANCE_GAIN``, 2 % of the gap per answer). The
battery integrates every value it is answered, on every poll (about 1 s), while the outputs
it is computed from may be as old as the integration's gentle polling (up to 60 s): a large
gain acts again and again on the same, already closed gap and swings the batteries apart
(benchmarks/zero_export*.py measured ±2500 W with half the gap per answer). At 2 % a gap
closes over about a minute of polls. A battery whose output is unknown (``None``) gets the
weighted part only and takes no part in the balancing.

The shares add up to the grid's total (to floating-point rounding). Phases: the weighted part
keeps the grid's phase pattern (a single-phase reading stays on its phase, as the battery's
phase detection needs, §1.4); the balancing part goes on the grid's largest phase (A when all
are zero), so a single-phase reading stays single-phase.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

# The library is imported under two names, so it reaches its own modules relatively only.
from ..models import Family  # noqa: TID252
from ..split import SplitMember, split_power  # noqa: TID252
from .models import MeterReading

# The fraction of the gap to its fleet share that one answer asks a battery to close (see
# the module docstring: small, because outputs may be a minute old).
BALANCE_GAIN = 0.02


@dataclass(frozen=True, slots=True)
class Follower:
    """One battery that follows the emulated meter, as the shares see it."""

    key: str  # the battery's IPv4 address (the poll's sender)
    member: SplitMember  # energy above floor, headroom, limits (split.py)
    output_w: float | None  # AC power the battery gives now (+ discharge, - charge); None unknown
    # When ``output_w`` was read (fleet.py's clock; None: the same reading as before) and the
    # battery's model (fleet.py estimates its output between reads by the model's loop).
    read_at: float | None = None
    family: Family | None = None


def meter_shares(grid: MeterReading, followers: Sequence[Follower]) -> dict[str, MeterReading]:
    """Each follower's reading: one follower gets ``grid`` unchanged; several share it.

    Weights follow split_power's rule (energy above floor when importing, headroom when
    exporting, none for a battery that is full or at its floor in that direction), plus a
    balancing term that sums to zero across followers and pulls their outputs toward the
    same split, so they never charge each other. The shares' totals add up to grid.total
    (within rounding). See the module docstring.
    """
    keys = [f.key for f in followers]
    if len(set(keys)) != len(keys):
        raise ValueError("followers need distinct keys")
    if len(followers) <= 1:
        return dict.fromkeys(keys, grid)
    total = grid.total
    discharge = _fleet_discharges(total, followers)
    fractions = _fractions(discharge, followers)
    balance = _balance(total, followers, fractions)
    main = grid.main_phase
    shares: dict[str, MeterReading] = {}
    for follower in followers:
        fraction = fractions[follower.key]
        phases = [fraction * value for value in grid.phases]
        phases[main] += balance.get(follower.key, 0.0)
        shares[follower.key] = MeterReading(*phases)
    return shares


def _fleet_discharges(total: float, followers: Sequence[Follower]) -> bool:
    """Whether the fleet discharges after this answer: its known output plus the grid value."""
    return sum(f.output_w or 0.0 for f in followers) + total > 0


def _fractions(discharge: bool, followers: Sequence[Follower]) -> dict[str, float]:
    """Each follower's fraction of the grid value by the split rule; equal if none can act."""
    weights = {
        f.key: f.member.weight(discharge) if f.member.limit(discharge) > 0 else 0.0
        for f in followers
    }
    weight_sum = sum(weights.values())
    if weight_sum <= 0:
        return {f.key: 1.0 / len(followers) for f in followers}
    return {key: weight / weight_sum for key, weight in weights.items()}


def _balance(
    total: float, followers: Sequence[Follower], fractions: dict[str, float]
) -> dict[str, float]:
    """Zero-sum terms moving the followers with a known output toward the fleet's split.

    The fleet's output after this answer should be its present output plus the grid value;
    ``split_power`` says how that total is best shared. Each battery's gap to its share,
    minus its weighted part of the grid value, is what balancing has to add; the mean is
    taken off so the terms sum to zero (the weighted parts already carry the whole grid
    value), and the gain keeps one answer to a part of the gap.
    """
    known = [f for f in followers if f.output_w is not None]
    if len(known) < 2:
        return {}
    present = {f.key: float(f.output_w or 0.0) for f in known}
    given = sum(fractions[f.key] for f in known) * total  # the grid value these are given
    wanted = round(sum(present.values()) + given)
    allocation = split_power(wanted, [replace(f.member, key=f.key) for f in known])
    gaps = {key: allocation.powers[key] - present[key] - fractions[key] * total for key in present}
    mean = sum(gaps.values()) / len(gaps)
    return {key: BALANCE_GAIN * (gap - mean) for key, gap in gaps.items()}
