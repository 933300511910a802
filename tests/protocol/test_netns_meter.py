"""A battery finds the emulated meter by broadcast, across network namespaces, and follows it.

Two network namespaces joined by a veth pair on one /24: a "battery" host at 10.233.0.10 runs
``python -m simulator --follow-meter`` (no meter address: it polls the subnet broadcast
10.233.0.255 on the Shelly model's port, as the firmware does, meter-emulation.md §1.1) with a
household whose load steps from 300 to 800 W, and publishes that household's grid power
(``--grid-feed``, a P1 meter's 1 s telegrams). A "meter" host at 10.233.0.2, whose address the
battery is never told, runs the library's ``MeterServer`` bound to 0.0.0.0 on the model's own
ports (1010 + 2220 for the Pro 3EM need root: the namespace has it) and answers each poll with
the grid power it reads from the feed. The only way a poll reaches it is the broadcast; the
battery's control law then brings the grid back into its deadband after the step.

Simulated time runs 5x faster than real time (``--time-scale``): the laws' 3 s regulation
gates, the load step at 60 s and the feed's period are on the battery's clock; poll cadence
and reply waits stay real, as on the device.

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
SUBNET = "10.233.0"
METER, BATTERY = f"{SUBNET}.2", f"{SUBNET}.10"
FEED_PORT = 8080
TIME_SCALE = "5"
TIMEOUT = 90.0  # s: generous; the step is at 12 s of real time and settles in a few more


@pytest.fixture
def pair() -> Iterator[tuple[str, str]]:
    """A meter and a battery namespace on one veth link; always torn down."""
    require_netns()
    pid = os.getpid()
    # The subnet broadcast 10.233.0.255 is this link's broadcast address.
    with veth_pair((f"mvmm{pid}", METER), (f"mvmb{pid}", BATTERY), broadcast=True) as pair:
        yield pair


@pytest.mark.parametrize(
    ("profile", "cli_model", "library_model", "ports", "method", "deadband"),
    [
        # Venus E 2.0 (the HMG-50 law, ±20 W) on a three-phase Pro 3EM: EM.GetStatus on 1010.
        ("venus_e2_154", "pro3em", "shellypro3em", [1010, 2220], "EM.GetStatus", 20.0),
        # Venus E 3.0 (±10 W) on a single-phase Pro EM-50: EM1.GetStatus on 2223.
        ("venus_e3_150", "proem50", "shellyproem50", [2223], "EM1.GetStatus", 10.0),
    ],
)
def test_the_battery_finds_the_meter_by_broadcast_and_follows_it(
    pair: tuple[str, str],
    profile: str,
    cli_model: str,
    library_model: str,
    ports: list[int],
    method: str,
    deadband: float,
) -> None:
    meter_ns, battery_ns = pair
    simulator = subprocess.Popen(
        [
            "ip", "netns", "exec", battery_ns, sys.executable, "-m", "simulator",
            "--battery", f"{profile}@{BATTERY}:30000", "--time-scale", TIME_SCALE,
            "--follow-meter", "--meter-model", cli_model, "--household", "step500",
            "--grid-feed", f"{BATTERY}:{FEED_PORT}",
        ],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert simulator.stdout is not None
        banner = [simulator.stdout.readline() for _ in range(3)]
        assert "grid feed at" in banner[2], banner
        done = subprocess.run(
            [
                "ip", "netns", "exec", meter_ns, sys.executable,
                str(ROOT / "tests" / "protocol" / "netns_meter.py"),
                library_model, f"http://{BATTERY}:{FEED_PORT}/", str(deadband + 1.0),
                str(TIMEOUT),
            ],
            cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT + 30, check=True,
        )  # fmt: skip
    finally:
        simulator.terminate()
        _, errors = simulator.communicate(timeout=10)
    # The battery was given no meter address: it polls its /24 broadcast on the model's port.
    assert f"follows a {cli_model} meter at {SUBNET}.255:{ports[0]} ({method}" in banner[1]
    found = json.loads(done.stdout)
    assert found["ports"] == ports
    # Every poll came from the battery's own address, and got an answer once the feed was read.
    assert set(found["senders"]) == {BATTERY}
    assert found["senders"][BATTERY]["served"] >= 5
    assert found["senders"][BATTERY]["refused"] == 0
    timeline = found["timeline"]
    assert found["settled"], timeline
    # Before the step the battery covered the 300 W house; then it took on the 500 W step.
    before = [s["battery_output"] for s in timeline if s["load"] < 800.0]
    assert before[-1] == pytest.approx(300.0, abs=deadband + 1.0), timeline
    assert timeline[-1]["battery_output"] == pytest.approx(800.0, abs=deadband + 1.0), timeline
    assert "refused replies: none" in errors, errors
