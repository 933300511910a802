"""`python -m simulator` starts, answers, and stops cleanly on SIGINT / SIGTERM."""

from __future__ import annotations

import json
import select
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from simulator import PROFILES
from simulator.cli import main, parse_battery_spec

from .conftest import HOSTS

ROOT = Path(__file__).resolve().parents[2]


def _spawn(*args: str) -> subprocess.Popen[bytes]:
    # Unbuffered, so select() on the pipe tells the truth about unread lines.
    return subprocess.Popen(
        [sys.executable, "-m", "simulator", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        bufsize=0,
    )


def _readline(process: subprocess.Popen[bytes], timeout: float = 10.0) -> str:
    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], timeout)
    assert ready, "the simulator printed nothing"
    return process.stdout.readline().decode()


@pytest.fixture
def udp_client() -> Iterator[socket.socket]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(5.0)
    yield sock
    sock.close()


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_serves_until_signal(udp_client: socket.socket, signum: signal.Signals) -> None:
    port = udp_client.getsockname()[1]
    process = _spawn(
        "--battery",
        f"venus_e3_150@{HOSTS[20]}:{port}",
        "--battery",
        f"venus_a_149@{HOSTS[21]}",
        "--port",
        str(port),
        "--seed",
        "5",
        "--verbose",
    )
    try:
        lines = [_readline(process), _readline(process)]
        assert lines[0].startswith("venus_e3_150: VenusE 3.0 fw 150 ble_mac ")
        assert lines[0].rstrip().endswith(f"at {HOSTS[20]}:{port}")
        assert lines[1].startswith("venus_a_149: VenusA fw 149 ")
        request = {"id": 7, "method": "ES.GetMode", "params": {"id": 0}}
        udp_client.sendto(json.dumps(request).encode(), (HOSTS[21], port))
        data, source = udp_client.recvfrom(4096)
        assert source == (HOSTS[21], port)
        assert json.loads(data)["id"] == 7
        process.send_signal(signum)
        _, stderr_bytes = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0
    stderr = stderr_bytes.decode()
    assert "ES.GetMode id=7 -> replied" in stderr
    assert "stopped after 1 requests, 0 safety violations" in stderr
    assert "Traceback" not in stderr


def test_duration_and_faults(udp_client: socket.socket) -> None:
    port = udp_client.getsockname()[1]
    process = _spawn(
        "--battery", f"venus_e2_154@{HOSTS[22]}:{port}", "--duration", "0.5",
        "--loss", "0", "--latency", "0.01", "--jitter", "0.005", "--duplicates", "0",
        "--ct-contention", "0", "--reject-first-write", "--reply-to-source-port",
        "--min-gap", "0.3", "--time-scale", "60", "--start", "2026-06-01T12:00", "--soc", "80",
    )  # fmt: skip
    stdout, stderr = process.communicate(timeout=20)
    assert process.returncode == 0, stderr
    assert b"venus_e2_154: VenusE fw 154" in stdout


def test_list_profiles(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--list-profiles"]) == 0
    out = capsys.readouterr().out
    for key in PROFILES:
        assert key in out


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["--battery", "venus_e3_150"],
        ["--battery", "nope@127.0.9.1"],
        ["--battery", "venus_e3_150@127.0.9.1:x"],
        ["--battery", "venus_e3_150@127.0.9.1:70000"],
        ["--battery", "venus_e3_150@127.0.9.1", "--loss", "2"],
        ["--battery", "venus_e3_150@127.0.9.1", "--latency", "-1"],
        ["--battery", "venus_e3_150@127.0.9.1", "--start", "yesterday"],
        ["--battery", "venus_e3_150@127.0.9.1", "--time-scale", "0"],
    ],
)
def test_bad_arguments(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as err:
        main(argv)
    assert err.value.code == 2


def test_battery_spec() -> None:
    assert parse_battery_spec("venus_a_149@127.0.0.3") == ("venus_a_149", "127.0.0.3", 30000)
    assert parse_battery_spec("venus_a_149@127.0.0.3:31000") == ("venus_a_149", "127.0.0.3", 31000)


def test_address_in_use(udp_client: socket.socket) -> None:
    host, port = udp_client.getsockname()
    process = _spawn("--battery", f"venus_e3_150@{host}:{port}")
    _, stderr = process.communicate(timeout=20)
    assert process.returncode == 1
    assert b"cannot bind" in stderr
