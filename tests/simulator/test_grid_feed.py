"""The household's grid meter: samples on the DSMR period, served as HTTP JSON."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import pytest

from simulator import ManualClock, SimulatedBattery, step_household
from simulator.grid_feed import DSMR4_PERIOD, GridFeed, GridMeter, household_grid

ROOT = Path(__file__).resolve().parents[2]
# Their own corner of 127/8 (other simulator tests use 127.0.9.x and 127.0.11.x).
HOST = "127.0.12.1"
FEED = "127.0.0.1"  # pytest-socket lets TCP connect to 127.0.0.1 only


async def http_get(host: str, port: int, path: str = "/", method: str = "GET") -> tuple[int, str]:
    """Status and body of one plain HTTP/1.1 request."""
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(f"{method} {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
    await writer.drain()
    response = await asyncio.wait_for(reader.read(), 5.0)
    writer.close()
    head, _, body = response.decode().partition("\r\n\r\n")
    return int(head.split(" ", 2)[1]), body


def battery(clock: ManualClock, host: str = HOST, output: float | None = None) -> SimulatedBattery:
    """A Venus E 3.0 in a house of 300 W that steps to 800 W at t = 60 s."""
    made = SimulatedBattery("venus_e3_150", host, 0, clock=clock)
    made.set_household(step_household(500.0, at=60.0))
    made.physics.set_meter_setpoint(output)
    return made


def test_one_battery_gives_its_own_ct_reading() -> None:
    clock = ManualClock()
    single = battery(clock, output=120.0)
    sample = household_grid([single])
    assert sample.grid_power == pytest.approx(single.physics.flows.grid_power)
    assert (sample.load, sample.pv, sample.battery_output) == pytest.approx((300.0, 0.0, 120.0))
    assert sample.grid_power == pytest.approx(180.0)


def test_more_batteries_in_one_house_add_their_output() -> None:
    clock = ManualClock()
    house = [battery(clock, output=120.0), battery(clock, "127.0.12.2", output=-50.0)]
    sample = household_grid(house)
    # The house is the first battery's; the second only changes what reaches the grid.
    assert sample.battery_output == pytest.approx(70.0)
    assert sample.grid_power == pytest.approx(300.0 - 70.0)


def test_samples_are_taken_on_the_period_boundaries() -> None:
    """A DSMR 4 meter: one telegram every 10 s; between two, the last one is shown."""
    clock = ManualClock()
    single = battery(clock, output=0.0)
    meter = GridMeter([single], DSMR4_PERIOD)
    first = meter.tick()
    assert first is not None
    assert first.grid_power == pytest.approx(300.0)
    clock.advance(55.0)
    assert meter.tick() is not None  # the boundary at 10 s had passed: a new telegram at 55 s
    clock.advance(4.0)  # 59 s: before the 60 s boundary
    assert meter.tick() is None
    single.physics.set_meter_setpoint(100.0)
    clock.advance(2.0)  # 61 s: the step is on, the battery gives 100 W
    sample = meter.tick()
    assert sample is not None
    assert sample.grid_power == pytest.approx(800.0 - 100.0)
    clock.advance(9.0)  # 70 s: the next boundary
    assert meter.tick() is not None
    assert meter.samples == 4
    assert meter.latest is not None
    assert meter.latest.time == pytest.approx(70.0)


@pytest.mark.usefixtures("socket_enabled")
async def test_the_feed_serves_the_latest_sample_as_json() -> None:
    clock = ManualClock()
    single = battery(clock, output=40.0)
    feed = GridFeed(GridMeter([single], 1.0), FEED, 0)
    await feed.start()
    try:
        status, body = await http_get(FEED, feed.port)
        assert status == 200
        assert json.loads(body) == {
            "time": 0.0,
            "grid_power": 260.0,
            "load": 300.0,
            "pv": 0.0,
            "battery_output": 40.0,
            "period": 1.0,
        }
        clock.advance(61.0)  # a request takes a new sample once a boundary has passed
        status, body = await http_get(FEED, feed.port, "/?x=1")
        assert (status, json.loads(body)["grid_power"]) == (200, 760.0)
        assert (await http_get(FEED, feed.port, "/other"))[0] == 404
        assert (await http_get(FEED, feed.port, "/", "POST"))[0] == 405
        assert feed.requests == 4
    finally:
        await feed.stop()


@pytest.mark.usefixtures("socket_enabled")
async def test_the_command_line_serves_the_feed() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "simulator",
        "-b", f"venus_e3_150@{HOST}:0", "--household", "step500",
        "--grid-feed", "0", "--grid-feed-period", "10", "--duration", "20",
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    assert process.stdout is not None
    try:
        line = ""
        while "grid feed at" not in line:
            raw = await asyncio.wait_for(process.stdout.readline(), 20.0)
            assert raw, "the simulator stopped before serving the feed"
            line = raw.decode()
        assert "(a sample every 10 s)" in line
        url = line.split("grid feed at ", 1)[1].split(" ", 1)[0]
        port = int(url.rstrip("/").rsplit(":", 1)[1])
        assert url.startswith(f"http://{FEED}:")
        status, body = await http_get(FEED, port)
        assert status == 200
        sample = json.loads(body)
        # The built-in CT model covers the 300 W house, aiming at a 15 W import.
        assert sample["load"] == 300.0
        assert sample["grid_power"] == pytest.approx(15.0, abs=1.0)
        assert sample["period"] == 10.0
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), 10.0)
