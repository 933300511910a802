"""The operating-mode select."""

from __future__ import annotations

from dataclasses import replace
from datetime import time
from unittest.mock import ANY, MagicMock

import pytest
from homeassistant.components.select import (
    ATTR_OPTION,
    ATTR_OPTIONS,
    DOMAIN as SELECT_DOMAIN,
    SERVICE_SELECT_OPTION,
)
from homeassistant.const import ATTR_ENTITY_ID, Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr, entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry
from syrupy.assertion import SnapshotAssertion

from custom_components.marstek_venus.pymarstek_venus.const import Mode
from custom_components.marstek_venus.pymarstek_venus.errors import (
    MarstekMethodNotSupportedError,
    MarstekTimeoutError,
    MarstekValidationError,
    MarstekWriteError,
)
from custom_components.marstek_venus.pymarstek_venus.models import (
    ManualPeriod,
    PassiveConfig,
    Weekday,
)

from .conftest import DEVICES, report_mode, snapshot_entities

ENTITY_ID = "select.marstek_venus_operating_mode"


@pytest.mark.parametrize("device_fixture", DEVICES)
@pytest.mark.parametrize("platforms", [[Platform.SELECT]])
@pytest.mark.usefixtures("entity_registry_enabled_by_default", "init_integration")
async def test_select(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    device_registry: dr.DeviceRegistry,
    snapshot: SnapshotAssertion,
    mock_config_entry: MockConfigEntry,
) -> None:
    """The mode select and its options per profile (UPS only where the firmware takes it),
    and the day-set select of every schedule period."""
    await snapshot_entities(
        hass, entity_registry, device_registry, snapshot, mock_config_entry.entry_id
    )


async def _select(hass: HomeAssistant, option: str) -> None:
    await hass.services.async_call(
        SELECT_DOMAIN,
        SERVICE_SELECT_OPTION,
        {ATTR_ENTITY_ID: ENTITY_ID, ATTR_OPTION: option},
        blocking=True,
    )


@pytest.mark.parametrize(
    ("option", "mode"), [("ai", Mode.AI), ("ups", Mode.UPS), ("auto", Mode.AUTO)]
)
@pytest.mark.usefixtures("init_integration")
async def test_select_plain_modes(
    hass: HomeAssistant, mock_client: MagicMock, option: str, mode: Mode
) -> None:
    """Modes without parameters go through set_mode, then the battery is read again."""
    polls = mock_client.get_mode.await_count
    await _select(hass, option)
    mock_client.set_mode.assert_awaited_once_with(mode)
    assert mock_client.get_mode.await_count == polls + 1


@pytest.mark.usefixtures("init_integration")
async def test_select_passive(
    hass: HomeAssistant, mock_client: MagicMock, mock_config_entry: MockConfigEntry
) -> None:
    """Passive sends the power and duration the integration keeps."""
    battery = mock_config_entry.runtime_data.data.battery
    await _select(hass, "passive")
    mock_client.set_passive.assert_awaited_once_with(
        PassiveConfig(power=0, duration=3600), confirm=True, battery=battery, on_sent=ANY
    )
    settings = mock_config_entry.runtime_data.control.settings
    settings.passive_power = -800
    settings.passive_duration = 600
    await _select(hass, "passive")
    mock_client.set_passive.assert_awaited_with(
        PassiveConfig(power=-800, duration=600), confirm=True, battery=battery, on_sent=ANY
    )
    assert settings.mode is Mode.PASSIVE
    await hass.async_block_till_done()
    assert hass.states.get(ENTITY_ID).state == "passive"


@pytest.mark.usefixtures("init_integration")
async def test_select_manual_placeholder(
    hass: HomeAssistant, mock_client: MagicMock, mock_config_entry: MockConfigEntry
) -> None:
    """Without periods of its own the integration writes a disabled slot in its own slot 9.

    The placeholder is then remembered like any period, so the next switch rewrites it.
    """
    await _select(hass, "manual")
    mock_client.set_manual_period.assert_awaited_once()
    period: ManualPeriod = mock_client.set_manual_period.await_args.args[0]
    assert period.slot == 9
    assert period.enabled is False
    assert period.weekdays == Weekday(0)
    assert period.power == 0
    mock_client.set_mode.assert_not_awaited()
    settings = mock_config_entry.runtime_data.control.settings
    assert settings.periods == {9: period}
    assert settings.mode is Mode.MANUAL

    await _select(hass, "manual")
    assert mock_client.set_manual_period.await_args.args[0] == period


@pytest.mark.parametrize(
    ("stored", "written"),
    [
        # The reserved slot first, whatever it holds.
        ({0: (True, 1), 9: (True, 10)}, 9),
        # Else a disabled period: rewriting it cannot start anything.
        ({0: (True, 1), 4: (False, 5)}, 4),
        # Else the lowest period the integration wrote.
        ({3: (True, 4), 1: (True, 2)}, 1),
    ],
)
@pytest.mark.usefixtures("init_integration")
async def test_select_manual_rewrites_a_known_period(
    hass: HomeAssistant,
    mock_client: MagicMock,
    mock_config_entry: MockConfigEntry,
    stored: dict[int, tuple[bool, int]],
    written: int,
) -> None:
    """Switching to manual rewrites one period the integration wrote, unchanged."""
    periods = {
        slot: ManualPeriod(
            slot=slot, start=time(1, 0), end=time(5, 0), power=-power * 100, enabled=enabled
        )
        for slot, (enabled, power) in stored.items()
    }
    settings = mock_config_entry.runtime_data.control.settings
    settings.periods = dict(periods)
    await _select(hass, "manual")
    mock_client.set_manual_period.assert_awaited_once_with(periods[written])
    assert settings.periods == periods


@pytest.mark.parametrize(
    ("side_effect", "error", "message"),
    [
        (
            MarstekWriteError("not confirmed"),
            HomeAssistantError,
            "The battery did not confirm the change: not confirmed",
        ),
        (
            MarstekTimeoutError("no reply"),
            HomeAssistantError,
            "An error occurred while communicating with the Marstek battery: no reply",
        ),
        (
            MarstekMethodNotSupportedError("ES.SetMode", -32601, "Method not found"),
            HomeAssistantError,
            "The battery's firmware does not support this",
        ),
        (
            MarstekValidationError("power out of range"),
            ServiceValidationError,
            "The battery cannot take this value: power out of range",
        ),
    ],
)
@pytest.mark.usefixtures("init_integration")
async def test_select_errors(
    hass: HomeAssistant,
    mock_client: MagicMock,
    side_effect: Exception,
    error: type[Exception],
    message: str,
) -> None:
    """A write the battery does not confirm raises a translated error."""
    mock_client.set_mode.side_effect = side_effect
    with pytest.raises(error, match=message):
        await _select(hass, "ai")
    # The mode shown is still what the battery reports.
    assert hass.states.get(ENTITY_ID).state == "auto"


@pytest.mark.parametrize("device_fixture", ["venus_e2_fw154"])
@pytest.mark.usefixtures("init_integration")
async def test_ups_hidden(hass: HomeAssistant) -> None:
    """The HMG-50 firmware has no UPS mode, so the select does not offer it."""
    state = hass.states.get(ENTITY_ID)
    assert state.attributes[ATTR_OPTIONS] == ["auto", "ai", "manual", "passive"]
    assert state.state == "manual"


@pytest.mark.parametrize("device_fixture", ["venus_a_fw149"])
@pytest.mark.usefixtures("init_integration")
async def test_ups_offered_on_venus_a_149(hass: HomeAssistant, mock_client: MagicMock) -> None:
    """Venus A fw 149 takes UPS (protocol doc: accepted from 147), so the select offers it."""
    assert "ups" in hass.states.get(ENTITY_ID).attributes[ATTR_OPTIONS]
    await hass.services.async_call(
        SELECT_DOMAIN,
        SERVICE_SELECT_OPTION,
        {ATTR_ENTITY_ID: ENTITY_ID, ATTR_OPTION: "ups"},
        blocking=True,
    )
    mock_client.set_mode.assert_awaited_once_with(Mode.UPS)


@pytest.mark.usefixtures("init_integration")
async def test_unknown_mode(
    hass: HomeAssistant, mock_client: MagicMock, mock_config_entry: MockConfigEntry
) -> None:
    """A mode the integration does not know shows as unknown."""
    mock_client.get_mode.return_value = replace(
        mock_client.get_mode.return_value, mode=None, raw_mode="Eco"
    )
    await mock_config_entry.runtime_data.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get(ENTITY_ID).state == "unknown"


DAYS = "select.marstek_venus_period_1_days"


@pytest.mark.parametrize(
    ("option", "weekdays"),
    [
        ("every_day", Weekday(127)),
        ("working_days", Weekday(31)),
        ("weekend", Weekday.SAT | Weekday.SUN),
        ("wednesday", Weekday.WED),
        ("none", Weekday(0)),
    ],
)
@pytest.mark.usefixtures("init_integration")
async def test_period_days(
    hass: HomeAssistant,
    mock_client: MagicMock,
    mock_config_entry: MockConfigEntry,
    option: str,
    weekdays: Weekday,
) -> None:
    """A day set of a disabled period is stored, shown and left pending: nothing is sent."""
    settings = mock_config_entry.runtime_data.control.settings
    written = ManualPeriod(
        slot=0, start=time(1, 0), end=time(6, 0), weekdays=Weekday.MON, enabled=False
    )
    settings.periods[0] = written
    await report_mode(mock_config_entry, mock_client, Mode.MANUAL)
    await hass.services.async_call(
        SELECT_DOMAIN,
        SERVICE_SELECT_OPTION,
        {ATTR_ENTITY_ID: DAYS, ATTR_OPTION: option},
        blocking=True,
    )
    mock_client.set_manual_period.assert_not_awaited()
    assert settings.pending[0].weekdays == weekdays
    assert settings.periods[0] == written
    await hass.async_block_till_done()
    assert hass.states.get(DAYS).state == option


@pytest.mark.usefixtures("init_integration")
async def test_period_days_written_in_manual(
    hass: HomeAssistant, mock_client: MagicMock, mock_config_entry: MockConfigEntry
) -> None:
    """The days of an enabled period are written at once while the battery runs Manual."""
    settings = mock_config_entry.runtime_data.control.settings
    settings.periods[0] = ManualPeriod(slot=0, start=time(1, 0), end=time(6, 0))
    await report_mode(mock_config_entry, mock_client, Mode.MANUAL)
    await hass.services.async_call(
        SELECT_DOMAIN,
        SERVICE_SELECT_OPTION,
        {ATTR_ENTITY_ID: DAYS, ATTR_OPTION: "weekend"},
        blocking=True,
    )
    mock_client.set_manual_period.assert_awaited_once_with(
        ManualPeriod(slot=0, start=time(1, 0), end=time(6, 0), weekdays=Weekday.SAT | Weekday.SUN)
    )
    assert settings.pending == {}


@pytest.mark.usefixtures("init_integration")
async def test_period_days_custom(
    hass: HomeAssistant, mock_client: MagicMock, mock_config_entry: MockConfigEntry
) -> None:
    """Other sets show as "custom", which cannot be chosen (the action writes them)."""
    mock_config_entry.runtime_data.control.settings.periods[0] = ManualPeriod(
        slot=0, start=time(1, 0), end=time(6, 0), weekdays=Weekday.MON | Weekday.WED
    )
    mock_config_entry.runtime_data.async_update_listeners()
    assert hass.states.get(DAYS).state == "custom"
    with pytest.raises(ServiceValidationError, match="Set manual schedule action"):
        await hass.services.async_call(
            SELECT_DOMAIN,
            SERVICE_SELECT_OPTION,
            {ATTR_ENTITY_ID: DAYS, ATTR_OPTION: "custom"},
            blocking=True,
        )
    mock_client.set_manual_period.assert_not_awaited()


@pytest.mark.usefixtures("init_integration")
async def test_period_days_enabled_needs_a_day(
    hass: HomeAssistant, mock_client: MagicMock, mock_config_entry: MockConfigEntry
) -> None:
    """An enabled period cannot be given no days."""
    mock_config_entry.runtime_data.control.settings.periods[0] = ManualPeriod(
        slot=0, start=time(1, 0), end=time(6, 0)
    )
    with pytest.raises(ServiceValidationError, match="has no weekdays"):
        await hass.services.async_call(
            SELECT_DOMAIN,
            SERVICE_SELECT_OPTION,
            {ATTR_ENTITY_ID: DAYS, ATTR_OPTION: "none"},
            blocking=True,
        )
    mock_client.set_manual_period.assert_not_awaited()
