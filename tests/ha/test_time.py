"""Time entities: start and end of each schedule period."""

from __future__ import annotations

from datetime import time
from typing import Any
from unittest.mock import MagicMock

import pytest
from homeassistant.components.time import (
    ATTR_TIME,
    DOMAIN as TIME_DOMAIN,
    SERVICE_SET_VALUE,
)
from homeassistant.const import ATTR_ENTITY_ID, Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import device_registry as dr, entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry
from syrupy.assertion import SnapshotAssertion

from custom_components.marstek_venus.pymarstek_venus.const import Mode
from custom_components.marstek_venus.pymarstek_venus.models import ManualPeriod

from .conftest import report_mode, snapshot_entities

START = "time.marstek_venus_period_1_start"
END = "time.marstek_venus_period_1_end"


async def set_time(hass: HomeAssistant, entity_id: str, value: Any) -> None:
    """time.set_value, blocking."""
    await hass.services.async_call(
        TIME_DOMAIN, SERVICE_SET_VALUE, {ATTR_ENTITY_ID: entity_id, ATTR_TIME: value}, blocking=True
    )


@pytest.mark.parametrize("platforms", [[Platform.TIME]])
@pytest.mark.usefixtures("entity_registry_enabled_by_default", "init_integration")
async def test_times(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    device_registry: dr.DeviceRegistry,
    snapshot: SnapshotAssertion,
    mock_config_entry: MockConfigEntry,
) -> None:
    """Start and end of ten periods, unknown until written, assumed state."""
    await snapshot_entities(
        hass, entity_registry, device_registry, snapshot, mock_config_entry.entry_id
    )


@pytest.mark.usefixtures("init_integration")
async def test_set_start_and_end(
    hass: HomeAssistant, mock_client: MagicMock, mock_config_entry: MockConfigEntry
) -> None:
    """In Manual, each edit of an enabled period writes it whole, the other fields as stored."""
    settings = mock_config_entry.runtime_data.control.settings
    settings.periods[0] = ManualPeriod(
        slot=0, start=time(8, 0), end=time(10, 0), power=800, enabled=True
    )
    await report_mode(mock_config_entry, mock_client, Mode.MANUAL)
    # End first, so that the window stays valid while it moves later.
    await set_time(hass, END, "14:00:00")
    await set_time(hass, START, "12:30")
    assert [call.args[0] for call in mock_client.set_manual_period.await_args_list] == [
        ManualPeriod(slot=0, start=time(8, 0), end=time(14, 0), power=800, enabled=True),
        ManualPeriod(slot=0, start=time(12, 30), end=time(14, 0), power=800, enabled=True),
    ]
    await hass.async_block_till_done()
    assert hass.states.get(START).state == "12:30:00"
    assert hass.states.get(END).state == "14:00:00"
    assert settings.pending == {}


@pytest.mark.parametrize("mode", [Mode.AUTO, Mode.AI, Mode.PASSIVE, Mode.UPS])
@pytest.mark.usefixtures("init_integration")
async def test_edits_outside_manual_are_kept_pending(
    hass: HomeAssistant, mock_client: MagicMock, mock_config_entry: MockConfigEntry, mode: Mode
) -> None:
    """Outside Manual an edit is stored and shown, and the battery hears nothing at all."""
    settings = mock_config_entry.runtime_data.control.settings
    written = ManualPeriod(slot=0, start=time(8, 0), end=time(10, 0), power=800, enabled=True)
    settings.periods[0] = written
    await report_mode(mock_config_entry, mock_client, mode)
    reads = mock_client.get_mode.await_count
    await set_time(hass, END, "14:00:00")
    for write in ("set_manual_period", "set_mode", "set_passive"):
        getattr(mock_client, write).assert_not_awaited()
    assert mock_client.get_mode.await_count == reads  # not even a read
    assert settings.periods[0] == written
    assert settings.pending == {0: ManualPeriod(slot=0, start=time(8), end=time(14), power=800)}
    await hass.async_block_till_done()
    assert hass.states.get(END).state == "14:00:00"
    assert hass.states.get("binary_sensor.marstek_venus_schedule_changes_pending").state == "on"

    # Back to what the battery has: nothing is pending any more.
    await set_time(hass, END, "10:00:00")
    assert settings.pending == {}


@pytest.mark.parametrize(
    ("entity_id", "value", "message"),
    [
        (START, "12:00:00", "Period 1 must end after it starts \\(12:00-10:00\\)"),
        (END, "08:00:00", "Period 1 must end after it starts \\(08:00-08:00\\)"),
        (END, "09:30:15", "is not a time in whole minutes"),
    ],
)
@pytest.mark.usefixtures("init_integration")
async def test_invalid_times_send_nothing(
    hass: HomeAssistant,
    mock_client: MagicMock,
    mock_config_entry: MockConfigEntry,
    entity_id: str,
    value: str,
    message: str,
) -> None:
    """An enabled period must end after it starts; times are whole minutes."""
    settings = mock_config_entry.runtime_data.control.settings
    period = ManualPeriod(slot=0, start=time(8, 0), end=time(10, 0), power=800, enabled=True)
    settings.periods[0] = period
    with pytest.raises(ServiceValidationError, match=message):
        await set_time(hass, entity_id, value)
    mock_client.set_manual_period.assert_not_awaited()
    assert settings.periods[0] == period
    assert settings.pending == {}


@pytest.mark.usefixtures("init_integration")
async def test_disabled_period_may_hold_any_window(
    hass: HomeAssistant, mock_client: MagicMock, mock_config_entry: MockConfigEntry
) -> None:
    """A disabled period never runs: its times are not checked against each other, and the
    edit stays in Home Assistant, even in Manual."""
    await report_mode(mock_config_entry, mock_client, Mode.MANUAL)
    await set_time(hass, START, "22:00:00")
    mock_client.set_manual_period.assert_not_awaited()
    period = mock_config_entry.runtime_data.control.settings.pending[0]
    assert (period.start, period.end, period.enabled) == (time(22, 0), time(0, 0), False)
    await hass.async_block_till_done()
    assert hass.states.get(START).state == "22:00:00"
