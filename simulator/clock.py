"""Simulated time: what the battery's physics, countdowns and RTC run on.

Network behaviour (latency, the request-gap safety rule, reboot silence) always uses real
time, because the clients under test run in real time. Everything the battery itself measures
(energy, SOC, the passive countdown, manual periods on its RTC) uses a `Clock`, so a soak test
can run a simulated day in minutes with `ScaledClock(time_scale=...)`, and a unit test can step
time by hand with `ManualClock`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Protocol

#: A fixed, deterministic default RTC start: a Monday, 06:00 device local time.
DEFAULT_START = datetime(2026, 6, 1, 6, 0, 0)


class Clock(Protocol):
    """The battery's sense of time."""

    def monotonic(self) -> float:
        """Simulated seconds since an arbitrary origin; never goes backwards."""
        ...

    def now(self) -> datetime:
        """The device's RTC: naive local wall-clock time."""
        ...


class ScaledClock:
    """Real monotonic time multiplied by `time_scale`, with the RTC starting at `start`.

    `time_scale=1440` makes one real minute a simulated day. The scale can be changed at run
    time without a jump in simulated time.
    """

    def __init__(
        self,
        time_scale: float = 1.0,
        start: datetime | None = None,
        *,
        real_monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if time_scale <= 0:
            raise ValueError("time_scale must be positive")
        self._real = real_monotonic
        self._scale = time_scale
        self._anchor_real = real_monotonic()
        self._anchor_sim = 0.0
        self._start = start if start is not None else DEFAULT_START

    @property
    def time_scale(self) -> float:
        """Simulated seconds per real second."""
        return self._scale

    @time_scale.setter
    def time_scale(self, value: float) -> None:
        if value <= 0:
            raise ValueError("time_scale must be positive")
        # Re-anchor so simulated time stays continuous across the change.
        self._anchor_sim = self.monotonic()
        self._anchor_real = self._real()
        self._scale = value

    def monotonic(self) -> float:
        return self._anchor_sim + (self._real() - self._anchor_real) * self._scale

    def now(self) -> datetime:
        return self._start + timedelta(seconds=self.monotonic())


class ManualClock:
    """A clock that only moves when told to: for deterministic tests."""

    def __init__(self, start: datetime | None = None) -> None:
        self._elapsed = 0.0
        self._start = start if start is not None else DEFAULT_START

    def advance(self, seconds: float) -> None:
        """Move simulated time forward."""
        if seconds < 0:
            raise ValueError("a clock cannot go backwards")
        self._elapsed += seconds

    def monotonic(self) -> float:
        return self._elapsed

    def now(self) -> datetime:
        return self._start + timedelta(seconds=self._elapsed)
