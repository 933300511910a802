"""What a write's read-back can tell: whether the battery applied it, or reached its target.

A write whose reply is lost has often run all the same: the battery executed the request and
only its answer went missing. Sending it again then executes it twice (20 writes at 30 % loss
gave 26 executions, issue 9), and that is not free: a second Passive command restarts the
battery's countdown, a second manual-slot write is one more write to its settings. So when a
mode write gets no answer, ES.GetMode is read first, and the write is sent again only when the
battery shows that it has not applied it (the write loop is ``DeviceSession.write``).

What ES.GetMode can tell (it reports the mode and the AC power, never the parameters of the
mode, marstek-open-api.md §2.7):

* Auto, AI, UPS: the mode is the whole write. A battery in the target mode needs nothing more,
  whichever request put it there.
* Passive: applied when the battery reads Passive and delivers the requested AC power (within
  ``power_tolerance``). If it did so already before the write (a keep-alive of the same power),
  the read-back cannot tell the new countdown from the old one, and the write is sent again;
  so it is when the BMS holds the power back (a full battery asked to charge).
* Manual: one slot per write, and slots cannot be read. Only a battery that was *not* in
  Manual before shows the write (it switched); in Manual already, the read-back proves
  nothing and the slot is written again (the same slot with the same values).
* DOD.SET, Led.Ctrl, Ble.Adv: nothing can be read back; sent again as before (the same value).

"Before" is the last ES.GetMode the client saw (polls, earlier read-backs), or one read just
before the write when it has seen none. A change made in the Marstek app since that reading
can make a lost write look applied; the state is then still the one asked for.
"""

from __future__ import annotations

from dataclasses import dataclass

from .const import Mode
from .models import ModeStatus

# The AC power is "at" a passive target within 50 W (the vendor's own idle threshold in its
# read-back, marstek-open-api.md §2.8) or 5 % of the target, whichever is larger: inverters
# regulate to a few percent, and a unit at its limit misses by hundreds of watts (a Venus A
# asked for 2000 W delivered 1200 W).
POWER_TOLERANCE = 50
POWER_TOLERANCE_SHARE = 0.05


def power_tolerance(target: float) -> float:
    """W by which delivered AC power may differ from ``target`` and still count as it."""
    return max(POWER_TOLERANCE, abs(target) * POWER_TOLERANCE_SHARE)


def delivers(actual: float | None, target: float) -> bool:
    """Whether AC power ``actual`` (W, + discharge) is the requested ``target``."""
    return actual is not None and abs(actual - target) <= power_tolerance(target)


@dataclass(frozen=True, slots=True)
class ModeWrite:
    """What an ES.SetMode write asks for, as far as ES.GetMode can show it."""

    mode: Mode
    power: int | None = None  # Passive: the requested AC power (W, + discharge)

    @property
    def needs_history(self) -> bool:
        """Whether telling "applied" apart needs the mode from before the write."""
        return self.mode in (Mode.PASSIVE, Mode.MANUAL)

    def reached(self, seen: ModeStatus) -> bool:
        """The battery reports the target mode (the check after an acknowledged write)."""
        return seen.mode is self.mode

    def applied(self, seen: ModeStatus, before: ModeStatus | None) -> bool:
        """Whether the battery shows that it ran this write although the reply was lost."""
        if seen.mode is not self.mode:
            return False
        if self.mode is Mode.MANUAL:
            return before is not None and before.mode is not Mode.MANUAL
        if self.mode is Mode.PASSIVE:
            power = 0 if self.power is None else self.power
            was_passive = before is not None and before.mode is Mode.PASSIVE
            if seen.ac_power is None:  # nothing to measure: only a switch into Passive tells
                return before is not None and not was_passive
            if not delivers(seen.ac_power, power):
                return False
            return before is not None and not (was_passive and delivers(before.ac_power, power))
        return True
