"""The automation blueprints in blueprints/automation/marstek_venus/.

Checked three ways: Home Assistant's own blueprint schema accepts them (with their ``!input``
tags); everything they refer to exists in the integration (actions and their fields, select
options, entity filters); and, filled in, they drive a simulated battery through the real
integration over UDP on loopback.
"""

from __future__ import annotations

import json
import socket
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from unittest.mock import patch

import pytest
import yaml
from homeassistant.components.automation.config import (
    AUTOMATION_BLUEPRINT_SCHEMA,
    async_validate_config_item,
)
from homeassistant.components.blueprint import Blueprint, BlueprintInputs
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_HOST, CONF_PORT
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
from homeassistant.util import yaml as yaml_util
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.marstek_venus.const import CONF_REQUEST_GAP, DOMAIN
from custom_components.marstek_venus.modes import MODE_OPTIONS
from custom_components.marstek_venus.schedule import parse_days
from simulator import Mode as SimMode, SimulatedBattery

REPO = Path(__file__).resolve().parent.parent
BLUEPRINTS = REPO / "blueprints" / "automation" / "marstek_venus"
INTEGRATION = REPO / "custom_components" / "marstek_venus"
SOURCE_URL = "https://github.com/marstek-venus/marstek_venus/blob/main/"
CHARGE = "charge_in_cheap_hours.yaml"
THRESHOLD = "switch_mode_on_threshold.yaml"
FLEET_CHARGE = "charge_fleet_in_cheapest_hours.yaml"  # run in tests/ha/test_fleet_udp.py
SIM_HOST = "127.0.4.21"  # this module's corner of 127/8
SELECT = "select.marstek_venus_operating_mode"
SOC = "sensor.marstek_venus_battery"

# Inputs a user would fill in (entity ids as the test battery below gets them).
EXAMPLE_INPUTS: dict[str, dict[str, Any]] = {
    CHARGE: {
        "mode_select": SELECT,
        "soc_sensor": SOC,
        "cheap_sensor": "binary_sensor.cheapest_hours",
        "charge_power": 1500,
        "target_soc": 90,
    },
    THRESHOLD: {
        "mode_select": SELECT,
        "sensor": "sensor.electricity_price",
        "threshold": 0.3,
        "hysteresis": 0.02,
        "delay": {"seconds": 0},
        "mode_above": "ai",
        "mode_below": "auto",
    },
    FLEET_CHARGE: {
        "system": "0123456789abcdef0123456789abcdef",  # the system device's id
        "price_sensor": "sensor.electricity_price",
        "forecast_attribute": "raw_today",
        "price_key": "value",
        "cheapest_count": 2,
        "charge_power": 3000,
        "target_soc": 90,
    },
}


def _files() -> list[str]:
    return sorted(path.name for path in BLUEPRINTS.glob("*.yaml"))


def _load(name: str) -> Blueprint:
    path = BLUEPRINTS / name
    data = yaml_util.load_yaml(path)  # keeps !input as Input objects
    return Blueprint(
        data,
        path=f"marstek_venus/{name}",
        expected_domain="automation",
        schema=AUTOMATION_BLUEPRINT_SCHEMA,
    )


def _inputs(blueprint: Blueprint) -> dict[str, dict[str, Any]]:
    """Every input, sections flattened."""
    found: dict[str, dict[str, Any]] = {}
    for key, value in blueprint.data["blueprint"]["input"].items():
        if isinstance(value, dict) and "input" in value:
            found.update(value["input"])
        else:
            found[key] = value or {}
    return found


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def _bad_days(data: Any) -> list[Any]:
    """Literal ``days`` of schedule actions that the action would refuse.

    The same parser as the action and the period-days select (schedule.parse_days): whole day
    names, a list or comma-separated. Templates and ``!input`` values are checked by the
    action when the automation runs.
    """
    bad: list[Any] = []
    for node in _walk(data):
        if node.get("action") != f"{DOMAIN}.set_manual_schedule":
            continue
        fields = node.get("data", {})
        for item in [fields, *fields.get("periods", [])]:
            days = item.get("days") if isinstance(item, dict) else None
            if not isinstance(days, str | list) or "{{" in str(days):
                continue
            try:
                parse_days(days)
            except ServiceValidationError:
                bad.append(days)
    return bad


def test_days_check_finds_what_the_action_refuses() -> None:
    """The blueprint check holds blueprints to the action's rule for day names."""
    action = f"{DOMAIN}.set_manual_schedule"
    data = {
        "actions": [
            {"action": action, "data": {"days": "mon,tue"}},
            {"action": action, "data": {"days": "monkey"}},
            {"action": action, "data": {"periods": [{"days": ["sat", "sunshine"]}]}},
            {"action": action, "data": {"days": "{{ wanted_days }}"}},
        ]
    }
    assert _bad_days(data) == ["monkey", ["sat", "sunshine"]]


def test_every_blueprint_is_tested() -> None:
    assert _files() == sorted(EXAMPLE_INPUTS)


@pytest.mark.parametrize("name", _files())
def test_blueprint_schema(name: str) -> None:
    """Home Assistant's automation blueprint schema accepts the file as it is."""
    blueprint = _load(name)
    assert blueprint.domain == "automation"
    assert blueprint.validate() is None  # the minimum Home Assistant version is met
    metadata = blueprint.metadata
    assert metadata["source_url"] == f"{SOURCE_URL}blueprints/automation/marstek_venus/{name}"
    for key, spec in _inputs(blueprint).items():
        assert spec.get("name"), f"input {key} has no name"
        assert "selector" in spec, f"input {key} has no selector"
    # Every !input refers to a declared input (Home Assistant only notices when used).
    with (BLUEPRINTS / name).open(encoding="utf-8") as file:
        text = file.read()
    used = {line.split("!input", 1)[1].split()[0] for line in text.splitlines() if "!input" in line}
    assert used <= set(_inputs(blueprint)), used - set(_inputs(blueprint))


@pytest.mark.parametrize("name", _files())
def test_blueprint_references(name: str) -> None:
    """Actions, fields, options and entity filters exist in the integration."""
    blueprint = _load(name)
    services = yaml.safe_load((INTEGRATION / "services.yaml").read_text(encoding="utf-8"))
    translations = json.loads((INTEGRATION / "translations" / "en.json").read_text("utf-8"))
    actions = [node for node in _walk(blueprint.data) if "action" in node]
    assert actions
    assert _bad_days(blueprint.data) == []
    for node in actions:
        domain, _, service = str(node["action"]).partition(".")
        if domain == DOMAIN:
            assert service in services, f"{DOMAIN}.{service} is not an action"
            fields = set(services[service].get("fields", {}))
            assert set(node.get("data", {})) <= fields, set(node["data"]) - fields
            assert service in translations["services"]
        else:
            assert node["action"] == "select.select_option", node["action"]
            assert set(node["data"]) == {"option"}

    for key, spec in _inputs(blueprint).items():
        selector = spec["selector"]
        if "select" in selector:  # operating modes, by their option keys
            values = {option["value"] for option in selector["select"]["options"]}
            assert values <= set(MODE_OPTIONS), (key, values - set(MODE_OPTIONS))
            assert spec.get("default", next(iter(values))) in values
        for entity_filter in selector.get("entity", {}).get("filter", []):
            if "integration" in entity_filter:
                assert entity_filter["integration"] == DOMAIN
                domains = entity_filter["domain"]
                for platform in [domains] if isinstance(domains, str) else domains:
                    assert (INTEGRATION / f"{platform}.py").is_file(), platform


@pytest.mark.parametrize("name", _files())
async def test_filled_in_blueprint_is_a_valid_automation(hass: HomeAssistant, name: str) -> None:
    """With a user's inputs, the result passes Home Assistant's automation validation."""
    config = BlueprintInputs(
        _load(name), {"use_blueprint": {"path": name, "input": EXAMPLE_INPUTS[name]}}
    ).async_substitute()
    assert await async_validate_config_item(hass, "test", config) is not None


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@asynccontextmanager
async def _automation(hass: HomeAssistant, name: str) -> AsyncIterator[None]:
    """The blueprint as a running automation; turned off again (its timers too) at the end."""
    config = BlueprintInputs(
        _load(name), {"use_blueprint": {"path": name, "input": EXAMPLE_INPUTS[name]}}
    ).async_substitute()
    config |= {"id": name, "alias": "blueprint under test"}
    assert await async_setup_component(hass, "automation", {"automation": [config]})
    await hass.async_block_till_done()
    try:
        yield
    finally:
        await hass.services.async_call(
            "automation",
            "turn_off",
            {"entity_id": "automation.blueprint_under_test"},
            blocking=True,
        )
        await hass.async_block_till_done()


@pytest.fixture
def battery_profile() -> str:
    """The simulated model; a test may parametrize it."""
    return "venus_e3_150"


@pytest.fixture
async def battery(
    hass: HomeAssistant,
    enable_custom_integrations: None,
    socket_enabled: None,
    battery_profile: str,
) -> Any:
    """A simulated battery (Venus E 3.0 unless a test says otherwise) set up in Home
    Assistant as "Marstek Venus"."""
    port = _free_udp_port()
    simulated = SimulatedBattery(battery_profile, SIM_HOST, port, min_gap=0.05)
    await simulated.start()
    # No broadcast from a test: the integration's background scan finds nothing.
    with patch("custom_components.marstek_venus.discovery.discover", return_value=[]):
        entry = MockConfigEntry(
            domain=DOMAIN,
            title="Marstek Venus",
            data={CONF_HOST: SIM_HOST, CONF_PORT: port},
            options={CONF_REQUEST_GAP: 0.05},
            unique_id=simulated.ble_mac,
        )
        entry.add_to_hass(hass)
        try:
            assert await hass.config_entries.async_setup(entry.entry_id)
            await hass.async_block_till_done()
            assert entry.state is ConfigEntryState.LOADED
            registry = er.async_get(hass)
            assert registry.async_get(SELECT) is not None
            assert registry.async_get(SOC) is not None
            yield simulated
            assert simulated.violations == []
        finally:
            await hass.config_entries.async_unload(entry.entry_id)
            await hass.async_block_till_done()
            await simulated.stop()


async def test_threshold_blueprint_switches_the_battery(
    hass: HomeAssistant, battery: SimulatedBattery
) -> None:
    """Above the threshold AI, below it (minus the hysteresis) Auto again."""
    price = "sensor.electricity_price"
    hass.states.async_set(price, "0.25")
    async with _automation(hass, THRESHOLD):
        assert battery.state.mode is SimMode.AUTO

        hass.states.async_set(price, "0.35")
        await hass.async_block_till_done()
        assert battery.state.mode is SimMode.AI
        assert hass.states.get(SELECT).state == "ai"

        hass.states.async_set(price, "0.29")  # inside the hysteresis: stays
        await hass.async_block_till_done()
        assert battery.state.mode is SimMode.AI

        hass.states.async_set(price, "0.27")
        await hass.async_block_till_done()
        assert battery.state.mode is SimMode.AUTO


async def test_cheap_hours_blueprint_charges_in_passive_mode(
    hass: HomeAssistant, battery: SimulatedBattery
) -> None:
    """Cheap: Passive at -1500 W (charging); no longer cheap: back to Auto."""
    cheap = "binary_sensor.cheapest_hours"
    hass.states.async_set(cheap, "off")
    async with _automation(hass, CHARGE):
        assert battery.state.mode is SimMode.AUTO

        hass.states.async_set(cheap, "on")
        await hass.async_block_till_done()
        assert battery.state.mode is SimMode.PASSIVE
        assert battery.state.passive_power == -1500  # the API's sign: negative charges
        assert battery.state.passive_remaining > 0

        hass.states.async_set(cheap, "off")
        await hass.async_block_till_done()
        assert battery.state.mode is SimMode.AUTO


@pytest.mark.parametrize("battery_profile", ["venus_a_149"])
async def test_cheap_hours_blueprint_charges_within_the_batterys_limit(
    hass: HomeAssistant, battery: SimulatedBattery
) -> None:
    """1500 W asked of a Venus A (1200 W): it charges at 1200 W rather than failing."""
    cheap = "binary_sensor.cheapest_hours"
    hass.states.async_set(cheap, "off")
    async with _automation(hass, CHARGE):
        hass.states.async_set(cheap, "on")
        await hass.async_block_till_done()
        assert battery.state.mode is SimMode.PASSIVE
        assert battery.state.passive_power == -1200
