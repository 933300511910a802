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
"""

from __future__ import annotations

from pathlib import Path

ARP_TABLE = Path("/proc/net/arp")
_ATF_COM = 0x2  # the entry is complete (the neighbour answered)
_NO_MAC = "00:00:00:00:00:00"


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
