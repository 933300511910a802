"""scripts/marstek against a simulator subprocess, as a user would run it."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from custom_components.marstek_venus.pymarstek_venus import cli

# Tests leave a clean log: a file or socket they forget to close fails them.
pytestmark = pytest.mark.filterwarnings(
    "error::ResourceWarning", "error::pytest.PytestUnraisableExceptionWarning"
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def simulator(udp_port: int) -> Iterator[int]:
    """A Venus A fw 149 (with PV) on 127.0.0.2:udp_port in its own process."""
    # The context manager closes the stdout pipe and reaps the process, also when the test
    # fails: a pipe left open is a ResourceWarning at garbage collection.
    with subprocess.Popen(
        [sys.executable, "-m", "simulator", "--battery", f"venus_a_149@127.0.0.2:{udp_port}"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    ) as process:
        try:
            assert process.stdout is not None
            assert "venus_a_149" in process.stdout.readline()
            yield udp_port
        finally:
            process.terminate()
            process.wait(timeout=10)


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_status_json_has_every_read_method(
    simulator: int, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(
        capsys, "status", "127.0.0.2", "--port", str(simulator), "--gap", "0.3", "--json"
    )
    assert code == 0
    report = json.loads(out)
    assert set(report) == {
        "Marstek.GetDevice",
        "PV.GetStatus",
        "ES.GetStatus",
        "ES.GetMode",
        "EM.GetStatus",
        "Bat.GetStatus",
        "Wifi.GetStatus",
        "BLE.GetStatus",
    }
    assert report["Marstek.GetDevice"]["firmware"] == 149
    assert len(report["PV.GetStatus"]["channels"]) == 4
    # Venus A 149 predates the stable line 150: Bat.GetStatus is left out unless asked for.
    assert "skipped" in report["Bat.GetStatus"]


def test_set_mode_and_check(simulator: int, capsys: pytest.CaptureFixture[str]) -> None:
    port = str(simulator)
    code, out, _ = _run(capsys, "set-mode", "127.0.0.2", "--port", port, "--gap", "0.3", "ai")
    assert (code, out.strip()) == (0, "AI confirmed by the battery")
    code, out, _ = _run(
        capsys,
        "set-mode",
        "127.0.0.2",
        "--port",
        port,
        "--gap",
        "0.3",
        "manual",
        "--slot",
        "1",
        "--start",
        "22:00",
        "--end",
        "06:00",
        "--days",
        "mon,fri",
        "--power",
        "-500",
    )
    assert code == 0, out
    code, out, _ = _run(
        capsys,
        "set-mode",
        "127.0.0.2",
        "--port",
        port,
        "--gap",
        "0.3",
        "passive",
        "--power",
        "300",
        "--duration",
        "60",
    )
    assert code == 0, out
    code, out, _ = _run(capsys, "check", "127.0.0.2", "--port", port, "--gap", "0.3")
    assert code == 0
    assert "PV.GetStatus" in out
    assert "not supported" not in out


def test_discover_json(simulator: int, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(
        capsys,
        "discover",
        "--port",
        str(simulator),
        "--broadcast",
        "127.0.0.2",
        "--json",
        "--timeout",
        "2",
    )
    assert code == 0
    assert [d["host"] for d in json.loads(out)] == ["127.0.0.2"]


def test_errors_are_one_line(udp_port: int, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "status", "127.0.0.2", "--port", str(udp_port), "--gap", "0.3")
    assert code == 1
    assert err.count("\n") == 1
    assert err.startswith("error: ")


@pytest.mark.parametrize(
    "argv",
    [
        ["status", "not-an-ip"],
        ["status", "127.0.0.2", "--gap", "0.1"],
        ["set-mode", "127.0.0.2", "passive", "--power", "100"],
        ["set-mode", "127.0.0.2", "manual", "--slot", "1"],
        [
            "set-mode",
            "127.0.0.2",
            "manual",
            "--slot",
            "1",
            "--start",
            "25:00",
            "--end",
            "1:00",
            "--power",
            "1",
        ],
        [
            "set-mode",
            "127.0.0.2",
            "manual",
            "--slot",
            "1",
            "--start",
            "1:00",
            "--end",
            "2:00",
            "--power",
            "1",
            "--days",
            "funday",
        ],
    ],
)
def test_bad_input_sends_nothing(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code: int | str | None
    try:
        code = cli.main(argv)
    except SystemExit as exit_info:  # argparse usage errors exit with 2
        code = exit_info.code
    assert code in (1, 2)
    assert capsys.readouterr().err.strip()
