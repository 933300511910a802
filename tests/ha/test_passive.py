"""Passive mode: the apply button, and how the library's confirmation reaches the user.

Whether the battery follows (ES.GetMode read back, one resend, the BMS shortcut) is the
library's ``set_passive(confirm=True)``, tested in tests/protocol. Here the mock client plays
its outcome: followed, or MarstekPassiveNotFollowedError.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any
from unittest.mock import ANY, MagicMock

import pytest
from homeassistant.components.button import DOMAIN as BUTTON_DOMAIN, SERVICE_PRESS
from homeassistant.const import ATTR_ENTITY_ID, Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr, entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry
from syrupy.assertion import SnapshotAssertion

from custom_components.marstek_venus.pymarstek_venus import (
    MarstekPassiveNotFollowedError,
    Mode,
    PassiveConfig,
)

from .conftest import snapshot_entities

BUTTON = "button.marstek_venus_apply_passive_mode"
MODE = "select.marstek_venus_operating_mode"


async def press(hass: HomeAssistant) -> None:
    """Press the apply-passive button."""
    await hass.services.async_call(
        BUTTON_DOMAIN, SERVICE_PRESS, {ATTR_ENTITY_ID: BUTTON}, blocking=True
    )


def not_followed(client: MagicMock, actual: float | None) -> None:
    """The battery takes passive mode, but its power stays at ``actual`` (also on a resend)."""

    async def set_passive(
        config: PassiveConfig, *, on_sent: Callable[[], None] | None = None, **_: Any
    ) -> None:
        client.get_mode.return_value = replace(
            client.get_mode.return_value, mode=Mode.PASSIVE, raw_mode="Passive"
        )
        if on_sent is not None:
            on_sent()  # it took the command (twice: the library resends once)
        raise MarstekPassiveNotFollowedError(config.power, actual)

    client.set_passive.side_effect = set_passive


@pytest.mark.parametrize("platforms", [[Platform.BUTTON]])
@pytest.mark.usefixtures("init_integration")
async def test_button(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    device_registry: dr.DeviceRegistry,
    snapshot: SnapshotAssertion,
    mock_config_entry: MockConfigEntry,
) -> None:
    """One button."""
    await snapshot_entities(
        hass, entity_registry, device_registry, snapshot, mock_config_entry.entry_id
    )


@pytest.mark.usefixtures("init_integration")
async def test_press_sends_the_current_values(
    hass: HomeAssistant, mock_client: MagicMock, mock_config_entry: MockConfigEntry
) -> None:
    """The button sends the numbers' values, asking the library to confirm the power."""
    coordinator = mock_config_entry.runtime_data
    settings = coordinator.control.settings
    settings.passive_power = -1500
    settings.passive_duration = 1800
    await press(hass)
    mock_client.set_passive.assert_awaited_once_with(
        PassiveConfig(power=-1500, duration=1800),
        confirm=True,
        battery=coordinator.data.battery,
        on_sent=ANY,
    )
    assert settings.mode is Mode.PASSIVE
    passive = coordinator.control.passive
    assert passive.ends_at is not None
    assert passive.keep_alive_at is None  # the option is off
    await hass.async_block_till_done()
    assert hass.states.get(MODE).state == "passive"


@pytest.mark.usefixtures("init_integration")
async def test_not_followed_is_an_error(
    hass: HomeAssistant, mock_client: MagicMock, mock_config_entry: MockConfigEntry
) -> None:
    """Power that does not move, even after the library's resend: a translated error."""
    not_followed(mock_client, 300.0)
    mock_config_entry.runtime_data.control.settings.passive_power = 1000
    with pytest.raises(
        HomeAssistantError,
        match="delivers 300 W instead of the requested 1000 W, also after the command was sent "
        "a second time",
    ):
        await press(hass)
    mock_client.set_passive.assert_awaited_once()


@pytest.mark.usefixtures("init_integration")
async def test_not_followed_without_a_reading(
    hass: HomeAssistant, mock_client: MagicMock, mock_config_entry: MockConfigEntry
) -> None:
    """No AC power was ever read back: the error says "?"."""
    not_followed(mock_client, None)
    with pytest.raises(HomeAssistantError, match=r"delivers \? W instead of the requested 0 W"):
        await press(hass)
    assert mock_config_entry.runtime_data.control.passive.last_ac_power is None


@pytest.mark.parametrize(
    ("battery_changes", "power"),
    [
        ({"soc": 100}, -1000),
        ({"charge_allowed": False}, -1000),
        ({"discharge_allowed": False}, 1000),
    ],
)
@pytest.mark.usefixtures("init_integration")
async def test_bms_limits_reach_the_library(
    hass: HomeAssistant,
    mock_client: MagicMock,
    mock_config_entry: MockConfigEntry,
    battery_changes: dict[str, Any],
    power: int,
) -> None:
    """A full battery cannot charge (nor an empty one discharge): the library is told so."""
    coordinator = mock_config_entry.runtime_data
    battery = replace(coordinator.data.battery, **battery_changes)
    coordinator.data = replace(coordinator.data, battery=battery)
    coordinator.control.settings.passive_power = power
    await press(hass)
    mock_client.set_passive.assert_awaited_once_with(
        PassiveConfig(power=power, duration=3600), confirm=True, battery=battery, on_sent=ANY
    )


@pytest.mark.usefixtures("init_integration")
async def test_part_of_the_power_is_not_confirmed(
    hass: HomeAssistant, mock_client: MagicMock, mock_config_entry: MockConfigEntry
) -> None:
    """A battery that moves toward the target but stops short (its limit) is not confirmed.

    Before issue 9 this counted as "moved toward": 1200 W for 2000 W asked passed silently.
    """
    not_followed(mock_client, 1200.0)
    mock_config_entry.runtime_data.control.settings.passive_power = 2000
    with pytest.raises(HomeAssistantError, match="delivers 1200 W instead of the requested 2000 W"):
        await press(hass)
    passive = mock_config_entry.runtime_data.control.passive
    assert passive.last_ac_power == 1200.0
    # It took the command: its countdown runs, and Home Assistant follows it.
    assert passive.ends_at is not None


@pytest.mark.usefixtures("init_integration")
async def test_confirmation_without_earlier_readings(
    hass: HomeAssistant, mock_client: MagicMock, mock_config_entry: MockConfigEntry
) -> None:
    """No AC power and no battery status known yet: no BMS shortcut for the library."""
    coordinator = mock_config_entry.runtime_data
    coordinator.data = replace(
        coordinator.data, battery=None, mode=replace(coordinator.data.mode, ac_power=None)
    )
    coordinator.control.settings.passive_power = -600
    await press(hass)
    mock_client.set_passive.assert_awaited_once_with(
        PassiveConfig(power=-600, duration=3600), confirm=True, battery=None, on_sent=ANY
    )
