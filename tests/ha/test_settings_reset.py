"""The "battery looks reset" repair: raised after an unwatched stretch, fixed by re-applying."""

from __future__ import annotations

from dataclasses import replace
from datetime import time
from typing import Any
from unittest.mock import MagicMock

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.repairs import repairs_flow_manager
from homeassistant.components.select import (
    ATTR_OPTION,
    DOMAIN as SELECT_DOMAIN,
    SERVICE_SELECT_OPTION,
)
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)

from custom_components.marstek_venus.const import DOMAIN, EVENT_MARSTEK
from custom_components.marstek_venus.pymarstek_venus.const import Mode
from custom_components.marstek_venus.pymarstek_venus.errors import (
    MarstekWriteError,
)
from custom_components.marstek_venus.pymarstek_venus.models import ManualPeriod

from .test_repairs import issue, silence, tick
from .test_store import KEY, STORED, _storage


async def test_reset_seen_at_start_up_and_fixed(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    init_integration_factory: Any,
    mock_client: MagicMock,
) -> None:
    """Stored Manual, battery in Auto at start-up: the fix flow writes everything back."""
    hass_storage[KEY] = _storage(STORED)
    entry = await init_integration_factory()
    found = issue(hass, "settings_reset")
    assert found is not None
    assert found.is_fixable is True
    assert found.translation_placeholders == {
        "name": "Marstek Venus",
        "reported": "Auto",
        "expected": "Manual",
    }

    assert await async_setup_component(hass, "repairs", {})
    manager = repairs_flow_manager(hass)
    assert manager is not None
    result = await manager.async_init(DOMAIN, data={"issue_id": found.issue_id})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "confirm"
    # The fix flow carries the issue's explanation (hassfest: description or fix_flow).
    assert result["description_placeholders"] == {
        "name": "Marstek Venus",
        "reported": "Auto",
        "expected": "Manual",
    }
    result = await manager.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY

    settings = entry.runtime_data.control.settings
    assert [call.args[0] for call in mock_client.set_manual_period.await_args_list] == [
        settings.periods[0],
        settings.periods[9],
    ]
    mock_client.set_depth_of_discharge.assert_awaited_once_with(70)
    mock_client.set_led.assert_awaited_once_with(False)
    mock_client.set_ble_advertising.assert_awaited_once_with(True)
    mock_client.set_mode.assert_not_awaited()  # writing the periods switched it to Manual
    assert issue(hass, "settings_reset") is None
    await hass.async_block_till_done()
    assert hass.states.get("select.marstek_venus_operating_mode").state == "manual"


@pytest.mark.usefixtures("init_integration")
async def test_reset_seen_after_an_outage(
    hass: HomeAssistant,
    mock_client: MagicMock,
    mock_config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Home Assistant set AI; after failed polls the battery says Auto: a reset issue.

    The issue goes away by itself when the battery reports AI again.
    """
    events = async_capture_events(hass, EVENT_MARSTEK)
    await hass.services.async_call(
        SELECT_DOMAIN,
        SERVICE_SELECT_OPTION,
        {ATTR_ENTITY_ID: "select.marstek_venus_operating_mode", ATTR_OPTION: "ai"},
        blocking=True,
    )
    await tick(hass, freezer)
    assert not events  # Home Assistant's own change

    silence(mock_client)
    await tick(hass, freezer)
    silence(mock_client, False)
    mock_client.get_mode.return_value = replace(
        mock_client.get_mode.return_value, mode=Mode.AUTO, raw_mode="Auto"
    )
    await tick(hass, freezer)
    found = issue(hass, "settings_reset")
    assert found is not None
    assert found.translation_placeholders["reported"] == "Auto"
    assert mock_config_entry.runtime_data.control.settings.mode is Mode.AI  # still the intended one
    assert [event.data["type"] for event in events] == ["mode_changed_outside"]

    mock_client.get_mode.return_value = replace(
        mock_client.get_mode.return_value, mode=Mode.AI, raw_mode="AI"
    )
    await tick(hass, freezer)
    assert issue(hass, "settings_reset") is None


@pytest.mark.usefixtures("init_integration")
async def test_no_reset_issue_without_an_intended_mode(
    hass: HomeAssistant, mock_client: MagicMock, freezer: FrozenDateTimeFactory
) -> None:
    """A battery Home Assistant never set a mode on cannot look reset."""
    silence(mock_client)
    await tick(hass, freezer)
    silence(mock_client, False)
    mock_client.get_mode.return_value = replace(
        mock_client.get_mode.return_value, mode=Mode.MANUAL, raw_mode="Manual"
    )
    await tick(hass, freezer)
    assert issue(hass, "settings_reset") is None


@pytest.mark.usefixtures("init_integration")
async def test_mode_change_outside_becomes_the_intended_mode(
    hass: HomeAssistant,
    mock_client: MagicMock,
    mock_config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    """A change seen while watching is the user's choice, so a later outage is no reset."""
    mock_client.get_mode.return_value = replace(
        mock_client.get_mode.return_value, mode=Mode.AI, raw_mode="AI"
    )
    await tick(hass, freezer)
    assert mock_config_entry.runtime_data.control.settings.mode is Mode.AI
    assert hass_storage[KEY]["data"]["mode"] == "AI"
    silence(mock_client)
    await tick(hass, freezer)
    silence(mock_client, False)
    await tick(hass, freezer)
    assert issue(hass, "settings_reset") is None


@pytest.mark.usefixtures("init_integration")
async def test_unconfirmed_write_that_took_effect(
    hass: HomeAssistant,
    mock_client: MagicMock,
    mock_config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A mode write that timed out but happened anyway is Home Assistant's, not "outside"."""
    events = async_capture_events(hass, EVENT_MARSTEK)
    mock_client.set_mode.side_effect = MarstekWriteError("not confirmed")
    with pytest.raises(Exception, match="did not confirm"):
        await hass.services.async_call(
            SELECT_DOMAIN,
            SERVICE_SELECT_OPTION,
            {ATTR_ENTITY_ID: "select.marstek_venus_operating_mode", ATTR_OPTION: "ups"},
            blocking=True,
        )
    assert mock_config_entry.runtime_data.control.settings.mode is None
    mock_client.get_mode.return_value = replace(
        mock_client.get_mode.return_value, mode=Mode.UPS, raw_mode="UPS"
    )
    await tick(hass, freezer)
    assert mock_config_entry.runtime_data.control.settings.mode is Mode.UPS
    assert not events


async def test_fix_flow_failure_and_unloaded(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    init_integration_factory: Any,
    mock_client: MagicMock,
) -> None:
    """A battery that refuses the writes aborts the flow (the issue stays); so does unloading."""
    hass_storage[KEY] = _storage({**STORED, "mode": "Passive", "periods": {}})
    entry = await init_integration_factory()
    found = issue(hass, "settings_reset")
    assert found is not None
    assert await async_setup_component(hass, "repairs", {})
    manager = repairs_flow_manager(hass)
    assert manager is not None

    mock_client.set_depth_of_discharge.side_effect = MarstekWriteError("set_result false")
    result = await manager.async_init(DOMAIN, data={"issue_id": found.issue_id})
    result = await manager.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reapply_failed"
    assert "did not confirm" in result["description_placeholders"]["error"]
    assert issue(hass, "settings_reset") is not None

    # Passive is restored with the stored power and duration.
    mock_client.set_depth_of_discharge.side_effect = None
    result = await manager.async_init(DOMAIN, data={"issue_id": found.issue_id})
    result = await manager.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert mock_client.set_passive.await_args.args[0].power == -1200

    ir.async_create_issue(
        hass,
        DOMAIN,
        found.issue_id,
        is_fixable=True,
        severity=ir.IssueSeverity.WARNING,
        translation_key="settings_reset",
        data={"entry_id": entry.entry_id},
    )
    assert await hass.config_entries.async_unload(entry.entry_id)
    result = await manager.async_init(DOMAIN, data={"issue_id": found.issue_id})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "not_loaded"


def test_unknown_period_slots_are_not_rewritten() -> None:
    """Stored slots beyond the model's range (a file from another model) are skipped."""
    from custom_components.marstek_venus.modes import switch_period
    from custom_components.marstek_venus.pymarstek_venus.profiles import profile_for

    mini = profile_for("VNSEM-0", 300)
    period = ManualPeriod(slot=8, start=time(0), end=time(0), enabled=False)
    assert switch_period(mini, {8: period}).slot == 5


@pytest.mark.usefixtures("init_integration")
async def test_mode_change_outside_to_passive(
    hass: HomeAssistant,
    mock_client: MagicMock,
    mock_config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Passive chosen in the app becomes the intended mode too."""
    mock_client.get_mode.return_value = replace(
        mock_client.get_mode.return_value, mode=Mode.PASSIVE, raw_mode="Passive"
    )
    await tick(hass, freezer)
    assert mock_config_entry.runtime_data.control.settings.mode is Mode.PASSIVE


@pytest.mark.parametrize("device_fixture", ["venus_e2_fw154"])
async def test_reapply_without_device_settings(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    init_integration_factory: Any,
    mock_client: MagicMock,
) -> None:
    """Firmware without the settings writes gets the schedule and the mode only."""
    hass_storage[KEY] = _storage({**STORED, "mode": "AI"})
    entry = await init_integration_factory()
    await entry.runtime_data.control.async_reapply()
    assert mock_client.set_manual_period.await_count == 2
    mock_client.set_depth_of_discharge.assert_not_awaited()
    mock_client.set_led.assert_not_awaited()
    mock_client.set_mode.assert_awaited_once_with(Mode.AI)


async def test_reapply_partial_settings(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    init_integration_factory: Any,
    mock_client: MagicMock,
) -> None:
    """Only the settings Home Assistant wrote are written back."""
    hass_storage[KEY] = _storage(
        {"mode": None, "periods": {}, "dod": None, "led": True, "ble_advertising": None}
    )
    entry = await init_integration_factory()
    await entry.runtime_data.control.async_reapply()
    mock_client.set_led.assert_awaited_once_with(True)
    mock_client.set_depth_of_discharge.assert_not_awaited()
    mock_client.set_ble_advertising.assert_not_awaited()
    mock_client.set_mode.assert_not_awaited()
