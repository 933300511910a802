"""The config flow's probe on a real (namespaced) LAN: the three mistakes told apart.

Two network namespaces joined by a veth pair: the client at 10.232.0.1, a "battery" host at
10.232.0.2 running two simulators (port 30000 answers, port 30002 never does). The client
probes an address nobody has, a closed port on the battery host, the silent port and the
answering one, with the kernel's real ARP table and ICMP. Loopback tests cannot show "nobody
at this address": there is no ARP on loopback.

Needs root and iproute2; skipped otherwise, unless MARSTEK_REQUIRE_NETNS=1 (CI) turns the
skip into a failure.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.protocol.netns_setup import require_netns, veth_pair

pytestmark = pytest.mark.netns

ROOT = Path(__file__).resolve().parents[2]
CLIENT, BATTERY, NOBODY = "10.232.0.1", "10.232.0.2", "10.232.0.99"
BLE_MAC = "a1b2c3d4e5f7"


@pytest.fixture
def pair() -> Iterator[tuple[str, str]]:
    """A client and a battery namespace on one veth link; always torn down."""
    require_netns()
    pid = os.getpid()
    with veth_pair((f"mvrc{pid}", CLIENT), (f"mvrb{pid}", BATTERY)) as pair:
        yield pair


def test_the_probe_tells_the_mistakes_apart(pair: tuple[str, str]) -> None:
    """Nobody, a closed port, a silent battery and a battery: four answers, in seconds.

    Before, the first three all waited out the retry budget (about 14 s) and said "no reply".
    """
    client, battery = pair
    simulators = [
        subprocess.Popen(
            [
                "ip",
                "netns",
                "exec",
                battery,
                sys.executable,
                "-m",
                "simulator",
                "--battery",
                f"venus_e3_150@{BATTERY}:{port}",
                "--ble-mac",
                BLE_MAC,
                *extra,
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for port, extra in ((30000, ["--latency", "0.15"]), (30002, ["--loss", "1"]))
    ]
    try:
        for process in simulators:
            assert process.stdout is not None
            assert process.stdout.readline(), "simulator did not start"
        done = subprocess.run(
            [
                "ip",
                "netns",
                "exec",
                client,
                sys.executable,
                str(ROOT / "tests" / "protocol" / "netns_reachability.py"),
                f"{NOBODY}:30000",
                f"{BATTERY}:30001",
                f"{BATTERY}:30002",
                f"{BATTERY}:30000",
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
    finally:
        for process in simulators:
            process.terminate()
        for process in simulators:
            process.wait(timeout=10)
    found = json.loads(done.stdout)
    assert {target: row["result"] for target, row in found.items()} == {
        f"{NOBODY}:30000": "no_host",
        f"{BATTERY}:30001": "port_closed",
        f"{BATTERY}:30002": "api_silent",
        f"{BATTERY}:30000": "ok",
    }
    assert found[f"{BATTERY}:30000"]["ble_mac"] == BLE_MAC
