"""The emulated Shelly meter on the LAN: UDP listeners that answer the batteries' polls.

The battery finds its meter by broadcasting the poll to the subnet on the model's port and
regulates on the reply (meter-emulation.md §1.1). So the server binds each port on
``0.0.0.0`` (or one given address) with broadcast enabled, answers every well-formed poll
unicast to the sender's address and port, from the port it arrived on, and answers a poll sent
unicast just the same (whether the battery switches to unicast after discovery is unknown,
§8.3). Nothing is ever sent unasked.

What to answer is the caller's: ``value_for(sender_ip)`` returns the ``MeterReading`` for that
battery (its share of the grid power), or ``None`` to stay silent: an address the caller does
not serve, or a source that is unavailable or stale. Silence is the safe failure: the battery
declares its meter gone and stops regulating by itself (§3); a frozen value would not.

Ports are bound without SO_REUSEADDR, so a port another program holds (an AstraMeter or
uni-meter add-on, §5.8) fails loudly with ``MarstekPortInUseError`` instead of two listeners
silently sharing the broadcasts.
"""

from __future__ import annotations

import asyncio
import errno
import functools
import logging
import secrets
import socket
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType

# The library is imported under two names (pymarstek_venus, and inside the integration), so
# it reaches its own modules relatively only (tests/test_repository.py).
from ..errors import MarstekConnectionError, MarstekPortInUseError  # noqa: TID252
from .models import MeterReading, ShellyModel
from .wire import MeterRequest, Refusal, ReplyFormat, build_reply, parse_request

_LOGGER = logging.getLogger(__name__)

type ValueFor = Callable[[str], MeterReading | None]

# Statistics are kept for this many sender addresses; datagrams from further ones (a flood of
# forged sources) are still handled, only counted together in ``MeterServer.untracked``.
MAX_SENDERS = 64


@dataclass(frozen=True, slots=True)
class SenderStats:
    """What one sender address got from the emulator (diagnostics, "follows the meter").

    ``last_request`` is in the units of the server's clock, and is set by every well-formed
    poll, answered or not.
    """

    served: int = 0  # polls answered
    silent: int = 0  # well-formed polls left unanswered because value_for gave None
    last_request: float | None = None
    last_reading: MeterReading | None = None  # the value last answered
    refused: Mapping[Refusal, int] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def refused_total(self) -> int:
        """Datagrams from this sender that were no usable poll."""
        return sum(self.refused.values())


class _PortListener(asyncio.DatagramProtocol):
    """One bound port: hands each datagram to the server and sends back what it returns."""

    def __init__(self, server: MeterServer) -> None:
        self._server = server
        self.transport: asyncio.DatagramTransport | None = None
        self.closed = asyncio.Event()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.DatagramTransport)
        self.transport = transport

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        reply = self._server.handle(data, addr[0])
        if reply is not None and self.transport is not None and not self.transport.is_closing():
            self.transport.sendto(reply, addr)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed.set()

    def error_received(self, exc: Exception) -> None:
        # An ICMP "port unreachable" for an earlier reply (the battery's socket is gone); the
        # next poll simply gets its own reply.
        _LOGGER.debug("meter emulator: UDP error %s", exc)


class MeterServer:
    """An emulated Shelly ``model`` answering polls on its ports with ``value_for``'s values.

    ``host``: the address to bind (``0.0.0.0`` receives subnet broadcasts; a test binds a
    loopback address). ``ports``: defaults to the model's own (§1.2); port 0 lets the OS pick
    one, ``ports`` then tells which. ``device_id``: the 12 hex digits of ``src``, random when
    not given (a caller that wants it stable across restarts stores and passes it).
    ``clock``: the time source of ``SenderStats.last_request``.
    """

    def __init__(
        self,
        model: ShellyModel,
        value_for: ValueFor,
        *,
        host: str = "0.0.0.0",
        ports: tuple[int, ...] | None = None,
        device_id: str | None = None,
        reply_format: ReplyFormat | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.model = model
        self.host = host
        self.device_id = device_id if device_id is not None else secrets.token_hex(6)
        self.reply_format = reply_format if reply_format is not None else ReplyFormat()
        # Build one reply now, so a bad device id fails here rather than on every poll.
        build_reply(model, MeterRequest(0, model.method), MeterReading(0.0), self.device_id)
        self._value_for = value_for
        self._wanted_ports = ports if ports is not None else model.ports
        if not self._wanted_ports:
            raise ValueError("a meter server needs at least one port")
        self._clock = clock
        self._listeners: list[_PortListener] = []
        self._senders: dict[str, SenderStats] = {}
        self.untracked = 0  # datagrams from senders beyond MAX_SENDERS

    @property
    def ports(self) -> tuple[int, ...]:
        """The ports bound now (the OS's choice where port 0 was asked for)."""
        return tuple(
            int(listener.transport.get_extra_info("sockname")[1])
            for listener in self._listeners
            if listener.transport is not None
        )

    @property
    def senders(self) -> dict[str, SenderStats]:
        """Statistics per sender IPv4 address (a copy)."""
        return dict(self._senders)

    async def start(self) -> None:
        """Bind every port; on any failure, release those already bound and raise.

        Raises ``MarstekPortInUseError`` (with ``.port``) when a port is taken, and
        ``MarstekConnectionError`` for any other bind failure (port 1010 is below 1024 and
        needs root or CAP_NET_BIND_SERVICE, §1.2).
        """
        if self._listeners:
            raise RuntimeError("the meter server is already started")
        loop = asyncio.get_running_loop()
        for port in self._wanted_ports:
            try:
                _, listener = await loop.create_datagram_endpoint(
                    functools.partial(_PortListener, self),
                    local_addr=(self.host, port),
                    family=socket.AF_INET,
                    allow_broadcast=True,
                )
            except OSError as err:
                await self.stop()
                if err.errno == errno.EADDRINUSE:
                    raise MarstekPortInUseError(port, self.host) from err
                raise MarstekConnectionError(
                    f"cannot listen on UDP {self.host}:{port}: {err.strerror or err}"
                ) from err
            self._listeners.append(listener)

    async def stop(self) -> None:
        """Stop listening on every port and wait until the ports are free again.

        Statistics are kept; the server can be started again.
        """
        listeners, self._listeners = self._listeners, []
        for listener in listeners:
            if listener.transport is not None:
                listener.transport.close()
        for listener in listeners:
            await listener.closed.wait()

    async def __aenter__(self) -> MeterServer:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    def handle(self, data: bytes, sender: str) -> bytes | None:
        """The reply to one datagram from ``sender`` (None: stay silent), counted."""
        parsed = parse_request(data, self.model.method)
        if isinstance(parsed, Refusal):
            stats = self._stats(sender)
            if stats is not None:
                refused = dict(stats.refused)
                refused[parsed] = refused.get(parsed, 0) + 1
                self._senders[sender] = replace(stats, refused=MappingProxyType(refused))
            _LOGGER.debug("meter emulator: %s datagram from %s refused", parsed, sender)
            return None
        return self._answer(parsed, sender)

    def _answer(self, request: MeterRequest, sender: str) -> bytes | None:
        """Ask the caller for the sender's value and build the reply (or stay silent)."""
        now = self._clock()
        try:
            reading = self._value_for(sender)
        except Exception:  # the caller's bug must not stop the listener
            _LOGGER.exception("meter emulator: value for %s failed", sender)
            reading = None
        stats = self._stats(sender)
        if reading is None:
            if stats is not None:
                self._senders[sender] = replace(stats, silent=stats.silent + 1, last_request=now)
            return None
        reply = build_reply(self.model, request, reading, self.device_id, self.reply_format)
        if stats is not None:
            self._senders[sender] = replace(
                stats, served=stats.served + 1, last_request=now, last_reading=reading
            )
        return reply

    def _stats(self, sender: str) -> SenderStats | None:
        """The sender's statistics, new ones while there is room (None: counted as untracked)."""
        stats = self._senders.get(sender)
        if stats is None:
            if len(self._senders) >= MAX_SENDERS:
                self.untracked += 1
                return None
            stats = self._senders[sender] = SenderStats()
        return stats
