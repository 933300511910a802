"""End to end: the system's controls against three simulated batteries over real UDP.

A Venus E 3.0 (5120 Wh, 2500 W), a Venus A (2080 Wh, 1200 W) and a Venus D (2080 Wh, 800 W
charge) at different states of charge, each its own battery entry, and the system entry on top.
The fleet select, the fleet passive power (numbers + apply) and the set_fleet_power action
reach every battery; one battery that falls silent gives one error naming it while the others
still take the change; the cheapest-hours blueprint charges all three. Timeouts are shortened on each client (injected timing), so the silent
battery costs a few seconds, not the production retry budget.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import pytest
from homeassistant.components.blueprint import BlueprintInputs
from homeassistant.components.button import DOMAIN as BUTTON_DOMAIN, SERVICE_PRESS
from homeassistant.components.number import ATTR_VALUE, DOMAIN as NUMBER_DOMAIN, SERVICE_SET_VALUE
from homeassistant.components.select import (
    ATTR_OPTION,
    DOMAIN as SELECT_DOMAIN,
    SERVICE_SELECT_OPTION,
)
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_ENTITY_ID, CONF_HOST, CONF_PORT
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.marstek_venus.const import CONF_REQUEST_GAP, DOMAIN
from custom_components.marstek_venus.kinds import CONF_KIND, EntryKind
from simulator import Mode as SimMode, SimulatedBattery
from tests.test_blueprints import EXAMPLE_INPUTS, FLEET_CHARGE, _load

from .test_end_to_end import _free_udp_port

# This module's corner of 127/8. Model, state of charge, title.
BATTERIES = (
    ("venus_e3_150", 80, "Garage", "127.0.121.1"),
    ("venus_a_149", 50, "Attic", "127.0.121.2"),
    ("venus_d_150", 30, "Shed", "127.0.121.3"),
)
SELECT = "select.marstek_system_operating_mode"
APPLY = "button.marstek_system_apply_passive_mode"


async def _add(hass: HomeAssistant, entry: MockConfigEntry) -> MockConfigEntry:
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    return entry


@pytest.fixture
async def simulated(
    hass: HomeAssistant, socket_enabled: None
) -> AsyncIterator[dict[str, SimulatedBattery]]:
    """The three simulated batteries by title, set up as members of "Marstek system"."""
    batteries: dict[str, SimulatedBattery] = {}
    try:
        for profile, soc, title, host in BATTERIES:
            battery = SimulatedBattery(profile, host, _free_udp_port(), min_gap=0.05, soc=soc)
            await battery.start()
            batteries[title] = battery
            entry = await _add(
                hass,
                MockConfigEntry(
                    domain=DOMAIN,
                    title=title,
                    data={CONF_HOST: host, CONF_PORT: battery.port},
                    options={CONF_REQUEST_GAP: 0.05},
                    unique_id=battery.ble_mac,
                ),
            )
            # A silent battery fails a write after two short tries; passive confirmation
            # reads back to back (paced by the request gap only).
            client = entry.runtime_data.client
            client.timing = replace(
                client.timing,
                timeout=0.4,
                attempts=1,
                write_attempts=2,
                backoff=0.01,
                passive_confirm_interval=0.0,
            )
        system = MockConfigEntry(
            domain=DOMAIN, title="Marstek system", data={CONF_KIND: EntryKind.SYSTEM}
        )
        await _add(hass, system)
        yield batteries
        for entry in hass.config_entries.async_entries(DOMAIN):
            assert await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done()
        for battery in batteries.values():
            assert battery.violations == []  # no burst, no request inside the gap
    finally:
        for battery in batteries.values():
            await battery.stop()


def _passive(batteries: dict[str, SimulatedBattery]) -> dict[str, int]:
    """Each battery's passive power, once all three are in Passive."""
    assert {b.state.mode for b in batteries.values()} == {SimMode.PASSIVE}
    return {title: b.state.passive_power for title, b in batteries.items()}


async def test_fleet_controls_reach_every_battery(
    hass: HomeAssistant, simulated: dict[str, SimulatedBattery]
) -> None:
    """Mode, passive power and the action, each verified by every battery."""
    await hass.services.async_call(
        SELECT_DOMAIN, SERVICE_SELECT_OPTION, {ATTR_ENTITY_ID: SELECT, ATTR_OPTION: "ai"}, True
    )
    assert {b.state.mode for b in simulated.values()} == {SimMode.AI}
    await hass.async_block_till_done()
    assert hass.states.get(SELECT).state == "ai"

    # 3000 W of charge by room to full: 1024, 1040 and 1456 Wh; the Venus D is capped at
    # 800 W, and what it cannot take goes to the other two.
    for entity_id, value in (("passive_power", -3000), ("passive_duration", 600)):
        await hass.services.async_call(
            NUMBER_DOMAIN,
            SERVICE_SET_VALUE,
            {ATTR_ENTITY_ID: f"number.marstek_system_{entity_id}", ATTR_VALUE: value},
            blocking=True,
        )
    await hass.services.async_call(BUTTON_DOMAIN, SERVICE_PRESS, {ATTR_ENTITY_ID: APPLY}, True)
    powers = _passive(simulated)
    assert sum(powers.values()) == -3000
    assert powers["Shed"] == -800
    assert powers["Garage"] == pytest.approx(-2200 * 1024 / (1024 + 1040), abs=1)
    for battery in simulated.values():
        assert battery.state.ac_power == battery.state.passive_power  # it follows
        assert 590 < battery.state.passive_remaining <= 600

    response = await hass.services.async_call(
        DOMAIN, "set_fleet_power", {"power": 1500}, blocking=True, return_response=True
    )
    assert response is not None
    members: dict[str, Any] = response["members"]  # by battery entry id
    given = {member["name"]: member["power"] for member in members.values()}
    assert given == _passive(simulated)
    assert sum(given.values()) == 1500
    assert {member["status"] for member in members.values()} == {"confirmed"}


async def test_a_silent_battery_is_named_and_the_others_still_apply(
    hass: HomeAssistant, simulated: dict[str, SimulatedBattery]
) -> None:
    """The Attic stops answering between two polls: every write names it, the rest applies."""
    simulated["Attic"].set_silent(True)
    with pytest.raises(
        HomeAssistantError, match=r"^1 of 3 batteries did not confirm.*Attic: "
    ) as err:
        await hass.services.async_call(
            DOMAIN, "set_fleet_power", {"power": -2000, "duration": 300}, blocking=True
        )
    assert "Garage" not in str(err.value)
    assert "Shed" not in str(err.value)
    for title in ("Garage", "Shed"):
        state = simulated[title].state
        assert state.mode is SimMode.PASSIVE
        assert state.passive_power < 0
    assert simulated["Attic"].state.mode is SimMode.AUTO

    with pytest.raises(HomeAssistantError, match=r"1 of 3 batteries did not confirm.*Attic: "):
        await hass.services.async_call(
            SELECT_DOMAIN,
            SERVICE_SELECT_OPTION,
            {ATTR_ENTITY_ID: SELECT, ATTR_OPTION: "auto"},
            blocking=True,
        )
    assert simulated["Garage"].state.mode is SimMode.AUTO
    assert simulated["Shed"].state.mode is SimMode.AUTO
    simulated["Attic"].set_silent(False)


async def test_cheapest_hours_blueprint_charges_the_fleet(
    hass: HomeAssistant, simulated: dict[str, SimulatedBattery]
) -> None:
    """Among the 2 cheapest of the day's prices: 3000 W shared; afterwards Auto again."""
    system = next(
        e for e in hass.config_entries.async_entries(DOMAIN) if e.title.endswith("system")
    )
    [device] = dr.async_entries_for_config_entry(dr.async_get(hass), system.entry_id)
    inputs = {**EXAMPLE_INPUTS[FLEET_CHARGE], "system": device.id}
    config = BlueprintInputs(
        _load(FLEET_CHARGE), {"use_blueprint": {"path": FLEET_CHARGE, "input": inputs}}
    ).async_substitute()
    price = "sensor.electricity_price"
    day = {"raw_today": [{"value": value} for value in (0.30, 0.12, 0.25, 0.10)]}
    hass.states.async_set(price, "0.30", day)
    config |= {"id": "fleet", "alias": "blueprint under test"}
    assert await async_setup_component(hass, "automation", {"automation": [config]})
    await hass.async_block_till_done()
    assert {b.state.mode for b in simulated.values()} == {SimMode.AUTO}

    hass.states.async_set(price, "0.12", day)  # the second cheapest: cheap
    await hass.async_block_till_done()
    assert sum(_passive(simulated).values()) == -3000

    hass.states.async_set(price, "0.25", day)  # third of four: no longer cheap
    await hass.async_block_till_done()
    assert {b.state.mode for b in simulated.values()} == {SimMode.AUTO}
    await hass.services.async_call(
        "automation", "turn_off", {ATTR_ENTITY_ID: "automation.blueprint_under_test"}, True
    )
