"""Switches: periods on/off, panel LED, BLE advertising."""

from __future__ import annotations

from datetime import time
from unittest.mock import MagicMock

import pytest
from homeassistant.components.switch import DOMAIN as SWITCH_DOMAIN
from homeassistant.const import (
    ATTR_ASSUMED_STATE,
    ATTR_ENTITY_ID,
    SERVICE_TURN_OFF,
    SERVICE_TURN_ON,
    Platform,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr, entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry
from syrupy.assertion import SnapshotAssertion

from custom_components.marstek_venus.pymarstek_venus.const import Mode
from custom_components.marstek_venus.pymarstek_venus.errors import MarstekTimeoutError
from custom_components.marstek_venus.pymarstek_venus.models import ManualPeriod, Weekday

from .conftest import report_mode, snapshot_entities

PERIOD_1 = "switch.marstek_venus_period_1"
LED = "switch.marstek_venus_panel_led"
BLE = "switch.marstek_venus_bluetooth_advertising"


async def switch(hass: HomeAssistant, service: str, entity_id: str) -> None:
    """switch.turn_on / turn_off, blocking."""
    await hass.services.async_call(
        SWITCH_DOMAIN, service, {ATTR_ENTITY_ID: entity_id}, blocking=True
    )


@pytest.mark.parametrize("device_fixture", ["venus_e3_fw150", "venus_e2_fw154"])
@pytest.mark.parametrize("platforms", [[Platform.SWITCH]])
@pytest.mark.usefixtures("entity_registry_enabled_by_default", "init_integration")
async def test_switches(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    device_registry: dr.DeviceRegistry,
    snapshot: SnapshotAssertion,
    mock_config_entry: MockConfigEntry,
) -> None:
    """A switch per period; LED and BLE advertising only where the firmware takes them."""
    await snapshot_entities(
        hass, entity_registry, device_registry, snapshot, mock_config_entry.entry_id
    )


@pytest.mark.usefixtures("init_integration")
async def test_enable_and_disable_a_period(
    hass: HomeAssistant, mock_client: MagicMock, mock_config_entry: MockConfigEntry
) -> None:
    """In Manual, the switch writes the stored period with enable flipped, both ways: turning a
    running period off must stop it on the battery."""
    settings = mock_config_entry.runtime_data.control.settings
    period = ManualPeriod(slot=0, start=time(1, 0), end=time(6, 0), power=-900, enabled=False)
    settings.periods[0] = period
    await report_mode(mock_config_entry, mock_client, Mode.MANUAL)
    await switch(hass, SERVICE_TURN_ON, PERIOD_1)
    mock_client.set_manual_period.assert_awaited_once_with(
        ManualPeriod(slot=0, start=time(1, 0), end=time(6, 0), power=-900, enabled=True)
    )
    await hass.async_block_till_done()
    assert hass.states.get(PERIOD_1).state == "on"
    await switch(hass, SERVICE_TURN_OFF, PERIOD_1)
    mock_client.set_manual_period.assert_awaited_with(period)
    assert settings.periods[0].enabled is False
    assert settings.pending == {}


@pytest.mark.usefixtures("init_integration")
async def test_enabling_outside_manual_is_kept_pending(
    hass: HomeAssistant, mock_client: MagicMock, mock_config_entry: MockConfigEntry
) -> None:
    """Enabling a period in Auto does not switch the battery to Manual: it waits."""
    settings = mock_config_entry.runtime_data.control.settings
    period = ManualPeriod(slot=0, start=time(1, 0), end=time(6, 0), power=-900, enabled=False)
    settings.periods[0] = period
    await switch(hass, SERVICE_TURN_ON, PERIOD_1)
    mock_client.set_manual_period.assert_not_awaited()
    mock_client.set_mode.assert_not_awaited()
    assert settings.pending[0].enabled is True
    await hass.async_block_till_done()
    assert hass.states.get(PERIOD_1).state == "on"
    assert hass.states.get("select.marstek_venus_operating_mode").state == "auto"


@pytest.mark.usefixtures("init_integration")
async def test_enabling_a_blank_period_is_refused(
    hass: HomeAssistant, mock_client: MagicMock
) -> None:
    """A period never written is 00:00-00:00: it must get times before it can run."""
    assert hass.states.get(PERIOD_1).state == "unknown"
    with pytest.raises(ServiceValidationError, match="must end after it starts"):
        await switch(hass, SERVICE_TURN_ON, PERIOD_1)
    mock_client.set_manual_period.assert_not_awaited()


@pytest.mark.usefixtures("init_integration")
async def test_enabling_a_period_without_days_is_refused(
    hass: HomeAssistant, mock_client: MagicMock, mock_config_entry: MockConfigEntry
) -> None:
    """An enabled period needs at least one weekday."""
    mock_config_entry.runtime_data.control.settings.periods[0] = ManualPeriod(
        slot=0, start=time(1, 0), end=time(6, 0), weekdays=Weekday(0), enabled=False
    )
    with pytest.raises(ServiceValidationError, match="Period 1 is enabled but has no weekdays"):
        await switch(hass, SERVICE_TURN_ON, PERIOD_1)
    mock_client.set_manual_period.assert_not_awaited()


@pytest.mark.parametrize(
    ("entity_id", "method", "field"),
    [(LED, "set_led", "led"), (BLE, "set_ble_advertising", "ble_advertising")],
)
@pytest.mark.usefixtures("init_integration")
async def test_device_settings(
    hass: HomeAssistant,
    mock_client: MagicMock,
    mock_config_entry: MockConfigEntry,
    entity_id: str,
    method: str,
    field: str,
) -> None:
    """LED and BLE advertising: written, remembered, shown as assumed state."""
    settings = mock_config_entry.runtime_data.control.settings
    assert hass.states.get(entity_id).state == "unknown"
    await switch(hass, SERVICE_TURN_OFF, entity_id)
    getattr(mock_client, method).assert_awaited_once_with(False)
    assert getattr(settings, field) is False
    state = hass.states.get(entity_id)
    assert state.state == "off"
    assert state.attributes[ATTR_ASSUMED_STATE] is True
    await switch(hass, SERVICE_TURN_ON, entity_id)
    getattr(mock_client, method).assert_awaited_with(True)
    assert getattr(settings, field) is True

    getattr(mock_client, method).side_effect = MarstekTimeoutError("no reply")
    with pytest.raises(HomeAssistantError, match="communicating"):
        await switch(hass, SERVICE_TURN_OFF, entity_id)
    assert getattr(settings, field) is True
