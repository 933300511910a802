"""The CI soak: two simulated hours of ten batteries through every kind of fault, scans included.

``python -m benchmarks soak --hours 24`` is the long run (docs/benchmarks.md). Both run on a virtual
clock (benchmarks/virtual_time.py) with the integration's own constants, so a loaded machine
makes them slower but cannot change what they find: the same seed gives the same report.
The soak runs as its own process, as ``python -m benchmarks soak`` does: the library keeps one send
log per process, which must not mix the soak's virtual clock with the real one of other tests.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from benchmarks.faultplan import DURATIONS
from benchmarks.soak import render
from benchmarks.soak_report import gap_kept, passed
from tests.benchmarks.soak_support import run_soak


def _soak(tmp_path: Path, *args: str) -> dict[str, Any]:
    return run_soak("soak", tmp_path, *args)


@pytest.mark.slow
def test_two_simulated_hours_leave_nothing_broken(tmp_path: Path) -> None:
    """No unhandled exception, failed scan, stale entity, energy decrease or safety violation,
    and no battery got two requests closer than the request gap, with scans running."""
    report = _soak(tmp_path, "--hours", "2")

    assert report["unhandled_exceptions"] == 0, report["unhandled_samples"]
    assert report["scan_errors"] == 0, report["scan_error_samples"]
    assert report["stale_entities"] == 0, report["stale_samples"]
    assert report["unavailable_after_fault"] == 0, report["unavailable_samples"]
    assert report["energy_decreases"] == 0, report["energy_samples"]
    assert report["safety_violations"] == 0, report["safety_samples"]
    assert report["smallest_gap"] is not None
    assert gap_kept(report), report["smallest_gap_by_battery"]
    assert report["request_gap"] == 1.0  # the integration's default pause between requests
    assert passed(report)
    # The run really went through its faults, its scans and its hostile traffic.
    assert set(report["faults"]) == {*DURATIONS, "ip_change"}
    assert report["ip_changes_followed"] == 2
    assert report["scans"] >= 8  # at start-up, then every 15 minutes, while polling
    assert report["device_counter_restarts_seen"] >= 1
    assert sum(report["hostile_datagrams"].values()) > 500
    assert report["socket_drops"]["malformed"] > 0
    # Two hours of 10 batteries at 30 s is 2400 cycles: on the virtual clock, all of them.
    assert report["cycles"] >= 2380
    assert report["counted_cycles"] > 2000
    assert report["simulator_internal_errors"] == 0
    assert "must hold" in render(report)


@pytest.mark.slow
def test_a_run_repeats_exactly(tmp_path: Path) -> None:
    """The same seed gives the same report, however busy the machine is."""
    args = ("--hours", "0.5", "--batteries", "3", "--seed", "7")
    first = _soak(tmp_path, *args)
    second = _soak(tmp_path, *args)
    for report in (first, second):
        del report["real_seconds"]
    assert first == second
    assert first["cycles"] > 0
