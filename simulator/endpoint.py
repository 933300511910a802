"""The battery's UDP socket, stamping every datagram with the moment it arrived.

The device-safety rules are about time on the wire: two requests that reach a battery 5 ms
apart collide in its CT mutex however late the battery gets round to reading them. Event-loop
time is not that moment: a loop that was busy (a loaded CI machine) reads two datagrams that
arrived a second apart one right after the other, and a gap that was kept looks broken. So the
socket asks the kernel for each datagram's arrival time (SO_TIMESTAMPNS) and the battery judges
gaps on that. Where the option is missing, the loop's clock at read time is used instead.
"""

from __future__ import annotations

import asyncio
import socket
import struct
import time
from collections.abc import Callable

_SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)  # Linux value; older Pythons lack it
_TIMESPEC = struct.Struct("@qq")
_MAX_DATAGRAM = 65535
_ANCILLARY = socket.CMSG_SPACE(_TIMESPEC.size)

type DatagramHandler = Callable[[bytes, tuple[str, int], float], None]


def _wall_minus_loop(loop: asyncio.AbstractEventLoop) -> float:
    """The wall clock minus the loop's clock, read as a tight pair.

    The two clocks cannot be read at once; a preemption between the reads (a loaded machine)
    would move every stamp converted with a sloppy pair by milliseconds, so the pair is read
    up to three times and the tightest one is kept.
    """
    best_spread, best_offset = float("inf"), 0.0
    for _ in range(3):
        before = loop.time()
        wall = time.time()
        after = loop.time()
        if after - before < best_spread:
            best_spread, best_offset = after - before, wall - (before + after) / 2
        if best_spread < 50e-6:
            break
    return best_offset


class StampedEndpoint:
    """A non-blocking UDP socket read with ``recvmsg``; ``handler`` gets (data, peer, arrival).

    ``arrival`` is on the event loop's clock (``loop.time()``), like every other time the
    simulator keeps, translated from the kernel's wall-clock stamp.
    """

    def __init__(self, handler: DatagramHandler, on_error: Callable[[OSError], None]) -> None:
        self._handler = handler
        self._on_error = on_error
        self._sock: socket.socket | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._last_arrival = float("-inf")

    def open(self, host: str, port: int) -> int:
        """Bind ``host:port`` (port 0: the kernel picks one); return the bound port."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
            sock.bind((host, port))
            sock.setblocking(False)
            try:
                sock.setsockopt(socket.SOL_SOCKET, _SO_TIMESTAMPNS, 1)
            except OSError:
                pass  # no kernel stamps here: arrival falls back to the loop's clock
        except BaseException:
            sock.close()
            raise
        self._sock = sock
        self._loop = asyncio.get_running_loop()
        self._loop.add_reader(sock.fileno(), self._read_ready)
        return int(sock.getsockname()[1])

    @property
    def is_open(self) -> bool:
        return self._sock is not None

    def close(self) -> None:
        sock, self._sock = self._sock, None
        if sock is None:
            return
        if self._loop is not None:
            self._loop.remove_reader(sock.fileno())
        sock.close()

    def sendto(self, payload: bytes, destination: tuple[str, int]) -> None:
        """Send one datagram; OSError (no route, buffer full) is the caller's to count."""
        if self._sock is None:
            raise OSError("socket closed")
        self._sock.sendto(payload, destination)

    def _read_ready(self) -> None:
        sock, loop = self._sock, self._loop
        while sock is not None and loop is not None:
            try:
                data, ancillary, _, peer = sock.recvmsg(_MAX_DATAGRAM, _ANCILLARY)
            except (BlockingIOError, InterruptedError):
                return
            except OSError as err:
                # An ICMP error for an earlier reply (port unreachable): normal on a LAN.
                self._on_error(err)
                return
            now = loop.time()
            arrival = now
            for level, kind, payload in ancillary:
                if level == socket.SOL_SOCKET and kind == _SO_TIMESTAMPNS:
                    seconds, nanos = _TIMESPEC.unpack(payload[: _TIMESPEC.size])
                    arrival = min(seconds + nanos / 1e9 - _wall_minus_loop(loop), now)
            # Datagrams are read in the order they arrived: never let one look earlier (unless
            # the loop's clock itself went back, as a test's frozen clock may).
            if self._last_arrival <= now:
                arrival = max(arrival, self._last_arrival)
            self._last_arrival = arrival
            self._handler(data, (str(peer[0]), int(peer[1])), arrival)
            sock = self._sock
