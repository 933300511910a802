"""An asyncio event loop on virtual time: hours of polling in seconds, immune to a busy CPU.

The loop's clock (``loop.time()``) moves only when the loop has nothing to do: instead of
sleeping until its next timer, it jumps there. Sockets stay real (the library and the
simulated batteries talk UDP on loopback as ever); before every jump the loop polls them
without waiting, so a datagram that has arrived is handled at the virtual moment it arrived.
A datagram on loopback is in the receiver's queue when ``sendto`` returns, so nothing is in
flight at a jump.

What this buys a soak: the library's real constants (the 1 s pacing gap, 2.5 s timeouts, the
30 s poll interval) run unchanged, and a garbage collection, a loaded CI machine or a
debugger pause cost no virtual time at all. A stall can no longer turn into a timeout, a
missed poll or a gap that looks too short, so a run is a function of its seed.

Everything timed must use the loop's clock (``asyncio.sleep``, ``call_later``,
``loop.time()``): code that reads ``time.monotonic()`` directly sees real time instead.
"""

from __future__ import annotations

import asyncio
import selectors
import time
from collections.abc import Awaitable, Mapping
from typing import Any


class _JumpingSelector(selectors.BaseSelector):
    """Wraps a real selector: polls it without waiting, and on a timeout moves the clock."""

    def __init__(self, real: selectors.BaseSelector, clock: VirtualClock) -> None:
        self._real = real
        self._clock = clock

    def register(self, fileobj: Any, events: int, data: Any = None) -> selectors.SelectorKey:
        return self._real.register(fileobj, events, data)

    def unregister(self, fileobj: Any) -> selectors.SelectorKey:
        return self._real.unregister(fileobj)

    def modify(self, fileobj: Any, events: int, data: Any = None) -> selectors.SelectorKey:
        return self._real.modify(fileobj, events, data)

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        events = self._real.select(0)
        if events or timeout == 0:
            return events
        if timeout is None:
            # No timer at all: only the outside world can wake the loop.
            return self._real.select(None)
        self._clock.advance(timeout)
        return []

    def close(self) -> None:
        self._real.close()

    def get_map(self) -> Mapping[Any, selectors.SelectorKey]:
        return self._real.get_map()


class VirtualClock:
    """Seconds of virtual time; starts at the real monotonic clock's reading."""

    def __init__(self, start: float | None = None) -> None:
        self.now = time.monotonic() if start is None else start
        self.jumps = 0

    def advance(self, seconds: float) -> None:
        if seconds > 0:
            self.now += seconds
            self.jumps += 1


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    """A selector event loop whose ``time()`` is a :class:`VirtualClock`."""

    def __init__(self, clock: VirtualClock | None = None) -> None:
        self.clock = clock or VirtualClock()
        super().__init__(_JumpingSelector(selectors.DefaultSelector(), self.clock))

    def time(self) -> float:
        return self.clock.now


def run[T](main: Awaitable[T], clock: VirtualClock | None = None) -> T:
    """Run ``main`` to completion on a fresh virtual-time loop (like ``asyncio.run``)."""

    async def _main() -> T:
        return await main

    with asyncio.Runner(loop_factory=lambda: VirtualTimeLoop(clock)) as runner:
        return runner.run(_main())
