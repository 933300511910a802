"""The shared UDP socket: one per (local address, port), demultiplexing replies in software.

Why one shared socket: the firmware sends its reply to the requester's IP *at the device's own
listen port* (most units), so we must bind that port locally and send from it; a few units reply
to the source port instead, which the same binding also satisfies. Linux load-balances unicast
datagrams between sockets that share a port with SO_REUSEPORT, so every device on a port is
served by one socket and replies are matched in software by (source IP, request id).

Everything that arrives and matches nothing (our own broadcast echo, strangers, late or duplicate
replies, malformed or oversized datagrams) is dropped and counted; nothing in a datagram can
raise into a caller.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

from .const import MAX_REQUEST_ID
from .errors import MarstekConnectionError, MarstekInvalidHostError
from .lock import DeviceLock
from .models import RequestStats
from .pacing import Pacer

_LOGGER = logging.getLogger(__name__)

# Real replies stay well under 1 KB; the modem cannot send more than 1460 bytes in one go.
# Anything larger is not a Marstek reply.
MAX_DATAGRAM_SIZE = 4096

type DiscoveryListener = Callable[[dict[str, Any], str], None]
type DropReason = Literal["malformed", "oversized", "echo", "stranger", "unmatched"]


@dataclass(frozen=True, slots=True)
class Reply:
    """A decoded JSON reply matched to a request."""

    message: dict[str, Any]
    host: str
    received_at: float


@dataclass(slots=True)
class DropCounters:
    """Datagrams the socket threw away, by reason."""

    malformed: int = 0  # not JSON, not an object, no usable id
    oversized: int = 0
    echo: int = 0  # a request (ours, echoed by the broadcast, or another client's)
    stranger: int = 0  # from an address we are not talking to
    unmatched: int = 0  # from a known device but no request waiting: late or duplicate


@dataclass(slots=True)
class DeviceChannel:
    """Pacing state of one device: its lock (one request in flight) and its users' gaps."""

    host: str
    port: int
    pacer: Pacer
    lock: DeviceLock = field(default_factory=DeviceLock)
    stats: RequestStats = field(default_factory=RequestStats)
    # The gap of each client using the channel now; the widest holds. A client that leaves
    # (an entry reloading with a shorter pause) takes its gap with it.
    gaps: list[float] = field(default_factory=list)

    @property
    def gap(self) -> float:
        """Seconds between two requests to this device: the widest any current user keeps."""
        return max(self.gaps, default=self.pacer.min_gap)

    @property
    def last_sent(self) -> float:
        """When this device last got a datagram from us: a request or a discovery probe."""
        return self.pacer.last_sent(self.host, self.port)

    async def wait_turn(self) -> None:
        """Sleep until the gap since the previous datagram to this device has passed.

        Send right after this returns, with no await in between: then nobody (a probe,
        another entry) can slip a datagram in.
        """
        await self.pacer.wait_unicast(self.host, self.port, self.gap)


def validate_host(host: str) -> str:
    """Return ``host`` as a canonical IPv4 string, or raise MarstekInvalidHostError."""
    try:
        address = ipaddress.IPv4Address(host.strip())
    except (ipaddress.AddressValueError, AttributeError) as err:
        raise MarstekInvalidHostError(f"{host!r} is not an IPv4 address") from err
    if (
        address.is_multicast
        or address.is_unspecified
        or address == ipaddress.IPv4Address("255.255.255.255")
    ):
        raise MarstekInvalidHostError(f"{host} cannot be a battery's address")
    return str(address)


def local_host_for(host: str) -> str:
    """Pick the local address to bind for talking to ``host``.

    A battery on loopback (the simulator) is reached from 127.0.0.1, which leaves the
    simulator free to bind the same port on its own 127.x address; real batteries are
    reached from the wildcard address so broadcast replies arrive too.
    """
    return "127.0.0.1" if ipaddress.IPv4Address(host).is_loopback else "0.0.0.0"


class SharedSocket(asyncio.DatagramProtocol):
    """One bound UDP socket and the bookkeeping of every request sent through it.

    ``pacer`` is the send log every datagram is entered in (a ``SocketRegistry`` passes its
    own; a socket built by hand, as the fuzzer does, gets a fresh one).
    """

    def __init__(self, local_host: str, port: int, *, pacer: Pacer | None = None) -> None:
        self.local_host = local_host
        self.port = port
        self.pacer = pacer if pacer is not None else Pacer()
        self.drops = DropCounters()
        self._transport: asyncio.DatagramTransport | None = None
        self._channels: dict[str, DeviceChannel] = {}
        self._pending: dict[tuple[str, int], asyncio.Future[Reply]] = {}
        self._listeners: dict[int, DiscoveryListener] = {}
        self._next_id = 0
        self._users = 0
        self._closed: asyncio.Future[None] | None = None
        self._probe_lock = asyncio.Lock()

    # asyncio.DatagramProtocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.DatagramTransport)
        self._transport = transport
        self._closed = asyncio.get_running_loop().create_future()

    def connection_lost(self, exc: Exception | None) -> None:
        self._transport = None
        if self._closed is not None and not self._closed.done():
            self._closed.set_result(None)
        for future in self._pending.values():
            if not future.done():
                future.set_exception(MarstekConnectionError("UDP socket closed"))
        self._pending.clear()

    def error_received(self, exc: Exception) -> None:
        # ICMP errors (port unreachable, no route) surface here on Linux. The request that
        # caused them will time out and be retried; there is nothing to match them to.
        _LOGGER.debug("UDP error on port %s: %s", self.port, exc)

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        host = str(addr[0])
        message = self.parse(data, host)
        if message is None:
            return
        request_id = message["id"]
        if request_id == 0 and "error" in message:
            # Parse errors (and CT-mutex contention) come back with id 0 rather than the
            # request's id. With one request in flight per device, it is that device's one.
            for (pending_host, _), waiting in self._pending.items():
                if pending_host == host and not waiting.done():
                    waiting.set_result(Reply(message, host, time.monotonic()))
                    return
        future = self._pending.get((host, request_id))
        if future is not None and not future.done():
            future.set_result(Reply(message, host, time.monotonic()))
            return
        listener = self._listeners.get(request_id)
        if listener is not None:
            listener(message, host)
            return
        channel = self._channels.get(host)
        if channel is None:
            self._drop("stranger", host, data)
            return
        self._drop("unmatched", host, data)
        channel.stats.dropped += 1

    def _drop(self, reason: DropReason, host: str, data: bytes) -> None:
        """Count a datagram thrown away, by reason (diagnostics show the counters)."""
        setattr(self.drops, reason, getattr(self.drops, reason) + 1)
        _LOGGER.debug(
            "Port %s dropped a %s datagram from %s (%d bytes): %r",
            self.port,
            reason,
            host,
            len(data),
            data[:60],
        )

    def parse(self, data: bytes, host: str) -> dict[str, Any] | None:
        """Decode one datagram into a reply object, or count why it was dropped."""
        if len(data) > MAX_DATAGRAM_SIZE:
            self._drop("oversized", host, data)
            return None
        try:
            message = json.loads(data)
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
            self._drop("malformed", host, data)
            return None
        if not isinstance(message, dict):
            self._drop("malformed", host, data)
            return None
        if "method" in message and "result" not in message and "error" not in message:
            self._drop("echo", host, data)
            return None
        request_id = message.get("id")
        if isinstance(request_id, bool) or not isinstance(request_id, int):
            self._drop("malformed", host, data)
            return None
        if "result" not in message and "error" not in message:
            self._drop("malformed", host, data)
            return None
        return message

    # Requests
    @property
    def is_open(self) -> bool:
        """True while the socket is bound."""
        return self._transport is not None and not self._transport.is_closing()

    def channel(self, host: str, gap: float) -> DeviceChannel:
        """Join the pacing channel of ``host`` with ``gap``; the widest gap of its users wins.

        Every ``channel()`` call is one user until the matching ``leave()``.
        """
        channel = self._channels.get(host)
        if channel is None:
            channel = self._channels[host] = DeviceChannel(host, self.port, self.pacer)
        channel.gaps.append(max(gap, self.pacer.min_gap))
        return channel

    def leave(self, channel: DeviceChannel, gap: float) -> None:
        """A user of ``channel`` is done: its gap no longer counts (its statistics stay)."""
        gap = max(gap, self.pacer.min_gap)
        if gap in channel.gaps:
            channel.gaps.remove(gap)

    def pending_requests(self) -> list[tuple[str, int]]:
        """The (host, request id) pairs still waiting for a reply (diagnostics, the soak)."""
        return list(self._pending)

    def next_request_id(self) -> int:
        """Ids cycle 1..65535: the firmware keeps them as uint16 and 0 marks parse errors."""
        self._next_id = self._next_id % MAX_REQUEST_ID + 1
        return self._next_id

    def expect(self, host: str, request_id: int) -> asyncio.Future[Reply]:
        """Register interest in the reply to ``request_id`` from ``host``."""
        future: asyncio.Future[Reply] = asyncio.get_running_loop().create_future()
        self._pending[(host, request_id)] = future
        return future

    def forget(self, host: str, request_id: int) -> None:
        """Stop waiting for a reply; a later copy is then dropped and counted."""
        future = self._pending.pop((host, request_id), None)
        if future is not None and not future.done():
            future.cancel()

    def send(self, payload: bytes, host: str, *, probe: bool = False) -> None:
        """Send one datagram to ``host`` at our port, and log it for pacing.

        A ``probe`` (discovery) may reach every battery on the port, so it counts as a
        request to each of them; otherwise ``host``'s next request keeps its channel's gap
        (the pacer's floor for a host without one). An empty datagram freezes some firmware:
        it is refused.
        """
        if not payload:
            raise ValueError("refusing to send an empty datagram")
        if self._transport is None or self._transport.is_closing():
            raise MarstekConnectionError("UDP socket is closed")
        try:
            self._transport.sendto(payload, (host, self.port))
        except OSError as err:
            raise MarstekConnectionError(f"cannot send to {host}: {err}") from err
        if probe:
            self.pacer.broadcast(self.port)
        else:
            channel = self._channels.get(host)
            self.pacer.sent(host, self.port, channel.gap if channel is not None else 0.0)

    @contextmanager
    def listen(self, request_id: int, listener: DiscoveryListener) -> Iterator[None]:
        """Route replies carrying ``request_id`` from any address to ``listener``."""
        self._listeners[request_id] = listener
        try:
            yield
        finally:
            self._listeners.pop(request_id, None)

    @asynccontextmanager
    async def exclusive(self) -> AsyncIterator[None]:
        """Wait for, and hold, a moment when a probe on this port keeps every battery's gap.

        A broadcast reaches every battery on the port, so it counts as a request to each of
        them (pacing.py). It does not wait for replies still outstanding: the gap already
        keeps it clear of the device's busy window, and waiting for the locks of dozens of
        batteries polled in turn (or of one timing out) would stall polling and the scan alike.
        """
        # Two scans at once (the background scan and a config flow) take turns.
        async with self._probe_lock, self.pacer.broadcast_turn(self.port):
            yield

    # Life cycle
    def acquire(self) -> None:
        """Count one more user."""
        self._users += 1

    def release(self) -> bool:
        """Count one user less; True when the socket is no longer used and was closed."""
        self._users -= 1
        if self._users > 0:
            return False
        if self._transport is not None:
            self._transport.close()
        return True

    @property
    def is_closed(self) -> bool:
        """True once the kernel socket is gone (or was never opened)."""
        return self._closed is None or self._closed.done()

    async def wait_closed(self) -> None:
        """Wait until the kernel socket is really closed (asyncio closes it one tick later)."""
        if self._closed is not None:
            await asyncio.shield(self._closed)
