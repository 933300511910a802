"""Adding an emulated meter from the config flow's menu, and editing it in its options."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from unittest.mock import AsyncMock

import pytest
from homeassistant.config_entries import SOURCE_IGNORE, SOURCE_USER
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.marstek_venus.config_flow import MarstekConfigFlow
from custom_components.marstek_venus.const import DOMAIN
from custom_components.marstek_venus.fleet_runtime import CONF_MEMBERS, SYSTEM_UNIQUE_ID
from custom_components.marstek_venus.kinds import CONF_KIND
from custom_components.marstek_venus.meter_flow import MeterOptionsFlow

from .meter_support import GRID, battery_entry, meter_entry, set_power

INTEGRATION = Path(__file__).parents[2] / "custom_components" / "marstek_venus"
FORM = {
    "model": "shellyproem50",
    "source": GRID,
    "export_positive": False,
    "answer_unconfigured": False,
    "stale_limit": 10,
}


async def _meter_form(hass: HomeAssistant) -> dict[str, Any]:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == ["battery", "meter", "system"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "meter"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "meter"
    return result


@pytest.mark.usefixtures("mock_setup_entry")
async def test_add_a_meter(hass: HomeAssistant, mock_config_entry: MockConfigEntry) -> None:
    """The menu offers a meter once a battery exists; every battery is served by default."""
    mock_config_entry.add_to_hass(hass)
    set_power(hass, "1.5", "kW")
    result = await _meter_form(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], FORM)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Emulated Shelly Pro EM-50"
    assert result["description"] == "meter"
    assert result["description_placeholders"] == {"model": "Shelly Pro EM-50", "ports": "2223"}
    data = result["data"]
    assert data["kind"] == "meter"
    assert data["model"] == "shellyproem50"
    assert data["host"] == "0.0.0.0"
    assert data["ports"] == [2223]
    assert len(data["device_id"]) == 12
    int(data["device_id"], 16)
    assert result["result"].unique_id == "meter_shellyproem50"
    assert result["result"].options == {
        **{key: value for key, value in FORM.items() if key != "model"},
        "batteries": [mock_config_entry.entry_id],
    }


@pytest.mark.parametrize(
    ("form", "errors"),
    [
        ({"source": None}, {"base": "no_source"}),
        ({"phase_a": "sensor.l1"}, {"base": "source_or_phases"}),
        ({"source": None, "phase_b": "sensor.l2"}, {"base": "phase_a_required"}),
        ({"source": "sensor.voltage"}, {"source": "not_power"}),
        ({"source": "sensor.nothing"}, {"source": "source_missing"}),
        ({"source": None, "phase_a": "sensor.l1", "phase_c": "sensor.voltage"},
         {"phase_c": "not_power"}),
    ],
)  # fmt: skip
@pytest.mark.usefixtures("mock_setup_entry")
async def test_form_errors_then_recover(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    form: dict[str, Any],
    errors: dict[str, str],
) -> None:
    """A source must exist and be a power; one source or sensors per phase with A."""
    mock_config_entry.add_to_hass(hass)
    set_power(hass, "300")
    set_power(hass, "120", entity="sensor.l1")
    set_power(hass, "230", "V", entity="sensor.voltage")
    result = await _meter_form(hass)
    user_input = {key: value for key, value in {**FORM, **form}.items() if value is not None}
    result = await hass.config_entries.flow.async_configure(result["flow_id"], user_input)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == errors

    result = await hass.config_entries.flow.async_configure(result["flow_id"], FORM)
    assert result["type"] is FlowResultType.CREATE_ENTRY


@pytest.mark.usefixtures("mock_setup_entry")
async def test_unit_from_the_registry_and_per_phase(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, entity_registry: er.EntityRegistry
) -> None:
    """A sensor without a state yet is judged by its registered unit; phases B, C optional."""
    mock_config_entry.add_to_hass(hass)
    registered = entity_registry.async_get_or_create(
        "sensor", "p1", "l1", unit_of_measurement="kW", original_device_class="power"
    )
    result = await _meter_form(hass)
    user_input = {**FORM, "source": None, "phase_a": registered.entity_id}
    del user_input["source"]
    result = await hass.config_entries.flow.async_configure(result["flow_id"], user_input)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["result"].options["phase_a"] == registered.entity_id
    assert "source" not in result["result"].options


@pytest.mark.usefixtures("mock_setup_entry")
async def test_one_meter_per_model(hass: HomeAssistant, mock_config_entry: MockConfigEntry) -> None:
    """A model already emulated is refused: its ports can serve one meter only."""
    mock_config_entry.add_to_hass(hass)
    meter_entry().add_to_hass(hass)
    set_power(hass, "300")
    result = await _meter_form(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], FORM)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"model": "model_in_use"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**FORM, "model": "shellypro3em"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"]["ports"] == [1010, 2220]


@pytest.mark.usefixtures("mock_setup_entry")
async def test_options_edit_everything(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    """The options flow shows the meter's settings, checks them, and can change the model."""
    mock_config_entry.add_to_hass(hass)
    set_power(hass, "300")
    set_power(hass, "-0.2", "kW", entity="sensor.other")
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Emulated Shelly Pro EM-50",
        unique_id="meter_shellyproem50",
        data={"kind": "meter", "model": "shellyproem50", "device_id": "a1b2c3d4e5f6",
              "host": "0.0.0.0", "ports": [2223]},
        options={**{k: v for k, v in FORM.items() if k != "model"}, "batteries": []},
    )  # fmt: skip
    entry.add_to_hass(hass)
    meter_entry("shellyemg3", entry_id="01JOTHER").add_to_hass(hass)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "meter"
    assert result["description_placeholders"] == {"model": "Shelly Pro EM-50", "ports": "2223"}
    assert isinstance(hass.config_entries.options._progress[result["flow_id"]], MeterOptionsFlow)

    changed = {**FORM, "source": "sensor.other", "stale_limit": 15, "export_positive": True}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**changed, "model": "shellyemg3"}
    )
    assert result["errors"] == {"model": "model_in_use"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**changed, "source": "sensor.nothing"}
    )
    assert result["errors"] == {"source": "source_missing"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**changed, "model": "shellypro3em"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options["source"] == "sensor.other"
    assert entry.options["stale_limit"] == 15
    assert entry.options["export_positive"] is True
    assert entry.unique_id == "meter_shellypro3em"
    assert entry.title == "Emulated Shelly Pro 3EM"
    assert entry.data["ports"] == [1010, 2220]
    assert entry.data["device_id"] == "a1b2c3d4e5f6"  # the battery keeps seeing one meter


@pytest.mark.usefixtures("mock_setup_entry")
async def test_options_unchanged_and_ports_kept(hass: HomeAssistant) -> None:
    """Nothing changed: no update. A new model keeps ports chosen on purpose."""
    set_power(hass, "300")
    entry = meter_entry()
    entry.add_to_hass(hass)
    options = dict(entry.options)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    form = {**FORM, **options}
    result = await hass.config_entries.options.async_configure(result["flow_id"], form)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options == {**options, **{k: v for k, v in FORM.items() if k != "model"}}

    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**form, "model": "shellyemg3"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.data["ports"] == [0]
    assert entry.title == "Emulated meter"  # a name the user chose stays


async def test_form_fields_are_translated(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    """Every field of the form has a label and a description; sources are power sensors."""
    mock_config_entry.add_to_hass(hass)
    result = await _meter_form(hass)
    english = json.loads((INTEGRATION / "translations" / "en.json").read_text(encoding="utf-8"))
    step = english["config"]["step"]["meter"]
    assert {str(key) for key in result["data_schema"].schema} == set(step["data"])
    assert set(step["data"]) == set(step["data_description"])
    assert english["options"]["step"]["meter"]["data"] == step["data"]
    assert set(english["config"]["step"]["user"]["menu_options"]) == {
        "battery",
        *MarstekConfigFlow.OTHER_KINDS,
    }
    assert set(english["config"]["create_entry"]) == {"meter"}
    # The form's errors (test_quality.py takes the options flow's as the meter's).
    source = (INTEGRATION / "meter_flow.py").read_text(encoding="utf-8")
    errors = set(english["options"]["error"]) - {"no_members"}  # the system's members form
    assert errors == {
        "no_source", "source_or_phases", "phase_a_required", "source_missing", "not_power",
        "model_in_use",
    }  # fmt: skip
    assert all(f'"{error}"' in source for error in errors)
    selector = result["data_schema"].schema["source"]
    assert selector.config["filter"] == [{"domain": ["sensor"], "device_class": ["power"]}]


async def test_no_menu_without_a_battery(hass: HomeAssistant, mock_setup_entry: AsyncMock) -> None:
    """Before any battery exists, adding goes straight to the battery."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "manual"


@pytest.mark.usefixtures("mock_setup_entry")
async def test_serves_the_systems_batteries_by_default(hass: HomeAssistant) -> None:
    """With a system of batteries, the meter serves its members unless the user changes it."""
    first, second = battery_entry(1), battery_entry(2)
    first.add_to_hass(hass)
    second.add_to_hass(hass)
    MockConfigEntry(
        domain=DOMAIN,
        unique_id=SYSTEM_UNIQUE_ID,
        data={CONF_KIND: "system"},
        options={CONF_MEMBERS: [second.entry_id]},
    ).add_to_hass(hass)
    result = await _meter_form(hass)
    served = next(key for key in result["data_schema"].schema if str(key) == "batteries")
    assert served.default() == [second.entry_id]


@pytest.mark.usefixtures("mock_setup_entry")
async def test_ignored_discoveries_are_no_batteries(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    """An ignored discovery (empty data, so no kind) is neither offered nor served."""
    mock_config_entry.add_to_hass(hass)
    MockConfigEntry(domain=DOMAIN, source=SOURCE_IGNORE, unique_id="system", data={}).add_to_hass(
        hass
    )
    result = await _meter_form(hass)
    served = next(key for key in result["data_schema"].schema if str(key) == "batteries")
    assert served.default() == [mock_config_entry.entry_id]
    options = result["data_schema"].schema[served].config["options"]
    assert [option["value"] for option in options] == [mock_config_entry.entry_id]
