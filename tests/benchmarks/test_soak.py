"""The CI soak: two simulated hours of ten batteries through every kind of fault.

``benchmarks/soak --hours 24`` is the long run (docs/benchmarks.md); this one takes about
15 seconds and asserts the same four zeros.
"""

from __future__ import annotations

import pytest

from benchmarks.faultplan import DURATIONS
from benchmarks.soak import SoakConfig, passed, render, run_soak


@pytest.mark.slow
async def test_two_simulated_hours_leave_nothing_broken(socket_enabled: None) -> None:
    """No unhandled exception, no stale entity, no energy decrease, no safety violation."""
    report = await run_soak(SoakConfig(hours=2.0))

    assert report["unhandled_exceptions"] == 0, report["unhandled_samples"]
    assert report["stale_entities"] == 0, report["stale_samples"]
    assert report["unavailable_after_fault"] == 0, report["unavailable_samples"]
    assert report["energy_decreases"] == 0, report["energy_samples"]
    assert report["safety_violations"] == 0, report["safety_samples"]
    assert report["client_sends_below_floor"] == 0
    assert passed(report)
    # The run really went through its faults and its hostile traffic.
    assert set(report["faults"]) == {*DURATIONS, "ip_change"}
    assert report["ip_changes_followed"] == 2
    assert report["device_counter_restarts_seen"] >= 1
    assert sum(report["hostile_datagrams"].values()) > 500
    assert report["socket_drops"]["malformed"] > 0
    # Two simulated hours of 10 batteries at 30 s is 2400 cycles; a loaded machine gets
    # through fewer in real time, so this only proves the run really polled.
    assert report["counted_cycles"] > 300
    assert report["simulator_internal_errors"] == 0
    assert "must be zero" in render(report)
