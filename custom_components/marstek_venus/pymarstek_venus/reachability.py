"""Is anything at this address, and does it speak the Open API? One paced probe tells.

Set up by hand, three mistakes look the same to a plain request (no reply after the whole retry
budget, about 14 s): an address where nothing is, a host that is there but has nothing on the
port (a wrong port, or not a battery), and a battery whose Open API is off. What the host's own
kernel knows tells them apart, in a second or three:

* ICMP port unreachable: a host is at the address and its stack (the battery's modem too)
  says nothing listens on the port. Linux reports it only to a *connected* UDP socket (an
  unconnected one would need IP_RECVERR and its error queue), so the probe leaves from a small
  socket of its own, connected to the battery's address and port, and hears the refusal as
  ECONNREFUSED.
* ICMP host or network unreachable: our ARP went unanswered (the kernel says so to the
  connected socket after its ARP retries) or a router knows no way there.
* Silence: the kernel's neighbour (ARP) table says whether the host answered ARP. That table
  is platform business, so the caller passes a lookup; loopback hosts are always there.

The probe is ``Marstek.GetDevice``, a request like any other: it takes the device's channel
lock, waits its turn, and is logged with the pacer, so nothing else reaches the battery within
its gap. Most firmware replies to the requester's IP at the battery's own API port, where the
shared socket is bound; some reply to the source port, which is the probe socket's: it listens
on both. A resend goes out after the gap, like a read's (the first datagram to a dozing Wi-Fi
modem is often lost), with the same request id.
"""

from __future__ import annotations

import asyncio
import errno
import ipaddress
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from .const import DEFAULT_PORT, Method
from .models import RequestStats
from .registry import SocketRegistry
from .timing import Timing
from .transport import (
    MAX_DATAGRAM_SIZE,
    DeviceChannel,
    Reply,
    SharedSocket,
    local_host_for,
    validate_host,
)

_LOGGER = logging.getLogger(__name__)

# After the last send, wait this long for a reply (LAN round trips are 0.1-0.3 s).
ANSWER_WITHIN = 1.5
# Datagrams per probe: the first to a dozing modem is often lost.
SENDS = 3

# ICMP errors that say no host is there (or no way leads there).
_NO_HOST_ERRNOS = frozenset({errno.EHOSTUNREACH, errno.ENETUNREACH, errno.EHOSTDOWN})

type PresenceLookup = Callable[[str], Awaitable[bool | None]]


class Verdict(StrEnum):
    """What one probe of an address found."""

    ANSWERED = "answered"  # a reply came back
    REFUSED = "refused"  # a host is there, nothing listens on the port (ICMP port unreachable)
    NO_HOST = "no_host"  # nothing at the address (no ARP answer, ICMP host unreachable)
    SILENT = "silent"  # a host is there, no ICMP error, no reply: a firewall, or the API is off
    UNKNOWN = "unknown"  # no reply, no ICMP error, and nothing says whether a host is there


@dataclass(frozen=True, slots=True)
class Reachability:
    """The verdict, and the reply when there was one."""

    verdict: Verdict
    reply: dict[str, Any] | None = None


async def loopback_presence(host: str) -> bool | None:
    """The default presence lookup: a loopback address is always there; else we cannot tell."""
    return True if ipaddress.IPv4Address(host).is_loopback else None


async def probe(
    host: str,
    port: int = DEFAULT_PORT,
    *,
    timing: Timing | None = None,
    sockets: SocketRegistry | None = None,
    sends: int = SENDS,
    answer_within: float = ANSWER_WITHIN,
    presence: PresenceLookup = loopback_presence,
    local_host: str | None = None,
) -> Reachability:
    """Send ``Marstek.GetDevice`` to ``host:port`` and say what came of it.

    Raises MarstekInvalidHostError for an unusable address and MarstekPortInUseError when the
    API port cannot be bound here (replies arrive there). ``presence`` is asked only when
    nothing came back: True, a host answered ARP; False, none did; None, it cannot tell.
    The datagrams keep ``timing``'s request gap (by default the registry's timing);
    ``sockets`` defaults to the event loop's registry.
    """
    address = validate_host(host)
    registry = sockets if sockets is not None else SocketRegistry.current()
    request_gap = (timing if timing is not None else registry.timing).gap
    shared = await registry.acquire_socket(local_host or local_host_for(address), port)
    try:
        channel = shared.channel(address, request_gap)
        try:
            found = await _probe(shared, channel, max(1, sends), answer_within)
        except OSError as err:
            # connect() itself failed: no route to the address at all.
            _LOGGER.debug("Probe of %s:%s cannot start: %s", address, port, err)
            found = _verdict_of(err)
        finally:
            shared.leave(channel, request_gap)
    finally:
        registry.release_socket(shared)
    if found is not None:
        return found
    present = await presence(address)
    if present is None:
        return Reachability(Verdict.UNKNOWN)
    return Reachability(Verdict.SILENT if present else Verdict.NO_HOST)


async def _probe(
    shared: SharedSocket, channel: DeviceChannel, sends: int, answer_within: float
) -> Reachability | None:
    """Send (and resend) on the channel's turns; None when only silence came back."""
    loop = asyncio.get_running_loop()
    host, port, stats = channel.host, channel.port, channel.stats
    transport, own = await loop.create_datagram_endpoint(
        _ProbeSocket, local_addr=(shared.local_host, 0), remote_addr=(host, port)
    )
    try:
        async with channel.lock:
            request_id = shared.next_request_id()
            own.request_id = request_id
            payload = json.dumps(
                {"id": request_id, "method": str(Method.GET_DEVICE), "params": {"ble_mac": "0"}},
                separators=(",", ":"),
            ).encode()
            at_api_port = shared.expect(host, request_id)
            either: set[asyncio.Future[Any]] = {at_api_port, own.outcome}
            try:
                for send in range(sends):
                    await channel.wait_turn()
                    if own.outcome.done():
                        break
                    if send:
                        stats.resends += 1
                    # Nothing awaited between the turn and the log: nobody slips in between.
                    transport.sendto(payload)
                    channel.pacer.sent(host, port, channel.gap)
                    stats.sent += 1
                    wait = channel.gap if send + 1 < sends else answer_within
                    done, _ = await asyncio.wait(
                        either, timeout=wait, return_when=asyncio.FIRST_COMPLETED
                    )
                    if done:
                        break
            finally:
                shared.forget(host, request_id)
    finally:
        transport.close()
    return _outcome(at_api_port, own.outcome, stats)


def _outcome(
    at_api_port: asyncio.Future[Reply],
    own: asyncio.Future[dict[str, Any] | OSError],
    stats: RequestStats,
) -> Reachability | None:
    if at_api_port.done() and not at_api_port.cancelled():
        stats.answered += 1
        return Reachability(Verdict.ANSWERED, at_api_port.result().message)
    if not own.done():
        stats.timeouts += 1
        return None
    result = own.result()
    if isinstance(result, OSError):
        return _verdict_of(result)
    stats.answered += 1
    return Reachability(Verdict.ANSWERED, result)


def _verdict_of(err: OSError) -> Reachability:
    if err.errno == errno.ECONNREFUSED:
        return Reachability(Verdict.REFUSED)
    if err.errno in _NO_HOST_ERRNOS:
        return Reachability(Verdict.NO_HOST)
    return Reachability(Verdict.UNKNOWN)


class _ProbeSocket(asyncio.DatagramProtocol):
    """The connected socket: hears ICMP errors, and replies sent to the source port."""

    def __init__(self) -> None:
        self.request_id: int | None = None
        self.outcome: asyncio.Future[dict[str, Any] | OSError] = (
            asyncio.get_running_loop().create_future()
        )

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        # A connected socket only receives from the battery's address and port.
        if self.outcome.done() or len(data) > MAX_DATAGRAM_SIZE:
            return
        try:
            message = json.loads(data)
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
            return
        if not isinstance(message, dict) or ("result" not in message and "error" not in message):
            return
        request_id = message.get("id")
        if isinstance(request_id, bool):
            return
        # Parse errors and CT contention come back with id 0 (marstek-open-api.md §1.7).
        if request_id == self.request_id or (request_id == 0 and "error" in message):
            self.outcome.set_result(message)

    def error_received(self, exc: Exception) -> None:
        if self.outcome.done():
            return
        if isinstance(exc, OSError) and (
            exc.errno == errno.ECONNREFUSED or exc.errno in _NO_HOST_ERRNOS
        ):
            self.outcome.set_result(exc)
        else:
            _LOGGER.debug("Probe socket error: %s", exc)
