"""End to end: the integration against the simulated battery over real UDP on loopback."""

from __future__ import annotations

import socket

import pytest
from homeassistant.components.select import (
    ATTR_OPTION,
    DOMAIN as SELECT_DOMAIN,
    SERVICE_SELECT_OPTION,
)
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_ENTITY_ID, CONF_HOST, CONF_PORT
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.marstek_venus.const import CONF_REQUEST_GAP, DOMAIN
from simulator import Mode as SimMode, SimulatedBattery

# Our own corner of 127/8, so that other test modules' simulators never collide with ours.
SIM_HOST = "127.0.4.1"


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.usefixtures("socket_enabled")
async def test_select_mode_reaches_the_battery(hass: HomeAssistant) -> None:
    """Set up from the simulator's replies, then switch its mode through the select."""
    port = _free_udp_port()
    battery = SimulatedBattery("venus_e3_150", SIM_HOST, port, min_gap=0.05)
    await battery.start()
    try:
        entry = MockConfigEntry(
            domain=DOMAIN,
            title="Marstek Venus",
            data={CONF_HOST: SIM_HOST, CONF_PORT: port},
            options={CONF_REQUEST_GAP: 0.05},
            unique_id=battery.ble_mac,
        )
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        assert entry.state is ConfigEntryState.LOADED

        select = "select.marstek_venus_operating_mode"
        assert hass.states.get(select).state == "auto"
        assert battery.state.mode is SimMode.AUTO
        soc = hass.states.get("sensor.marstek_venus_battery").state
        assert 0 <= int(soc) <= 100

        await hass.services.async_call(
            SELECT_DOMAIN,
            SERVICE_SELECT_OPTION,
            {ATTR_ENTITY_ID: select, ATTR_OPTION: "ai"},
            blocking=True,
        )
        assert battery.state.mode is SimMode.AI
        await hass.async_block_till_done()
        assert hass.states.get(select).state == "ai"

        assert await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done()
        # The simulator saw no request closer than the gap, no burst, no empty datagram.
        assert battery.violations == []
    finally:
        await battery.stop()
