"""The benchmark harness's own logic: statistics, fault plans, tables, accelerated timing."""

from __future__ import annotations

import json
import random

import pytest

from benchmarks import harness
from benchmarks.faultplan import DURATIONS, FaultEvent, plan_faults
from benchmarks.hostile import GENERATORS, junk_object
from benchmarks.report import render, table
from benchmarks.soak_model import Window
from benchmarks.stats import Summary, peak_count, percentile, share, smallest_gap
from custom_components.marstek_venus.pymarstek_venus import Timing


def test_percentiles_and_summaries() -> None:
    assert percentile([], 50) is None
    assert percentile([3.0], 95) == 3.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    assert percentile([0.0, 10.0], 95) == pytest.approx(9.5)
    summary = Summary.of([1.0, 2.0, 3.0])
    assert summary.as_dict() == {"count": 3, "median": 2.0, "p95": pytest.approx(2.9), "max": 3.0}
    assert Summary.of([]).median is None
    assert share(1, 4) == 0.25
    assert share(1, 0) is None


def test_gaps_and_peak_rates() -> None:
    assert smallest_gap({"a": [0.0, 1.0, 1.5], "b": [0.0, 0.2]}) == pytest.approx(0.2)
    assert smallest_gap({"a": [1.0]}) is None
    assert peak_count([0.0, 1.0, 2.0, 10.0, 10.5], 2.0) == 3
    assert peak_count([], 10.0) == 0


def test_fault_plan_covers_every_kind_reproducibly() -> None:
    events = plan_faults(2.0, 10, seed=3)
    assert events == plan_faults(2.0, 10, seed=3)
    assert {event.kind for event in events} == {*DURATIONS, "ip_change"}
    assert [event.start for event in events] == sorted(event.start for event in events)
    for event in events:
        assert 0 <= event.battery < 10
        assert event.start > 0
        assert event.end <= 2.0 * 3600
    assert len(plan_faults(24.0, 10)) > len(events)
    assert FaultEvent(0, "duplicate_burst", 0.0, 1.0).is_outage is False
    with pytest.raises(ValueError):
        plan_faults(0.0, 10)


def test_fault_windows() -> None:
    assert Window("silence", 10.0, 20.0).overlaps(15.0, 30.0)
    assert Window("silence", 10.0, 20.0).overlaps(0.0, 10.0)
    assert not Window("silence", 10.0, 20.0).overlaps(20.5, 30.0)
    assert Window("ip_change", 10.0).overlaps(1000.0, 1001.0)  # still open


def test_accelerated_divides_the_library_timing() -> None:
    before = Timing()
    timing = harness.accelerated(10.0)
    assert pytest.approx(before.min_request_gap / 10) == timing.min_request_gap
    assert pytest.approx(before.resend_after / 10) == timing.resend_after
    assert pytest.approx(before.verify_settle / 10) == timing.verify_settle
    assert pytest.approx(before.quiet_period / 10) == timing.quiet_period
    assert tuple(t / 10 for t in before.probe_schedule) == timing.probe_schedule
    assert pytest.approx(before.probe_gap / 10) == timing.probe_gap
    assert (timing.attempts, timing.verify_reads) == (before.attempts, before.verify_reads)
    assert Timing() == before  # nothing global changed
    sockets = harness.accelerated_sockets(10.0)
    assert sockets.timing == timing
    assert pytest.approx(before.min_request_gap / 10) == sockets.min_request_gap
    assert pytest.approx(before.probe_gap / 10) == sockets.pacer.probe_gap
    with pytest.raises(ValueError):
        harness.accelerated(0)


def test_loopback_addresses() -> None:
    assert harness.loopback(0, 0) == "127.77.0.1"
    assert harness.loopback(3, 249, base=80) == "127.80.3.250"
    with pytest.raises(ValueError):
        harness.loopback(0, 250)


def test_hostile_generators_make_datagrams_udp_can_carry() -> None:
    rng = random.Random(5)
    for _ in range(50):
        for generate in GENERATORS.values():
            data = generate(rng)
            assert isinstance(data, bytes)
            assert len(data) <= 65507
    assert json.dumps(junk_object(rng), allow_nan=True)


def _level(loss: float, fresh: int, scan_found: list[int] | None = None) -> dict[str, object]:
    scans: dict[str, object] = (
        {"scans": None, "scan_every": 20.0}
        if scan_found is None
        else {
            "scans": len(scan_found),
            "scan_every": 20.0,
            "scan_found": scan_found,
            "scan_errors": 0,
            "scan_targets": 5,
        }
    )
    return {
        "loss": loss,
        "cycles": 10,
        "fresh_all": fresh,
        "fresh_share": fresh / 10,
        "cycle_time": {"median": 2.0, "p95": 3.0},
        "requests_per_fresh_read": 1.2,
        "requests_per_battery_cycle": 4.0 if scan_found else 3.6,
        "probes_per_battery_cycle": 0.4 if scan_found else 0.0,
        "peak_requests_per_10s": 10,
        "smallest_gap": 1.0,
        "violations": {},
        **scans,
    }


def _write(loss: float) -> dict[str, object]:
    return {
        "loss": loss,
        "writes": 4,
        "confirmed": 3,
        "success_share": 0.75,
        "false_success": 0,
        "false_failure": 1,
        "failed": 0,
        "time": {"median": 1.1, "p95": 1.2},
        "requests_per_write": 2.0,
        "violations": {"gap": 2},
    }


def test_report_puts_theirs_beside_ours_with_ratios() -> None:
    result = {
        "plan": {"latency": 0.15, "jitter": 0.05},
        "libraries": {
            "ours": {
                "version": "working tree",
                "poll": [_level(0.0, 10, [5, 5]), _level(0.1, 10, [4, 5, 5])],
                "write": [_write(0.1)],
                "discovery": [{"batteries": 1, "found": 1, "seconds": 2.0}],
            },
            "aiomarstek": {
                "version": "0.2.2",
                "notes": ["shared client"],
                "poll": [_level(0.0, 10), _level(0.1, 5)],
                "write": [_write(0.1)],
                "discovery": [{"batteries": 1, "found": 1, "seconds": 10.0}],
            },
        },
        "missing": {"py-marstek": "not installed"},
        "loop_lag": {"p99": 0.001, "max": 0.002},
    }
    text = render(result)
    assert "\u00d70.50" in text  # half the fresh cycles of ours
    assert "\u00d75.00" in text  # discovery five times slower
    assert "2 (gap 2)" in text
    # Device load counts the probes of the scans that ran during the poll.
    assert "| 4.00 (0.40) " in text
    assert "2 (all 5)" in text
    assert "3 (4\u20135 of 5)" in text
    assert "n/a (no loopback discovery)" in text  # aiomarstek here: no scans
    assert "\u00d70.90" in text  # 3.6 requests per battery and cycle against 4.0
    assert "py-marstek: not measured: not installed" in text
    assert "aiomarstek 0.2.2: shared client" in text


def test_table_pads_columns() -> None:
    assert table(["a", "bb"], [["xxx", "y"]]).splitlines() == [
        "| a   | bb |",
        "|-----|----|",
        "| xxx | y  |",
    ]
