"""Home Assistant start-up over real UDP: the start-up scan, two entries' first polls and the
periodic scan all share each battery's gap (the acceptance run saw a probe and the first poll
1-4 ms apart on 4 of 5 batteries)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from ipaddress import IPv4Address
from unittest.mock import patch

import pytest
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_HOST, CONF_PORT
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.marstek_venus.const import CONF_REQUEST_GAP, DOMAIN
from custom_components.marstek_venus.discovery import async_discover_devices
from simulator import SimulatedBattery

# Our own corner of 127/8, so that other test modules' simulators never collide with ours.
HOSTS = ("127.0.5.1", "127.0.5.2")
GAP = 0.5


@pytest.fixture
def mock_discover() -> Iterator[None]:
    """This module scans for real, on loopback only (the scan targets are the simulators)."""
    targets = {IPv4Address(host) for host in HOSTS}
    with patch(
        "custom_components.marstek_venus.discovery.network.async_get_ipv4_broadcast_addresses",
        return_value=targets,
    ):
        yield


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.usefixtures("socket_enabled", "mock_discover")
async def test_start_up_scan_and_first_polls_keep_every_gap(hass: HomeAssistant) -> None:
    port = _free_udp_port()
    batteries = [
        SimulatedBattery("venus_e3_150", HOSTS[0], port, min_gap=0.3),
        SimulatedBattery("venus_a_149", HOSTS[1], port, min_gap=0.3),
    ]
    for battery in batteries:
        await battery.start()
    try:
        entries = []
        for index, battery in enumerate(batteries):
            entry = MockConfigEntry(
                domain=DOMAIN,
                title=f"Marstek {index}",
                data={CONF_HOST: battery.host, CONF_PORT: port},
                options={CONF_REQUEST_GAP: GAP},
                unique_id=battery.ble_mac,
            )
            entry.add_to_hass(hass)
            entries.append(entry)
        # Start-up: the integration's scan and both entries' set-up run at once.
        assert await async_setup_component(hass, DOMAIN, {})
        await hass.async_block_till_done()
        assert [entry.state for entry in entries] == [ConfigEntryState.LOADED] * 2
        # A scan (a config flow, the 15-minute one) while both batteries are polled.
        found, *_ = await asyncio.gather(
            async_discover_devices(hass),
            *(entry.runtime_data.async_refresh() for entry in entries),
        )
        assert {device.ble_mac for device in found} == {b.ble_mac for b in batteries}
        for entry in entries:
            assert await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done()
    finally:
        for battery in batteries:
            await battery.stop()
    for battery in batteries:
        methods = [record.method for record in battery.requests]
        assert methods.count("Marstek.GetDevice") >= 4  # 3 start-up probes + set-up + scan
        assert battery.violations == []
        assert battery.smallest_gap is not None
        assert battery.smallest_gap >= GAP - 0.002
