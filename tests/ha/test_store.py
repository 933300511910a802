"""What the integration wrote survives restarts: the storage round trip."""

from __future__ import annotations

from datetime import time
from typing import Any
from unittest.mock import MagicMock

import pytest
from homeassistant.components.number import (
    ATTR_VALUE,
    DOMAIN as NUMBER_DOMAIN,
    SERVICE_SET_VALUE,
)
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.marstek_venus.pymarstek_venus.const import Mode
from custom_components.marstek_venus.pymarstek_venus.models import ManualPeriod, Weekday
from custom_components.marstek_venus.store import StoredState

ENTRY_ID = "01JMARSTEKVENUS0000000000"
KEY = f"marstek_venus.{ENTRY_ID}"

STORED: dict[str, Any] = {
    "mode": "Manual",
    "passive": {"power": -1200, "duration": 900, "ends_at": None},
    "periods": {
        "0": {
            "start": "01:00",
            "end": "06:00",
            "weekdays": 31,
            "power": -1500,
            "enabled": True,
        },
        "9": {"start": "00:00", "end": "00:00", "weekdays": 0, "power": 0, "enabled": False},
    },
    # An edit made while the battery was not in Manual: not on the battery yet.
    "pending": {
        "0": {"start": "01:00", "end": "07:00", "weekdays": 31, "power": -1500, "enabled": True},
    },
    "dod": 70,
    "led": False,
    "ble_advertising": True,
}


def _storage(data: dict[str, Any]) -> dict[str, Any]:
    return {"version": 1, "minor_version": 1, "key": KEY, "data": data}


def test_state_round_trip() -> None:
    """as_dict and from_dict are inverse."""
    state = StoredState.from_dict(STORED)
    assert state.mode is Mode.MANUAL
    assert state.passive_power == -1200
    assert state.passive_duration == 900
    assert state.periods[0] == ManualPeriod(
        slot=0,
        start=time(1, 0),
        end=time(6, 0),
        weekdays=Weekday.MON | Weekday.TUE | Weekday.WED | Weekday.THU | Weekday.FRI,
        power=-1500,
        enabled=True,
    )
    assert state.pending[0].end == time(7, 0)
    assert (state.dod, state.led, state.ble_advertising) == (70, False, True)
    assert state.as_dict() == STORED


@pytest.mark.parametrize(
    "data",
    [
        {"mode": "Turbo"},
        {"passive": {"power": "lots", "duration": None}},
        {"periods": {"0": {"start": "25:00", "end": "06:00"}}},
        {"periods": {"0": {**STORED["periods"]["0"], "weekdays": 300}}},
        {"periods": {"x": STORED["periods"]["0"]}},
        {"periods": {"1": {**STORED["periods"]["0"], "power": "high"}}},
        {"periods": ["0"], "pending": "0"},
        {"pending": {"0": {**STORED["pending"]["0"], "enabled": "yes"}}},
        {"dod": "88", "led": 1, "ble_advertising": "on"},
        {"passive": {"ends_at": "2026-11-21T12:00:00"}},  # no time zone
        {"passive": {"ends_at": "soon"}},
    ],
)
def test_malformed_storage_is_dropped(data: dict[str, Any]) -> None:
    """A hand-edited or corrupt file costs the bad values, never the set-up."""
    assert StoredState.from_dict(data) == StoredState()


@pytest.mark.usefixtures("init_integration")
async def test_blank_without_storage(mock_config_entry: MockConfigEntry) -> None:
    """A battery the integration never wrote to starts blank."""
    assert mock_config_entry.runtime_data.control.settings == StoredState()


async def test_loaded_at_setup_and_shown(
    hass: HomeAssistant, hass_storage: dict[str, Any], init_integration_factory: Any
) -> None:
    """Stored values are shown by the entities right after a (re)start."""
    hass_storage[KEY] = _storage(STORED)
    await init_integration_factory()
    assert hass.states.get("number.marstek_venus_passive_power").state == "-1200"
    assert hass.states.get("number.marstek_venus_passive_duration").state == "900"
    assert hass.states.get("number.marstek_venus_period_1_power").state == "-1500"
    assert hass.states.get("time.marstek_venus_period_1_start").state == "01:00:00"
    # The pending edit is what Home Assistant shows, and that it is pending.
    assert hass.states.get("time.marstek_venus_period_1_end").state == "07:00:00"
    assert hass.states.get("binary_sensor.marstek_venus_schedule_changes_pending").state == "on"
    assert hass.states.get("select.marstek_venus_period_1_days").state == "working_days"
    assert hass.states.get("switch.marstek_venus_period_1").state == "on"
    assert hass.states.get("number.marstek_venus_period_2_power").state == "unknown"
    assert hass.states.get("number.marstek_venus_depth_of_discharge").state == "70"
    assert hass.states.get("switch.marstek_venus_panel_led").state == "off"
    assert hass.states.get("switch.marstek_venus_bluetooth_advertising").state == "on"


async def test_saved_and_reloaded(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    init_integration_factory: Any,
    mock_client: MagicMock,
) -> None:
    """A confirmed write is saved at once and comes back after a reload."""
    entry = await init_integration_factory()
    await hass.services.async_call(
        NUMBER_DOMAIN,
        SERVICE_SET_VALUE,
        {ATTR_ENTITY_ID: "number.marstek_venus_passive_power", ATTR_VALUE: -700},
        blocking=True,
    )
    await hass.services.async_call(
        NUMBER_DOMAIN,
        SERVICE_SET_VALUE,
        {ATTR_ENTITY_ID: "number.marstek_venus_depth_of_discharge", ATTR_VALUE: 60},
        blocking=True,
    )
    mock_client.set_depth_of_discharge.assert_awaited_once_with(60)
    saved = hass_storage[KEY]["data"]
    assert saved["passive"] == {"power": -700, "duration": 3600, "ends_at": None}
    assert saved["dod"] == 60

    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    settings = entry.runtime_data.control.settings
    assert (settings.passive_power, settings.dod) == (-700, 60)
    assert hass.states.get("number.marstek_venus_depth_of_discharge").state == "60"


async def test_removed_with_the_entry(
    hass: HomeAssistant, hass_storage: dict[str, Any], init_integration_factory: Any
) -> None:
    """Removing the battery removes what the integration remembered about it."""
    hass_storage[KEY] = _storage(STORED)
    entry = await init_integration_factory()
    assert await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    assert KEY not in hass_storage


async def test_pending_edit_saved_and_reloaded(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    init_integration_factory: Any,
    mock_client: MagicMock,
) -> None:
    """An edit kept pending is saved at once: a restart neither loses nor sends it."""
    entry = await init_integration_factory()
    await hass.services.async_call(
        NUMBER_DOMAIN,
        SERVICE_SET_VALUE,
        {ATTR_ENTITY_ID: "number.marstek_venus_period_2_power", ATTR_VALUE: 400},
        blocking=True,
    )
    saved = hass_storage[KEY]["data"]
    assert saved["periods"] == {}
    assert saved["pending"]["1"]["power"] == 400

    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.runtime_data.control.settings.pending[1].power == 400
    assert hass.states.get("number.marstek_venus_period_2_power").state == "400"
    mock_client.set_manual_period.assert_not_awaited()
