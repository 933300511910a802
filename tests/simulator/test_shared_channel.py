"""HMG-50 (Venus C / E 2.0): an Open API datagram during a meter poll breaks a device rule.

The battery's Open API and its meter reader share one receive channel (meter-emulation.md
§5.3). A fake meter holds its answer back, so a poll stays in flight for as long as the test
needs; a raw client sends Open API requests into that poll, or between two polls.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest

from simulator import MeterFollower, MeterModel, SimulatedBattery, ViolationKind, follower_config
from simulator.records import Address
from simulator.shared_channel import SharedChannel

from .conftest import BatteryFactory
from .fake_meter import FakeMeter
from .udp import RawClient

# Their own corner of 127/8: batteries on .2 and .3, the meter on .9.
METER_HOST = "127.0.14.9"
GRID = 250.0


@pytest.fixture
async def meter() -> AsyncIterator[FakeMeter]:
    fake = FakeMeter(lambda: GRID)
    await fake.open(METER_HOST)
    yield fake
    fake.close()


@pytest.fixture
async def followers() -> AsyncIterator[list[MeterFollower]]:
    started: list[MeterFollower] = []
    yield started
    for follower in started:
        await follower.stop()


@dataclass(frozen=True, slots=True)
class Rig:
    """A battery factory, the fake meter, a raw Open API client, and the followers to stop."""

    make_battery: BatteryFactory
    meter: FakeMeter
    client: RawClient
    followers: list[MeterFollower]

    async def battery(self, profile: str, host: str, **changes: Any) -> MeterFollower:
        """A battery of ``profile`` on ``host`` that follows the fake meter."""
        battery = await self.make_battery(profile, host=host)
        return await _follower(battery, self.meter, self.followers, **changes)

    async def request_during_a_poll(self, follower: MeterFollower) -> float | None:
        """Hold the meter's answer, send ES.GetMode (answered) meanwhile, then let it go."""
        meter = self.meter
        meter.hold = True
        meter.asked.clear()
        poll = asyncio.create_task(follower.poll_once())
        await asyncio.wait_for(meter.asked.wait(), 5.0)
        await self.client.call(follower.battery.address, "ES.GetMode", timeout=5.0)
        meter.hold = False
        assert meter.release() == 1
        return await poll


@pytest.fixture
def rig(
    make_battery: BatteryFactory,
    meter: FakeMeter,
    client: RawClient,
    followers: list[MeterFollower],
) -> Rig:
    return Rig(make_battery, meter, client, followers)


async def _follower(
    battery: SimulatedBattery, meter: FakeMeter, started: list[MeterFollower], **changes: Any
) -> MeterFollower:
    changes.setdefault("reply_timeout", 5.0)  # a held poll stays in flight, however loaded
    config = follower_config(
        battery.profile.family,
        MeterModel.PRO3EM,
        destination=METER_HOST,
        port=meter.port,
        **changes,
    )
    follower = MeterFollower(battery, config)
    await follower.open()
    started.append(follower)
    return follower


async def test_a_request_during_a_poll_of_a_venus_e2_is_a_violation(rig: Rig) -> None:
    follower = await rig.battery("venus_e2_154", "127.0.14.2")
    battery = follower.battery

    grid = await rig.request_during_a_poll(follower)

    assert grid == GRID  # recorded only: the reply still got through
    (violation,) = battery.violations
    assert violation.kind is ViolationKind.SHARED_CHANNEL
    assert violation.method == "ES.GetMode"
    assert violation.source == ("127.0.0.1", rig.client.port)
    assert follower.crowded_out == 0


async def test_the_same_on_a_venus_e3_is_not(rig: Rig) -> None:
    follower = await rig.battery("venus_e3_150", "127.0.14.3")
    battery = follower.battery

    assert await rig.request_during_a_poll(follower) == GRID
    assert battery.meter_channel is None
    assert battery.violations == []


async def test_requests_between_polls_are_fine(rig: Rig) -> None:
    follower = await rig.battery("venus_c_153", "127.0.14.2")
    battery = follower.battery

    await rig.client.call(battery.address, "ES.GetMode", timeout=5.0)  # before the first poll
    for _ in range(3):
        assert await follower.poll_once() == GRID
        await rig.client.call(battery.address, "Bat.GetStatus", timeout=5.0)
    assert battery.violations == []
    assert len(battery.requests) == 4


async def test_crowd_out_loses_the_reply_of_that_poll(rig: Rig) -> None:
    follower = await rig.battery("venus_e2_154", "127.0.14.2", crowd_out=True, reply_timeout=2.0)
    battery = follower.battery

    assert await rig.request_during_a_poll(follower) is None
    assert follower.crowded_out == 1
    assert follower.misses == 1
    assert [v.kind for v in battery.violations] == [ViolationKind.SHARED_CHANNEL]
    # The next poll, with nothing crowding it, gets its reply.
    assert await follower.poll_once() == GRID
    assert follower.misses == 0
    assert len(battery.violations) == 1


def test_a_datagram_read_after_its_poll_ended_is_still_judged_by_its_arrival() -> None:
    """Two datagrams that arrived in one turn of the loop may be read in either order."""
    seen: list[tuple[float, str | None]] = []

    def record(time: float, source: Address, kind: ViolationKind, detail: str, method: Any) -> None:
        seen.append((time, method))

    channel = SharedChannel(record)
    source = ("127.0.0.1", 30000)
    channel.poll_sent(10.0)
    channel.datagram(10.2, source, "during")  # read while the poll is open
    channel.datagram(9.9, source, "before")
    assert channel.collided(10.3)
    assert not channel.collided(10.1)
    channel.poll_ended(10.3)  # the reply arrived at 10.3
    channel.datagram(10.25, source, "read late")  # arrived before the reply, read after it
    channel.datagram(10.4, source, "after")
    assert seen == [(10.2, "during"), (10.25, "read late")]
    assert not channel.polling
