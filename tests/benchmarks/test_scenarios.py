"""One tiny end-to-end benchmark run of our library (real time, a few seconds)."""

from __future__ import annotations

import pytest

from benchmarks.adapters import LIBRARIES, installed
from benchmarks.report import render
from benchmarks.scenarios import Plan, run_libraries


@pytest.mark.slow
async def test_ours_through_every_scenario(socket_enabled: None) -> None:
    plan = Plan(
        losses=(0.0,),
        latency=0.01,
        jitter=0.005,
        poll_batteries=2,
        poll_cycles=1,
        write_batteries=1,
        writes=1,
        discovery_sizes=(3,),
    )
    result = await run_libraries(["ours"], plan)

    ours = result["libraries"]["ours"]
    (poll,) = ours["poll"]
    assert poll["fresh_all"] == poll["cycles"] == 2
    assert poll["requests_per_fresh_read"] == 1.0
    assert poll["violations"] == {}
    assert poll["smallest_gap"] is None or poll["smallest_gap"] >= 0.99
    (write,) = ours["write"]
    assert write["confirmed"] == 1
    assert write["violations"] == {}
    assert ours["discovery"] == [
        {"batteries": 3, "found": 3, "seconds": ours["discovery"][0]["seconds"], "violations": {}}
    ]
    assert "Poll cycle" in render(result)


def test_the_pypi_libraries_are_only_expected_in_the_compare_venv() -> None:
    assert installed("ours")
    assert set(LIBRARIES) == {"ours", "aiomarstek", "py-marstek"}
