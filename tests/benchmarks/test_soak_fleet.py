"""The fleet soak, short: members dropping out and back never lower a fleet total.

``python -m benchmarks soak-fleet --hours 24`` is the long run. It runs as its own process,
like the soak (tests/benchmarks/test_soak.py says why).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from benchmarks.soak_fleet import SOC_TOLERANCE, passed
from tests.benchmarks.soak_support import run_soak


def _soak(tmp_path: Path, *args: str) -> dict[str, Any]:
    return run_soak("soak_fleet", tmp_path, *args)


@pytest.mark.slow
def test_three_simulated_hours_of_a_fleet(tmp_path: Path) -> None:
    report = _soak(tmp_path, "--hours", "3")
    assert report["fleet_total_decreases"] == 0, report["decrease_samples"]
    assert report["safety_violations"] == 0, report["safety_samples"]
    assert report["unhandled_exceptions"] == 0, report["unhandled_samples"]
    assert report["soc_samples"] > 300
    assert report["soc_max_error"] <= SOC_TOLERANCE
    assert passed(report)
    # The run went through what it is about: members offline, leaving and rejoining, a
    # re-created entry, counter resets on reboot, and energy counted.
    assert report["members_went_offline"] > 0
    assert report["events"] == ["leave", "rejoin", "recreate"]
    assert report["counter_restarts"] > 0
    assert report["fleet_totals_kwh"]["battery_discharged"] > 0
    # The same seed gives the same report.
    again = _soak(tmp_path, "--hours", "3")
    assert {k: v for k, v in again.items() if k != "real_seconds"} == {
        k: v for k, v in report.items() if k != "real_seconds"
    }
