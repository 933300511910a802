"""The closed loop over real UDP: household -> grid sensor -> emulated meter -> battery.

One simulated Venus E 2.0 (HMG-50 control law) on a loopback address, set up in Home Assistant
as a battery entry (Open API over UDP), and an emulated Shelly Pro 3EM meter entry bound to
127.0.0.1 on a free port that serves it. The battery's `MeterFollower` polls that meter from
the battery's own address (unicast: on loopback there is no subnet broadcast to find it by;
the broadcast is covered in tests/protocol/test_netns_meter.py) and its control law drives the
battery's output. The household around the battery (300 W, then a 500 W step) gives
``grid = load - battery output``, published every simulated second as the grid sensor's state,
as a DSMR 5 P1 meter would: that state is what the emulator answers.

Time is the battery's `ManualClock`, moved by one poll interval per poll (0.8 s, the HMG-50
cadence), so the law's 3 s gates, the load step and the sensor's 1 s telegrams are the same
on any machine, loaded or not; only the reply wait is real time, and it is generous.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import (
    ATTR_DEVICE_CLASS,
    ATTR_UNIT_OF_MEASUREMENT,
    STATE_UNAVAILABLE,
    UnitOfPower,
)
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.marstek_venus.const import DOMAIN
from custom_components.marstek_venus.coordinator import MarstekDataUpdateCoordinator
from custom_components.marstek_venus.kinds import CONF_KIND, EntryKind
from custom_components.marstek_venus.meter_config import (
    CONF_BATTERIES,
    CONF_DEVICE_ID,
    CONF_LISTEN_HOST,
    CONF_MODEL,
    CONF_PORTS,
    CONF_SOURCE,
)
from custom_components.marstek_venus.meter_runtime import MeterRuntime
from simulator import (
    ManualClock,
    MeterFollower,
    MeterModel,
    SimulatedBattery,
    follower_config,
    step_household,
)
from simulator.grid_feed import DSMR5_PERIOD, GridMeter, household_grid

from .test_end_to_end import _free_udp_port, _setup_simulated

BATTERY_HOST = "127.0.13.2"
SOURCE = "sensor.household_grid_power"
SOURCE_ATTRIBUTES = {ATTR_UNIT_OF_MEASUREMENT: UnitOfPower.WATT, ATTR_DEVICE_CLASS: "power"}
STEP_AT = 30.0  # s of simulated time: the 500 W load step
DEADBAND = 20.0  # W: the HMG-50 law's (meter-emulation.md §3)
SETTLE = 25.0  # s: the step must be regulated back into the deadband within this
# Real seconds a poll waits for the reply: the firmware's 0.5 s, made generous so that a
# loaded machine cannot turn a late reply into a miss; three misses make the meter gone.
REPLY_TIMEOUT = 1.0
MISSES = 3


@dataclass(frozen=True, slots=True)
class Point:
    """The household after one poll: simulated time, grid power, battery AC output."""

    time: float
    grid: float
    output: float


class Household:
    """The battery, its house's P1 meter as a Home Assistant sensor, and the battery's follower."""

    def __init__(self, hass: HomeAssistant, battery: SimulatedBattery, clock: ManualClock):
        self.hass, self.battery, self.clock = hass, battery, clock
        self.meter = GridMeter([battery], DSMR5_PERIOD)
        self.trace: list[Point] = []
        self.follower: MeterFollower | None = None

    def publish(self) -> None:
        """A new telegram when one is due: the grid sensor's state (reported even if equal)."""
        sample = self.meter.tick()
        if sample is not None:
            self.hass.states.async_set(SOURCE, f"{sample.grid_power:.1f}", SOURCE_ATTRIBUTES)

    async def run(self, seconds: float) -> list[Point]:
        """Poll at the battery's cadence for ``seconds`` of simulated time."""
        assert self.follower is not None
        interval = self.follower.config.poll_interval
        points: list[Point] = []
        for _ in range(round(seconds / interval)):
            self.clock.advance(interval)
            self.publish()
            await self.follower.poll_once()
            now = household_grid([self.battery])
            points.append(Point(self.clock.monotonic(), now.grid_power, now.battery_output))
        self.trace += points
        return points


async def _setup_meter(hass: HomeAssistant, battery_entry_id: str) -> MockConfigEntry:
    """An emulated Pro 3EM on 127.0.0.1 (a free port) serving the battery from SOURCE."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Emulated Shelly Pro 3EM",
        data={
            CONF_KIND: EntryKind.METER,
            CONF_MODEL: "shellypro3em",
            CONF_DEVICE_ID: "0a1b2c3d4e5f",
            CONF_LISTEN_HOST: "127.0.0.1",
            CONF_PORTS: [0],
        },
        options={CONF_SOURCE: SOURCE, CONF_BATTERIES: [battery_entry_id]},
        unique_id="meter_shellypro3em",
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    return entry


def _settled_from(points: list[Point]) -> float | None:
    """The time from which the grid stays within the deadband to the end (None: never)."""
    start: float | None = None
    for point in points:
        inside = abs(point.grid) <= DEADBAND
        start = None if not inside else point.time if start is None else start
    return start


@pytest.mark.usefixtures("socket_enabled")
async def test_a_load_step_is_regulated_away_and_a_lost_source_stops_the_battery(
    hass: HomeAssistant,
) -> None:
    clock = ManualClock()
    battery = SimulatedBattery(
        "venus_e2_154", BATTERY_HOST, _free_udp_port(), clock=clock, min_gap=0.05, soc=60
    )
    battery.set_household(step_household(500.0, at=STEP_AT))
    house = Household(hass, battery, clock)
    house.publish()  # the sensor exists before the meter starts
    await battery.start()
    entries: list[MockConfigEntry] = []
    try:
        battery_entry = await _setup_simulated(hass, battery)
        entries.append(battery_entry)
        meter_entry = await _setup_meter(hass, battery_entry.entry_id)
        entries.append(meter_entry)
        runtime: MeterRuntime = meter_entry.runtime_data
        (port,) = runtime.server.ports
        config = follower_config(
            "venus_e2",
            MeterModel.PRO3EM,
            destination="127.0.0.1",
            port=port,
            reply_timeout=REPLY_TIMEOUT,
            misses_before_gone=MISSES,
        )
        house.follower = follower = MeterFollower(battery, config)
        await follower.open()

        # The battery takes on the 300 W house, then the 500 W step, from the meter alone.
        before = await house.run(STEP_AT - 1.0)
        assert follower.following
        assert abs(before[-1].grid) <= DEADBAND, before
        assert before[-1].output == pytest.approx(300.0, abs=DEADBAND)
        after = await house.run(40.0)
        assert max(point.grid for point in after) >= 450.0  # the step reached the meter
        settled = _settled_from(after)
        assert settled is not None, after
        assert settled - STEP_AT <= SETTLE, after
        assert after[-1].output == pytest.approx(800.0, abs=DEADBAND)
        # No overshoot into export: the ramp never steps further than the error.
        assert min(point.grid for point in house.trace) >= -DEADBAND, house.trace
        assert follower.rejected == {}
        assert all(poll.grid is not None for poll in follower.polls), "a poll was missed"
        stats = runtime.server.senders[BATTERY_HOST]
        assert (stats.served, stats.silent) == (len(follower.polls), 0)
        assert stats.last_reading is not None

        # The source sensor goes away: the emulator falls silent and the battery stops.
        hass.states.async_set(SOURCE, STATE_UNAVAILABLE, SOURCE_ATTRIBUTES)
        served = stats.served
        for _ in range(MISSES):
            clock.advance(config.poll_interval)
            assert await follower.poll_once() is None
        assert follower.meter_gone
        assert battery.state.ac_power == 0.0
        stats = runtime.server.senders[BATTERY_HOST]
        assert (stats.served, stats.silent) == (served, MISSES)
        # Home Assistant reads the stopped battery over the Open API too.
        coordinator: MarstekDataUpdateCoordinator = battery_entry.runtime_data
        await coordinator.async_refresh()
        assert coordinator.data.ac_power == 0

        # The sensor comes back (its next telegram): the battery follows again from zero.
        back = await house.run(10.0)
        assert follower.following
        assert back[-1].output > 0.0
    finally:
        if house.follower is not None:
            await house.follower.stop()
        for entry in reversed(entries):
            assert await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done()
        await battery.stop()
    assert battery.violations == []
