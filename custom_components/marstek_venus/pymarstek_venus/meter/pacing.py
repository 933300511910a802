"""Pacing the emulated meter's answers to a grid source slower than the battery's polls.

The battery's loop is *integral* (meter-emulation.md §3): it adds the value it reads to its
present output. A Venus polls its meter every 0.4-1 s, but a DSMR 4 P1 meter (and many cloud
or Modbus sources) updates every 10 s. Answering the last sample on every poll makes the
battery add the same, already acted-on value again and again until the source moves: it
overshoots and swings (§3, "Oscillation"; benchmarks/zero_export*.py measured 99 s to settle a
500 W step on one battery and no settling at all with three).

`SourcePacer` spreads each sample over the source's period instead. A fresh sample is the
grid's residual at that moment; until the next one, the pacer answers it in *chunks*, one per
time the battery can act, and counts what it has handed out, so that the battery is told the
sample about once in total:

* the battery acts at most once per ``max(poll interval, regulation gate)``: every value for
  an integrator (Venus D), one value per ~3 s gate for the HMG-50 ramp (Venus C / E 2.0) and
  the Venus E 3.0 ("the same input gate", §3). The poll interval and the source's update
  interval are *observed* (each poll, each ``observe_source``); the gate cannot be seen from
  outside and is the model's (``gate_for``);
* a chunk is ``acting interval / source interval`` of the sample, but at least ``floor_w``
  (a chunk inside the battery's deadband, ±10-20 W, would be ignored: a Venus D answered
  a tenth of a 100 W sample would never move), and never more than what is left;
* once the sample is handed out the pacer answers 0 W until the next sample (the battery
  holds its output inside its deadband).

When the source is as fast as the battery acts (a 1 s DSMR 5 for a gated battery, or until
both intervals are known), every answer is the reading itself. The shares of several
batteries (shares.py) are paced per battery, after the split: one pacer per sender.
Times are seconds on any monotonic clock the caller passes in.
"""

from __future__ import annotations

import itertools
import math
import statistics
from collections import deque
from dataclasses import dataclass, field

# The library is imported under two names, so it reaches its own modules relatively only.
from ..models import Family  # noqa: TID252
from .models import MeterReading

# s between two regulation steps, per family (§3). HMG-50: one step per ~3000-tick gate at
# the assumed 1 kHz tick; Venus E 3.0: "the same input gate". Venus D integrates every value.
# Venus A, the mini and unknown models have no published law: 0 treats them as acting on
# every poll, the cautious guess (slower on a slow source, never an overshoot).
REGULATION_GATES: dict[Family, float] = {
    Family.VENUS_E2: 3.0,
    Family.VENUS_C: 3.0,
    Family.VENUS_E3: 3.0,
    Family.VENUS_D: 0.0,
}
DEFAULT_FLOOR_W = 25.0  # above every published deadband (±10, ±11/15, ±20 W)
HISTORY = 8  # intervals kept for the median of the poll and source intervals


def gate_for(family: Family) -> float:
    """The battery's regulation gate in seconds (0: it acts on every value it polls)."""
    return REGULATION_GATES.get(family, 0.0)


def _median_interval(times: deque[float]) -> float | None:
    if len(times) < 2:
        return None
    return statistics.median(b - a for a, b in itertools.pairwise(times))


@dataclass(slots=True)
class SourcePacer:
    """One battery's pacing of a slow source (see the module docstring).

    ``gate``: the battery's regulation gate, s (`gate_for`); ``floor_w``: the smallest chunk
    answered, W, while something is left of the sample.
    """

    gate: float = 0.0
    floor_w: float = DEFAULT_FLOOR_W
    _sources: deque[float] = field(default_factory=lambda: deque(maxlen=HISTORY + 1))
    _polls: deque[float] = field(default_factory=lambda: deque(maxlen=HISTORY + 1))
    _epoch: float | None = None  # time of the sample the chunks are taken from
    _left: float = 1.0  # fraction of that sample not handed out yet
    _chunk: float = 1.0  # fraction answered in the present acting window
    _window: float = -math.inf  # when the present acting window began

    @property
    def source_interval(self) -> float | None:
        """Median seconds between two source updates seen (None: fewer than two)."""
        return _median_interval(self._sources)

    @property
    def poll_interval(self) -> float | None:
        """Median seconds between two polls answered (None: fewer than two)."""
        return _median_interval(self._polls)

    @property
    def scale(self) -> float:
        """Acting interval over source interval, at most 1 (1 while either is unknown)."""
        source, poll = self.source_interval, self.poll_interval
        if source is None or poll is None or source <= 0:
            return 1.0
        return min(1.0, max(poll, self.gate) / source)

    def observe_source(self, time: float) -> None:
        """The grid source produced a new sample at ``time`` (a repeat of the last is ignored)."""
        if self._sources and time <= self._sources[-1]:
            return
        self._sources.append(time)

    def answer(self, reading: MeterReading, time: float) -> MeterReading:
        """What to answer the battery's poll at ``time``, when the source's last sample is
        ``reading`` (already this battery's share, if several follow)."""
        self._polls.append(time)
        scale = self.scale
        if scale >= 1.0 or not self._sources:
            self._epoch = None
            return reading
        if self._epoch != self._sources[-1]:  # a fresh sample: hand it out anew
            self._epoch = self._sources[-1]
            self._left = 1.0
            self._window = -math.inf
        poll = self.poll_interval or 0.0
        # A new acting window once the battery can act again: on every poll for an
        # integrator, after about one gate for a gated ramp (half a poll of slack for jitter).
        if time - self._window >= max(poll, self.gate) - poll / 2:
            self._window = time
            total = abs(reading.total)
            least = self.floor_w / total if total > 0 else 1.0
            self._chunk = min(self._left, max(scale, least))
            self._left -= self._chunk
        return reading.scaled(self._chunk)
