"""The system's sensors: weighted charge, summed flows, and Energy totals that never drop."""

from __future__ import annotations

from dataclasses import replace

import pytest
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.marstek_venus.coordinator import MarstekDataUpdateCoordinator
from custom_components.marstek_venus.fleet_runtime import CONF_MEMBERS

from .test_fleet_control import fleet, fleet_batteries, fleet_clients  # noqa: F401

E3, A, E2 = "venus_e3_fw150", "venus_a_fw149", "venus_e2_fw154"
SYSTEM = "sensor.marstek_system"
PV_ENERGY = f"{SYSTEM}_pv_energy"
CHARGED = f"{SYSTEM}_energy_charged"

pytestmark = pytest.mark.usefixtures("fleet")


def value(hass: HomeAssistant, entity_id: str) -> float:
    return float(hass.states.get(entity_id).state)


def set_online(entry: MockConfigEntry, online: bool) -> None:
    """The member's coordinator shows the battery answering or not (after failed polls)."""
    coordinator: MarstekDataUpdateCoordinator = entry.runtime_data
    coordinator.async_set_updated_data(replace(coordinator.data, online=online))


async def test_fleet_figures(hass: HomeAssistant) -> None:
    """Garage 56 % of 5.12 kWh, Attic 13 % of 2.08 kWh, Shed 11 % of 5.12 kWh."""
    stored = (0.56 * 5120 + 0.13 * 2080 + 0.11 * 5120) / 1000
    assert value(hass, f"{SYSTEM}_stored_energy") == pytest.approx(stored)
    assert value(hass, f"{SYSTEM}_usable_capacity") == pytest.approx(12.32)
    assert value(hass, f"{SYSTEM}_battery") == pytest.approx(100 * stored / 12.32)
    assert value(hass, f"{SYSTEM}_battery_power") == 300 - 184 - 800
    assert value(hass, f"{SYSTEM}_ac_power") == 300 + 0 - 812
    assert value(hass, f"{SYSTEM}_off_grid_power") == 0
    assert value(hass, f"{SYSTEM}_pv_power") == 184.5  # only the Venus A has PV inputs
    online = hass.states.get(f"{SYSTEM}_batteries_online")
    assert (online.state, online.attributes["members"]) == ("3", 3)
    # Sums of the members' own lifetime totals when the system starts.
    assert value(hass, CHARGED) == pytest.approx(
        1824.551 + 422.5 + value(hass, "sensor.attic_energy_charged")
    )
    assert value(hass, PV_ENERGY) == pytest.approx(259.68)


async def test_offline_member_leaves_the_figures_but_not_the_totals(
    hass: HomeAssistant,
    fleet: dict[str, MockConfigEntry],  # noqa: F811
) -> None:
    charged = value(hass, CHARGED)
    set_online(fleet[E3], False)
    await hass.async_block_till_done()
    assert hass.states.get("sensor.garage_energy_charged").state == STATE_UNAVAILABLE
    assert hass.states.get(f"{SYSTEM}_batteries_online").state == "2"
    assert value(hass, f"{SYSTEM}_battery_power") == -184 - 800
    assert value(hass, f"{SYSTEM}_usable_capacity") == pytest.approx(7.2)
    assert value(hass, CHARGED) == charged

    for name in (A, E2):
        set_online(fleet[name], False)
    await hass.async_block_till_done()
    assert hass.states.get(f"{SYSTEM}_battery").state == STATE_UNAVAILABLE
    assert value(hass, CHARGED) == charged  # still shown: the total is still true

    for name in (E3, A, E2):
        set_online(fleet[name], True)
    await hass.async_block_till_done()
    assert value(hass, CHARGED) == pytest.approx(charged)


async def test_member_counter_reset_and_growth(
    hass: HomeAssistant,
    fleet: dict[str, MockConfigEntry],  # noqa: F811
) -> None:
    """The member's own total as the state machine shows it: a drop is a new start.

    Another member's update makes the system read it (the Attic's own would rewrite it).
    """
    total = value(hass, PV_ENERGY)
    hass.states.async_set("sensor.attic_pv_energy", "1.0", {"unit_of_measurement": "kWh"})
    fleet[E3].runtime_data.async_update_listeners()
    assert value(hass, PV_ENERGY) == total
    hass.states.async_set("sensor.attic_pv_energy", "1500", {"unit_of_measurement": "Wh"})
    fleet[E3].runtime_data.async_update_listeners()
    assert value(hass, PV_ENERGY) == pytest.approx(total + 0.5)
    hass.states.async_set("sensor.attic_pv_energy", "oops", {"unit_of_measurement": "kWh"})
    fleet[E3].runtime_data.async_update_listeners()
    hass.states.async_set("sensor.attic_pv_energy", "2", {"unit_of_measurement": "W"})
    fleet[E3].runtime_data.async_update_listeners()
    assert value(hass, PV_ENERGY) == pytest.approx(total + 0.5)


async def test_removed_member_keeps_its_share(
    hass: HomeAssistant,
    fleet: dict[str, MockConfigEntry],  # noqa: F811
) -> None:
    total = value(hass, PV_ENERGY)
    others = [fleet[E3].entry_id, fleet[E2].entry_id]
    hass.config_entries.async_update_entry(fleet["system"], options={CONF_MEMBERS: others})
    await hass.async_block_till_done()
    assert value(hass, PV_ENERGY) == total
    assert hass.states.get(f"{SYSTEM}_pv_power").state == "unknown"  # no member with PV
    assert await hass.config_entries.async_remove(fleet[A].entry_id)
    await hass.async_block_till_done()
    assert value(hass, PV_ENERGY) == total


async def test_restart_continues_the_totals(
    hass: HomeAssistant,
    fleet: dict[str, MockConfigEntry],  # noqa: F811
) -> None:
    """Reloaded with a member away, the system keeps that member's share."""
    charged = value(hass, CHARGED)
    system = fleet["system"]
    assert await hass.config_entries.async_unload(system.entry_id)
    assert await hass.config_entries.async_unload(fleet[E3].entry_id)
    assert await hass.config_entries.async_setup(system.entry_id)
    await hass.async_block_till_done()
    assert value(hass, CHARGED) == charged
    assert await hass.config_entries.async_setup(fleet[E3].entry_id)
    await hass.async_block_till_done()
    assert value(hass, CHARGED) == pytest.approx(charged)
