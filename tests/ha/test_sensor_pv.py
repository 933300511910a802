"""PV input sensors: power per input, and voltage and current as disabled diagnostics."""

from __future__ import annotations

from dataclasses import replace
from unittest.mock import MagicMock

import pytest
from homeassistant.const import EntityCategory, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.marstek_venus.pymarstek_venus.models import PvChannel, PvStatus

PV_KEYS = {f"pv{n}_{kind}" for n in (1, 2, 3, 4) for kind in ("power", "voltage", "current")}


def _pv_entries(
    entity_registry: er.EntityRegistry, entry: MockConfigEntry
) -> dict[str, er.RegistryEntry]:
    entries = er.async_entries_for_config_entry(entity_registry, entry.entry_id)
    by_key = {item.unique_id.split("_", 1)[1]: item for item in entries}
    return {key: item for key, item in by_key.items() if key in PV_KEYS}


@pytest.mark.parametrize("device_fixture", ["venus_a_fw149"])
@pytest.mark.parametrize("platforms", [[Platform.SENSOR]])
@pytest.mark.usefixtures("init_integration")
async def test_venus_a_inputs(
    entity_registry: er.EntityRegistry, mock_config_entry: MockConfigEntry
) -> None:
    """Four inputs; voltage and current are diagnostics that start disabled, power does not."""
    entries = _pv_entries(entity_registry, mock_config_entry)
    assert set(entries) == PV_KEYS
    for key, item in entries.items():
        if key.endswith("_power"):
            assert item.disabled_by is None
            assert item.entity_category is None
        else:
            assert item.disabled_by is er.RegistryEntryDisabler.INTEGRATION
            assert item.entity_category is EntityCategory.DIAGNOSTIC


@pytest.mark.parametrize("platforms", [[Platform.SENSOR]])
@pytest.mark.usefixtures("init_integration")
async def test_no_inputs_without_pv(
    entity_registry: er.EntityRegistry, mock_config_entry: MockConfigEntry
) -> None:
    """A Venus E 3.0 has no PV input, so none of these sensors."""
    assert _pv_entries(entity_registry, mock_config_entry) == {}


async def _poll_pv(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Two polls: PV.GetStatus is read every second cycle."""
    for _ in range(2):
        await entry.runtime_data.async_refresh()
        await hass.async_block_till_done()


@pytest.mark.parametrize("device_fixture", ["venus_a_fw149"])
@pytest.mark.parametrize("platforms", [[Platform.SENSOR]])
@pytest.mark.usefixtures("entity_registry_enabled_by_default", "init_integration")
async def test_values_follow_each_input(
    hass: HomeAssistant, mock_client: MagicMock, mock_config_entry: MockConfigEntry
) -> None:
    """Each sensor shows its own input; an input missing from the reply reads unknown."""
    mock_client.get_pv_status.return_value = PvStatus(
        channels=(
            PvChannel(index=1, power=41.5, voltage=50.0, current=0.0, working=True),
            PvChannel(index=3, power=380.0, voltage=38.0, current=10.0, working=True),
        )
    )
    await _poll_pv(hass, mock_config_entry)
    states = {
        f"{n}_{kind}": hass.states.get(f"sensor.marstek_venus_pv_{n}_{kind}").state
        for n in (1, 2, 3, 4)
        for kind in ("power", "voltage", "current")
    }
    assert states["1_voltage"] == "50.0"
    assert states["1_current"] == "0.0"
    assert states["3_power"] == "380.0"
    assert states["3_voltage"] == "38.0"
    assert states["3_current"] == "10.0"
    assert states["2_voltage"] == states["2_current"] == states["4_power"] == "unknown"

    # A reply with no voltage or current for an input: those read unknown, power stays.
    mock_client.get_pv_status.return_value = PvStatus(
        channels=(replace(mock_client.get_pv_status.return_value.channels[1], voltage=None),)
    )
    await _poll_pv(hass, mock_config_entry)
    assert hass.states.get("sensor.marstek_venus_pv_3_voltage").state == "unknown"
    assert hass.states.get("sensor.marstek_venus_pv_3_power").state == "380.0"
