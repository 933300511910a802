"""The fleet control's per-member writes, and a system of three mock batteries for its tests.

The unit tests drive ``async_write_each`` and ``FleetResult`` with plain coroutines; the
fixtures below set up three batteries (Venus E 3.0, Venus A, Venus E 2.0 fixtures, each with
its own mock client) and the system entry, for test_fleet_control_entities.py and
test_fleet_control_action.py.
"""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path
from typing import Any
from unittest.mock import MagicMock, create_autospec, patch

import pytest
import yaml
from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import CONF_HOST, CONF_PORT
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.marstek_venus.const import DOMAIN
from custom_components.marstek_venus.fleet_control import (
    FleetResult,
    MemberResult,
    Status,
    Step,
    async_write_each,
)
from custom_components.marstek_venus.fleet_runtime import FleetRuntime
from custom_components.marstek_venus.kinds import CONF_KIND, EntryKind
from custom_components.marstek_venus.pymarstek_venus import MarstekClient

from .conftest import DEVICES, START_TIME, FakeBattery, configure_client

# The fixtures' batteries as members, in the system's order, with the titles users gave them.
TITLES = {"venus_e3_fw150": "Garage", "venus_a_fw149": "Attic", "venus_e2_fw154": "Shed"}
SYSTEM_ID = "01JMARSTEKSYSTEM000000000"
BLUEPRINTS = Path(__file__).parents[2] / "blueprints" / "automation" / "marstek_venus"


def _entry_id(index: int) -> str:
    return f"01JMARSTEKBATTERY{index:08d}"


async def test_a_failing_member_does_not_stop_the_others() -> None:
    """Every member is written in turn; the failure is recorded, the rest still written."""
    written: list[str] = []

    def writer(name: str, fail: bool = False) -> Any:
        async def write() -> None:
            written.append(name)
            if fail:
                raise HomeAssistantError("no answer")

        return write

    steps = [
        Step("a", "Garage", writer("a"), power=-1000),
        Step("b", "Attic", writer("b", fail=True), power=-500),
        Step("c", "Shed", writer("c"), power=-1500),
        Step("d", "Loft", None, power=0, reason="Loft is offline", required=False),
    ]
    members = await async_write_each(steps)
    assert written == ["a", "b", "c"]
    assert [m.status for m in members] == [
        Status.CONFIRMED,
        Status.FAILED,
        Status.CONFIRMED,
        Status.OFFLINE,
    ]
    result = FleetResult(members, requested=-3000, duration=900)
    assert [m.name for m in result.failed] == ["Attic"]
    assert result.allocated == -2500  # only what the confirmed members took
    assert result.as_response() == {
        "requested": -3000,
        "allocated": -2500,
        "duration": 900,
        "members": {
            "a": {"name": "Garage", "status": "confirmed", "power": -1000},
            "b": {"name": "Attic", "status": "failed", "power": -500, "error": "no answer"},
            "c": {"name": "Shed", "status": "confirmed", "power": -1500},
            "d": {"name": "Loft", "status": "offline", "power": 0, "error": "Loft is offline"},
        },
    }
    with pytest.raises(HomeAssistantError) as raised:
        result.raise_for_failures()
    assert raised.value.translation_key == "fleet_not_confirmed"
    assert raised.value.translation_placeholders == {
        "count": "1",
        "total": "4",
        "batteries": "Attic: no answer",
    }


async def test_a_required_member_that_cannot_be_written_fails() -> None:
    """For a mode, a member that is offline did not take it: a failure, not a skip."""
    members = await async_write_each([Step("a", "Garage", None, reason="Garage is offline")])
    assert members == (MemberResult("a", "Garage", Status.FAILED, None, "Garage is offline"),)
    assert FleetResult(members).as_response()["members"]["a"] == {
        "name": "Garage",
        "status": "failed",
        "error": "Garage is offline",
    }


async def test_other_errors_are_bugs_and_propagate() -> None:
    """Only Home Assistant errors (the write path's translated ones) are a member's failure."""

    async def broken() -> None:
        raise RuntimeError("bug")

    with pytest.raises(RuntimeError):
        await async_write_each([Step("a", "Garage", broken)])


def test_no_failures_no_error() -> None:
    """A result without failures raises nothing."""
    FleetResult((MemberResult("a", "Garage", Status.CONFIRMED, 0),)).raise_for_failures()


@pytest.fixture
def fleet_batteries() -> list[FakeBattery]:
    """The three fixture batteries, in member order."""
    return [FakeBattery(name) for name in DEVICES]


@pytest.fixture
def fleet_clients(fleet_batteries: list[FakeBattery]) -> Generator[dict[str, MagicMock]]:
    """One mock client per battery (by fixture name), handed out by host."""
    clients: dict[str, MagicMock] = {}
    by_host: dict[str, MagicMock] = {}
    for battery in fleet_batteries:
        client = create_autospec(MarstekClient, instance=True)
        configure_client(client, battery)
        clients[battery.name] = by_host[battery.host] = client
    with patch(
        "custom_components.marstek_venus.coordinator.MarstekClient", autospec=True
    ) as client_class:
        client_class.side_effect = lambda host, *_args, **_kwargs: by_host[host]
        yield clients


@pytest.fixture
async def fleet(
    hass: HomeAssistant,
    fleet_batteries: list[FakeBattery],
    fleet_clients: dict[str, MagicMock],
    freezer: FrozenDateTimeFactory,
) -> dict[str, MockConfigEntry]:
    """The three batteries and the system entry ("Marstek system"), set up; by fixture name."""
    freezer.move_to(START_TIME)
    entries: dict[str, MockConfigEntry] = {}
    for index, battery in enumerate(fleet_batteries):
        entry = MockConfigEntry(
            domain=DOMAIN,
            title=TITLES[battery.name],
            data={CONF_HOST: battery.host, CONF_PORT: battery.port},
            unique_id=battery.device.ble_mac,
            entry_id=_entry_id(index),
        )
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        entries[battery.name] = entry
    system = MockConfigEntry(
        domain=DOMAIN,
        title="Marstek system",
        data={CONF_KIND: EntryKind.SYSTEM},
        unique_id="system",
        entry_id=SYSTEM_ID,
    )
    system.add_to_hass(hass)
    assert await hass.config_entries.async_setup(system.entry_id)
    await hass.async_block_till_done()
    entries["system"] = system
    return entries


def entry(hass: HomeAssistant, title: str) -> MockConfigEntry:
    """A member's (or the system's) config entry, by title."""
    found: MockConfigEntry = next(
        e for e in hass.config_entries.async_entries(DOMAIN) if e.title == title
    )
    return found


def client(hass: HomeAssistant, title: str) -> MagicMock:
    """A member's mock client, by the member's title."""
    mock: MagicMock = entry(hass, title).runtime_data.client
    return mock


async def test_the_blueprint_offers_only_the_system_device(hass: HomeAssistant) -> None:
    """The fleet blueprint's device filter names the model the system device has."""
    blueprint = yaml.safe_load(
        (BLUEPRINTS / "charge_fleet_in_cheapest_hours.yaml")
        .read_text(encoding="utf-8")
        .replace("!input", "")
    )
    section = blueprint["blueprint"]["input"]["system_section"]["input"]
    [device_filter] = section["system"]["selector"]["device"]["filter"]
    system = MockConfigEntry(domain=DOMAIN, title="Marstek system", data={CONF_KIND: "system"})
    runtime = FleetRuntime(hass, system)
    assert device_filter == {"integration": DOMAIN, "model": runtime.device_info["model"]}
