"""Adding the system: offered with the second battery, from the add menu; its options."""

from __future__ import annotations

from unittest.mock import MagicMock

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import (
    SOURCE_IGNORE,
    SOURCE_INTEGRATION_DISCOVERY,
    SOURCE_RECONFIGURE,
    SOURCE_USER,
    ConfigEntryState,
)
from homeassistant.const import CONF_HOST, CONF_PORT
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.marstek_venus.const import DOMAIN
from custom_components.marstek_venus.fleet_runtime import CONF_MEMBERS
from custom_components.marstek_venus.kinds import CONF_KIND, EntryKind

from .conftest import START_TIME, FakeBattery
from .test_fleet_control import TITLES, fleet_batteries, fleet_clients  # noqa: F401

pytestmark = pytest.mark.usefixtures("fleet_clients")


async def add_battery(hass: HomeAssistant, battery: FakeBattery) -> MockConfigEntry:
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=TITLES[battery.name],
        data={CONF_HOST: battery.host, CONF_PORT: battery.port},
        unique_id=battery.device.ble_mac,
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


def system_flows(hass: HomeAssistant) -> list[dict[str, object]]:
    return [
        flow
        for flow in hass.config_entries.flow.async_progress_by_handler(DOMAIN)
        if flow["context"].get("unique_id") == "system"
    ]


@pytest.fixture(autouse=True)
def at_start(freezer: FrozenDateTimeFactory) -> None:
    freezer.move_to(START_TIME)


async def test_offered_with_the_second_battery_and_confirmed(
    hass: HomeAssistant,
    fleet_batteries: list[FakeBattery],  # noqa: F811
) -> None:
    await add_battery(hass, fleet_batteries[0])
    assert not system_flows(hass)
    await add_battery(hass, fleet_batteries[1])
    (flow,) = system_flows(hass)
    assert flow["context"]["source"] == SOURCE_INTEGRATION_DISCOVERY
    assert flow["context"]["title_placeholders"] == {"name": "Marstek system (2 batteries)"}
    assert flow["step_id"] == "system_confirm"
    await add_battery(hass, fleet_batteries[2])
    assert len(system_flows(hass)) == 1  # one offer at a time

    result = await hass.config_entries.flow.async_configure(flow["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Marstek system"
    assert result["data"] == {CONF_KIND: EntryKind.SYSTEM}
    await hass.async_block_till_done()
    assert result["result"].state is ConfigEntryState.LOADED
    assert len(result["result"].runtime_data.members()) == 3


async def test_ignored_offer_does_not_come_back(
    hass: HomeAssistant,
    fleet_batteries: list[FakeBattery],  # noqa: F811
) -> None:
    for battery in fleet_batteries[:2]:
        await add_battery(hass, battery)
    assert len(system_flows(hass)) == 1
    await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_IGNORE},
        data={"unique_id": "system", "title": "Marstek system"},
    )
    await hass.async_block_till_done()
    assert not system_flows(hass)
    await add_battery(hass, fleet_batteries[2])
    assert not system_flows(hass)


async def test_deleted_system_is_not_offered_again_until_added_by_hand(
    hass: HomeAssistant,
    fleet_batteries: list[FakeBattery],  # noqa: F811
) -> None:
    for battery in fleet_batteries[:2]:
        await add_battery(hass, battery)
    (flow,) = system_flows(hass)
    result = await hass.config_entries.flow.async_configure(flow["flow_id"], {})
    await hass.async_block_till_done()
    assert await hass.config_entries.async_remove(result["result"].entry_id)
    await hass.async_block_till_done()
    await add_battery(hass, fleet_batteries[2])
    assert not system_flows(hass)

    # The add menu still offers it; adding it by hand turns the offers back on.
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == ["battery", "meter", "system"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "system"}
    )
    assert result["step_id"] == "system_confirm"
    assert result["description_placeholders"] == {
        "count": "3",
        "batteries": "Garage, Attic, Shed",
    }
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()

    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "system"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "system_configured"


async def test_discovered_with_fewer_than_two_batteries_aborts(
    hass: HomeAssistant,
    fleet_batteries: list[FakeBattery],  # noqa: F811
) -> None:
    await add_battery(hass, fleet_batteries[0])
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_INTEGRATION_DISCOVERY},
        data={CONF_KIND: EntryKind.SYSTEM},
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "not_enough_batteries"


async def test_options_choose_members(
    hass: HomeAssistant,
    fleet_batteries: list[FakeBattery],  # noqa: F811
    fleet_clients: dict[str, MagicMock],  # noqa: F811
) -> None:
    batteries = [await add_battery(hass, battery) for battery in fleet_batteries]
    (flow,) = system_flows(hass)
    system = (await hass.config_entries.flow.async_configure(flow["flow_id"], {}))["result"]
    await hass.async_block_till_done()

    result = await hass.config_entries.options.async_init(system.entry_id)
    assert result["step_id"] == "members"
    ids = [battery.entry_id for battery in batteries]
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_MEMBERS: []}
    )
    assert result["errors"] == {"base": "no_members"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_MEMBERS: ids[:2]}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert system.options == {CONF_MEMBERS: ids[:2]}
    assert system.runtime_data.member_ids == tuple(ids[:2])

    # Every battery again: "all", which takes in batteries added later.
    result = await hass.config_entries.options.async_init(system.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_MEMBERS: ids}
    )
    assert system.options == {}
    await hass.async_block_till_done()
    assert system.state is ConfigEntryState.LOADED  # no reload needed


async def test_battery_options_are_still_the_battery_form(
    hass: HomeAssistant,
    fleet_batteries: list[FakeBattery],  # noqa: F811
) -> None:
    entry = await add_battery(hass, fleet_batteries[0])
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["step_id"] == "init"


async def test_menu_with_one_battery_says_a_system_needs_two(
    hass: HomeAssistant,
    fleet_batteries: list[FakeBattery],  # noqa: F811
) -> None:
    await add_battery(hass, fleet_batteries[0])
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "system"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "not_enough_batteries"


async def test_system_cannot_be_reconfigured(
    hass: HomeAssistant,
    fleet_batteries: list[FakeBattery],  # noqa: F811
) -> None:
    for battery in fleet_batteries[:2]:
        await add_battery(hass, battery)
    (flow,) = system_flows(hass)
    system = (await hass.config_entries.flow.async_configure(flow["flow_id"], {}))["result"]
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_RECONFIGURE, "entry_id": system.entry_id}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "not_reconfigurable"
