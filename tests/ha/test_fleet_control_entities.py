"""The system's controls: fleet mode select, passive power and duration, apply button."""

from __future__ import annotations

from typing import Any
from unittest.mock import ANY, MagicMock

import pytest
from homeassistant.components.button import DOMAIN as BUTTON_DOMAIN, SERVICE_PRESS
from homeassistant.components.number import ATTR_VALUE, DOMAIN as NUMBER_DOMAIN, SERVICE_SET_VALUE
from homeassistant.components.select import (
    ATTR_OPTION,
    DOMAIN as SELECT_DOMAIN,
    SERVICE_SELECT_OPTION,
)
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant, State
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from pytest_homeassistant_custom_component.common import (
    mock_restore_cache_with_extra_data,
)

from custom_components.marstek_venus.pymarstek_venus import (
    MarstekTimeoutError,
    Mode,
    PassiveConfig,
)

from .test_fleet_control import (  # noqa: F401  # the fixtures
    client,
    entry,
    fleet,
    fleet_batteries,
    fleet_clients,
)

SELECT = "select.marstek_system_operating_mode"
POWER = "number.marstek_system_passive_power"
DURATION = "number.marstek_system_passive_duration"
APPLY = "button.marstek_system_apply_passive_mode"
E3, A, E2 = "Garage", "Attic", "Shed"  # Venus E 3.0, Venus A, Venus E 2.0
MEMBERS = (E3, A, E2)

pytestmark = pytest.mark.usefixtures("fleet")


async def select(hass: HomeAssistant, option: str) -> None:
    await hass.services.async_call(
        SELECT_DOMAIN,
        SERVICE_SELECT_OPTION,
        {ATTR_ENTITY_ID: SELECT, ATTR_OPTION: option},
        blocking=True,
    )


async def set_number(hass: HomeAssistant, entity_id: str, value: float) -> None:
    await hass.services.async_call(
        NUMBER_DOMAIN,
        SERVICE_SET_VALUE,
        {ATTR_ENTITY_ID: entity_id, ATTR_VALUE: value},
        blocking=True,
    )


async def press(hass: HomeAssistant) -> None:
    await hass.services.async_call(
        BUTTON_DOMAIN, SERVICE_PRESS, {ATTR_ENTITY_ID: APPLY}, blocking=True
    )


def sent_passive(client: MagicMock) -> PassiveConfig:
    """The passive command the client sent last."""
    config: PassiveConfig = client.set_passive.await_args.args[0]
    return config


async def test_select_shows_mixed_modes_and_switches_them_all(hass: HomeAssistant) -> None:
    """Auto, AI and Manual show as "mixed" with each member's mode; choosing Auto sets all."""
    state = hass.states.get(SELECT)
    assert state.state == "mixed"
    assert state.attributes["member_modes"] == {"Garage": "auto", "Attic": "ai", "Shed": "manual"}
    # The Venus E 2.0 on firmware 154 takes no UPS: the fleet offers only what all take.
    assert state.attributes["options"] == ["auto", "ai", "manual", "passive", "mixed"]

    await select(hass, "auto")
    for title in MEMBERS:
        client(hass, title).set_mode.assert_awaited_once_with(Mode.AUTO)
    await hass.async_block_till_done()
    state = hass.states.get(SELECT)
    assert state.state == "auto"
    assert set(state.attributes["member_modes"].values()) == {"auto"}


async def test_select_partial_failure_names_the_battery(hass: HomeAssistant) -> None:
    """The Attic does not answer: the error names it, the others switched all the same."""
    client(hass, A).set_mode.side_effect = MarstekTimeoutError("no reply")
    with pytest.raises(
        HomeAssistantError, match=r"1 of 3 batteries did not confirm.*Attic: "
    ) as err:
        await select(hass, "auto")
    assert err.value.translation_key == "fleet_not_confirmed"
    client(hass, E3).set_mode.assert_awaited_once_with(Mode.AUTO)
    client(hass, E2).set_mode.assert_awaited_once_with(Mode.AUTO)
    await hass.async_block_till_done()
    state = hass.states.get(SELECT)
    assert state.state == "mixed"  # what they really are in
    assert state.attributes["member_modes"] == {"Garage": "auto", "Attic": "ai", "Shed": "auto"}


async def test_mixed_cannot_be_chosen(hass: HomeAssistant) -> None:
    with pytest.raises(ServiceValidationError) as err:
        await select(hass, "mixed")
    assert err.value.translation_key == "fleet_mixed"
    for title in MEMBERS:
        client(hass, title).set_mode.assert_not_awaited()


async def test_a_member_not_loaded_did_not_take_the_mode(hass: HomeAssistant) -> None:
    """The mode could not reach an unloaded battery: that is a failure, named."""
    assert await hass.config_entries.async_unload(entry(hass, E2).entry_id)
    await hass.async_block_till_done()
    assert hass.states.get(SELECT).attributes["member_modes"]["Shed"] is None
    with pytest.raises(HomeAssistantError, match="Shed: Shed is not loaded"):
        await select(hass, "ai")
    client(hass, E3).set_mode.assert_awaited_once_with(Mode.AI)
    await hass.async_block_till_done()
    assert hass.states.get(SELECT).state == "ai"  # the loaded, answering members agree


async def test_numbers_bounds_and_values(hass: HomeAssistant) -> None:
    """The power spans what the members can do together; values are kept until apply."""
    state = hass.states.get(POWER)
    assert (state.attributes["min"], state.attributes["max"]) == (-6200, 6200)
    await set_number(hass, POWER, -3000)
    await set_number(hass, DURATION, 900)
    assert hass.states.get(POWER).state == "-3000"
    assert hass.states.get(DURATION).state == "900"
    with pytest.raises(ServiceValidationError):
        await set_number(hass, POWER, -7000)


async def test_apply_splits_a_charge_by_room_to_full(hass: HomeAssistant) -> None:
    """-3000 W: each battery charges in proportion to its room to full (5120 Wh at 56 %,
    2080 Wh at 13 %, 5120 Wh at 11 %), all for the same 900 s."""
    await set_number(hass, POWER, -3000)
    await set_number(hass, DURATION, 900)
    await press(hass)
    room = {E3: 5120 * 0.44, A: 2080 * 0.87, E2: 5120 * 0.89}
    shares = {title: sent_passive(client(hass, title)) for title in MEMBERS}
    assert sum(config.power for config in shares.values()) == -3000
    for name, config in shares.items():
        assert config.duration == 900
        assert config.power == pytest.approx(-3000 * room[name] / sum(room.values()), abs=1)
    client(hass, E3).set_passive.assert_awaited_once_with(
        ANY, confirm=True, battery=ANY, on_sent=ANY
    )
    await hass.async_block_till_done()
    assert hass.states.get(SELECT).state == "passive"


async def test_a_battery_at_its_floor_gets_zero_watts(hass: HomeAssistant) -> None:
    """2000 W of discharge: the Shed (11 %, below the 12 % floor) is sent passive 0 W, so it
    does not discharge into the house (or charge) on its own; the others share the 2000 W."""
    await set_number(hass, POWER, 2000)
    await press(hass)
    powers = {title: sent_passive(client(hass, title)).power for title in MEMBERS}
    assert powers[E2] == 0
    assert powers[E3] + powers[A] == 2000
    # Energy above the floor: 5120 Wh x 44 % against 2080 Wh x 1 %.
    assert powers[A] == pytest.approx(2000 * 20.8 / (2252.8 + 20.8), abs=1)


async def test_apply_partial_failure(hass: HomeAssistant) -> None:
    """One battery fails its passive write: named, the others keep their shares."""
    client(hass, E3).set_passive.side_effect = MarstekTimeoutError("no reply")
    await set_number(hass, POWER, -1000)
    with pytest.raises(HomeAssistantError, match=r"1 of 3 batteries.*Garage: "):
        await press(hass)
    assert sent_passive(client(hass, A)).power < 0
    assert sent_passive(client(hass, E2)).power < 0


@pytest.fixture
def restored(hass: HomeAssistant) -> None:
    """The numbers' values from before a restart."""

    def extra(value: float) -> dict[str, Any]:
        return {
            "native_max_value": None,
            "native_min_value": None,
            "native_step": 1,
            "native_unit_of_measurement": None,
            "native_value": value,
        }

    mock_restore_cache_with_extra_data(
        hass, [(State(POWER, "-1500"), extra(-1500)), (State(DURATION, "1200"), extra(1200))]
    )


@pytest.mark.usefixtures("restored")
async def test_numbers_are_restored(hass: HomeAssistant) -> None:
    """After a restart the fleet sends what the numbers held before."""
    assert hass.states.get(POWER).state == "-1500"
    assert hass.states.get(DURATION).state == "1200"
    control = entry(hass, "Marstek system").runtime_data.control
    assert (control.power, control.duration) == (-1500, 1200)
