"""The set_fleet_power action: the split, its response, and what it refuses."""

from __future__ import annotations

from typing import Any

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr

from custom_components.marstek_venus.const import DOMAIN
from custom_components.marstek_venus.pymarstek_venus import MarstekTimeoutError

from .test_fleet_control import (  # noqa: F401  # the fixtures
    client,
    entry,
    fleet,
    fleet_batteries,
    fleet_clients,
)

E3, A, E2 = "Garage", "Attic", "Shed"  # Venus E 3.0, Venus A, Venus E 2.0
MEMBERS = (E3, A, E2)
ACTION = "set_fleet_power"

pytestmark = pytest.mark.usefixtures("fleet")


async def call(hass: HomeAssistant, **data: Any) -> dict[str, Any]:
    response = await hass.services.async_call(
        DOMAIN, ACTION, data, blocking=True, return_response=True
    )
    assert response is not None
    return dict(response)


async def test_response_gives_each_share(hass: HomeAssistant) -> None:
    """The only system is used when none is named; each battery's share comes back."""
    response = await call(hass, power=-2000, duration=600)
    assert (response["requested"], response["allocated"], response["duration"]) == (
        -2000,
        -2000,
        600,
    )
    members = response["members"]
    assert list(members) == [entry(hass, name).entry_id for name in (E3, A, E2)]
    for title in MEMBERS:
        member = members[entry(hass, title).entry_id]
        assert member == {
            "name": title,
            "status": "confirmed",
            "power": client(hass, title).set_passive.await_args.args[0].power,
        }
    # The action's values become the system's passive numbers (as a battery's action does).
    await hass.async_block_till_done()
    assert hass.states.get("number.marstek_system_passive_power").state == "-2000"
    assert hass.states.get("number.marstek_system_passive_duration").state == "600"


async def test_named_by_device_or_entry(
    hass: HomeAssistant, device_registry: dr.DeviceRegistry
) -> None:
    system = entry(hass, "Marstek system")
    [device] = dr.async_entries_for_config_entry(device_registry, system.entry_id)
    assert (await call(hass, power=0, device_id=device.id))["allocated"] == 0
    assert (await call(hass, power=0, config_entry_id=system.entry_id))["allocated"] == 0
    # A battery's entry is not a system.
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, power=0, config_entry_id=entry(hass, E3).entry_id)
    assert err.value.translation_key == "system_not_found"


async def test_an_unloaded_member_takes_no_part(hass: HomeAssistant) -> None:
    """The others take the whole power; the missing battery is named, and nothing raises."""
    attic = client(hass, A)
    assert await hass.config_entries.async_unload(entry(hass, A).entry_id)
    response = await call(hass, power=-3000)
    assert response["allocated"] == -3000
    assert response["members"][entry(hass, A).entry_id] == {
        "name": "Attic",
        "status": "offline",
        "power": 0,
        "error": "Attic is not loaded; it cannot take commands now",
    }
    attic.set_passive.assert_not_awaited()


async def test_a_failing_member_raises_after_the_others(hass: HomeAssistant) -> None:
    client(hass, E2).set_passive.side_effect = MarstekTimeoutError("no reply")
    with pytest.raises(HomeAssistantError, match=r"1 of 3 batteries did not confirm.*Shed: "):
        await call(hass, power=-3000)
    client(hass, E3).set_passive.assert_awaited_once()
    client(hass, A).set_passive.assert_awaited_once()


async def test_beyond_the_limits_is_capped_and_reported(hass: HomeAssistant) -> None:
    """9000 W of charge from batteries that take 6200 W together: each at its limit."""
    response = await call(hass, power=-9000)
    assert (response["requested"], response["allocated"]) == (-9000, -6200)
    assert sorted(m["power"] for m in response["members"].values()) == [-2500, -2500, -1200]


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"power": 100, "duration": 0}, "invalid_duration"),
        ({"power": 100, "duration": 86401}, "invalid_duration"),
        ({"power": 100.5}, "invalid_request"),
        ({"duration": 60}, "invalid_request"),
    ],
)
async def test_bad_requests_send_nothing(
    hass: HomeAssistant, data: dict[str, Any], key: str
) -> None:
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, **data)
    assert err.value.translation_key == key
    for title in MEMBERS:
        client(hass, title).set_passive.assert_not_awaited()


async def test_no_member_loaded(hass: HomeAssistant) -> None:
    for name in (E3, A, E2):
        assert await hass.config_entries.async_unload(entry(hass, name).entry_id)
    with pytest.raises(HomeAssistantError) as err:
        await call(hass, power=-1000)
    assert err.value.translation_key == "fleet_no_member"


async def test_system_not_loaded(hass: HomeAssistant) -> None:
    assert await hass.config_entries.async_unload(entry(hass, "Marstek system").entry_id)
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, power=-1000)
    assert err.value.translation_key == "entry_not_loaded"
