"""Options flow: stored, and a change reloads the entry (tests/ha/test_init.py checks that
the new pause between requests then really holds)."""

from __future__ import annotations

from unittest.mock import AsyncMock, patch

import pytest
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.marstek_venus.const import (
    CONF_PASSIVE_KEEP_ALIVE,
    CONF_POLL_GROUPS,
    CONF_POWER_LIMIT,
    CONF_REQUEST_GAP,
    CONF_SCAN_INTERVAL,
    CONF_UNAVAILABLE_AFTER,
)

pytestmark = pytest.mark.usefixtures("mock_setup_entry")


async def test_options_flow(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_setup_entry: AsyncMock,
) -> None:
    """The options are stored and a change reloads the entry; no change, no reload."""
    unload = patch("custom_components.marstek_venus.async_unload_entry", return_value=True)
    unload.start()
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert mock_config_entry.state is ConfigEntryState.LOADED
    assert mock_setup_entry.call_count == 1

    result = await hass.config_entries.options.async_init(mock_config_entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "init"
    options = {
        CONF_SCAN_INTERVAL: 60,
        CONF_REQUEST_GAP: 1.5,
        CONF_POLL_GROUPS: ["battery", "ble"],
        CONF_UNAVAILABLE_AFTER: 5,
        CONF_POWER_LIMIT: 800,
        CONF_PASSIVE_KEEP_ALIVE: True,
    }
    result = await hass.config_entries.options.async_configure(result["flow_id"], options)
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert dict(mock_config_entry.options) == options
    assert mock_setup_entry.call_count == 2  # reloaded with the new options

    result = await hass.config_entries.options.async_init(mock_config_entry.entry_id)
    result = await hass.config_entries.options.async_configure(result["flow_id"], options)
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert mock_setup_entry.call_count == 2
    unload.stop()
