"""Sensor entities, per device profile."""

from __future__ import annotations

from unittest.mock import MagicMock

import pytest
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry
from syrupy.assertion import SnapshotAssertion

from .conftest import DEVICES, snapshot_entities

# Venus E 3.0 fw 139 as well: no ES.GetStatus, so battery power and the battery energy totals
# come from ES.GetMode (issue 9).
SENSOR_DEVICES = (*DEVICES, "venus_e3_fw139")


@pytest.mark.parametrize("device_fixture", SENSOR_DEVICES)
@pytest.mark.parametrize("platforms", [[Platform.SENSOR]])
@pytest.mark.usefixtures("entity_registry_enabled_by_default", "init_integration")
async def test_sensors(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    device_registry: dr.DeviceRegistry,
    snapshot: SnapshotAssertion,
    mock_config_entry: MockConfigEntry,
) -> None:
    """Every sensor the profile provides, with its state, on the battery's device."""
    await snapshot_entities(
        hass, entity_registry, device_registry, snapshot, mock_config_entry.entry_id
    )


@pytest.mark.parametrize("platforms", [[Platform.SENSOR]])
@pytest.mark.usefixtures("init_integration")
async def test_disabled_by_default(
    hass: HomeAssistant, entity_registry: er.EntityRegistry, mock_config_entry: MockConfigEntry
) -> None:
    """Diagnostic and rarely needed sensors start disabled."""
    disabled = {
        entry.unique_id.split("_", 1)[1]
        for entry in er.async_entries_for_config_entry(entity_registry, mock_config_entry.entry_id)
        if entry.disabled_by is not None
    }
    assert disabled == {
        "firmware",
        "grid_power_a",
        "grid_power_b",
        "grid_power_c",
        "ip_address",
        "last_update",
        "operating_mode",
        "wifi_rssi",
        "wifi_ssid",
    }


@pytest.mark.parametrize("device_fixture", ["venus_e3_fw139"])
@pytest.mark.parametrize("platforms", [[Platform.SENSOR]])
@pytest.mark.usefixtures("init_integration")
async def test_battery_power_without_es_status(hass: HomeAssistant, mock_client: MagicMock) -> None:
    """fw 139 never answers ES.GetStatus: battery power and its totals come from ES.GetMode."""
    assert hass.states.get("sensor.marstek_venus_battery_power").state == "-1033.0"  # charging
    assert hass.states.get("sensor.marstek_venus_energy_charged").state == "0.0"
    assert hass.states.get("sensor.marstek_venus_energy_discharged").state == "0.0"
    mock_client.get_es_status.assert_not_called()
