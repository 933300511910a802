"""Does a silent battery still answer on the network? Asked of the kernel's neighbour table.

A battery whose Open API was switched off (pre-150 firmware does it under load, a reset does
it, the app can do it) stops answering our UDP requests, but its Wi-Fi stays up. Raw ICMP
needs privileges Home Assistant does not have, and an unconnected UDP socket never hears
"port unreachable" on Linux. What every host does have is the neighbour (ARP) table: while
the integration keeps sending requests to the battery, the kernel keeps resolving its
address, and the entry shows whether the battery still answers ARP.

* a complete entry (flags 0x2, a real MAC): the battery is on the network;
* an incomplete entry (flags 0x0): it did not answer ARP, so it is off or off the network;
* no entry, no /proc (not Linux), or a battery behind a router: we cannot tell.

The kernel re-validates a stale entry within seconds when it is used, and the integration
sends a request every poll, so after a few failed polls the entry reflects the battery.

Right after a config-flow probe (``neighbour_presence``), "no entry" can be told too: an address
on one of our own subnets that the kernel just sent to always gets an entry, so none (or an
incomplete one) means nobody answered ARP. An address behind a router never gets one (the
router's MAC is what the kernel resolves), so for it nothing can be said. One blind spot: an
entry that was complete moments before stays complete for a few seconds while the kernel
re-checks it, so a host that just left still looks present.
"""

from __future__ import annotations

import ipaddress
import sys
from pathlib import Path

ARP_TABLE = Path("/proc/net/arp")
ROUTE_TABLE = Path("/proc/net/route")
_ATF_COM = 0x2  # the entry is complete (the neighbour answered)
_NO_MAC = "00:00:00:00:00:00"
_RTF_UP = 0x1
_RTF_GATEWAY = 0x2


def host_answers_arp(host: str, table: Path = ARP_TABLE) -> bool | None:
    """True: ``host`` answers on the network; False: it does not; None: cannot tell.

    Blocking (reads a file): run it in the executor.
    """
    try:
        lines = table.read_text(encoding="ascii", errors="replace").splitlines()
    except OSError:
        return None
    for line in lines[1:]:
        fields = line.split()
        if len(fields) < 4 or fields[0] != host:
            continue
        try:
            flags = int(fields[2], 16)
        except ValueError:
            return None
        return bool(flags & _ATF_COM) and fields[3] != _NO_MAC
    return None


def neighbour_presence(
    host: str, table: Path = ARP_TABLE, routes: Path = ROUTE_TABLE
) -> bool | None:
    """Right after sending to ``host``: True, it answered ARP; False, nobody did; None: unknown.

    Loopback addresses are always there. Blocking (reads files): run it in the executor.
    """
    address = ipaddress.IPv4Address(host)
    if address.is_loopback:
        return True
    answers = host_answers_arp(host, table)
    if answers is not None:
        return answers
    return False if is_on_link(address, routes) else None


def is_on_link(address: ipaddress.IPv4Address, routes: Path = ROUTE_TABLE) -> bool:
    """True when a route without gateway covers ``address`` (one of our own subnets).

    The default route does not count: a gateway-less default (a VPN tunnel) has no ARP.
    """
    try:
        lines = routes.read_text(encoding="ascii", errors="replace").splitlines()
    except OSError:
        return False
    for line in lines[1:]:
        fields = line.split()
        if len(fields) < 8:
            continue
        try:
            destination, gateway, flags, mask = (
                _route_address(fields[1]),
                _route_address(fields[2]),
                int(fields[3], 16),
                _route_address(fields[7]),
            )
        except ValueError:
            continue
        if not flags & _RTF_UP or flags & _RTF_GATEWAY or int(gateway) or not int(mask):
            continue
        if int(address) & int(mask) == int(destination):
            return True
    return False


def _route_address(field: str) -> ipaddress.IPv4Address:
    """/proc/net/route prints each address as its raw 32 bits in host byte order, in hex."""
    return ipaddress.IPv4Address(int(field, 16).to_bytes(4, sys.byteorder))
