"""What hassfest and the HACS action would check, since neither runs on a custom integration here.

Mirrors (in our own words) the custom-relevant checks listed in ha-conventions.md §1.5 and §3.
"""

from __future__ import annotations

import ast
import importlib
import re
import struct

import pytest
import yaml

from custom_components.marstek_venus import PLATFORMS
from custom_components.marstek_venus.binary_sensor import BINARY_SENSORS
from custom_components.marstek_venus.button import BUTTONS
from custom_components.marstek_venus.const import OPTIONAL_GROUPS
from custom_components.marstek_venus.energy_sensor import ENERGY_SENSORS
from custom_components.marstek_venus.fleet_control import MIXED
from custom_components.marstek_venus.fleet_control_entities import (
    APPLY_PASSIVE as FLEET_APPLY,
    FLEET_MODE,
    FLEET_NUMBERS,
)
from custom_components.marstek_venus.fleet_sensors import FLEET_SENSORS
from custom_components.marstek_venus.helpers import TRANSLATED_ERRORS
from custom_components.marstek_venus.meter_entities import FOLLOWS_SENSOR, GRID_SENSOR, SHARE_SENSOR
from custom_components.marstek_venus.modes import MODE_OPTIONS
from custom_components.marstek_venus.number import DOD_NUMBER, PASSIVE_NUMBERS, period_power
from custom_components.marstek_venus.schedule import DAY_SET_OPTIONS, WEEKDAY_NAMES
from custom_components.marstek_venus.select import MODE_SELECT, period_days
from custom_components.marstek_venus.sensor import SENSORS
from custom_components.marstek_venus.sensor_pv import PV_SENSORS
from custom_components.marstek_venus.switch import SETTING_SWITCHES, period_enabled
from custom_components.marstek_venus.time import period_times

from .quality_support import INTEGRATION, LANGUAGES, ROOT, _flatten, _json, _sources

WRITABLE_PLATFORMS = {"select", "number", "button", "switch", "time"}

RULES = {
    # Bronze (20)
    "action-setup", "appropriate-polling", "brands", "common-modules", "config-flow",
    "config-flow-test-coverage", "dependency-transparency", "docs-actions", "docs-conditions",
    "docs-high-level-description", "docs-installation-instructions", "docs-removal-instructions",
    "docs-triggers", "entity-event-setup", "entity-unique-id", "has-entity-name", "runtime-data",
    "test-before-configure", "test-before-setup", "unique-config-entry",
    # Silver (10)
    "action-exceptions", "config-entry-unloading", "docs-configuration-parameters",
    "docs-installation-parameters", "entity-unavailable", "integration-owner",
    "log-when-unavailable", "parallel-updates", "reauthentication-flow", "test-coverage",
    # Gold (21)
    "devices", "diagnostics", "discovery", "discovery-update-info", "docs-data-update",
    "docs-examples", "docs-known-limitations", "docs-supported-devices",
    "docs-supported-functions", "docs-troubleshooting", "docs-use-cases", "dynamic-devices",
    "entity-category", "entity-device-class", "entity-disabled-by-default", "entity-translations",
    "exception-translations", "icon-translations", "reconfiguration-flow", "repair-issues",
    "stale-devices",
    # Platinum (3)
    "async-dependency", "inject-websession", "strict-typing",
}  # fmt: skip


# --- manifest / HACS ------------------------------------------------------------------------


def test_manifest() -> None:
    """Required keys, allowed values, and hassfest's key order: domain, name, then sorted."""
    manifest = _json(INTEGRATION / "manifest.json")
    keys = list(manifest)
    assert keys[:2] == ["domain", "name"]
    assert keys[2:] == sorted(keys[2:])
    assert manifest["domain"] == INTEGRATION.name
    assert manifest["name"] == "Marstek Venus"
    for key in ("codeowners", "documentation", "issue_tracker", "version", "iot_class"):
        assert manifest[key], key
    assert manifest["codeowners"]
    assert all(owner.startswith("@") for owner in manifest["codeowners"])
    assert manifest["documentation"].startswith("https://")
    assert manifest["issue_tracker"].startswith("https://")
    assert re.fullmatch(r"\d+\.\d+\.\d+", manifest["version"])
    assert manifest["iot_class"] == "local_polling"
    assert manifest["integration_type"] == "device"
    assert manifest["config_flow"] is True
    assert (INTEGRATION / "config_flow.py").is_file()
    # A new battery's DHCP host name, and the IP of a device already registered.
    assert manifest["dhcp"] == [{"hostname": "marstek*"}, {"registered_devices": True}]
    # The library is in-tree: nothing to install; any requirement must be pinned.
    assert all("==" in requirement for requirement in manifest["requirements"])
    assert isinstance(manifest["loggers"], list)
    allowed = {
        "domain", "name", "codeowners", "config_flow", "dependencies", "dhcp", "documentation",
        "integration_type", "iot_class", "issue_tracker", "loggers", "quality_scale",
        "requirements", "version", "zeroconf", "after_dependencies", "import_executor",
    }  # fmt: skip
    assert set(manifest) <= allowed


def test_hacs_json() -> None:
    """hacs.json has only the keys HACS accepts (when the repository has one)."""
    path = ROOT / "hacs.json"
    if not path.exists():
        pytest.skip("hacs.json not in this tree yet")
    hacs = _json(path)
    assert isinstance(hacs["name"], str)
    allowed = {
        "name", "content_in_root", "zip_release", "filename", "hide_default_branch", "country",
        "homeassistant", "hacs", "persistent_directory", "render_readme",
    }  # fmt: skip
    assert set(hacs) <= allowed


def test_brand_icon() -> None:
    """brand/icon.png is a 256x256 PNG (HACS brands check, HA >= 2026.3 local brands)."""
    data = (INTEGRATION / "brand" / "icon.png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", data[16:24]) == (256, 256)


def test_config_schema() -> None:
    """An integration with async_setup and a config flow declares CONFIG_SCHEMA."""
    module = importlib.import_module("custom_components.marstek_venus")
    assert hasattr(module, "async_setup")
    assert hasattr(module, "CONFIG_SCHEMA")


# --- platforms ------------------------------------------------------------------------------


@pytest.mark.parametrize("platform", [str(platform) for platform in PLATFORMS])
def test_parallel_updates(platform: str) -> None:
    """Every platform module sets PARALLEL_UPDATES: 1 where it sends commands, else 0."""
    module = importlib.import_module(f"custom_components.marstek_venus.{platform}")
    expected = 1 if platform in WRITABLE_PLATFORMS else 0
    assert expected == module.PARALLEL_UPDATES


def test_has_entity_name() -> None:
    """The base entity sets _attr_has_entity_name = True."""
    tree = ast.parse(_sources()["entity.py"])
    assigned = {
        node.targets[0].id: node.value.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign)
        and isinstance(node.targets[0], ast.Name)
        and isinstance(node.value, ast.Constant)
    }
    assert assigned["_attr_has_entity_name"] is True


def test_runtime_data_typed() -> None:
    """Set-up stores the coordinator in runtime_data, typed with a ...ConfigEntry alias."""
    source = _sources()["__init__.py"]
    assert "entry.runtime_data = coordinator" in source
    assert re.search(r"entry: [A-Za-z]+ConfigEntry\)", source)


# --- quality_scale.yaml ---------------------------------------------------------------------


def test_quality_scale() -> None:
    """All 54 rules listed; statuses valid; every exemption explained."""
    rules = yaml.safe_load((INTEGRATION / "quality_scale.yaml").read_text())["rules"]
    assert set(rules) == RULES
    assert len(RULES) == 54
    for rule, status in rules.items():
        if isinstance(status, dict):
            assert status["status"] in {"done", "todo", "exempt"}, rule
            if status["status"] == "exempt":
                assert status.get("comment"), f"{rule}: exempt needs a comment"
        else:
            assert status in {"done", "todo"}, rule


# --- translations and icons -----------------------------------------------------------------


def test_languages_have_the_same_keys() -> None:
    """nl, de and fr translate exactly what en has, with the same placeholders."""
    english = _flatten(_json(INTEGRATION / "translations" / "en.json"))
    for language in LANGUAGES[1:]:
        other = _flatten(_json(INTEGRATION / "translations" / f"{language}.json"))
        assert set(other) == set(english), language
        for key, text in english.items():
            assert set(re.findall(r"{\w+}", other[key])) == set(re.findall(r"{\w+}", text)), (
                language,
                key,
            )
            assert other[key].strip(), (language, key)


ENTITY_PLATFORM_FILES = {f"{platform}.py" for platform in PLATFORMS} | {
    "energy_sensor.py",
    "sensor_pv.py",
    "meter_entities.py",
    "fleet_control_entities.py",
    "fleet_sensors.py",
}


def _entity_keys() -> dict[str, set[str]]:
    keys: dict[str, set[str]] = {str(platform): set() for platform in PLATFORMS}
    for platform, descriptions in (
        ("sensor", SENSORS),
        ("sensor", ENERGY_SENSORS),
        ("sensor", PV_SENSORS),
        ("sensor", FLEET_SENSORS),
        ("binary_sensor", BINARY_SENSORS),
        ("sensor", (GRID_SENSOR, SHARE_SENSOR)),
        ("binary_sensor", (FOLLOWS_SENSOR,)),
        ("select", (MODE_SELECT, period_days(0))),
        ("select", (FLEET_MODE,)),
        ("button", (FLEET_APPLY,)),
        ("number", FLEET_NUMBERS),
        ("button", BUTTONS),
        ("number", (*PASSIVE_NUMBERS, DOD_NUMBER, period_power(0))),
        ("switch", (*SETTING_SWITCHES, period_enabled(0))),
        ("time", period_times(0)),
    ):
        for description in descriptions:
            if description.translation_key:
                keys[platform].add(description.translation_key)
    return keys


def test_entity_translations() -> None:
    """Every entity translation key has a name, and enum/select states are all translated."""
    english = _json(INTEGRATION / "translations" / "en.json")["entity"]
    for platform, keys in _entity_keys().items():
        assert keys == set(english[platform]), platform
        for key in keys:
            assert english[platform][key]["name"]
    for description in (*SENSORS, MODE_SELECT):
        options = getattr(description, "options", None) or list(MODE_OPTIONS)
        if description.key == "operating_mode":
            platform = "select" if description is MODE_SELECT else "sensor"
            assert set(english[platform]["operating_mode"]["state"]) == set(options)
    assert set(english["select"]["period_days"]["state"]) == set(DAY_SET_OPTIONS)
    fleet_states = set(english["select"]["fleet_operating_mode"]["state"])
    assert fleet_states == {*MODE_OPTIONS, MIXED}
    # Period entities are named "Period {period} ...".
    for platform, key in (
        ("select", "period_days"),
        ("number", "period_power"),
        ("switch", "period_enabled"),
        ("time", "period_start"),
        ("time", "period_end"),
    ):
        assert "{period}" in english[platform][key]["name"]


def test_icons() -> None:
    """icons.json has an icon for every entity translation key, and nothing else."""
    icons = _json(INTEGRATION / "icons.json")["entity"]
    for platform, keys in _entity_keys().items():
        assert set(icons[platform]) == keys, platform
        for key in keys:
            assert icons[platform][key]["default"].startswith("mdi:")


def test_exception_translations() -> None:
    """Every translation_key raised in code has an exceptions.<key>.message."""
    english = _json(INTEGRATION / "translations" / "en.json")
    used: set[str] = set()
    for name, source in _sources().items():
        if name in ENTITY_PLATFORM_FILES or name == "issues.py":
            continue
        used.update(re.findall(r'translation_key="(\w+)"', source))
    used -= {"pick_device", "poll_groups"}  # selector translation keys
    used |= {key for _, _, key in TRANSLATED_ERRORS}  # library errors, by type (helpers.py)
    assert used
    assert used == set(english["exceptions"])
    for key in used:
        assert english["exceptions"][key]["message"]


def test_config_flow_translations() -> None:
    """Form errors, abort reasons, steps and selector options used by the flows exist."""
    english = _json(INTEGRATION / "translations" / "en.json")
    # The config flow and the options flow (options.py), the meter's and the system's.
    flows = ("config_flow.py", "options.py", "meter_flow.py", "fleet_flow.py")
    source = "".join(_sources()[name] for name in flows)
    # Form errors come from probe.py: returned as (device, error) or mapped from a verdict.
    probe = ast.parse(_sources()["probe.py"])
    errors = {
        element.value
        for node in ast.walk(probe)
        if isinstance(node, ast.Return) and isinstance(node.value, ast.Tuple)
        for element in node.value.elts
        if isinstance(element, ast.Constant) and isinstance(element.value, str)
    } | {
        value.value
        for node in ast.walk(probe)
        if isinstance(node, ast.Dict)
        for value in node.values
        if isinstance(value, ast.Constant) and isinstance(value.value, str)
    }
    # The meter form's (test_meter_flow.py), in both flows; the system's members form is options only.
    meter_errors = set(english["options"]["error"]) - {"no_members"}
    assert errors | meter_errors == set(english["config"]["error"])
    reasons = set(re.findall(r'(?:reason|error)="(\w+)"', source))
    reasons |= {"already_configured", "already_in_progress", "reconfigure_successful"}
    assert reasons == set(english["config"]["abort"])
    steps = set(re.findall(r'step_id="(\w+)"', source))
    assert steps == set(english["config"]["step"]) | set(english["options"]["step"])
    for step in ("manual", "reconfigure", "pick_device", "discovery_confirm", "meter"):
        data = english["config"]["step"][step]["data"]
        assert set(data) == set(english["config"]["step"][step]["data_description"])
    options_step = english["options"]["step"]["init"]
    assert set(options_step["data"]) == set(options_step["data_description"])
    selectors = english["selector"]
    assert set(selectors["poll_groups"]["options"]) == {str(group) for group in OPTIONAL_GROUPS}
    assert set(selectors["pick_device"]["options"]) == {"manual"}


# --- actions, repairs, device triggers --------------------------------------------------------


def test_services() -> None:
    """services.yaml, the registered actions, their translations and icons agree."""
    from custom_components.marstek_venus import services

    described = yaml.safe_load((INTEGRATION / "services.yaml").read_text())
    registered = {
        services.SERVICE_SET_MANUAL_SCHEDULE,
        services.SERVICE_CLEAR_MANUAL_SCHEDULE,
        services.SERVICE_SET_PASSIVE_MODE,
        services.SERVICE_REQUEST_REFRESH,
        services.SERVICE_SET_FLEET_POWER,
    }
    assert set(described) == registered
    english = _json(INTEGRATION / "translations" / "en.json")
    icons = _json(INTEGRATION / "icons.json")["services"]
    assert set(icons) == registered
    for name, service in described.items():
        assert icons[name]["service"].startswith("mdi:")
        strings = english["services"][name]
        assert strings["name"]
        assert strings["description"]
        assert set(service["fields"]) == set(strings["fields"]), name
        for field in service["fields"]:
            assert strings["fields"][field]["name"]
            assert strings["fields"][field]["description"]
        # Never a device filter in a target (invalid from HA 2026.11): no targets at all.
        assert "target" not in service
    days = described["set_manual_schedule"]["fields"]["days"]["selector"]["select"]
    assert days["options"] == list(WEEKDAY_NAMES)
    assert set(english["selector"][days["translation_key"]]["options"]) == set(WEEKDAY_NAMES)
