"""Energy-panel sensors in Home Assistant: restore, reboot reset, glitches, integration."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from unittest.mock import MagicMock

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant, State
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
    mock_restore_cache_with_extra_data,
)

from .conftest import START_TIME

CHARGED = "sensor.marstek_venus_energy_charged"
DISCHARGED = "sensor.marstek_venus_energy_discharged"


async def _tick(hass: HomeAssistant, freezer: FrozenDateTimeFactory, cycles: int = 1) -> None:
    for _ in range(cycles):
        freezer.tick(timedelta(seconds=30))
        async_fire_time_changed(hass)
        await hass.async_block_till_done()


def _set_es(client: MagicMock, **changes: object) -> None:
    client.get_es_status.return_value = replace(client.get_es_status.return_value, **changes)


def _value(hass: HomeAssistant, entity_id: str) -> float:
    return float(hass.states.get(entity_id).state)


@pytest.mark.usefixtures("init_integration")
async def test_counter_reset_and_glitch(
    hass: HomeAssistant, mock_client: MagicMock, freezer: FrozenDateTimeFactory
) -> None:
    """A reboot that zeroes the counters and a one-off glitch never lower the totals."""
    assert _value(hass, CHARGED) == pytest.approx(1824.551)
    _set_es(mock_client, ac_input_energy=1824_600.0)
    await _tick(hass, freezer)
    assert _value(hass, CHARGED) == pytest.approx(1824.6)

    # Glitch: one reading of 0, then back to normal.
    _set_es(mock_client, ac_input_energy=0.0)
    await _tick(hass, freezer)
    assert _value(hass, CHARGED) == pytest.approx(1824.6)
    _set_es(mock_client, ac_input_energy=1824_650.0)
    await _tick(hass, freezer)
    assert _value(hass, CHARGED) == pytest.approx(1824.65)

    # Reboot: the counter restarts at 0 and keeps counting from there.
    _set_es(mock_client, ac_input_energy=10.0)
    await _tick(hass, freezer)
    _set_es(mock_client, ac_input_energy=30.0)
    await _tick(hass, freezer)
    assert _value(hass, CHARGED) == pytest.approx(1824.67)

    # Impossible jump (wrong scale for one reading).
    _set_es(mock_client, ac_input_energy=3_000_000.0)
    await _tick(hass, freezer)
    _set_es(mock_client, ac_input_energy=40.0)
    await _tick(hass, freezer)
    assert _value(hass, CHARGED) == pytest.approx(1824.68)


@pytest.fixture
def restore_charged(hass: HomeAssistant) -> None:
    """Home Assistant was stopped an hour ago with a total of 100 kWh at counter 1824.0."""
    baseline_at = dt_util.parse_datetime(START_TIME) - timedelta(hours=1)
    mock_restore_cache_with_extra_data(
        hass,
        [
            (
                State(CHARGED, "100.0"),
                {"total": 100.0, "baseline": 1824.0, "baseline_at": baseline_at.isoformat()},
            ),
            (State(DISCHARGED, "7.0"), {"total": 7.0}),
        ],
    )


@pytest.mark.usefixtures("restore_charged", "init_integration")
async def test_restore(hass: HomeAssistant) -> None:
    """The restored total grows by what the device counted while HA was stopped."""
    assert _value(hass, CHARGED) == pytest.approx(100.551)
    # Restored without a baseline: continues from the next reading on.
    assert _value(hass, DISCHARGED) == pytest.approx(7.0)


@pytest.fixture
def no_battery_counters(mock_client: MagicMock) -> None:
    """Firmware without battery totals; the battery discharges 600 W."""
    _set_es(mock_client, ac_input_energy=None, ac_output_energy=None, battery_power=600.0)


@pytest.mark.usefixtures("no_battery_counters", "init_integration")
async def test_integrates_power_without_counters(
    hass: HomeAssistant, mock_client: MagicMock, freezer: FrozenDateTimeFactory
) -> None:
    """Battery power is integrated between polls (trapezoid), each direction on its own."""
    assert _value(hass, DISCHARGED) == 0.0
    assert _value(hass, CHARGED) == 0.0
    await _tick(hass, freezer)  # 600 W for 30 s = 0.005 kWh
    assert _value(hass, DISCHARGED) == pytest.approx(0.005)
    _set_es(mock_client, battery_power=-600.0)
    await _tick(hass, freezer)  # from +600 to -600: half the interval each way
    assert _value(hass, DISCHARGED) == pytest.approx(0.0075)
    assert _value(hass, CHARGED) == pytest.approx(0.0025)


GRID_IMPORT = "sensor.marstek_venus_grid_import"
GRID_EXPORT = "sensor.marstek_venus_grid_export"
# The fw 150 fixture's EM counters, in kWh.
IMPORT_COUNTER = 40805.619
EXPORT_COUNTER = 22720.719


def _set_meter(client: MagicMock, **changes: object) -> None:
    client.get_meter_status.return_value = replace(client.get_meter_status.return_value, **changes)


@pytest.mark.usefixtures("init_integration")
async def test_stalled_counter_switches_to_meter_power(
    hass: HomeAssistant,
    mock_client: MagicMock,
    mock_config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A meter counter that stays flat while 1.5 kW flows is replaced by the meter's power.

    The total never drops: not at the switch, not when the counter catches up later, and not
    across a restart.
    """
    _set_es(mock_client, battery_power=0.0, ac_power=0.0)  # keep the battery totals out of it
    _set_meter(mock_client, total_power=1500.0)
    seen = [_value(hass, GRID_IMPORT)]
    assert seen[0] == pytest.approx(IMPORT_COUNTER)
    for _ in range(19):  # 9.5 minutes: a counter may stand still that long
        await _tick(hass, freezer)
        seen.append(_value(hass, GRID_IMPORT))
    assert seen[-1] == pytest.approx(IMPORT_COUNTER)
    assert "stayed at" not in caplog.text

    await _tick(hass, freezer)  # 10 minutes: stalled. What flowed meanwhile is added.
    seen.append(_value(hass, GRID_IMPORT))
    assert seen[-1] == pytest.approx(IMPORT_COUNTER + 1.5 * 600 / 3600)
    assert (
        caplog.text.count(f"grid_import_energy: the device counter stayed at {IMPORT_COUNTER}") == 1
    )

    await _tick(hass, freezer)  # 1.5 kW for 30 s
    seen.append(_value(hass, GRID_IMPORT))
    assert seen[-1] == pytest.approx(IMPORT_COUNTER + 1.5 * 630 / 3600)
    # The counter comes back to life and catches up: not counted a second time.
    _set_meter(mock_client, import_energy=IMPORT_COUNTER * 1000 + 300.0)
    await _tick(hass, freezer)
    seen.append(_value(hass, GRID_IMPORT))
    assert seen[-1] == pytest.approx(IMPORT_COUNTER + 1.5 * 660 / 3600)

    # Restart: the total and the switch are restored; integration goes on.
    assert await hass.config_entries.async_reload(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    seen.append(_value(hass, GRID_IMPORT))
    assert seen[-1] == pytest.approx(IMPORT_COUNTER + 1.5 * 660 / 3600)
    _set_meter(mock_client, import_energy=IMPORT_COUNTER * 1000 + 900.0)
    await _tick(hass, freezer)
    seen.append(_value(hass, GRID_IMPORT))
    assert seen[-1] == pytest.approx(IMPORT_COUNTER + 1.5 * 690 / 3600)
    assert seen == sorted(seen)
    assert caplog.text.count("grid_import_energy: the device counter stayed at") == 1
    # Export never flowed: its counter was trusted throughout.
    assert _value(hass, GRID_EXPORT) == pytest.approx(EXPORT_COUNTER)
    assert "grid_export_energy: the device counter stayed" not in caplog.text


@pytest.mark.usefixtures("init_integration")
async def test_flat_counter_at_idle_is_trusted(
    hass: HomeAssistant,
    mock_client: MagicMock,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Meter power hovering around zero for an hour never makes a flat counter look stalled."""
    _set_es(mock_client, battery_power=0.0, ac_power=0.0)
    for tick in range(120):
        _set_meter(mock_client, total_power=15.0 if tick % 2 else -12.0)
        await _tick(hass, freezer)
    assert _value(hass, GRID_IMPORT) == pytest.approx(IMPORT_COUNTER)
    assert _value(hass, GRID_EXPORT) == pytest.approx(EXPORT_COUNTER)
    assert "stayed at" not in caplog.text
