"""UDP broadcast discovery of Marstek batteries.

Each battery answers a broadcast ``Marstek.GetDevice`` with a unicast reply to the requester at
its own API port, so discovery sends through the same shared socket the clients use (it is
bound to that port) and listens there for replies carrying its request id. A battery on a
custom port ignores probes to 30000, so every candidate port is probed.

Rather than waiting a fixed ten seconds as other clients do, the probe is repeated a few times
(the first datagram to a dozing Wi-Fi modem is often lost) and collection ends once no new
battery has answered for a short quiet period after the last probe.

A probe is a request to every battery it reaches, and the device-safety rules hold for it
(design.md §3): the limited broadcast 255.255.255.255 and an interface's own broadcast address
reach the same batteries, so sending both within one round would hand each battery two requests
milliseconds apart. Each round therefore sends one kind of target only (the interfaces' own
broadcasts, or the limited broadcast, or unicast addresses), the kinds take turns across
rounds, and every round waits until each battery's gap has passed (pacing.py).

The probe schedule, the quiet period and the probe gap come from ``Timing``; the probe gap is
kept by the socket registry's pacer, which every scan and client on the registry shares.
"""

from __future__ import annotations

import array
import asyncio
import fcntl
import ipaddress
import json
import logging
import socket
import struct
from collections.abc import Iterable
from typing import Any

from .const import DEFAULT_PORT, Method
from .decode import decode_device
from .errors import MarstekConnectionError, MarstekDecodeError
from .models import DeviceInfo
from .registry import SocketRegistry
from .timing import Timing
from .transport import SharedSocket

_LOGGER = logging.getLogger(__name__)

LIMITED_BROADCAST = "255.255.255.255"
# Probe rounds of a scan by default: Timing().probe_schedule has three, at least the default
# request gap apart (a probe reaches batteries whose own gap we do not know yet). The pacer may
# hold a round back further while a known battery's gap has not passed.
PROBE_ROUNDS = len(Timing().probe_schedule)
_SIOCGIFBRDADDR = 0x8919


async def discover(
    ports: Iterable[int] = (DEFAULT_PORT,),
    *,
    targets: Iterable[str] | None = None,
    timeout: float = 3.0,
    timing: Timing | None = None,
    sockets: SocketRegistry | None = None,
) -> list[DeviceInfo]:
    """Broadcast Marstek.GetDevice on every port and return the batteries that answered.

    ``targets`` defaults to 255.255.255.255 plus every interface's broadcast address; unicast
    addresses may be given too (a loopback simulator, a known host). Replies are collected until
    no new battery has answered for a short while after the last probe, bounded by
    ``timeout``, and de-duplicated by BLE MAC. ``sockets`` defaults to the event loop's
    registry, ``timing`` to the registry's.
    """
    registry = sockets if sockets is not None else SocketRegistry.current()
    timing = timing if timing is not None else registry.timing
    target_list = list(dict.fromkeys(targets)) if targets is not None else broadcast_targets()
    rounds = probe_rounds(
        target_list, interface_broadcast_addresses(), rounds=len(timing.probe_schedule)
    )
    local_host = (
        "127.0.0.1"
        if target_list and all(ipaddress.IPv4Address(t).is_loopback for t in target_list)
        else "0.0.0.0"
    )
    collector = _Collector()
    shared_sockets: list[SharedSocket] = []
    try:
        port_list = list(dict.fromkeys(ports))
        for index, port in enumerate(port_list):
            try:
                shared_sockets.append(await registry.acquire_socket(local_host, port))
            except MarstekConnectionError as err:
                # One port taken by another program must not hide the batteries on the
                # others; with none left there is nothing to scan, and the caller hears why.
                if not shared_sockets and index == len(port_list) - 1:
                    raise
                _LOGGER.debug("Discovery skips port %s: %s", port, err)
        await asyncio.gather(
            *(_probe(shared, rounds, timeout, timing, collector) for shared in shared_sockets)
        )
    finally:
        for shared in shared_sockets:
            registry.release_socket(shared)
    _LOGGER.debug("Discovery found %d batteries", len(collector.found))
    return sorted(collector.found.values(), key=lambda device: (device.host, device.port))


class _Collector:
    """Decodes replies, de-duplicates by BLE MAC and remembers when the last new one came."""

    def __init__(self) -> None:
        self.found: dict[str, DeviceInfo] = {}
        self.last_new = 0.0

    def add(self, port: int, message: dict[str, Any], host: str) -> None:
        result = message.get("result")
        if not isinstance(result, dict):
            return
        src = message.get("src")
        try:
            device = decode_device(result, src if isinstance(src, str) else None, host, port)
        except MarstekDecodeError as err:
            _LOGGER.debug("Ignoring discovery reply from %s: %s", host, err)
            return
        # The same battery answers the limited and the subnet broadcast: keep the first.
        if device.ble_mac not in self.found:
            self.found[device.ble_mac] = device
            self.last_new = asyncio.get_running_loop().time()


def probe_rounds(
    targets: list[str], interface_broadcasts: Iterable[str], *, rounds: int = PROBE_ROUNDS
) -> list[list[str]]:
    """The targets of each of ``rounds`` probe rounds: one kind of target per round, kinds
    taking turns.

    Within one kind, two targets never reach the same battery: each interface broadcast covers
    its own subnet, each unicast address one battery. Across kinds they may (255.255.255.255
    and the subnet's broadcast reach the same batteries), so kinds never share a round.
    """
    directed = set(interface_broadcasts)
    kinds = [
        [target for target in targets if target in directed],
        [target for target in targets if target == LIMITED_BROADCAST],
        [target for target in targets if target not in directed and target != LIMITED_BROADCAST],
    ]
    kinds = [kind for kind in kinds if kind]
    if not kinds:
        return []
    return [kinds[index % len(kinds)] for index in range(rounds)]


async def _probe(
    shared: SharedSocket,
    rounds: list[list[str]],
    timeout: float,
    timing: Timing,
    collector: _Collector,
) -> None:
    """Probe one port on the schedule and collect replies until quiet or the deadline.

    Every wait is on the event loop's clock, as the pacer's are (a virtual-time loop too).
    """
    loop = asyncio.get_running_loop()
    start = loop.time()
    deadline = start + timeout
    request_id = shared.next_request_id()
    payload = json.dumps(
        {"id": request_id, "method": str(Method.GET_DEVICE), "params": {"ble_mac": "0"}},
        separators=(",", ":"),
    ).encode()

    def listener(message: dict[str, Any], host: str) -> None:
        collector.add(shared.port, message, host)

    with shared.listen(request_id, listener):
        for offset, targets in zip(timing.probe_schedule, rounds, strict=False):
            if start + offset >= deadline:
                break
            delay = start + offset - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            async with shared.exclusive():
                if loop.time() >= deadline:
                    break  # held back by busy batteries until there is no time left to listen
                for target in targets:
                    try:
                        shared.send(payload, target, probe=True)
                    except MarstekConnectionError as err:
                        # No route to one broadcast domain must not stop the others.
                        _LOGGER.debug("Discovery probe to %s failed: %s", target, err)
        last_probe = loop.time()
        while (now := loop.time()) < deadline:
            if now - max(last_probe, collector.last_new) >= timing.quiet_period:
                break
            await asyncio.sleep(0.05)


def broadcast_targets() -> list[str]:
    """255.255.255.255 plus the broadcast address of every IPv4 interface that has one."""
    targets = [LIMITED_BROADCAST]
    for address in interface_broadcast_addresses():
        if address not in targets:
            targets.append(address)
    return targets


def interface_broadcast_addresses() -> list[str]:
    """Ask the kernel for each interface's IPv4 broadcast address (Linux ioctl).

    Home Assistant passes its own list from the network integration; this is for the CLI
    and other callers. On platforms without the ioctl it returns nothing and the limited
    broadcast address alone is used.
    """
    addresses: list[str] = []
    try:
        interfaces = socket.if_nameindex()
    except OSError:
        return addresses
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        for _, name in interfaces:
            request = array.array("B", struct.pack("256s", name.encode()[:15]))
            try:
                fcntl.ioctl(probe.fileno(), _SIOCGIFBRDADDR, request)
            except OSError:
                continue
            address = socket.inet_ntoa(request.tobytes()[20:24])
            if address != "0.0.0.0" and not ipaddress.IPv4Address(address).is_loopback:
                addresses.append(address)
    return addresses
