"""Energy totals against the simulated battery over real UDP: what the meter measured arrives.

Home Assistant's clock is frozen and moved by hand (freezegun with ``tick=True``, so that the
event loop and the UDP round trips still run in real time), and the battery's physics runs on
that same clock. The simulator's own lifetime counters are the witness: what Home Assistant's
totals gain must match what the simulated meter and battery really moved, whatever the
firmware reports over the wire.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from datetime import datetime, timedelta

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_HOST, CONF_PORT
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.marstek_venus.const import (
    CONF_POLL_GROUPS,
    CONF_REQUEST_GAP,
    CONF_SCAN_INTERVAL,
    DOMAIN,
    Group,
)
from simulator import Mode as SimMode, SimulatedBattery

from .conftest import START_TIME

# Our own corner of 127/8, apart from the other modules' simulators.
HOST = "127.0.9.1"
GRID_IMPORT = "sensor.marstek_venus_grid_import"
GRID_EXPORT = "sensor.marstek_venus_grid_export"
BATTERY_POWER = "sensor.marstek_venus_battery_power"
CHARGED = "sensor.marstek_venus_energy_charged"
DISCHARGED = "sensor.marstek_venus_energy_discharged"
# Two and a half minutes between polls, and only the reads these tests need: minutes of flow
# in a few polls (each poll takes real time: the request gap is at least 0.3 s).
POLL = 150


class HomeAssistantClock:
    """The battery's sense of time is Home Assistant's: both see the same minutes pass."""

    def monotonic(self) -> float:
        return dt_util.utcnow().timestamp()

    def now(self) -> datetime:
        return dt_util.utcnow().replace(tzinfo=None)


async def _start(profile: str) -> SimulatedBattery:
    battery = SimulatedBattery(profile, HOST, 0, min_gap=0.05, clock=HomeAssistantClock(), soc=50)
    await battery.start()
    battery.set_pv(0)
    battery.set_house_solar(0)
    return battery


@pytest.fixture
async def venus_a() -> AsyncGenerator[SimulatedBattery]:
    battery = await _start("venus_a_149")
    yield battery
    await battery.stop()


@pytest.fixture
async def venus_e3_139() -> AsyncGenerator[SimulatedBattery]:
    battery = await _start("venus_e3_139")
    yield battery
    await battery.stop()


async def _set_up(
    hass: HomeAssistant, battery: SimulatedBattery, poll_groups: list[str]
) -> MockConfigEntry:
    # The frozen clock jumps inside the test's own task; asyncio's debug mode would report
    # every jump as a slow callback.
    hass.loop.slow_callback_duration = 3 * POLL
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Marstek Venus",
        data={CONF_HOST: battery.host, CONF_PORT: battery.port},
        options={
            CONF_REQUEST_GAP: 0.05,
            CONF_SCAN_INTERVAL: POLL,
            CONF_POLL_GROUPS: poll_groups,
        },
        unique_id=battery.ble_mac,
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    return entry


async def _poll(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, entry: MockConfigEntry, cycles: int = 1
) -> None:
    """Let ``cycles`` update intervals pass, each ending with a poll."""
    coordinator = entry.runtime_data
    for _ in range(cycles):
        polled = asyncio.Event()
        unsubscribe = coordinator.async_add_listener(polled.set)
        try:
            freezer.tick(timedelta(seconds=POLL))
            async_fire_time_changed(hass)
            async with asyncio.timeout(30):
                await polled.wait()
        finally:
            unsubscribe()
        await hass.async_block_till_done()


def _kwh(hass: HomeAssistant, entity_id: str) -> float:
    return float(hass.states.get(entity_id).state)


def _meter_kwh(battery: SimulatedBattery) -> tuple[float, float]:
    """What the simulated CT really counted (import, export) in kWh."""
    battery.physics.advance()
    counters = battery.physics.counters
    return counters.meter_import / 1000, counters.meter_export / 1000


@pytest.mark.freeze_time(START_TIME, tick=True)
@pytest.mark.usefixtures("socket_enabled")
async def test_venus_a_149_grid_totals_follow_the_meter(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    venus_a: SimulatedBattery,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """fw 149 sends its meter counters as 0: the totals integrate the CT's power instead."""
    venus_a.physics.set_mode(SimMode.MANUAL)  # no period active: the inverter idles at 0 W
    venus_a.set_house_load(800)  # so the house imports 800 W
    entry = await _set_up(hass, venus_a, [Group.METER])
    assert "sends this energy counter as 0" in caplog.text
    import_start, export_start = _meter_kwh(venus_a)
    assert export_start == pytest.approx(0.0, abs=1e-6)
    assert _kwh(hass, GRID_IMPORT) == 0.0

    await _poll(hass, freezer, entry, 2)  # five minutes of import
    imported = _meter_kwh(venus_a)[0] - import_start
    assert imported == pytest.approx(800 * 2 * POLL / 3_600_000, rel=0.05)
    assert _kwh(hass, GRID_IMPORT) == pytest.approx(imported, rel=0.02)
    assert _kwh(hass, GRID_EXPORT) == 0.0

    # The battery discharges 1000 W into a 200 W house: 800 W go out to the grid.
    venus_a.physics.set_passive(1000, 86400)
    venus_a.set_house_load(200)
    # The interval in which the flow turns is left out: polls see +800 W, then -800 W, and
    # the trapezoid splits it between the totals although the meter saw only export.
    await _poll(hass, freezer, entry)
    import_mid, export_mid = _meter_kwh(venus_a)
    at_turn = _kwh(hass, GRID_IMPORT), _kwh(hass, GRID_EXPORT)
    await _poll(hass, freezer, entry, 2)
    exported = _meter_kwh(venus_a)[1] - export_mid
    assert exported == pytest.approx(800 * 2 * POLL / 3_600_000, rel=0.05)
    assert _kwh(hass, GRID_EXPORT) - at_turn[1] == pytest.approx(exported, rel=0.02)
    assert _kwh(hass, GRID_IMPORT) == at_turn[0]
    assert _meter_kwh(venus_a)[0] == pytest.approx(import_mid, abs=1e-6)
    assert venus_a.violations == []


@pytest.mark.freeze_time(START_TIME, tick=True)
@pytest.mark.usefixtures("socket_enabled")
async def test_venus_e3_139_battery_power_and_totals(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    venus_e3_139: SimulatedBattery,
) -> None:
    """fw 139 never answers ES.GetStatus: battery power and its totals come from ES.GetMode."""
    battery = venus_e3_139
    battery.physics.set_passive(600, 86400)  # discharging 600 W
    entry = await _set_up(hass, battery, [])
    assert float(hass.states.get(BATTERY_POWER).state) == 600.0
    assert _kwh(hass, DISCHARGED) == 0.0
    out_start = battery.physics.counters.grid_output

    await _poll(hass, freezer, entry, 2)
    battery.physics.advance()
    delivered = (battery.physics.counters.grid_output - out_start) / 1000
    assert delivered == pytest.approx(600 * 2 * POLL / 3_600_000, rel=0.05)
    assert _kwh(hass, DISCHARGED) == pytest.approx(delivered, rel=0.02)
    assert _kwh(hass, CHARGED) == 0.0

    battery.physics.set_passive(-900, 86400)  # charging 900 W
    await _poll(hass, freezer, entry)
    assert float(hass.states.get(BATTERY_POWER).state) == -900.0
    discharged, charged = _kwh(hass, DISCHARGED), _kwh(hass, CHARGED)
    in_start = battery.physics.counters.grid_input
    await _poll(hass, freezer, entry, 2)
    battery.physics.advance()
    absorbed = (battery.physics.counters.grid_input - in_start) / 1000
    assert absorbed == pytest.approx(900 * 2 * POLL / 3_600_000, rel=0.05)
    assert _kwh(hass, CHARGED) - charged == pytest.approx(absorbed, rel=0.02)
    assert _kwh(hass, DISCHARGED) == discharged
    # The firmware never answered ES.GetStatus, and was never asked.
    assert not [record for record in battery.requests if record.method == "ES.GetStatus"]
    assert battery.violations == []
