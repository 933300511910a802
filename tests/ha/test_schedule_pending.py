"""Pending schedule edits (issue 9, item 8), with the mock client.

Editing a period entity never switches the battery to Manual: outside Manual, and for disabled
periods, the edit is kept pending. Choosing Manual, pressing Apply schedule or a schedule action
writes what is pending, each period verified; a failed write keeps it pending. The simulated
battery's side of the same story is in test_schedule_simulated.py.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import time
from typing import Any
from unittest.mock import MagicMock

import pytest
from homeassistant.components.button import DOMAIN as BUTTON_DOMAIN, SERVICE_PRESS
from homeassistant.components.select import (
    ATTR_OPTION,
    DOMAIN as SELECT_DOMAIN,
    SERVICE_SELECT_OPTION,
)
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.marstek_venus.const import DOMAIN
from custom_components.marstek_venus.pymarstek_venus.const import Mode
from custom_components.marstek_venus.pymarstek_venus.errors import MarstekTimeoutError
from custom_components.marstek_venus.pymarstek_venus.models import ManualPeriod, Weekday

from .conftest import report_mode

ENTITY_ID = "select.marstek_venus_operating_mode"
DAYS = "select.marstek_venus_period_1_days"
TARGET = {"config_entry_id": "01JMARSTEKVENUS0000000000"}
P1 = {"period": 1, "start": "01:00", "end": "06:00", "power": -1000}
WRITES = ("set_mode", "set_passive", "set_manual_period")


async def _select(hass: HomeAssistant, option: str) -> None:
    await hass.services.async_call(
        SELECT_DOMAIN,
        SERVICE_SELECT_OPTION,
        {ATTR_ENTITY_ID: ENTITY_ID, ATTR_OPTION: option},
        blocking=True,
    )


async def call(hass: HomeAssistant, service: str, data: dict[str, Any]) -> None:
    """Call one of our actions, blocking."""
    await hass.services.async_call(DOMAIN, service, data, blocking=True)


def assert_nothing_sent(client: MagicMock) -> None:
    """No write method was used."""
    for name in WRITES:
        getattr(client, name).assert_not_awaited()


PENDING = "binary_sensor.marstek_venus_schedule_changes_pending"


@pytest.mark.usefixtures("init_integration")
async def test_select_manual_writes_pending_edits(
    hass: HomeAssistant, mock_client: MagicMock, mock_config_entry: MockConfigEntry
) -> None:
    """Choosing Manual writes every pending edit, each verified, in slot order, and no other."""
    settings = mock_config_entry.runtime_data.control.settings
    written = ManualPeriod(slot=0, start=time(1, 0), end=time(5, 0), power=-500)
    settings.periods = {0: written, 9: ManualPeriod(slot=9, start=time(0), end=time(0))}
    edits = {
        3: ManualPeriod(slot=3, start=time(7), end=time(8), power=100, enabled=False),
        0: replace(written, power=-900),
    }
    settings.pending = dict(edits)
    mock_config_entry.runtime_data.async_update_listeners()
    assert hass.states.get(PENDING).state == "on"
    await _select(hass, "manual")
    assert [call.args[0] for call in mock_client.set_manual_period.await_args_list] == [
        edits[0],
        edits[3],
    ]
    assert settings.pending == {}
    assert settings.periods[0] == edits[0]
    assert settings.periods[3] == edits[3]
    assert settings.mode is Mode.MANUAL
    await hass.async_block_till_done()
    assert hass.states.get(PENDING).state == "off"
    assert hass.states.get(ENTITY_ID).state == "manual"


@pytest.mark.usefixtures("init_integration")
async def test_select_manual_failure_keeps_the_rest_pending(
    hass: HomeAssistant, mock_client: MagicMock, mock_config_entry: MockConfigEntry
) -> None:
    """A write that fails is reported; it and what follows stay pending, for the next try."""
    settings = mock_config_entry.runtime_data.control.settings
    first = ManualPeriod(slot=0, start=time(1, 0), end=time(5, 0), power=-500)
    second = ManualPeriod(slot=1, start=time(7, 0), end=time(8, 0), power=200)
    settings.pending = {0: first, 1: second}
    follow = mock_client.set_manual_period.side_effect

    async def set_manual_period(period: ManualPeriod) -> None:
        if period.slot == 1:
            raise MarstekTimeoutError("no reply")
        await follow(period)

    mock_client.set_manual_period.side_effect = set_manual_period
    with pytest.raises(HomeAssistantError, match="Period 2 was not written to the battery"):
        await _select(hass, "manual")
    assert settings.periods == {0: first}
    assert settings.pending == {1: second}
    await hass.async_block_till_done()
    assert hass.states.get(PENDING).state == "on"

    mock_client.set_manual_period.side_effect = follow
    await hass.services.async_call(
        BUTTON_DOMAIN,
        SERVICE_PRESS,
        {ATTR_ENTITY_ID: "button.marstek_venus_apply_schedule"},
        blocking=True,
    )
    mock_client.set_manual_period.assert_awaited_with(second)
    assert settings.pending == {}
    assert settings.periods == {0: first, 1: second}


@pytest.mark.usefixtures("init_integration")
async def test_select_manual_refused_for_a_pending_edit_beyond_the_limit(
    hass: HomeAssistant, mock_client: MagicMock, mock_config_entry: MockConfigEntry
) -> None:
    """A pending edit the battery may no longer take is reported before anything is sent."""
    settings = mock_config_entry.runtime_data.control.settings
    settings.pending = {0: ManualPeriod(slot=0, start=time(1, 0), end=time(5, 0), power=9000)}
    with pytest.raises(ServiceValidationError, match="9000 W"):
        await _select(hass, "manual")
    mock_client.set_manual_period.assert_not_awaited()
    assert hass.states.get(ENTITY_ID).state == "auto"


@pytest.mark.usefixtures("init_integration")
async def test_edit_kept_when_the_battery_left_manual(
    hass: HomeAssistant, mock_client: MagicMock, mock_config_entry: MockConfigEntry
) -> None:
    """Right before a write the mode is read again: left Manual meanwhile, nothing is written."""
    settings = mock_config_entry.runtime_data.control.settings
    settings.periods[0] = ManualPeriod(slot=0, start=time(1, 0), end=time(6, 0))
    await report_mode(mock_config_entry, mock_client, Mode.MANUAL)
    # Switched to Auto in the app since the last poll.
    mock_client.get_mode.return_value = replace(
        mock_client.get_mode.return_value, mode=Mode.AUTO, raw_mode="Auto"
    )
    await hass.services.async_call(
        SELECT_DOMAIN,
        SERVICE_SELECT_OPTION,
        {ATTR_ENTITY_ID: DAYS, ATTR_OPTION: "weekend"},
        blocking=True,
    )
    mock_client.set_manual_period.assert_not_awaited()
    mock_client.set_mode.assert_not_awaited()
    assert settings.pending[0].weekdays == Weekday.SAT | Weekday.SUN
    await hass.async_block_till_done()
    assert hass.states.get(PENDING).state == "on"


@pytest.mark.usefixtures("init_integration")
async def test_action_writes_pending_edits_too(
    hass: HomeAssistant, mock_client: MagicMock, mock_config_entry: MockConfigEntry
) -> None:
    """The action switches to Manual, so what is pending is written with it, in slot order."""
    settings = mock_config_entry.runtime_data.control.settings
    edit = ManualPeriod(slot=2, start=time(17), end=time(21), power=600)
    settings.pending[2] = edit
    await call(hass, "set_manual_schedule", {**TARGET, **P1, "period": 5})
    written = [call.args[0] for call in mock_client.set_manual_period.await_args_list]
    assert [period.slot for period in written] == [2, 4]
    assert written[0] == edit
    assert settings.pending == {}
    assert set(settings.periods) == {2, 4}


@pytest.mark.usefixtures("init_integration")
async def test_action_refused_for_a_pending_edit_beyond_the_limit(
    hass: HomeAssistant, mock_client: MagicMock, mock_config_entry: MockConfigEntry
) -> None:
    """A pending edit the battery may no longer take stops the action before anything is sent."""
    settings = mock_config_entry.runtime_data.control.settings
    stale = ManualPeriod(slot=2, start=time(17), end=time(21), power=9000)
    settings.pending[2] = stale
    with pytest.raises(ServiceValidationError, match="9000 W"):
        await call(hass, "set_manual_schedule", {**TARGET, **P1})
    assert_nothing_sent(mock_client)
    assert settings.pending == {2: stale}
    assert settings.periods == {}
