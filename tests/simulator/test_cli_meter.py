"""`python -m simulator --follow-meter`: a battery polls a meter and follows it."""

from __future__ import annotations

import json
import select
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from simulator import SimulatedBattery
from simulator.cli import build_parser
from simulator.cli_meter import follower_for

ROOT = Path(__file__).resolve().parents[2]
BATTERY = "127.0.11.20"
METER = "127.0.11.21"


@pytest.fixture(autouse=True)
def _allow_sockets(socket_enabled: None) -> None:
    """Real UDP on loopback."""


def test_follow_meter_options_parse() -> None:
    args = build_parser().parse_args(["-b", "venus_e3_150@127.0.0.2", "--follow-meter"])
    assert (args.follow_meter, args.meter_model, args.household) == ("broadcast", "pro3em", "curve")
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--meter-misses", "0"])


def test_crowd_out_is_off_unless_asked_for() -> None:
    battery = SimulatedBattery("venus_e2_154", "127.0.0.2")
    base = ["-b", "venus_e2_154@127.0.0.2", "--follow-meter"]
    assert not follower_for(battery, build_parser().parse_args(base)).config.crowd_out
    args = build_parser().parse_args([*base, "--meter-crowd-out"])
    assert follower_for(battery, args).config.crowd_out


def test_a_battery_follows_a_meter_from_the_command_line() -> None:
    meter = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    meter.bind((METER, 0))
    port = meter.getsockname()[1]
    process = subprocess.Popen(
        [
            sys.executable, "-m", "simulator",
            "--battery", f"venus_e3_150@{BATTERY}:0",
            "--follow-meter", METER, "--meter-port", str(port), "--meter-model", "proem50",
            "--meter-interval", "0.1", "--household", "step500", "--duration", "1.5",
        ],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    requests: list[tuple[dict[str, object], str]] = []
    deadline = time.monotonic() + 10.0
    try:
        while process.poll() is None and time.monotonic() < deadline:
            ready, _, _ = select.select([meter], [], [], 0.1)
            if not ready:
                continue
            data, source = meter.recvfrom(2048)
            request = json.loads(data)
            requests.append((request, source[0]))
            reply = {
                "id": request["id"],
                "src": "shellyproem50-0a1b2c3d4e5f",
                "dst": "unknown",
                "result": {"act_power": 12.5},
            }
            meter.sendto(json.dumps(reply).encode(), source)
        stdout, stderr = process.communicate(timeout=10.0)
    finally:
        meter.close()
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, stderr
    assert f"follows a proem50 meter at {METER}:{port}" in stdout
    assert len(requests) >= 5
    assert {request["method"] for request, _ in requests} == {"EM1.GetStatus"}
    assert {source for _, source in requests} == {BATTERY}
    assert "meter gone 0 times" in stderr
