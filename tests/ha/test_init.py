"""Set-up, unloading and background discovery."""

from __future__ import annotations

import socket
from datetime import timedelta
from typing import Any
from unittest.mock import AsyncMock, MagicMock, patch

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_HOST, CONF_PORT
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.marstek_venus.const import (
    CONF_PASSIVE_KEEP_ALIVE,
    CONF_POLL_GROUPS,
    CONF_POWER_LIMIT,
    CONF_REQUEST_GAP,
    CONF_SCAN_INTERVAL,
    CONF_UNAVAILABLE_AFTER,
    DOMAIN,
)
from custom_components.marstek_venus.pymarstek_venus import (
    MIN_REQUEST_GAP,
    MarstekInvalidHostError,
    MarstekPortInUseError,
    MarstekTimeoutError,
    SocketRegistry,
)
from simulator import SimulatedBattery

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


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _effective_gap(host: str, port: int) -> float:
    """The pause the shared socket of ``port`` really keeps before each request to ``host``."""
    sockets = SocketRegistry.current()  # the one the integration's clients use by default
    shared = await sockets.acquire_socket("127.0.0.1", port)
    channel = shared.channel(host, MIN_REQUEST_GAP)
    try:
        return channel.gap
    finally:
        shared.leave(channel, MIN_REQUEST_GAP)
        sockets.release_socket(shared)


@pytest.mark.usefixtures("socket_enabled")
@pytest.mark.parametrize(
    "count",
    [1, 2],
)
async def test_lower_request_gap_applies_at_once(hass: HomeAssistant, count: int) -> None:
    """A lower "pause between requests" holds as soon as the options are saved.

    The options flow reloads the entry. With two batteries on one port, their entries share
    one socket, which outlives the reload of either: the reloaded entry must still get the
    pause it now asks for, not the one it had before.
    """
    port = _free_udp_port()
    batteries = [
        SimulatedBattery("venus_e3_150", f"127.0.17.{index}", port, min_gap=0.05)
        for index in range(1, count + 1)
    ]
    options = {
        CONF_SCAN_INTERVAL: 300,
        CONF_REQUEST_GAP: 1.0,
        CONF_POLL_GROUPS: [],
        CONF_UNAVAILABLE_AFTER: 3,
        CONF_POWER_LIMIT: 800,
        CONF_PASSIVE_KEEP_ALIVE: False,
    }
    entries = [
        MockConfigEntry(
            domain=DOMAIN,
            title=f"Battery {battery.host}",
            data={CONF_HOST: battery.host, CONF_PORT: port},
            options=options,
            unique_id=battery.ble_mac,
        )
        for battery in batteries
    ]
    for battery in batteries:
        await battery.start()
    try:
        for entry in entries:
            entry.add_to_hass(hass)
            assert await hass.config_entries.async_setup(entry.entry_id)
            await hass.async_block_till_done()
        first = batteries[0].host
        assert await _effective_gap(first, port) == 1.0

        result = await hass.config_entries.options.async_init(entries[0].entry_id)
        result = await hass.config_entries.options.async_configure(
            result["flow_id"], {**options, CONF_REQUEST_GAP: 0.4}
        )
        await hass.async_block_till_done()
        assert result["type"] is FlowResultType.CREATE_ENTRY
        assert entries[0].state is ConfigEntryState.LOADED
        assert entries[0].runtime_data.client.timing.request_gap == 0.4
        assert await _effective_gap(first, port) == 0.4
        # Another battery keeps its own pause.
        for battery in batteries[1:]:
            assert await _effective_gap(battery.host, port) == 1.0

        for entry in entries:
            assert await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done()
        assert all(battery.violations == [] for battery in batteries)
    finally:
        for battery in batteries:
            await battery.stop()


def _resolves_to(address: str) -> list[tuple[Any, ...]]:
    """What getaddrinfo returns for a name with one IPv4 address."""
    return [(socket.AF_INET, socket.SOCK_DGRAM, 17, "", (address, 0))]


async def test_host_name_is_resolved_and_followed(
    hass: HomeAssistant,
    mock_client_class: MagicMock,
    mock_client: MagicMock,
    battery: FakeBattery,
    freezer: FrozenDateTimeFactory,
) -> None:
    """An entry stored by name talks to the name's address, and follows it when silent."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Marstek Venus",
        data={CONF_HOST: "venus.lan", CONF_PORT: 30000},
        unique_id=battery.device.ble_mac,
    )
    entry.add_to_hass(hass)
    with patch.object(hass.loop, "getaddrinfo", return_value=_resolves_to(battery.host)) as dns:
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        assert mock_client_class.call_args.args == (battery.host, 30000)
        assert dns.call_args.args[0] == "venus.lan"

        # Answering: the name is not looked up again.
        dns.reset_mock()
        freezer.tick(timedelta(seconds=30))
        async_fire_time_changed(hass)
        await hass.async_block_till_done()
        dns.assert_not_called()

        # Silent, and the name now points elsewhere: the client moves there.
        for name in ("get_es_status", "get_mode", "get_meter_status", "get_battery_status"):
            getattr(mock_client, name).side_effect = MarstekTimeoutError("no reply")
        dns.return_value = _resolves_to("192.168.1.61")
        freezer.tick(timedelta(seconds=30))
        async_fire_time_changed(hass)
        await hass.async_block_till_done()
        mock_client.set_host.assert_called_once_with("192.168.1.61")
    assert entry.data[CONF_HOST] == "venus.lan"


async def test_host_name_that_does_not_resolve_retries(
    hass: HomeAssistant, mock_client_class: MagicMock, battery: FakeBattery
) -> None:
    """DNS that does not know the name (yet): retry later, with a translated reason."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        data={CONF_HOST: "venus.lan", CONF_PORT: 30000},
        unique_id=battery.device.ble_mac,
    )
    entry.add_to_hass(hass)
    with patch.object(hass.loop, "getaddrinfo", side_effect=socket.gaierror(-2, "unknown")):
        await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert entry.reason is not None
    assert entry.reason.startswith("The host name venus.lan does not resolve to an IPv4 address")
    mock_client_class.assert_not_called()
