"""End to end: the integration against the simulated battery over real UDP on loopback."""

from __future__ import annotations

import asyncio
import socket
from dataclasses import replace

import pytest
from homeassistant.components.number import (
    ATTR_VALUE,
    DOMAIN as NUMBER_DOMAIN,
    SERVICE_SET_VALUE,
)
from homeassistant.components.repairs import repairs_flow_manager
from homeassistant.components.select import (
    ATTR_OPTION,
    DOMAIN as SELECT_DOMAIN,
    SERVICE_SELECT_OPTION,
)
from homeassistant.components.switch import DOMAIN as SWITCH_DOMAIN
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_ENTITY_ID, CONF_HOST, CONF_PORT, SERVICE_TURN_OFF
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.marstek_venus.const import CONF_REQUEST_GAP, DOMAIN
from simulator import ManualPeriod as SimPeriod, Mode as SimMode, SimulatedBattery

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


async def _setup_simulated(hass: HomeAssistant, battery: SimulatedBattery) -> MockConfigEntry:
    """Set the integration up against a running simulated battery, with short timeouts."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Marstek Venus",
        data={CONF_HOST: battery.host, CONF_PORT: battery.port},
        options={CONF_REQUEST_GAP: 0.05},
        unique_id=battery.ble_mac,
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    # A silent battery must fail a poll in well under a second here, not after the
    # production budget of retries.
    client = entry.runtime_data.client
    client.timing = replace(client.timing, timeout=0.3, attempts=1, backoff=0.01)
    no_confirm_pause(entry)
    return entry


def no_confirm_pause(entry: MockConfigEntry) -> None:
    """Passive confirmation reads back to back (paced by the request gap only)."""
    client = entry.runtime_data.client
    client.timing = replace(client.timing, passive_confirm_interval=0.0)


@pytest.mark.usefixtures("socket_enabled")
async def test_passive_and_schedule_reach_the_battery(hass: HomeAssistant) -> None:
    """Passive mode and schedule periods, through actions and entities, over real UDP."""
    port = _free_udp_port()
    battery = SimulatedBattery("venus_e3_150", "127.0.4.2", port, min_gap=0.05)
    await battery.start()
    try:
        entry = await _setup_simulated(hass, battery)

        # Passive: sent, followed (the confirmation reads ES.GetMode's AC power).
        await hass.services.async_call(
            DOMAIN,
            "set_passive_mode",
            {"config_entry_id": entry.entry_id, "power": -1000, "duration": 600},
            blocking=True,
        )
        state = battery.state
        assert state.mode is SimMode.PASSIVE
        assert state.passive_power == -1000
        assert 590 < state.passive_remaining <= 600
        assert state.ac_power == -1000

        # The schedule: two periods in one action, then one edited through its entity.
        await hass.services.async_call(
            DOMAIN,
            "set_manual_schedule",
            {
                "config_entry_id": entry.entry_id,
                "periods": [
                    {
                        "period": 1,
                        "start": "01:00",
                        "end": "06:00",
                        "days": ["mon", "tue", "wed", "thu", "fri"],
                        "power": -1500,
                    },
                    {"period": 2, "start": "17:00", "end": "21:00", "power": 800},
                ],
            },
            blocking=True,
        )
        await hass.services.async_call(
            NUMBER_DOMAIN,
            SERVICE_SET_VALUE,
            {ATTR_ENTITY_ID: "number.marstek_venus_period_2_power", ATTR_VALUE: 600},
            blocking=True,
        )
        periods = battery.state.manual_periods
        assert periods[0] == SimPeriod(0, "01:00", "06:00", 31, -1500, True)
        assert periods[1] == SimPeriod(1, "17:00", "21:00", 127, 600, True)
        assert periods[2:] == tuple(SimPeriod(slot) for slot in range(2, 10))
        assert battery.state.mode is SimMode.MANUAL
        await hass.async_block_till_done()
        assert hass.states.get("select.marstek_venus_operating_mode").state == "manual"

        # Back to Auto and to Manual again: the switch rewrites period 1 as it was.
        for option in ("auto", "manual"):
            await hass.services.async_call(
                SELECT_DOMAIN,
                SERVICE_SELECT_OPTION,
                {ATTR_ENTITY_ID: "select.marstek_venus_operating_mode", ATTR_OPTION: option},
                blocking=True,
            )
        assert battery.state.manual_periods == periods
        assert battery.state.mode is SimMode.MANUAL

        # Device settings (firmware 150): depth of discharge, LED, BLE advertising.
        await hass.services.async_call(
            NUMBER_DOMAIN,
            SERVICE_SET_VALUE,
            {ATTR_ENTITY_ID: "number.marstek_venus_depth_of_discharge", ATTR_VALUE: 60},
            blocking=True,
        )
        for entity_id in (
            "switch.marstek_venus_panel_led",
            "switch.marstek_venus_bluetooth_advertising",
        ):
            await hass.services.async_call(
                SWITCH_DOMAIN, SERVICE_TURN_OFF, {ATTR_ENTITY_ID: entity_id}, blocking=True
            )
        state = battery.state
        assert (state.dod, state.led, state.ble_adv) == (60, False, False)

        assert await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done()
        assert battery.violations == []
    finally:
        await battery.stop()


@pytest.mark.usefixtures("socket_enabled")
async def test_reset_battery_is_restored(hass: HomeAssistant) -> None:
    """A reboot that wipes the settings raises the repair; its fix flow writes them back."""
    port = _free_udp_port()
    battery = SimulatedBattery("venus_e3_150", "127.0.4.3", port, min_gap=0.05)
    await battery.start()
    try:
        entry = await _setup_simulated(hass, battery)
        coordinator = entry.runtime_data
        await hass.services.async_call(
            DOMAIN,
            "set_manual_schedule",
            {
                "config_entry_id": entry.entry_id,
                "period": 3,
                "start": "22:00",
                "end": "23:59",
                "power": -2000,
            },
            blocking=True,
        )
        await hass.services.async_call(
            NUMBER_DOMAIN,
            SERVICE_SET_VALUE,
            {ATTR_ENTITY_ID: "number.marstek_venus_depth_of_discharge", ATTR_VALUE: 50},
            blocking=True,
        )
        written = battery.state.manual_periods

        battery.reboot(reset_settings=True, duration=1.5)
        await coordinator.async_refresh()  # no answer while it reboots (read + resend: 0.8 s)
        assert coordinator.plan.failed_cycles == 1
        await asyncio.sleep(1.0)
        await coordinator.async_refresh()
        assert battery.state.mode is SimMode.AUTO
        assert battery.state.dod == 88
        issue = ir.async_get(hass).async_get_issue(DOMAIN, f"settings_reset_{entry.entry_id}")
        assert issue is not None

        assert await async_setup_component(hass, "repairs", {})
        manager = repairs_flow_manager(hass)
        assert manager is not None
        result = await manager.async_init(DOMAIN, data={"issue_id": issue.issue_id})
        result = await manager.async_configure(result["flow_id"], {})
        assert result["type"] is FlowResultType.CREATE_ENTRY
        state = battery.state
        assert state.manual_periods == written
        assert state.dod == 50
        assert state.mode is SimMode.MANUAL

        assert await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done()
        assert battery.violations == []
    finally:
        await battery.stop()
