"""Numbers: passive parameters, period power, depth of discharge."""

from __future__ import annotations

from datetime import time
from typing import Any
from unittest.mock import MagicMock

import pytest
from homeassistant.components.number import (
    ATTR_MAX,
    ATTR_MIN,
    ATTR_VALUE,
    DOMAIN as NUMBER_DOMAIN,
    SERVICE_SET_VALUE,
)
from homeassistant.const import ATTR_ASSUMED_STATE, ATTR_ENTITY_ID, Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr, entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry
from syrupy.assertion import SnapshotAssertion

from custom_components.marstek_venus.const import CONF_POWER_LIMIT
from custom_components.marstek_venus.pymarstek_venus.const import Mode
from custom_components.marstek_venus.pymarstek_venus.errors import MarstekWriteError
from custom_components.marstek_venus.pymarstek_venus.models import ALL_DAYS, ManualPeriod

from .conftest import report_mode, snapshot_entities

PASSIVE_POWER = "number.marstek_venus_passive_power"
PASSIVE_DURATION = "number.marstek_venus_passive_duration"
PERIOD_1_POWER = "number.marstek_venus_period_1_power"
DOD = "number.marstek_venus_depth_of_discharge"


async def set_value(hass: HomeAssistant, entity_id: str, value: Any) -> None:
    """number.set_value, blocking."""
    await hass.services.async_call(
        NUMBER_DOMAIN,
        SERVICE_SET_VALUE,
        {ATTR_ENTITY_ID: entity_id, ATTR_VALUE: value},
        blocking=True,
    )


@pytest.mark.parametrize("device_fixture", ["venus_e3_fw150", "venus_e2_fw154"])
@pytest.mark.parametrize("platforms", [[Platform.NUMBER]])
@pytest.mark.usefixtures("entity_registry_enabled_by_default", "init_integration")
async def test_numbers(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    device_registry: dr.DeviceRegistry,
    snapshot: SnapshotAssertion,
    mock_config_entry: MockConfigEntry,
) -> None:
    """Passive numbers and period powers everywhere; depth of discharge only on fw 150."""
    await snapshot_entities(
        hass, entity_registry, device_registry, snapshot, mock_config_entry.entry_id
    )


@pytest.mark.usefixtures("init_integration")
async def test_later_periods_disabled_by_default(entity_registry: er.EntityRegistry) -> None:
    """Periods 1-3 are enabled, 4-10 are created disabled."""
    for number in range(1, 11):
        entry = entity_registry.async_get(f"number.marstek_venus_period_{number}_power")
        assert entry is not None
        assert (entry.disabled_by is None) == (number <= 3)


@pytest.mark.usefixtures("init_integration")
async def test_passive_numbers_only_store(
    hass: HomeAssistant, mock_client: MagicMock, mock_config_entry: MockConfigEntry
) -> None:
    """Power and duration change what the next passive command sends, nothing else."""
    reads = mock_client.get_mode.await_count
    await set_value(hass, PASSIVE_POWER, -1800)
    await set_value(hass, PASSIVE_DURATION, 120)
    await hass.async_block_till_done()
    assert mock_client.get_mode.await_count == reads  # not even a refresh
    settings = mock_config_entry.runtime_data.control.settings
    assert (settings.passive_power, settings.passive_duration) == (-1800, 120)
    assert hass.states.get(PASSIVE_POWER).state == "-1800"
    assert hass.states.get(PASSIVE_DURATION).state == "120"
    mock_client.set_passive.assert_not_awaited()
    # Passive power is Home Assistant's own parameter, not a battery setting.
    assert ATTR_ASSUMED_STATE not in hass.states.get(PASSIVE_POWER).attributes


@pytest.mark.parametrize(
    ("device_fixture", "charge", "discharge"),
    [("venus_e3_fw150", 2500, 2500), ("venus_e2_fw154", 2500, 2500), ("venus_a_fw149", 1200, 1200)],
)
@pytest.mark.usefixtures("init_integration")
async def test_power_limits(
    hass: HomeAssistant, mock_client: MagicMock, charge: int, discharge: int
) -> None:
    """The power numbers span the model's AC limits: charging below 0, discharging above."""
    for entity_id in (PASSIVE_POWER, PERIOD_1_POWER):
        attributes = hass.states.get(entity_id).attributes
        assert (attributes[ATTR_MIN], attributes[ATTR_MAX]) == (-charge, discharge)
    with pytest.raises(ServiceValidationError):  # Home Assistant checks min/max itself
        await set_value(hass, PASSIVE_POWER, discharge + 1)
    with pytest.raises(ServiceValidationError):
        await set_value(hass, PERIOD_1_POWER, -charge - 1)
    mock_client.set_manual_period.assert_not_awaited()


async def test_power_limit_option(hass: HomeAssistant, init_integration_factory: Any) -> None:
    """A lower limit from the options narrows the numbers and the validation."""
    entry = await init_integration_factory()
    hass.config_entries.async_update_entry(entry, options={CONF_POWER_LIMIT: 800})
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    limit = entry.runtime_data.control.power_limit
    assert (limit.charge, limit.discharge) == (800, 800)
    attributes = hass.states.get(PASSIVE_POWER).attributes
    assert (attributes[ATTR_MIN], attributes[ATTR_MAX]) == (-800, 800)
    with pytest.raises(ServiceValidationError):
        await set_value(hass, PERIOD_1_POWER, 1000)


@pytest.mark.usefixtures("init_integration")
async def test_period_power_writes_that_period(
    hass: HomeAssistant, mock_client: MagicMock, mock_config_entry: MockConfigEntry
) -> None:
    """In Manual, a period's power writes that period only, verified, and remembers it."""
    settings = mock_config_entry.runtime_data.control.settings
    settings.periods[0] = ManualPeriod(
        slot=0, start=time(1, 0), end=time(6, 0), power=-1000, enabled=True
    )
    await report_mode(mock_config_entry, mock_client, Mode.MANUAL)
    await set_value(hass, PERIOD_1_POWER, -1500)
    expected = ManualPeriod(slot=0, start=time(1, 0), end=time(6, 0), power=-1500, enabled=True)
    mock_client.set_manual_period.assert_awaited_once_with(expected)
    assert settings.periods[0] == expected
    assert settings.mode is Mode.MANUAL
    await hass.async_block_till_done()
    assert hass.states.get(PERIOD_1_POWER).state == "-1500"
    assert hass.states.get(PERIOD_1_POWER).attributes[ATTR_ASSUMED_STATE] is True
    assert hass.states.get("select.marstek_venus_operating_mode").state == "manual"


@pytest.mark.usefixtures("init_integration")
async def test_period_power_of_a_new_period(
    hass: HomeAssistant, mock_client: MagicMock, mock_config_entry: MockConfigEntry
) -> None:
    """A period the integration never wrote starts disabled, every day, 00:00-00:00; being
    disabled, the edit stays in Home Assistant, even in Manual."""
    await report_mode(mock_config_entry, mock_client, Mode.MANUAL)
    await set_value(hass, "number.marstek_venus_period_2_power", 500)
    mock_client.set_manual_period.assert_not_awaited()
    assert mock_config_entry.runtime_data.control.settings.pending == {
        1: ManualPeriod(
            slot=1, start=time(0), end=time(0), weekdays=ALL_DAYS, power=500, enabled=False
        )
    }
    assert hass.states.get("number.marstek_venus_period_2_power").state == "500"


@pytest.mark.usefixtures("init_integration")
async def test_failed_write_keeps_the_stored_period(
    hass: HomeAssistant, mock_client: MagicMock, mock_config_entry: MockConfigEntry
) -> None:
    """A write the battery does not confirm is reported; the edit is kept, pending."""
    settings = mock_config_entry.runtime_data.control.settings
    period = ManualPeriod(slot=0, start=time(1, 0), end=time(6, 0), power=-1000)
    settings.periods[0] = period
    await report_mode(mock_config_entry, mock_client, Mode.MANUAL)
    mock_client.set_manual_period.side_effect = MarstekWriteError("set_result false 4 times")
    with pytest.raises(
        HomeAssistantError, match="Period 1 was not written to the battery: set_result false"
    ):
        await set_value(hass, PERIOD_1_POWER, -1500)
    assert settings.periods[0] == period
    assert settings.pending == {0: ManualPeriod(slot=0, start=time(1), end=time(6), power=-1500)}
    await hass.async_block_till_done()
    assert hass.states.get(PERIOD_1_POWER).state == "-1500"
    assert hass.states.get("binary_sensor.marstek_venus_schedule_changes_pending").state == "on"


@pytest.mark.usefixtures("init_integration")
async def test_depth_of_discharge(
    hass: HomeAssistant, mock_client: MagicMock, mock_config_entry: MockConfigEntry
) -> None:
    """DOD is written, remembered and shown as assumed (the battery cannot report it)."""
    assert hass.states.get(DOD).state == "unknown"
    await set_value(hass, DOD, 55)
    mock_client.set_depth_of_discharge.assert_awaited_once_with(55)
    assert mock_config_entry.runtime_data.control.settings.dod == 55
    state = hass.states.get(DOD)
    assert state.state == "55"
    assert state.attributes[ATTR_ASSUMED_STATE] is True
    assert (state.attributes[ATTR_MIN], state.attributes[ATTR_MAX]) == (30, 88)

    mock_client.set_depth_of_discharge.side_effect = MarstekWriteError("no")
    with pytest.raises(HomeAssistantError):
        await set_value(hass, DOD, 40)
    assert mock_config_entry.runtime_data.control.settings.dod == 55


@pytest.mark.parametrize("device_fixture", ["venus_e2_fw154"])
@pytest.mark.usefixtures("init_integration")
async def test_no_dod_without_settings_support(hass: HomeAssistant) -> None:
    """HMG-50 firmware has no DOD.SET: no entity."""
    assert hass.states.get(DOD) is None
