"""One tiny end-to-end benchmark run of our library (real time, a few seconds)."""

from __future__ import annotations

import asyncio

import pytest

from benchmarks.adapters import LIBRARIES, Adapter, installed
from benchmarks.load import Scanner
from benchmarks.report import render
from benchmarks.scenarios import Plan, run_libraries
from custom_components.marstek_venus.pymarstek_venus.const import DEFAULT_REQUEST_GAP


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
        scan_every=1.0,
    )
    result = await run_libraries(["ours"], plan)

    ours = result["libraries"]["ours"]
    (poll,) = ours["poll"]
    assert poll["fresh_all"] == poll["cycles"] == 2
    assert poll["requests_per_fresh_read"] == 1.0
    # The scan that starts with the poll found both batteries, and its probes are load: one
    # per battery and round, paced like the polls around them (kernel-stamped, per client IP).
    assert poll["scans"] >= 1
    assert poll["scan_found"][0] == poll["scan_targets"] == 2
    assert poll["probes"] >= 2
    assert poll["requests"] == 6 + poll["probes"]
    assert poll["requests_per_battery_cycle"] == poll["requests"] / 2
    assert poll["violations"] == {}
    assert poll["smallest_gap"] is not None
    assert poll["smallest_gap"] >= DEFAULT_REQUEST_GAP - 0.002
    (write,) = ours["write"]
    assert write["confirmed"] == 1
    assert write["violations"] == {}
    assert ours["discovery"] == [
        {"batteries": 3, "found": 3, "seconds": ours["discovery"][0]["seconds"], "violations": {}}
    ]
    assert "Poll cycle" in render(result)


class _NoDiscovery(Adapter):
    name = "none"

    async def prepare(self, host: str) -> None:
        raise NotImplementedError

    async def poll_cycle(self, host: str) -> dict[str, bool]:
        raise NotImplementedError

    async def set_mode(self, host: str, mode: str) -> bool:
        raise NotImplementedError


async def test_a_library_without_discovery_is_reported_as_such() -> None:
    scanner = Scanner(_NoDiscovery(30000), ["127.0.0.1"], every=0.01)
    await asyncio.wait_for(scanner.run(asyncio.Event()), 1.0)
    assert scanner.as_dict() == {"scans": None, "scan_every": 0.01}


async def test_scans_repeat_until_the_polls_are_done() -> None:
    stop = asyncio.Event()

    class ThirdScanEndsThePoll(_NoDiscovery):
        calls = 0

        async def discover(self, targets: list[str]) -> int | None:
            self.calls += 1
            if self.calls == 3:
                stop.set()
            return len(targets)

    scanner = Scanner(ThirdScanEndsThePoll(30000), ["127.0.0.1", "127.0.0.2"], every=0.01)
    await asyncio.wait_for(scanner.run(stop), 5.0)
    assert scanner.as_dict() == {
        "scans": 3,
        "scan_every": 0.01,
        "scan_found": [2, 2, 2],
        "scan_errors": 0,
        "scan_targets": 2,
    }


def test_the_pypi_libraries_are_only_expected_in_the_compare_venv() -> None:
    assert installed("ours")
    assert set(LIBRARIES) == {"ours", "aiomarstek", "py-marstek"}
