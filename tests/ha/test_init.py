"""Set-up, unloading and background discovery."""

from __future__ import annotations

from datetime import timedelta
from unittest.mock import AsyncMock, MagicMock, patch

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.marstek_venus.const import DOMAIN
from custom_components.marstek_venus.protocol.errors import (
    MarstekInvalidHostError,
    MarstekPortInUseError,
    MarstekTimeoutError,
)

from .conftest import FakeBattery


@pytest.mark.usefixtures("init_integration")
async def test_setup_and_unload(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, mock_client: MagicMock
) -> None:
    """The entry loads, and unloading closes the client."""
    assert mock_config_entry.state is ConfigEntryState.LOADED
    mock_client.connect.assert_awaited_once()
    assert await hass.config_entries.async_unload(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert mock_config_entry.state is ConfigEntryState.NOT_LOADED
    mock_client.close.assert_awaited()


@pytest.mark.parametrize(
    ("side_effect", "method"),
    [
        (MarstekPortInUseError(30000), "connect"),
        (MarstekTimeoutError("no reply"), "get_device"),
        (MarstekTimeoutError("no reply"), "get_es_status"),
    ],
)
async def test_setup_retry(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_client: MagicMock,
    side_effect: Exception,
    method: str,
) -> None:
    """A battery that does not answer (or a busy port) puts the entry into retry."""
    getattr(mock_client, method).side_effect = side_effect
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert mock_config_entry.state is ConfigEntryState.SETUP_RETRY
    # The socket is released again while waiting for the retry.
    mock_client.close.assert_awaited()


async def test_setup_wrong_battery(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, mock_client: MagicMock
) -> None:
    """Another battery at the stored IP: retry until discovery finds ours."""
    mock_client.get_device.return_value = FakeBattery("venus_a_fw149").device
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert mock_config_entry.state is ConfigEntryState.SETUP_RETRY


async def test_setup_invalid_host(hass: HomeAssistant, mock_config_entry: MockConfigEntry) -> None:
    """A stored host that is not an IPv4 address is a permanent error."""
    mock_config_entry.add_to_hass(hass)
    with patch(
        "custom_components.marstek_venus.coordinator.MarstekClient",
        side_effect=MarstekInvalidHostError("bad"),
    ):
        await hass.config_entries.async_setup(mock_config_entry.entry_id)
        await hass.async_block_till_done()
    assert mock_config_entry.state is ConfigEntryState.SETUP_ERROR
    assert mock_config_entry.reason.startswith("The stored address 192.168.1.50 is not")


async def test_background_discovery(
    hass: HomeAssistant,
    mock_discover: AsyncMock,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A scan at start-up and every 15 minutes; each find becomes a discovery flow."""
    battery = FakeBattery("venus_a_fw149")
    mock_discover.return_value = [battery.device]
    assert await async_setup_component(hass, DOMAIN, {})
    await hass.async_block_till_done()
    assert mock_discover.await_count == 1
    assert mock_discover.call_args.args == ([30000],)
    assert "255.255.255.255" in mock_discover.call_args.kwargs["targets"]
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert len(flows) == 1
    assert flows[0]["context"]["unique_id"] == battery.device.ble_mac

    freezer.tick(timedelta(minutes=15))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert mock_discover.await_count == 2
    # Still one flow for the same battery.
    assert len(hass.config_entries.flow.async_progress_by_handler(DOMAIN)) == 1


async def test_discovery_socket_trouble(hass: HomeAssistant, mock_discover: AsyncMock) -> None:
    """A scan that cannot bind its port just finds nothing."""
    from custom_components.marstek_venus.discovery import async_discover_devices

    mock_discover.side_effect = MarstekPortInUseError(30000)
    assert await async_discover_devices(hass) == []


@pytest.mark.usefixtures("init_integration")
async def test_unload_failure_keeps_client(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, mock_client: MagicMock
) -> None:
    """If a platform refuses to unload, the socket stays open for the entities left."""
    from custom_components.marstek_venus import async_unload_entry

    with patch.object(hass.config_entries, "async_unload_platforms", return_value=False):
        assert not await async_unload_entry(hass, mock_config_entry)
    mock_client.close.assert_not_awaited()
