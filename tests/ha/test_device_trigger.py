"""Device triggers: offered per battery, and fired by what the coordinator notices."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from unittest.mock import MagicMock

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components import automation
from homeassistant.components.device_automation import DeviceAutomationType
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.helpers import device_registry as dr
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
    async_get_device_automations,
    async_mock_service,
)

from custom_components.marstek_venus.const import DOMAIN, EVENT_MARSTEK
from custom_components.marstek_venus.device_trigger import async_get_triggers
from custom_components.marstek_venus.pymarstek_venus.const import Mode
from custom_components.marstek_venus.pymarstek_venus.errors import MarstekTimeoutError

TYPES = ["mode_changed_outside", "ct_disconnected", "api_stopped", "passive_countdown_ended"]


async def tick(hass: HomeAssistant, freezer: FrozenDateTimeFactory, cycles: int = 1) -> None:
    """Let polling cycles pass."""
    for _ in range(cycles):
        freezer.tick(timedelta(seconds=30))
        async_fire_time_changed(hass)
        await hass.async_block_till_done()


def battery_device(device_registry: dr.DeviceRegistry, entry: MockConfigEntry) -> dr.DeviceEntry:
    """The entry's one device."""
    (device,) = dr.async_entries_for_config_entry(device_registry, entry.entry_id)
    return device


@pytest.fixture
async def automations(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
) -> list[ServiceCall]:
    """One automation per trigger type; each calls test.automation with its type."""
    device = battery_device(device_registry, init_integration)
    calls = async_mock_service(hass, "test", "automation")
    assert await async_setup_component(
        hass,
        automation.DOMAIN,
        {
            automation.DOMAIN: [
                {
                    "trigger": {
                        "platform": "device",
                        "domain": DOMAIN,
                        "device_id": device.id,
                        "type": trigger_type,
                    },
                    "action": {
                        "service": "test.automation",
                        "data_template": {"type": "{{ trigger.event.data.type }}"},
                    },
                }
                for trigger_type in TYPES
            ]
        },
    )
    await hass.async_block_till_done()
    return calls


@pytest.mark.usefixtures("init_integration")
async def test_triggers_offered(
    hass: HomeAssistant,
    device_registry: dr.DeviceRegistry,
    mock_config_entry: MockConfigEntry,
) -> None:
    """Every battery offers the four triggers."""
    device = battery_device(device_registry, mock_config_entry)
    triggers = await async_get_device_automations(hass, DeviceAutomationType.TRIGGER, device.id)
    ours = [trigger for trigger in triggers if trigger["domain"] == DOMAIN]
    assert sorted(trigger["type"] for trigger in ours) == sorted(TYPES)
    for trigger in ours:
        assert trigger["device_id"] == device.id
        assert trigger["platform"] == "device"


@pytest.mark.usefixtures("init_integration")
async def test_no_triggers_for_other_devices(
    hass: HomeAssistant, device_registry: dr.DeviceRegistry
) -> None:
    """Unknown devices, and devices of other integrations, get none."""
    other_entry = MockConfigEntry(domain="other")
    other_entry.add_to_hass(hass)
    other = device_registry.async_get_or_create(
        config_entry_id=other_entry.entry_id, identifiers={("other", "x")}
    )
    assert await async_get_triggers(hass, other.id) == []
    assert await async_get_triggers(hass, "missing") == []


async def test_mode_changed_and_ct_disconnected(
    hass: HomeAssistant,
    automations: list[ServiceCall],
    mock_client: MagicMock,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A mode change from outside and a CT that drops run their automations."""
    mock_client.get_mode.return_value = replace(
        mock_client.get_mode.return_value, mode=Mode.AI, raw_mode="AI"
    )
    meter = mock_client.get_meter_status.return_value
    mock_client.get_meter_status.return_value = replace(meter, connected=False)
    await tick(hass, freezer)
    assert sorted(call.data["type"] for call in automations) == [
        "ct_disconnected",
        "mode_changed_outside",
    ]
    # Nothing new, nothing fires; the CT coming back is no trigger either.
    mock_client.get_meter_status.return_value = meter
    await tick(hass, freezer, 2)
    assert len(automations) == 2


async def test_api_stopped(
    hass: HomeAssistant,
    automations: list[ServiceCall],
    mock_client: MagicMock,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The battery stops answering: one trigger, when its entities go unavailable."""
    for name in ("get_es_status", "get_mode", "get_meter_status", "get_battery_status"):
        getattr(mock_client, name).side_effect = MarstekTimeoutError("no reply")
    await tick(hass, freezer, 2)
    assert automations == []
    await tick(hass, freezer, 3)
    assert [call.data["type"] for call in automations] == ["api_stopped"]


async def test_passive_countdown_ended(
    hass: HomeAssistant,
    automations: list[ServiceCall],
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The passive countdown started by Home Assistant ran out."""
    coordinator = init_integration.runtime_data
    await coordinator.control.async_set_passive(-500, 60, send=True)
    freezer.tick(timedelta(seconds=61))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert [call.data["type"] for call in automations] == ["passive_countdown_ended"]


async def test_no_event_before_the_device_exists(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, mock_client: MagicMock
) -> None:
    """During set-up there is no device yet, so nothing is fired."""
    events = async_capture_events(hass, EVENT_MARSTEK)
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    coordinator = mock_config_entry.runtime_data
    dr.async_get(hass).async_clear_config_entry(mock_config_entry.entry_id)
    from custom_components.marstek_venus.const import Trigger
    from custom_components.marstek_venus.helpers import async_fire_trigger

    async_fire_trigger(hass, mock_config_entry, coordinator.client.host, Trigger.CT_DISCONNECTED)
    assert events == []
    await hass.async_block_till_done()
