"""Passive mode's countdown and keep-alive: timers, retries, and restarts."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any
from unittest.mock import ANY, MagicMock

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.select import (
    ATTR_OPTION,
    DOMAIN as SELECT_DOMAIN,
    SERVICE_SELECT_OPTION,
)
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
)

from custom_components.marstek_venus.const import (
    CONF_PASSIVE_KEEP_ALIVE,
    EVENT_MARSTEK,
    KEEP_ALIVE_RETRY,
)
from custom_components.marstek_venus.passive import keep_alive_lead
from custom_components.marstek_venus.pymarstek_venus import (
    MarstekTimeoutError,
    Mode,
    PassiveConfig,
)

from .conftest import START_TIME
from .test_passive import MODE, not_followed, press
from .test_store import KEY, _storage

SENT = {"confirm": True, "battery": None}


async def tick(hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float) -> None:
    """Move the frozen clock and run what became due."""
    freezer.tick(timedelta(seconds=seconds))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()


@pytest.fixture
async def keep_alive_entry(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_client: MagicMock,
    freezer: FrozenDateTimeFactory,
) -> MockConfigEntry:
    """The battery set up with the keep-alive option and a 600 s passive duration."""
    freezer.move_to(START_TIME)
    mock_config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        mock_config_entry, options={CONF_PASSIVE_KEEP_ALIVE: True}
    )
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    mock_config_entry.runtime_data.control.settings.passive_duration = 600
    return mock_config_entry


@pytest.mark.parametrize(
    ("duration", "lead"), [(3600, 120), (600, 60), (60, 10), (10, 5), (86400, 120)]
)
def test_keep_alive_lead(duration: int, lead: float) -> None:
    """10 % of the duration, 10 to 120 s, never more than half of it."""
    assert keep_alive_lead(duration) == lead


async def test_keep_alive_timing(
    hass: HomeAssistant,
    keep_alive_entry: MockConfigEntry,
    mock_client: MagicMock,
    freezer: FrozenDateTimeFactory,
) -> None:
    """With the option, passive is re-sent 60 s before a 600 s countdown ends, every time."""
    events = async_capture_events(hass, EVENT_MARSTEK)
    await press(hass)
    assert mock_client.set_passive.await_count == 1
    passive = keep_alive_entry.runtime_data.control.passive
    assert passive.keep_alive_at == passive.ends_at - timedelta(seconds=60)

    await tick(hass, freezer, 539)
    assert mock_client.set_passive.await_count == 1
    await tick(hass, freezer, 2)
    assert mock_client.set_passive.await_count == 2
    mock_client.set_passive.assert_awaited_with(
        PassiveConfig(power=0, duration=600),
        confirm=True,
        battery=mock_client.get_battery_status.return_value,
        on_sent=ANY,
    )

    # The countdown renewed at 541 s is kept alive again at 1081 s, and so on: it never ends.
    await tick(hass, freezer, 539)
    assert mock_client.set_passive.await_count == 2
    await tick(hass, freezer, 2)
    assert mock_client.set_passive.await_count == 3
    await tick(hass, freezer, 540)
    assert mock_client.set_passive.await_count == 4
    assert not [event for event in events if event.data["type"] == "passive_countdown_ended"]


async def test_keep_alive_stops_when_home_assistant_switches_away(
    hass: HomeAssistant,
    keep_alive_entry: MockConfigEntry,
    mock_client: MagicMock,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Choosing another mode in Home Assistant ends the keep-alive."""
    await press(hass)
    await hass.services.async_call(
        SELECT_DOMAIN, SERVICE_SELECT_OPTION, {ATTR_ENTITY_ID: MODE, ATTR_OPTION: "auto"}, True
    )
    assert keep_alive_entry.runtime_data.control.passive.ends_at is None
    await tick(hass, freezer, 700)
    assert mock_client.set_passive.await_count == 1


async def test_keep_alive_stops_when_changed_outside(
    hass: HomeAssistant,
    keep_alive_entry: MockConfigEntry,
    mock_client: MagicMock,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Someone switches the battery to Auto in the app: the integration does not fight it."""
    events = async_capture_events(hass, EVENT_MARSTEK)
    await press(hass)
    mock_client.get_mode.return_value = replace(
        mock_client.get_mode.return_value, mode=Mode.AUTO, raw_mode="Auto"
    )
    await tick(hass, freezer, 30)
    assert [event.data["type"] for event in events] == ["mode_changed_outside"]
    assert events[0].data["mode"] == "Auto"
    assert events[0].data["previous_mode"] == "Passive"
    assert keep_alive_entry.runtime_data.control.settings.mode is Mode.AUTO
    await tick(hass, freezer, 600)
    assert mock_client.set_passive.await_count == 1


async def test_keep_alive_skips_a_battery_that_left_passive(
    hass: HomeAssistant,
    keep_alive_entry: MockConfigEntry,
    mock_client: MagicMock,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Between polls the battery reports another mode: no keep-alive is sent into it."""
    await press(hass)
    coordinator = keep_alive_entry.runtime_data
    coordinator.data = replace(
        coordinator.data, mode=replace(coordinator.data.mode, mode=Mode.MANUAL)
    )
    assert not coordinator.control.wants_passive()
    # Run the keep-alive by hand (a poll would set the data again), instead of its timer.
    coordinator.control.passive.cancel()
    await coordinator.control.passive.async_keep_alive(dt_util.utcnow())
    assert mock_client.set_passive.await_count == 1


async def test_keep_alive_failure_is_retried(
    hass: HomeAssistant,
    keep_alive_entry: MockConfigEntry,
    mock_client: MagicMock,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A keep-alive that gets no reply is tried again 30 s later, before the end."""
    await press(hass)
    follow = mock_client.set_passive.side_effect
    mock_client.set_passive.side_effect = MarstekTimeoutError("no reply")
    await tick(hass, freezer, 541)
    assert mock_client.set_passive.await_count == 2
    assert "Keeping passive mode alive" in caplog.text
    mock_client.set_passive.side_effect = follow
    await tick(hass, freezer, KEEP_ALIVE_RETRY)
    assert mock_client.set_passive.await_count == 3
    assert keep_alive_entry.runtime_data.control.passive.keep_alive_at is not None


async def test_keep_alive_not_followed_keeps_its_schedule(
    hass: HomeAssistant,
    keep_alive_entry: MockConfigEntry,
    mock_client: MagicMock,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A keep-alive the battery acknowledged but did not follow restarted the countdown."""
    keep_alive_entry.runtime_data.control.settings.passive_power = 1000
    await press(hass)
    # The battery dropped to 0 W and ignores the keep-alive (and the library's resend).
    not_followed(mock_client, 0.0)
    await tick(hass, freezer, 541)
    assert mock_client.set_passive.await_count == 2  # the keep-alive
    passive = keep_alive_entry.runtime_data.control.passive
    assert passive.keep_alive_at == passive.ends_at - timedelta(seconds=60)


@pytest.mark.usefixtures("init_integration")
async def test_countdown_end_fires_the_trigger_event(
    hass: HomeAssistant,
    mock_client: MagicMock,
    mock_config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    device_registry: dr.DeviceRegistry,
) -> None:
    """Without keep-alive the countdown runs out: one "passive countdown ended" event."""
    events = async_capture_events(hass, EVENT_MARSTEK)
    mock_config_entry.runtime_data.control.settings.passive_duration = 120
    await press(hass)
    await tick(hass, freezer, 119)
    assert not events
    await tick(hass, freezer, 2)
    (device,) = dr.async_entries_for_config_entry(device_registry, mock_config_entry.entry_id)
    assert [event.data for event in events] == [
        {"device_id": device.id, "type": "passive_countdown_ended"}
    ]
    assert mock_config_entry.runtime_data.control.passive.ends_at is None
    assert mock_client.set_passive.await_count == 1


async def test_keep_alive_skips_an_unavailable_battery(
    hass: HomeAssistant,
    keep_alive_entry: MockConfigEntry,
    mock_client: MagicMock,
    freezer: FrozenDateTimeFactory,
) -> None:
    """No keep-alive into a battery that is not answering."""
    await press(hass)
    coordinator = keep_alive_entry.runtime_data
    coordinator.data = replace(coordinator.data, online=False)
    assert not coordinator.control.wants_passive()
    coordinator.control.passive.cancel()
    await coordinator.control.passive.async_keep_alive(dt_util.utcnow())
    assert mock_client.set_passive.await_count == 1


async def test_countdown_followed_across_a_restart(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    init_integration_factory: Any,
    mock_client: MagicMock,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A countdown started before a restart still ends with its trigger event."""
    ends_at = dt_util.parse_datetime(START_TIME) + timedelta(seconds=300)
    hass_storage[KEY] = _storage(
        {
            "mode": "Passive",
            "passive": {"power": 0, "duration": 900, "ends_at": ends_at.isoformat()},
        }
    )
    mock_client.get_mode.return_value = replace(
        mock_client.get_mode.return_value, mode=Mode.PASSIVE, raw_mode="Passive"
    )
    events = async_capture_events(hass, EVENT_MARSTEK)
    entry = await init_integration_factory()
    assert entry.runtime_data.control.passive.ends_at == ends_at
    await tick(hass, freezer, 301)
    assert [event.data["type"] for event in events] == ["passive_countdown_ended"]
    mock_client.set_passive.assert_not_awaited()


async def test_keep_alive_catches_up_after_a_restart(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    mock_config_entry: MockConfigEntry,
    init_integration_factory: Any,
    mock_client: MagicMock,
) -> None:
    """With keep-alive, a countdown that ran out while Home Assistant was down is renewed."""
    ended = dt_util.parse_datetime(START_TIME) - timedelta(seconds=10)
    hass_storage[KEY] = _storage(
        {"mode": "Passive", "passive": {"power": 0, "duration": 900, "ends_at": ended.isoformat()}}
    )
    mock_client.get_mode.return_value = replace(
        mock_client.get_mode.return_value, mode=Mode.PASSIVE, raw_mode="Passive", ac_power=0.0
    )
    mock_config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        mock_config_entry, options={CONF_PASSIVE_KEEP_ALIVE: True}
    )
    entry = await init_integration_factory()
    async_fire_time_changed(hass)  # the keep-alive was due already: it runs at once
    await hass.async_block_till_done()
    mock_client.set_passive.assert_awaited_once_with(
        PassiveConfig(power=0, duration=900),
        confirm=True,
        battery=mock_client.get_battery_status.return_value,
        on_sent=ANY,
    )
    assert entry.runtime_data.control.passive.ends_at is not None
    assert hass_storage[KEY]["data"]["passive"]["ends_at"] is not None


async def test_ended_countdown_without_keep_alive_is_left_alone(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    init_integration_factory: Any,
    mock_client: MagicMock,
) -> None:
    """Without keep-alive an old countdown is neither reported late nor renewed."""
    ended = dt_util.parse_datetime(START_TIME) - timedelta(seconds=10)
    hass_storage[KEY] = _storage(
        {"mode": "Passive", "passive": {"power": 0, "duration": 900, "ends_at": ended.isoformat()}}
    )
    entry = await init_integration_factory()
    assert entry.runtime_data.control.passive.ends_at is None
    mock_client.set_passive.assert_not_awaited()
