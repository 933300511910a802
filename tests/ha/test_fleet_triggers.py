"""Device triggers of the system, and its diagnostics."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from unittest.mock import MagicMock

# Imported before freezegun patches datetime: the diagnostics view loads hassio, whose
# mashumaro models are compiled at import time and fail under a frozen clock.
import homeassistant.components.hassio  # noqa: F401
import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components import automation
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_mock_service,
)
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.marstek_venus.const import DOMAIN, EVENT_MARSTEK
from custom_components.marstek_venus.device_trigger import async_get_triggers
from custom_components.marstek_venus.pymarstek_venus import Mode

from .test_fleet_control import fleet, fleet_batteries, fleet_clients  # noqa: F401

E3, A, E2 = "venus_e3_fw150", "venus_a_fw149", "venus_e2_fw154"

pytestmark = pytest.mark.usefixtures("fleet")


def device_of(device_registry: dr.DeviceRegistry, entry: MockConfigEntry) -> dr.DeviceEntry:
    (device,) = dr.async_entries_for_config_entry(device_registry, entry.entry_id)
    return device


async def report(entry: MockConfigEntry, client: MagicMock, mode: Mode) -> None:
    client.get_mode.return_value = replace(
        client.get_mode.return_value, mode=mode, raw_mode=str(mode)
    )
    await entry.runtime_data.async_refresh()


async def test_system_device_offers_its_own_triggers(
    hass: HomeAssistant,
    fleet: dict[str, MockConfigEntry],  # noqa: F811
    device_registry: dr.DeviceRegistry,
) -> None:
    system = device_of(device_registry, fleet["system"])
    types = [t["type"] for t in await async_get_triggers(hass, system.id)]
    assert types == ["member_offline", "member_mode_differs"]
    battery = device_of(device_registry, fleet[E3])
    assert "member_offline" not in [t["type"] for t in await async_get_triggers(hass, battery.id)]


async def test_member_offline_runs_an_automation(
    hass: HomeAssistant,
    fleet: dict[str, MockConfigEntry],  # noqa: F811
    device_registry: dr.DeviceRegistry,
) -> None:
    system = device_of(device_registry, fleet["system"])
    calls = async_mock_service(hass, "test", "automation")
    trigger = {"platform": "device", "domain": DOMAIN, "device_id": system.id}
    assert await async_setup_component(
        hass,
        automation.DOMAIN,
        {
            automation.DOMAIN: {
                "trigger": {**trigger, "type": "member_offline"},
                "action": {
                    "service": "test.automation",
                    "data_template": {"member": "{{ trigger.event.data.member }}"},
                },
            }
        },
    )
    coordinator = fleet[A].runtime_data
    coordinator.async_set_updated_data(replace(coordinator.data, online=False))
    await hass.async_block_till_done()
    coordinator.async_set_updated_data(coordinator.data)  # still offline: no second call
    await hass.async_block_till_done()
    assert [call.data for call in calls] == [{"member": "Attic"}]


async def test_member_mode_differs_after_the_grace(
    hass: HomeAssistant,
    fleet: dict[str, MockConfigEntry],  # noqa: F811
    fleet_clients: dict[str, MagicMock],  # noqa: F811
    freezer: FrozenDateTimeFactory,
) -> None:
    """Auto, AI and Manual: no fleet mode yet. All Auto, then the Shed alone in Manual."""
    events = async_capture_events(hass, EVENT_MARSTEK)
    for name in (E3, A, E2):
        await report(fleet[name], fleet_clients[name], Mode.AUTO)
    await report(fleet[E2], fleet_clients[E2], Mode.MANUAL)
    freezer.tick(timedelta(seconds=60))
    await report(fleet[E2], fleet_clients[E2], Mode.MANUAL)
    assert not [e for e in events if e.data["type"] == "member_mode_differs"]
    freezer.tick(timedelta(seconds=61))
    await report(fleet[E2], fleet_clients[E2], Mode.MANUAL)
    await report(fleet[E3], fleet_clients[E3], Mode.AUTO)  # once per divergence
    differs = [e.data for e in events if e.data["type"] == "member_mode_differs"]
    assert [(d["member"], d["mode"], d["fleet_mode"]) for d in differs] == [
        ("Shed", "manual", "auto")
    ]
    # Back in line, then out again: a new divergence.
    await report(fleet[E2], fleet_clients[E2], Mode.AUTO)
    await report(fleet[A], fleet_clients[A], Mode.AI)
    freezer.tick(timedelta(seconds=121))
    await report(fleet[A], fleet_clients[A], Mode.AI)
    differs = [e.data for e in events if e.data["type"] == "member_mode_differs"]
    assert [d["member"] for d in differs] == ["Shed", "Attic"]


async def test_a_tie_falls_back_to_the_mode_they_last_shared(
    hass: HomeAssistant,
    fleet: dict[str, MockConfigEntry],  # noqa: F811
    fleet_clients: dict[str, MagicMock],  # noqa: F811
    freezer: FrozenDateTimeFactory,
) -> None:
    events = async_capture_events(hass, EVENT_MARSTEK)
    assert await hass.config_entries.async_unload(fleet[A].entry_id)
    for name in (E3, E2):
        await report(fleet[name], fleet_clients[name], Mode.AUTO)
    await report(fleet[E3], fleet_clients[E3], Mode.MANUAL)
    freezer.tick(timedelta(seconds=121))
    await report(fleet[E2], fleet_clients[E2], Mode.AUTO)
    differs = [e.data for e in events if e.data["type"] == "member_mode_differs"]
    assert [(d["member"], d["fleet_mode"]) for d in differs] == [("Garage", "auto")]


async def test_diagnostics(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    fleet: dict[str, MockConfigEntry],  # noqa: F811
) -> None:
    assert await hass.config_entries.async_unload(fleet[A].entry_id)
    result = await get_diagnostics_for_config_entry(hass, hass_client, fleet["system"])
    assert result["entry"] == {
        "title": "Marstek system",
        "data": {"kind": "system"},
        "options": {},
    }
    members = result["members"]
    assert [m["title"] for m in members.values()] == ["Garage", "Attic", "Shed"]
    assert members[fleet[A].entry_id]["state"] == "not_loaded"
    assert members[fleet[E3].entry_id]["soc"] == 56
    assert members[fleet[E3].entry_id]["online"] is True
    shares = result["totals"]["pv_energy"]["shares"]
    assert shares[fleet[A].entry_id]["counted"] == pytest.approx(259.68)
