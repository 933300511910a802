"""Pacing: when each battery last got a datagram from us, and when the next one may go.

The Open API handles one request at a time and has switched itself off under bursts; the CT
meter task and the API share a mutex that answers a second request within ~0.3 s with
``-32700``/403 (design.md §3, marstek-open-api.md §3.4). The rule holds per battery, whoever
sends: a poll, a write, a discovery probe, a second config entry, a config flow. So one send log
is consulted by every socket, client and scan, and outlives all of them: an entry that
reloads still sees what was sent before it.

The log belongs to a socket registry (``SocketRegistry.current()`` is the event loop's one), and
its clock is the event loop's: Home Assistant runs one loop, and tests and benchmarks that run
many (or a virtual clock) start each one clean.

A broadcast probe reaches every battery listening on its port, known or not, so it is logged
as a datagram to each of them: the next request to any battery on that port waits for that
battery's gap after the probe, and a probe waits until every known battery's gap has passed.

Waiting is first come, first served. Whoever starts waiting books the moment it may go, and
later arrivals keep clear of that booking: a probe booked among batteries polled back to back
goes when its booked moment comes instead of waiting for a moment free of every gap (which
may never come), and a poll booked between scans that follow each other closely still gets
its turn. Bookings only order the waiters; what is really sent is checked again right before
each send, synchronously: a caller that returns from a wait and sends without awaiting
anything in between cannot be overtaken, and no two datagrams reach a battery closer than
its gap, whoever booked what.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from .const import DEFAULT_REQUEST_GAP, MIN_REQUEST_GAP

_NEVER = float("-inf")
# Log entries older than this are forgotten; far longer than any gap a user can choose.
_MEMORY = 600.0


def _loop_time() -> float:
    return asyncio.get_running_loop().time()


@dataclass(slots=True)
class _Sent:
    at: float  # when the last datagram to this battery left
    gap: float  # the gap its sender keeps; the next sender keeps at least this too


@dataclass(slots=True)
class _Booking:
    order: int  # first come, first served
    host: str | None  # None: a probe, which reaches every battery on the port
    at: float  # when the waiter expects to send
    gap: float


class Pacer:
    """The send log of one event loop, keyed by (battery IP, API port).

    ``min_gap`` is the device-safety floor no gap goes below; ``probe_gap`` the gap between
    two probes for batteries whose own gap is unknown yet (``Timing`` holds both defaults).
    """

    def __init__(
        self,
        *,
        clock: Callable[[], float] | None = None,
        probe_gap: float = DEFAULT_REQUEST_GAP,
        min_gap: float = MIN_REQUEST_GAP,
    ) -> None:
        # By default the running event loop's clock, which every wait here sleeps on.
        self._clock = clock if clock is not None else _loop_time
        self.min_gap = min_gap
        self._probe_gap = probe_gap
        self._sent: dict[tuple[str, int], _Sent] = {}
        self._broadcast: dict[int, float] = {}
        self._bookings: dict[int, list[_Booking]] = {}  # by port
        self._order = itertools.count()

    @property
    def probe_gap(self) -> float:
        """Seconds between two probes on a port, for batteries whose own gap is unknown."""
        return max(self._probe_gap, self.min_gap)

    def last_sent(self, host: str, port: int) -> float:
        """When ``host`` last got a datagram from us on ``port``: a request or a probe.

        Never later than now: a clock that went back (a test moving time) must not make a
        wait longer than one gap.
        """
        entry = self._sent.get((host, port))
        at = max(entry.at if entry is not None else _NEVER, self._broadcast.get(port, _NEVER))
        return min(at, self._clock())

    def unicast_delay(
        self, host: str, port: int, gap: float, *, before: int | None = None
    ) -> float:
        """Seconds until a request to ``host`` keeps ``gap`` (0 or less: it may go now).

        Probes booked earlier than ``before`` (all, when None) are kept clear of: a request
        that would land within its gap before one goes its gap after it instead.
        """
        entry = self._sent.get((host, port))
        needed = max(gap, entry.gap if entry is not None else self.min_gap, self.min_gap)
        now = self._clock()
        ready = self.last_sent(host, port) + needed
        for booking in self._earlier(port, before):
            if booking.host is None and max(ready, now) > booking.at - needed:
                ready = max(ready, booking.at + needed)
        return ready - now

    def broadcast_delay(self, port: int, *, before: int | None = None) -> float:
        """Seconds until a probe on ``port`` keeps every battery's gap, and that of every
        request booked earlier than ``before`` (all, when None)."""
        now = self._clock()
        last_broadcast = min(self._broadcast.get(port, _NEVER), now)
        ready = last_broadcast + self.probe_gap
        for (_, sent_port), entry in self._sent.items():
            if sent_port == port:
                ready = max(ready, max(min(entry.at, now), last_broadcast) + entry.gap)
        for booking in self._earlier(port, before):
            if booking.host is not None:
                ready = max(ready, booking.at + booking.gap)
        return ready - now

    async def wait_unicast(self, host: str, port: int, gap: float) -> None:
        """Sleep until a request to ``host`` may go; send right after, without awaiting."""
        booking = self._book(port, host, gap)
        try:
            while (delay := self.unicast_delay(host, port, gap, before=booking.order)) > 0:
                booking.at = self._clock() + delay
                await asyncio.sleep(delay)
        finally:
            self._unbook(port, booking)

    @asynccontextmanager
    async def broadcast_turn(self, port: int) -> AsyncIterator[None]:
        """Wait for, and hold, the moment a probe on ``port`` may go; the caller sends the
        probe inside the block without awaiting anything first."""
        booking = self._book(port, None, self.probe_gap)
        try:
            while (delay := self.broadcast_delay(port, before=booking.order)) > 0:
                booking.at = self._clock() + delay
                await asyncio.sleep(delay)
            yield
        finally:
            self._unbook(port, booking)

    def sent(self, host: str, port: int, gap: float) -> None:
        """Log a request that just left for ``host``."""
        now = self._clock()
        self._sent[(host, port)] = _Sent(now, max(gap, self.min_gap))
        self._forget_old(now)

    def broadcast(self, port: int) -> None:
        """Log a probe that just left: it reached every battery on ``port``."""
        self._broadcast[port] = self._clock()

    def _book(self, port: int, host: str | None, gap: float) -> _Booking:
        booking = _Booking(next(self._order), host, self._clock(), max(gap, self.min_gap))
        if host is None:
            booking.at += max(self.broadcast_delay(port, before=booking.order), 0.0)
        else:
            booking.at += max(self.unicast_delay(host, port, gap, before=booking.order), 0.0)
        self._bookings.setdefault(port, []).append(booking)
        return booking

    def _unbook(self, port: int, booking: _Booking) -> None:
        bookings = self._bookings.get(port, [])
        if booking in bookings:
            bookings.remove(booking)
        if not bookings:
            self._bookings.pop(port, None)

    def _earlier(self, port: int, before: int | None) -> list[_Booking]:
        """Bookings on ``port`` made before order ``before``, soonest first."""
        bookings = self._bookings.get(port, ())
        return sorted(
            (b for b in bookings if before is None or b.order < before), key=lambda b: b.at
        )

    def _forget_old(self, now: float) -> None:
        if len(self._sent) <= 1024:
            return
        for key in [key for key, entry in self._sent.items() if now - entry.at > _MEMORY]:
            del self._sent[key]
