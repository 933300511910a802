"""The quiet window: requests to an HMG-50 battery go just after its meter answered it.

Unit tests move an injected clock by hand. The UDP test runs the client against a simulated
Venus E 2.0 whose `MeterFollower` polls a slow fake meter (it answers 0.5 s late, so every poll
is in flight for half of each 1 s cycle): without the gate the simulator counts requests that
land in a poll (its ``shared_channel`` rule, meter-emulation.md §5.3); with the meter's answers
told to a `QuietWindow` set as the client's send gate it counts none.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from custom_components.marstek_venus.pymarstek_venus import (
    MarstekClient,
    QuietWindow,
    SocketRegistry,
    Timing,
)
from simulator import MeterFollower, MeterModel, SimulatedBattery, ViolationKind, follower_config
from tests.simulator.fake_meter import FakeMeter

METER_HOST = "127.0.15.9"
GAP = 0.3  # s between two requests without the gate: they sweep across the poll cycle
TIMING = Timing(request_gap=GAP, min_request_gap=0.05, timeout=2.0, backoff=0.05)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


async def _turns(count: int = 20) -> None:
    for _ in range(count):
        await asyncio.sleep(0)


def test_open_only_just_after_an_answer_or_when_answers_stopped() -> None:
    clock = Clock()
    window = QuietWindow(clock, quiet_after=0.3, max_wait=3.0)
    assert window.is_open()  # never answered: not following
    window.answered()
    clock.now += 0.3
    assert window.is_open()
    clock.now += 0.01
    assert not window.is_open()
    clock.now += 2.6
    assert not window.is_open()
    clock.now += 0.1
    assert window.is_open()  # no answer for longer than the wait: the battery stopped
    with pytest.raises(ValueError, match="quiet_after"):
        QuietWindow(clock, quiet_after=3.0, max_wait=3.0)


async def test_a_send_waits_for_the_next_answer_after_its_turn() -> None:
    clock = Clock()
    window = QuietWindow(clock)
    window.answered()
    clock.now += 0.5  # between two polls, past the quiet moment
    turns: list[float] = []

    async def turn() -> None:
        turns.append(clock.now)

    waiting = asyncio.create_task(window.before_send(turn))
    await _turns()
    assert not waiting.done()
    clock.now += 0.3
    window.answered()  # the battery's next poll was answered
    await asyncio.wait_for(waiting, 5.0)
    assert turns == [100.5, 100.8]  # the pacing turn is taken again after the wait


async def test_without_an_answer_the_send_goes_after_the_bounded_wait() -> None:
    loop = asyncio.get_running_loop()
    window = QuietWindow(loop.time, quiet_after=0.05, max_wait=0.2)
    window.answered()
    await asyncio.sleep(0.1)
    turns = 0

    async def turn() -> None:
        nonlocal turns
        turns += 1

    await asyncio.wait_for(window.before_send(turn), 5.0)
    assert turns == 2
    assert window.is_open()


@pytest.fixture
async def hmg50(udp_port: int) -> AsyncIterator[tuple[SimulatedBattery, FakeMeter]]:
    """A simulated Venus E 2.0 following a fake meter that answers 0.5 s late."""
    battery = SimulatedBattery("venus_e2_154", "127.0.0.2", udp_port, min_gap=0.04)
    meter = FakeMeter(lambda: 100.0)
    meter.delay = 0.5
    await meter.open(METER_HOST)
    config = follower_config(
        "venus_e2",
        MeterModel.PRO3EM,
        destination=METER_HOST,
        port=meter.port,
        poll_interval=1.0,
        reply_timeout=2.0,
    )
    follower = MeterFollower(battery, config)
    await battery.start()
    await follower.start()
    try:
        yield battery, meter
    finally:
        await follower.stop()
        meter.close()
        await battery.stop()
    assert follower.polls
    assert all(poll.grid == 100.0 for poll in follower.polls[:-1]), follower.polls


def _breaches(battery: SimulatedBattery) -> int:
    return sum(v.kind is ViolationKind.SHARED_CHANNEL for v in battery.violations)


async def test_requests_wait_for_the_quiet_moment_after_each_answer(
    hmg50: tuple[SimulatedBattery, FakeMeter],
) -> None:
    battery, meter = hmg50
    loop = asyncio.get_running_loop()
    window = QuietWindow(loop.time)
    meter.on_answer = window.answered
    sockets = SocketRegistry(TIMING)
    async with MarstekClient(battery.host, battery.port, timing=TIMING, sockets=sockets) as client:
        # Without the gate, requests 0.3 s apart sweep across the poll cycle and land in polls.
        for _ in range(8):
            await client.get_mode()
        assert _breaches(battery) > 0
        battery.clear_records()

        client.send_gate = window
        for _ in range(6):
            await client.get_mode()
        assert client.stats.timeouts == 0
    assert battery.violations == []
    assert len(battery.requests) == 6
