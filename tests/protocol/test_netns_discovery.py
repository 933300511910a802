"""Real broadcast discovery across network namespaces: three simulated batteries, one client.

Topology (all inside namespaces this test creates and deletes; nothing touches the host's
own interfaces): a bridge namespace holding br0, one namespace per battery and one for the
client, each joined to the bridge by a veth pair. The batteries run ``python -m simulator``
bound to 0.0.0.0:30000, the client runs ``scripts/marstek discover``. The probe goes out as
a real broadcast (255.255.255.255 and the subnet's 10.231.0.255), each battery answers with a
unicast reply to the client's port 30000.

Needs root and iproute2; skipped otherwise, unless MARSTEK_REQUIRE_NETNS=1 (CI) turns the
skip into a failure.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from custom_components.marstek_venus.pymarstek_venus.const import DEFAULT_REQUEST_GAP
from tests.protocol.netns_setup import bring_up, namespaces, require_netns, run

pytestmark = pytest.mark.netns

ROOT = Path(__file__).resolve().parents[2]
SUBNET = "10.231.0"
BATTERIES = [
    ("venus_e3_150", "a1b2c3d4e501"),
    ("venus_a_149", "a1b2c3d4e502"),
    ("venus_e2_154", "a1b2c3d4e503"),
]


@pytest.fixture
def lan() -> Iterator[dict[str, str]]:
    """Build the bridged namespaces; yield {role: namespace}; always tear everything down."""
    require_netns(probe=True)
    tag = str(os.getpid())
    bridge_ns = f"mvbr{tag}"
    hosts = {"client": f"mvc{tag}"} | {
        f"battery{i}": f"mvb{i}x{tag}" for i in range(1, len(BATTERIES) + 1)
    }
    with namespaces(bridge_ns, *hosts.values()):
        run("ip", "-n", bridge_ns, "link", "add", "br0", "type", "bridge")
        run("ip", "-n", bridge_ns, "link", "set", "br0", "up")
        for index, (role, ns) in enumerate(hosts.items()):
            address = f"{SUBNET}.{1 if role == 'client' else 10 + index}/24"
            outer = f"v{index}"
            run(
                "ip", "-n", bridge_ns, "link", "add", outer, "type", "veth", "peer", "eth0",
                "netns", ns,
            )  # fmt: skip
            run("ip", "-n", bridge_ns, "link", "set", outer, "master", "br0", "up")
            bring_up(ns, address, broadcast=True)
            # A default route lets the limited broadcast 255.255.255.255 leave through eth0.
            run("ip", "-n", ns, "route", "add", "default", "dev", "eth0")
        yield hosts


def _in_namespace(namespace: str, *command: str) -> str:
    """Run a command inside ``namespace`` and return what it printed."""
    done = subprocess.run(
        ["ip", "netns", "exec", namespace, *command],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=90,
        check=True,
    )
    return done.stdout


def test_broadcast_discovery_finds_three_batteries(lan: dict[str, str], tmp_path: Path) -> None:
    """Real broadcasts find every battery, and no battery ever gets two datagrams closer than
    the default 1 s gap: not from one round's limited + subnet broadcast (before the fix:
    1-5 ms apart), not from scans running while one battery is polled."""
    python = sys.executable
    simulators: list[subprocess.Popen[str]] = []
    reports = [tmp_path / f"battery{index}.json" for index in range(1, len(BATTERIES) + 1)]
    try:
        for index, (profile, mac) in enumerate(BATTERIES, start=1):
            process = subprocess.Popen(
                [
                    "ip",
                    "netns",
                    "exec",
                    lan[f"battery{index}"],
                    python,
                    "-m",
                    "simulator",
                    "--battery",
                    f"{profile}@0.0.0.0:30000",
                    "--ble-mac",
                    mac,
                    "--report",
                    str(reports[index - 1]),
                ],
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            simulators.append(process)
            assert process.stdout is not None
            assert process.stdout.readline(), "simulator did not start"
        found = _in_namespace(
            lan["client"],
            python,
            str(ROOT / "scripts" / "_protocol_entry.py"),
            "discover",
            "--json",
            "--timeout",
            "4",
        )
        # Pacing is per process: the next process cannot know when this one last probed.
        time.sleep(DEFAULT_REQUEST_GAP)
        # Two more scans while battery 1 is polled at the default pace.
        scans = _in_namespace(
            lan["client"],
            python,
            str(ROOT / "tests" / "protocol" / "netns_scan_and_poll.py"),
            f"{SUBNET}.11",
            "2",
        )
    finally:
        for process in simulators:
            process.terminate()
        for process in simulators:
            process.wait(timeout=10)
    expected = [
        (mac, f"{SUBNET}.{10 + index}", 30000) for index, (_, mac) in enumerate(BATTERIES, start=1)
    ]
    devices = json.loads(found)
    assert sorted((d["ble_mac"], d["host"], d["port"]) for d in devices) == expected
    assert {d["model"] for d in devices} == {"VenusE 3.0", "VenusA", "VenusE"}
    for scan in json.loads(scans):
        assert sorted((d["ble_mac"], d["host"], d["port"]) for d in scan) == expected

    for index, path in enumerate(reports, start=1):
        (report,) = json.loads(path.read_text(encoding="utf-8"))
        assert report["violations"] == [], f"battery {index}"
        # The first scan's three rounds at least (later rounds may yield to battery 1's polls).
        assert report["requests"] >= 3, f"battery {index}"
        assert report["smallest_gap"] >= DEFAULT_REQUEST_GAP - 0.002, f"battery {index}"
    (polled,) = json.loads(reports[0].read_text(encoding="utf-8"))
    assert "ES.GetMode" in polled["methods"]
