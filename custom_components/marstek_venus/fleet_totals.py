"""Fleet figures from the members' own: capacity-weighted charge, and totals that never drop.

No Home Assistant here: the fleet soak (benchmarks) runs this same code without it.

**Charge.** A battery's SOC is a share of its own rated capacity, so the fleet's SOC is the
stored energy of all members over their capacity together: a 5 kWh battery at 80 % and a
2 kWh battery at 10 % hold 4.2 of 7 kWh, 60 %, not the 45 % of a plain average.

**Energy totals.** Each member keeps its own lifetime total that never decreases
(energy.py). The fleet total adds up what each member counted *while it belonged to the
fleet*, so that no event can make it drop, and no event can make it jump:

* a member that is unavailable (unknown total) contributes what it had counted: its share
  stands still and catches up when the member is back;
* a member's own total going down (its entry was re-created, its statistics reset) is taken
  as a new starting point: nothing is subtracted, and it counts on from the new level;
* a member that leaves the fleet keeps its share frozen in the fleet total; if it comes
  back it counts from its total at that moment, not what it counted while away;
* the first reading opens the fleet total at the sum of the members' totals then known (the
  Energy panel takes a new sensor's first value as its baseline); a member first seen later
  counts from its first reading on, so its earlier lifetime does not arrive as one huge
  hour in the statistics.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Charge:
    """The fleet's charge: SOC in %, stored energy and capacity in Wh (None: nothing known)."""

    soc: float | None
    stored_wh: float | None
    capacity_wh: float | None


def fleet_charge(members: Iterable[tuple[float | None, float | None]]) -> Charge:
    """The charge of the members given as (SOC %, capacity Wh); unknown ones are left out."""
    known = [(soc, capacity) for soc, capacity in members if soc is not None and capacity]
    if not known:
        return Charge(None, None, None)
    capacity = sum(capacity for _, capacity in known)
    stored = sum(soc * capacity / 100 for soc, capacity in known)
    return Charge(100 * stored / capacity, stored, capacity)


@dataclass(slots=True)
class MemberShare:
    """What one member added to a fleet total (kWh), and its own total when last seen."""

    counted: float = 0.0
    # None: not seen since it joined (or rejoined) the fleet; its next reading is a start.
    last: float | None = None


@dataclass(slots=True)
class FleetTotal:
    """One fleet energy total in kWh that never decreases (see the module's description)."""

    shares: dict[str, MemberShare] = field(default_factory=dict)
    opened: bool = False

    @property
    def total(self) -> float | None:
        """The fleet total (kWh); None until a member's total was known once."""
        if not self.opened:
            return None
        return sum(share.counted for share in self.shares.values())

    def update(self, readings: Mapping[str, float | None]) -> float | None:
        """Take every current member's own total (kWh; None: unknown now).

        Members that are not in ``readings`` are no longer in the fleet: their shares stay.
        """
        opening = not self.opened
        for key, share in self.shares.items():
            if key not in readings:
                share.last = None
        for key, value in readings.items():
            if value is None or not math.isfinite(value) or value < 0:
                continue
            share = self.shares.setdefault(key, MemberShare())
            if share.last is None:
                if opening:
                    share.counted += value
            elif value > share.last:
                share.counted += value - share.last
            share.last = value  # also after a drop: counting goes on from the new level
            self.opened = True
        return self.total

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready state, to continue the same total after a restart."""
        return {
            "opened": self.opened,
            "shares": {
                key: {"counted": share.counted, "last": share.last}
                for key, share in self.shares.items()
            },
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FleetTotal:
        """The total saved by :meth:`as_dict`; anything unreadable starts afresh."""
        try:
            shares = {
                str(key): MemberShare(
                    float(value["counted"]),
                    None if value["last"] is None else float(value["last"]),
                )
                for key, value in dict(data.get("shares", {})).items()
            }
            return cls(shares, bool(data.get("opened", bool(shares))))
        except (KeyError, TypeError, ValueError):
            return cls()
