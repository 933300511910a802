"""The manual schedule against the simulated battery, over real UDP on loopback.

What the battery received is the evidence here: day names reach ``week_set`` in full, bad
input sends nothing, and editing a period never switches the battery to Manual (issue 9, items
3 and 8). Pending edits are written when Manual is selected or the schedule is applied.
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from typing import Any

import pytest
from homeassistant.components.button import DOMAIN as BUTTON_DOMAIN, SERVICE_PRESS
from homeassistant.components.number import (
    ATTR_VALUE,
    DOMAIN as NUMBER_DOMAIN,
    SERVICE_SET_VALUE,
)
from homeassistant.components.select import ATTR_OPTION, DOMAIN as SELECT_DOMAIN
from homeassistant.components.switch import DOMAIN as SWITCH_DOMAIN
from homeassistant.components.time import ATTR_TIME, DOMAIN as TIME_DOMAIN
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import (
    ATTR_ENTITY_ID,
    CONF_HOST,
    CONF_PORT,
    SERVICE_SELECT_OPTION,
    SERVICE_TURN_ON,
    STATE_OFF,
    STATE_ON,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.marstek_venus.const import CONF_REQUEST_GAP, DOMAIN
from custom_components.marstek_venus.pymarstek_venus.const import Method
from simulator import ManualPeriod as SimPeriod, Mode as SimMode, SimulatedBattery

from .test_end_to_end import no_confirm_pause

SIM_HOST = "127.0.4.41"  # this module's corner of 127/8
WRITE_METHODS = {Method.SET_MODE, Method.SET_DOD, Method.LED_CTRL, Method.BLE_ADV}
MODE = "select.marstek_venus_operating_mode"
PENDING = "binary_sensor.marstek_venus_schedule_changes_pending"
APPLY = "button.marstek_venus_apply_schedule"
P1 = {"period": 1, "start": "01:00", "end": "06:00", "power": -1500}


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
async def battery(hass: HomeAssistant, socket_enabled: None) -> AsyncIterator[SimulatedBattery]:
    """A simulated Venus E 3.0 set up in Home Assistant as "Marstek Venus" (Auto mode)."""
    port = _free_udp_port()
    simulated = SimulatedBattery("venus_e3_150", SIM_HOST, port, min_gap=0.05)
    await simulated.start()
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Marstek Venus",
        data={CONF_HOST: SIM_HOST, CONF_PORT: port},
        options={CONF_REQUEST_GAP: 0.05},
        unique_id=simulated.ble_mac,
    )
    entry.add_to_hass(hass)
    try:
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        assert entry.state is ConfigEntryState.LOADED
        no_confirm_pause(entry)
        yield simulated
        assert simulated.violations == []
    finally:
        await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done()
        await simulated.stop()


def _entry(hass: HomeAssistant) -> dict[str, str]:
    (entry,) = hass.config_entries.async_entries(DOMAIN)
    return {"config_entry_id": entry.entry_id}


def _writes(battery: SimulatedBattery, since: int) -> list[Any]:
    """The params of every write the battery received after request number ``since``."""
    return [record.params for record in battery.requests[since:] if record.method in WRITE_METHODS]


def _manual_cfgs(battery: SimulatedBattery, since: int) -> list[dict[str, Any]]:
    return [
        params["config"]["manual_cfg"]
        for params in _writes(battery, since)
        if params["config"]["mode"] == "Manual"
    ]


async def _entity(hass: HomeAssistant, domain: str, service: str, data: dict[str, Any]) -> None:
    await hass.services.async_call(domain, service, data, blocking=True)
    await hass.async_block_till_done()


async def _set_schedule(hass: HomeAssistant, data: dict[str, Any]) -> None:
    await hass.services.async_call(
        DOMAIN, "set_manual_schedule", {**_entry(hass), **data}, blocking=True
    )
    await hass.async_block_till_done()


async def _passive(hass: HomeAssistant, battery: SimulatedBattery) -> None:
    await hass.services.async_call(
        DOMAIN,
        "set_passive_mode",
        {**_entry(hass), "power": -1000, "duration": 600},
        blocking=True,
    )
    await hass.async_block_till_done()
    assert battery.state.mode is SimMode.PASSIVE


@pytest.mark.parametrize(
    ("days", "week_set"),
    [
        ("mon,tue", 0b0000011),
        (" Monday , TUE ", 0b0000011),
        (["sat", "Sunday"], 0b1100000),
        (["mon,wed", "fri"], 0b0010101),
        ("working_days", 0b0011111),
    ],
)
async def test_days_reach_week_set_in_full(
    hass: HomeAssistant, battery: SimulatedBattery, days: Any, week_set: int
) -> None:
    """Every day named reaches the battery: "mon,tue" is week_set 3, not Monday only."""
    since = len(battery.requests)
    await _set_schedule(hass, {**P1, "days": days})
    (written,) = _manual_cfgs(battery, since)
    assert written["week_set"] == week_set
    assert battery.state.manual_periods[0] == SimPeriod(0, "01:00", "06:00", week_set, -1500, True)


@pytest.mark.parametrize(
    ("days", "named"),
    [
        ("monkey", "monkey"),
        ("sunshine", "sunshine"),
        (["mon", "Funday"], "Funday"),
        ("mon,,tue", "mon,,tue"),
        ("mon,", "mon,"),
        ("", '""'),
        ("mon tue", "mon tue"),
        ("custom", "custom"),
    ],
)
async def test_bad_days_send_nothing(
    hass: HomeAssistant, battery: SimulatedBattery, days: Any, named: str
) -> None:
    """Names that are not days are a translated error naming them, and nothing is written."""
    since = len(battery.requests)
    with pytest.raises(ServiceValidationError, match="is not a weekday") as raised:
        await _set_schedule(hass, {**P1, "days": days})
    assert raised.value.translation_key == "invalid_weekday"
    assert named in str(raised.value)
    assert _writes(battery, since) == []
    assert battery.state.mode is SimMode.AUTO
    assert battery.state.manual_periods[0] == SimPeriod(0)


async def test_edits_in_passive_send_nothing_until_manual(
    hass: HomeAssistant, battery: SimulatedBattery
) -> None:
    """Editing periods while passive charging runs leaves the battery alone; Manual writes them.

    Every kind of period entity is edited, on a period the battery runs and on one it does not.
    """
    await _set_schedule(hass, {**P1, "days": "mon,tue"})
    await _entity(
        hass, SELECT_DOMAIN, SERVICE_SELECT_OPTION, {ATTR_ENTITY_ID: MODE, ATTR_OPTION: "auto"}
    )
    await _passive(hass, battery)
    remaining = battery.state.passive_remaining
    assert hass.states.get(PENDING).state == STATE_OFF

    since = len(battery.requests)
    await _entity(
        hass,
        NUMBER_DOMAIN,
        SERVICE_SET_VALUE,
        {ATTR_ENTITY_ID: "number.marstek_venus_period_1_power", ATTR_VALUE: -800},
    )
    await _entity(
        hass,
        TIME_DOMAIN,
        SERVICE_SET_VALUE,
        {ATTR_ENTITY_ID: "time.marstek_venus_period_2_end", ATTR_TIME: "21:00"},
    )
    await _entity(
        hass,
        TIME_DOMAIN,
        SERVICE_SET_VALUE,
        {ATTR_ENTITY_ID: "time.marstek_venus_period_2_start", ATTR_TIME: "17:00"},
    )
    await _entity(
        hass,
        SELECT_DOMAIN,
        SERVICE_SELECT_OPTION,
        {ATTR_ENTITY_ID: "select.marstek_venus_period_2_days", ATTR_OPTION: "weekend"},
    )
    await _entity(
        hass, SWITCH_DOMAIN, SERVICE_TURN_ON, {ATTR_ENTITY_ID: "switch.marstek_venus_period_2"}
    )
    assert _writes(battery, since) == []
    state = battery.state
    assert state.mode is SimMode.PASSIVE
    assert state.passive_power == -1000
    assert 0 < state.passive_remaining <= remaining
    assert state.manual_periods[0].power == -1500
    assert state.manual_periods[1] == SimPeriod(1)
    # Home Assistant shows the edits, and that they are not on the battery yet.
    assert hass.states.get("number.marstek_venus_period_1_power").state == "-800"
    assert hass.states.get("switch.marstek_venus_period_2").state == STATE_ON
    assert hass.states.get(PENDING).state == STATE_ON
    assert hass.states.get(MODE).state == "passive"

    await _entity(
        hass, SELECT_DOMAIN, SERVICE_SELECT_OPTION, {ATTR_ENTITY_ID: MODE, ATTR_OPTION: "manual"}
    )
    assert [cfg["time_num"] for cfg in _manual_cfgs(battery, since)] == [0, 1]
    state = battery.state
    assert state.mode is SimMode.MANUAL
    assert state.manual_periods[0] == SimPeriod(0, "01:00", "06:00", 0b11, -800, True)
    assert state.manual_periods[1] == SimPeriod(1, "17:00", "21:00", 0b1100000, 0, True)
    assert hass.states.get(PENDING).state == STATE_OFF
    assert hass.states.get(MODE).state == "manual"


async def test_apply_button_writes_pending_edits(
    hass: HomeAssistant, battery: SimulatedBattery
) -> None:
    """The Apply schedule button writes what is pending, then the battery runs Manual."""
    await _set_schedule(hass, P1)
    await _entity(
        hass, SELECT_DOMAIN, SERVICE_SELECT_OPTION, {ATTR_ENTITY_ID: MODE, ATTR_OPTION: "ai"}
    )
    since = len(battery.requests)
    await _entity(
        hass,
        NUMBER_DOMAIN,
        SERVICE_SET_VALUE,
        {ATTR_ENTITY_ID: "number.marstek_venus_period_1_power", ATTR_VALUE: 700},
    )
    assert _writes(battery, since) == []
    assert battery.state.mode is SimMode.AI
    assert hass.states.get(PENDING).state == STATE_ON

    await _entity(hass, BUTTON_DOMAIN, SERVICE_PRESS, {ATTR_ENTITY_ID: APPLY})
    assert [cfg["power"] for cfg in _manual_cfgs(battery, since)] == [700]
    assert battery.state.mode is SimMode.MANUAL
    assert battery.state.manual_periods[0].power == 700
    assert hass.states.get(PENDING).state == STATE_OFF


async def test_disabled_period_edits_never_reach_the_battery(
    hass: HomeAssistant, battery: SimulatedBattery
) -> None:
    """In Manual, a disabled period is only stored; enabling it writes it whole."""
    await _set_schedule(hass, P1)
    assert battery.state.mode is SimMode.MANUAL
    since = len(battery.requests)
    await _entity(
        hass,
        TIME_DOMAIN,
        SERVICE_SET_VALUE,
        {ATTR_ENTITY_ID: "time.marstek_venus_period_3_end", ATTR_TIME: "12:00"},
    )
    await _entity(
        hass,
        NUMBER_DOMAIN,
        SERVICE_SET_VALUE,
        {ATTR_ENTITY_ID: "number.marstek_venus_period_3_power", ATTR_VALUE: 300},
    )
    assert _writes(battery, since) == []
    assert battery.state.manual_periods[2] == SimPeriod(2)
    assert hass.states.get(PENDING).state == STATE_ON

    # Enabling it while the battery runs Manual writes it at once, with the stored edits.
    await _entity(
        hass, SWITCH_DOMAIN, SERVICE_TURN_ON, {ATTR_ENTITY_ID: "switch.marstek_venus_period_3"}
    )
    assert _manual_cfgs(battery, since) == [
        {
            "time_num": 2,
            "start_time": "00:00",
            "end_time": "12:00",
            "week_set": 127,
            "power": 300,
            "enable": 1,
        }
    ]
    assert battery.state.manual_periods[2] == SimPeriod(2, "00:00", "12:00", 127, 300, True)
    assert hass.states.get(PENDING).state == STATE_OFF

    # An enabled period of a battery in Manual is written at once, as before.
    since = len(battery.requests)
    await _entity(
        hass,
        NUMBER_DOMAIN,
        SERVICE_SET_VALUE,
        {ATTR_ENTITY_ID: "number.marstek_venus_period_3_power", ATTR_VALUE: -300},
    )
    assert [cfg["power"] for cfg in _manual_cfgs(battery, since)] == [-300]
    assert battery.state.mode is SimMode.MANUAL
