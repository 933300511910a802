"""The system entry: its device, and following members that load, unload, reload or go."""

from __future__ import annotations

from unittest.mock import MagicMock

import pytest
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.marstek_venus.const import DOMAIN
from custom_components.marstek_venus.fleet_runtime import CONF_MEMBERS, FLEET_GROUPS, FleetRuntime

from .test_fleet_control import fleet, fleet_batteries, fleet_clients  # noqa: F401

E3, A, E2 = "venus_e3_fw150", "venus_a_fw149", "venus_e2_fw154"

pytestmark = pytest.mark.usefixtures("fleet")


def runtime_of(fleet: dict[str, MockConfigEntry]) -> FleetRuntime:  # noqa: F811
    runtime: FleetRuntime = fleet["system"].runtime_data
    return runtime


def listened(entry: MockConfigEntry) -> bool:
    """Whether the system listens to this battery's coordinator (with its read groups)."""
    return FLEET_GROUPS in list(entry.runtime_data.async_contexts())


async def test_system_device_and_members(
    hass: HomeAssistant,
    fleet: dict[str, MockConfigEntry],  # noqa: F811
    device_registry: dr.DeviceRegistry,
) -> None:
    runtime = runtime_of(fleet)
    ids = tuple(fleet[name].entry_id for name in (E3, A, E2))
    assert runtime.member_ids == ids
    assert [c.config_entry.entry_id for c in runtime.members()] == list(ids)
    assert [runtime.member_name(i) for i in ids] == ["Garage", "Attic", "Shed"]
    assert runtime.member_name("gone") == "gone"
    (device,) = dr.async_entries_for_config_entry(device_registry, fleet["system"].entry_id)
    assert device.identifiers == {(DOMAIN, "system")}
    assert (device.name, device.manufacturer, device.model) == (
        "Marstek system",
        "Marstek",
        "Battery system",
    )
    assert all(listened(fleet[name]) for name in (E3, A, E2))


async def test_follows_members_unloading_reloading_and_removed(
    hass: HomeAssistant,
    fleet: dict[str, MockConfigEntry],  # noqa: F811
) -> None:
    runtime = runtime_of(fleet)
    calls = MagicMock()
    runtime.async_add_listener(calls)
    attic = fleet[A]

    assert await hass.config_entries.async_unload(attic.entry_id)
    assert calls.called
    assert attic.entry_id in runtime.member_ids  # still configured, just not loaded
    assert len(runtime.members()) == 2

    assert await hass.config_entries.async_setup(attic.entry_id)
    await hass.async_block_till_done()
    assert len(runtime.members()) == 3
    assert listened(attic)  # the new coordinator
    calls.reset_mock()
    await attic.runtime_data.async_refresh()
    assert calls.called

    assert await hass.config_entries.async_remove(attic.entry_id)
    await hass.async_block_till_done()
    assert runtime.member_ids == (fleet[E3].entry_id, fleet[E2].entry_id)


async def test_options_choose_the_members(
    hass: HomeAssistant,
    fleet: dict[str, MockConfigEntry],  # noqa: F811
) -> None:
    runtime = runtime_of(fleet)
    calls = MagicMock()
    remove = runtime.async_add_listener(calls)
    chosen = [fleet[E2].entry_id, fleet[E3].entry_id]
    hass.config_entries.async_update_entry(fleet["system"], options={CONF_MEMBERS: chosen})
    await hass.async_block_till_done()
    assert calls.called
    # In battery order, whatever the order chosen.
    assert runtime.member_ids == (fleet[E3].entry_id, fleet[E2].entry_id)
    assert not listened(fleet[A])
    remove()
    calls.reset_mock()
    await fleet[E3].runtime_data.async_refresh()
    assert not calls.called


async def test_unloading_the_system_stops_listening(
    hass: HomeAssistant,
    fleet: dict[str, MockConfigEntry],  # noqa: F811
) -> None:
    system = fleet["system"]
    assert await hass.config_entries.async_unload(system.entry_id)
    assert system.state is ConfigEntryState.NOT_LOADED
    assert not any(listened(fleet[name]) for name in (E3, A, E2))
    # Batteries coming and going no longer reach the unloaded system.
    assert await hass.config_entries.async_unload(fleet[A].entry_id)
    assert await hass.config_entries.async_setup(system.entry_id)
    await hass.async_block_till_done()
    assert len(runtime_of(fleet).members()) == 2


async def test_other_integrations_entries_are_not_followed(
    hass: HomeAssistant,
    fleet: dict[str, MockConfigEntry],  # noqa: F811
) -> None:
    runtime = runtime_of(fleet)
    calls = MagicMock()
    runtime.async_add_listener(calls)
    MockConfigEntry(domain="sun").add_to_hass(hass)
    await hass.async_block_till_done()
    assert not calls.called
    runtime.async_stop()
    runtime.async_stop()  # twice is harmless (the unload stops it once more)
