"""Splitting one power across several batteries: the fleet setpoint and the meter shares.

A fleet of batteries asked for one power (positive = discharge, negative = charge, as in
``PassiveConfig``) shares it so that they empty and fill together: a discharge in proportion
to the energy each one holds above its floor, a charge in proportion to the room each one has
left to full. Each share stays within that battery's power limit; what a capped battery cannot
take goes to the others by the same weights. A battery with no energy to give (at its floor),
no room to fill (full), a limit of 0 or no known state takes no part.

Shares are whole watts and add up exactly to the request, or to the most the members can do
together when the request is beyond that.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class SplitMember:
    """One battery as the split sees it.

    ``available_wh``: energy above the discharge floor; ``headroom_wh``: energy still to charge
    to full; ``max_discharge_w`` / ``max_charge_w``: the model's limits, both ≥ 0.
    """

    key: str
    available_wh: float
    headroom_wh: float
    max_discharge_w: int
    max_charge_w: int

    def weight(self, discharge: bool) -> float:
        """How much of a discharge (or charge) this battery takes relative to the others."""
        value = self.available_wh if discharge else self.headroom_wh
        return value if math.isfinite(value) and value > 0 else 0.0

    def limit(self, discharge: bool) -> int:
        """The most this battery can take in that direction, in W."""
        return max(0, self.max_discharge_w if discharge else self.max_charge_w)


@dataclass(frozen=True, slots=True)
class Allocation:
    """The split of one request: ``powers`` per member key, signed like the request."""

    requested: int
    powers: dict[str, int] = field(default_factory=dict)
    skipped: tuple[str, ...] = ()  # members that could take no part in this direction

    @property
    def total(self) -> int:
        """What the members were given together."""
        return sum(self.powers.values())

    @property
    def unallocated(self) -> int:
        """What no member could take (0 unless the request exceeds their limits)."""
        return self.requested - self.total


def split_power(requested: int, members: Sequence[SplitMember]) -> Allocation:
    """Share ``requested`` W across ``members`` (see the module docstring).

    Every member appears in ``powers``; those skipped get 0. A request of 0 gives every member 0.
    """
    keys = [m.key for m in members]
    if len(set(keys)) != len(keys):
        raise ValueError("split members need distinct keys")
    discharge = requested > 0
    taking = [m for m in members if m.weight(discharge) > 0 and m.limit(discharge) > 0]
    taking_keys = {m.key for m in taking}
    skipped = tuple(key for key in keys if key not in taking_keys) if requested else ()
    amount = abs(requested)
    exact = _fill(amount, taking, discharge)
    shares = _round(amount, exact, {m.key: m.limit(discharge) for m in taking})
    sign = 1 if discharge else -1
    return Allocation(requested, {key: sign * shares.get(key, 0) for key in keys}, skipped)


def _fill(amount: int, members: Sequence[SplitMember], discharge: bool) -> dict[str, float]:
    """Proportional shares, capped: a capped member's excess goes to the uncapped ones."""
    shares: dict[str, float] = {}
    open_members = list(members)
    left = float(amount)
    while open_members and left > 1e-9:
        total_weight = sum(m.weight(discharge) for m in open_members)
        capped = [
            m
            for m in open_members
            if left * m.weight(discharge) / total_weight >= m.limit(discharge)
        ]
        if not capped:
            for m in open_members:
                shares[m.key] = left * m.weight(discharge) / total_weight
            return shares
        for m in capped:
            shares[m.key] = float(m.limit(discharge))
            left -= m.limit(discharge)
            open_members.remove(m)
    return shares


def _round(amount: int, exact: dict[str, float], limits: dict[str, int]) -> dict[str, int]:
    """Whole watts adding up to round(sum of the exact shares), each within its limit.

    Floors first, then the missing watts go one each to the largest remainders (the standard
    largest-remainder rule), so no member is ever more than 1 W from its exact share.
    """
    floors = {key: math.floor(value) for key, value in exact.items()}
    target = min(amount, round(sum(exact.values())))
    missing = target - sum(floors.values())
    by_remainder = sorted(exact, key=lambda key: (floors[key] - exact[key], key))
    for key in by_remainder:
        if missing <= 0:
            break
        if floors[key] < limits[key]:
            floors[key] += 1
            missing -= 1
    return floors
