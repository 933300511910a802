"""A simulated battery polls a fake Shelly meter over real UDP on loopback and follows it."""

from __future__ import annotations

import asyncio
import itertools
import json
import statistics
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import pytest

from simulator import (
    FollowerConfig,
    LawName,
    ManualClock,
    MeterFollower,
    MeterModel,
    SimulatedBattery,
    follower_config,
    step_household,
)

from .fake_meter import FakeMeter, shelly_reply

# Their own corner of 127/8: the battery on .5, its /24 broadcast .255, a unicast meter on .7.
BATTERY_HOST = "127.0.11.5"
BROADCAST = "127.0.11.255"
UNICAST = "127.0.11.7"


@pytest.fixture(autouse=True)
def _allow_sockets(socket_enabled: None) -> None:
    """Real UDP on loopback."""


@pytest.fixture
async def meter() -> AsyncIterator[FakeMeter]:
    fake = FakeMeter()
    yield fake
    fake.close()


class Loop:
    """A battery, its follower and a fake meter, torn down together."""

    def __init__(self) -> None:
        self.followers: list[MeterFollower] = []

    async def follow(
        self, meter: FakeMeter, battery: SimulatedBattery, host: str, **changes: Any
    ) -> MeterFollower:
        _, port = await meter.open(host)
        model = changes.pop("model", MeterModel.PRO3EM)
        config = follower_config(battery.profile.family, model, port=port, **changes)
        follower = MeterFollower(battery, config)
        await follower.open()
        self.followers.append(follower)
        return follower


@pytest.fixture
async def loop() -> AsyncIterator[Loop]:
    harness = Loop()
    yield harness
    for follower in harness.followers:
        await follower.stop()


async def test_polls_the_broadcast_at_the_cadence_with_the_models_request(
    meter: FakeMeter, loop: Loop
) -> None:
    battery = SimulatedBattery("venus_e3_150", BATTERY_HOST)
    follower = await loop.follow(
        meter, battery, BROADCAST, model=MeterModel.PROEM50, poll_interval=0.1
    )
    assert follower.config.meter_address(BATTERY_HOST) == BROADCAST
    await follower.start()
    await asyncio.sleep(0.75)
    await follower.stop()
    times = [arrival for arrival, _, _ in meter.received]
    assert 4 <= len(times) <= 9  # 0.1 s cadence: about 7 polls (fewer on a loaded machine)
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    assert min(gaps) >= 0.07, gaps  # never faster than the cadence
    assert statistics.median(gaps) <= 0.15, gaps
    # The firmware's format string, compact, ids counting up; sent from the battery's address.
    assert meter.raw[0] == b'{"id":0,"method":"EM1.GetStatus","params":{"id":0}}'
    assert [request["id"] for _, request, _ in meter.received] == list(range(len(times)))
    assert {source[0] for _, _, source in meter.received} == {BATTERY_HOST}
    assert follower.following
    assert not follower.meter_gone


async def test_a_unicast_meter_and_the_pro3em_method(meter: FakeMeter, loop: Loop) -> None:
    battery = SimulatedBattery("venus_e2_154", BATTERY_HOST)
    follower = await loop.follow(meter, battery, UNICAST, destination=UNICAST)
    meter.grid = lambda: 123.4
    assert await follower.poll_once() == pytest.approx(123.4)
    assert meter.received[0][1]["method"] == "EM.GetStatus"


@pytest.mark.parametrize(
    ("changes", "reply", "reason"),
    [
        # B2500: a whole number is refused (the doc's hard requirement).
        (
            {"law": LawName.B2500},
            lambda r, m: shelly_reply(r["id"], m, 80, decimals=False),
            "whole_number",
        ),
        # LAN mode on a Venus E 3.0: replies under 250 bytes are dropped (uncertain, §1.4).
        ({"min_reply_size": 250}, lambda r, m: shelly_reply(r["id"], m, 80.5), "short"),
        ({}, lambda r, m: b"not json", "not_json"),
        ({}, lambda r, m: b'{"id":0,"result":{"total_act_power":80.5}}', "unrecognised"),
        ({"check_id": True}, lambda r, m: shelly_reply(r["id"] + 7, m, 80.5), "id_mismatch"),
    ],
)
async def test_refused_replies_are_misses_and_the_meter_goes(
    meter: FakeMeter, loop: Loop, changes: dict[str, Any], reply: Any, reason: str
) -> None:
    battery = SimulatedBattery("venus_e3_150", BATTERY_HOST)
    follower = await loop.follow(
        meter,
        battery,
        UNICAST,
        destination=UNICAST,
        reply_timeout=0.05,
        misses_before_gone=3,
        **changes,
    )
    meter.reply = reply
    for _ in range(3):
        assert await follower.poll_once() is None
    assert follower.rejected[reason] == 3
    assert follower.meter_gone
    assert not follower.following


async def test_what_the_doc_does_not_refuse_is_accepted(meter: FakeMeter, loop: Loop) -> None:
    # A Venus does not refuse whole numbers or short replies unless configured to (§8.4, §1.4).
    battery = SimulatedBattery("venus_e3_150", BATTERY_HOST)
    follower = await loop.follow(meter, battery, UNICAST, destination=UNICAST)
    meter.reply = lambda request, method: shelly_reply(request["id"], method, 80, decimals=False)
    assert await follower.poll_once() == 80.0
    padded = json.loads(shelly_reply(0, "EM.GetStatus", 55.5))
    padded["result"]["a_voltage"] = 230.1  # a longer, real-looking reply passes the LAN rule
    lan = replace(follower.config, min_reply_size=250)
    follower.config = lan
    meter.reply = lambda request, method: json.dumps(
        {**padded, "id": request["id"], "pad": "x" * 200}
    ).encode()
    assert await follower.poll_once() == 55.5


async def test_meter_gone_after_n_misses_stops_then_resumes(meter: FakeMeter, loop: Loop) -> None:
    clock = ManualClock()
    battery = SimulatedBattery("venus_d_150", BATTERY_HOST, clock=clock)
    battery.set_household(step_household(0.0, base_load=400.0))
    meter.grid = lambda: battery.state.house_load - battery.state.ac_power
    follower = await loop.follow(
        meter, battery, UNICAST, destination=UNICAST, reply_timeout=0.05, misses_before_gone=3
    )
    await follower.poll_once()
    assert battery.state.ac_power == pytest.approx(395.0)  # Venus D: error - 5 W in one step
    meter.silent = True
    for _ in range(2):
        assert await follower.poll_once() is None
    assert not follower.meter_gone
    assert battery.state.ac_power == pytest.approx(395.0)
    await follower.poll_once()
    assert (follower.meter_gone, follower.gone_count) == (True, 1)
    assert battery.state.ac_power == 0.0  # stopped (the default, configurable choice)
    meter.silent = False
    await follower.poll_once()
    assert follower.following
    assert battery.state.ac_power == pytest.approx(395.0)


@pytest.mark.parametrize(
    ("on_gone", "resume", "after"), [("hold", True, 395.0), ("stop", False, 0.0)]
)
async def test_meter_gone_choices(
    meter: FakeMeter, loop: Loop, on_gone: str, resume: bool, after: float
) -> None:
    battery = SimulatedBattery("venus_d_150", BATTERY_HOST, clock=ManualClock())
    battery.set_household(step_household(0.0, base_load=400.0))
    meter.grid = lambda: battery.state.house_load - battery.state.ac_power
    follower = await loop.follow(
        meter,
        battery,
        UNICAST,
        destination=UNICAST,
        reply_timeout=0.05,
        misses_before_gone=1,
        on_gone=on_gone,
        resume=resume,
    )
    await follower.poll_once()
    meter.silent = True
    await follower.poll_once()
    meter.silent = False
    await follower.poll_once()
    assert battery.state.ac_power == pytest.approx(after)
    assert follower.following is resume


@pytest.mark.parametrize(
    ("profile", "deadband", "settle"),
    [("venus_e2_154", 20.0, 20.0), ("venus_e3_150", 10.0, 20.0), ("venus_d_150", 11.0, 3.0)],
)
async def test_a_500_w_step_is_regulated_back_into_the_deadband(
    meter: FakeMeter, loop: Loop, profile: str, deadband: float, settle: float
) -> None:
    clock = ManualClock()
    battery = SimulatedBattery(profile, BATTERY_HOST, clock=clock)
    battery.set_household(step_household(500.0, at=60.0, base_load=300.0))
    # The meter sees the house: grid = load - battery output (no PV here).
    meter.grid = lambda: battery.state.house_load - battery.state.ac_power
    follower = await loop.follow(meter, battery, UNICAST, destination=UNICAST)
    interval = follower.config.poll_interval
    samples: list[tuple[float, float]] = []
    while clock.monotonic() < 120.0:
        clock.advance(interval)
        grid = await follower.poll_once()  # what the meter saw, before the battery reacts
        assert grid is not None
        samples.append((clock.monotonic(), grid))
    before = [grid for t, grid in samples if 50.0 <= t < 59.5]
    assert all(abs(grid) <= deadband for grid in before)
    assert max(grid for t, grid in samples if t >= 59.5) >= 450.0  # the step was seen
    late = [(t, grid) for t, grid in samples if t >= 60.0 + settle]
    assert all(abs(grid) <= deadband for _, grid in late), late[:5]
    assert battery.state.ac_power == pytest.approx(800.0, abs=deadband)


def test_config_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        FollowerConfig(poll_interval=0)
    with pytest.raises(ValueError):
        FollowerConfig(misses_before_gone=0)
