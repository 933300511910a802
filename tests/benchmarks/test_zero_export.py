"""The zero-export benchmark: short runs of each kind of control, and the scoring's own logic.

``python -m benchmarks zero-export`` is the hour-long run (docs/zero-export.md); here a few
simulated minutes check that each control path runs end to end and that a run repeats
exactly. Timings are never asserted.
"""

from __future__ import annotations

import pytest

from benchmarks.zero_export import measure, render
from benchmarks.zero_export_model import (
    SAMPLE,
    SCENARIOS,
    STEP_AT,
    Trace,
    crossings_per_minute,
    energies,
    opposite,
    settling,
)

pytestmark = pytest.mark.usefixtures("socket_enabled")

BY_NAME = {s.name: s for s in SCENARIOS}


def _trace(values: list[float], start: float = 0.0) -> Trace:
    trace = Trace(duration=len(values) * SAMPLE)
    for index, value in enumerate(values):
        trace.add(start + index * SAMPLE, value, ())
    return trace


def test_energy_is_split_into_import_and_export() -> None:
    trace = _trace([1000.0] * 18000 + [-500.0] * 18000)  # an hour each way at 0.2 s
    imported, exported = energies(trace)
    assert imported == pytest.approx(1000.0)
    assert exported == pytest.approx(500.0)


def test_settling_is_the_last_excursion_after_the_step() -> None:
    before = [0.0] * round(STEP_AT / SAMPLE)
    after = [500.0] * 50 + [20.0] * 2000  # 10 s outside the band, then inside
    assert settling(_trace(before + after)) == pytest.approx(10.0)
    assert settling(_trace(before + [500.0] * 2000)) is None  # never settles


def test_crossings_ignore_values_inside_the_band() -> None:
    trace = _trace([50.0, 5.0, -5.0, 50.0, -50.0, 50.0] * 50)
    trace.duration = 60.0
    assert crossings_per_minute(trace) == pytest.approx(100.0)  # down and up, 50 times
    quiet = _trace([8.0, -8.0] * 150)
    quiet.duration = 60.0
    assert crossings_per_minute(quiet) == 0.0


def test_opposite_is_the_power_batteries_push_into_each_other() -> None:
    assert opposite((800.0, -300.0, 100.0)) == 300.0
    assert opposite((800.0, 300.0)) == 0.0


def test_each_control_runs_and_repeats_exactly() -> None:
    names = [
        "no battery",
        "ideal, 1 battery",
        "automation 30 s, 1 s source",
        "meter, 1 battery, 1 s source",
        "meter, 3 batteries, 10 s source",
        "paced meter, 3 batteries, 10 s source",
    ]
    first = measure(90.0, names)
    rows = {row["scenario"]: row for row in first["rows"]}
    assert set(rows) == set(names)
    assert rows["automation 30 s, 1 s source"]["writes_per_min"] > 0
    assert rows["meter, 1 battery, 1 s source"]["writes_per_min"] == 0
    assert rows["meter, 1 battery, 1 s source"]["reads_per_min"] == 0
    assert rows["meter, 3 batteries, 10 s source"]["opposite_w"] is not None
    assert rows["no battery"]["imported_wh"] > rows["meter, 1 battery, 1 s source"]["imported_wh"]
    assert rows["ideal, 1 battery"]["sum_wh"] == 0.0
    assert "meter, 1 battery, 1 s source" in first["traces"]
    assert "| scenario |" in render(first)
    again = measure(90.0, names)
    assert again["rows"] == first["rows"]
