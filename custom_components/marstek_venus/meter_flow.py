"""Adding and editing an emulated Shelly meter (config-flow mixin and options flow).

One form serves both: the Shelly model to emulate, the grid power source (one sensor, or one
per phase), its sign, the batteries served, what other senders get, and how old the source
may be. A source must be a sensor in a power unit (W, kW, MW ...): the unit is read from its
state (or, while it has none, from the entity registry) and converted at answer time.

There is one meter per Shelly model: the model decides the UDP ports the batteries poll
(meter-emulation.md §1.2), and two listeners cannot share a port.
"""

from __future__ import annotations

import secrets
from typing import Any

import voluptuous as vol
from homeassistant.components.sensor import SensorDeviceClass
from homeassistant.config_entries import ConfigEntry, ConfigFlow, ConfigFlowResult, OptionsFlow
from homeassistant.const import ATTR_UNIT_OF_MEASUREMENT
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.selector import (
    BooleanSelector,
    EntityFilterSelectorConfig,
    EntitySelector,
    EntitySelectorConfig,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
)

from .const import DOMAIN
from .fleet_runtime import SYSTEM_UNIQUE_ID, configured_members
from .kinds import CONF_KIND, EntryKind, battery_entries
from .meter_config import (
    CONF_ANSWER_UNCONFIGURED,
    CONF_BATTERIES,
    CONF_DEVICE_ID,
    CONF_EXPORT_POSITIVE,
    CONF_LISTEN_HOST,
    CONF_MODEL,
    CONF_PHASE_A,
    CONF_PORTS,
    CONF_SOURCE,
    CONF_STALE_LIMIT,
    DEFAULT_STALE_LIMIT,
    LISTEN_ALL,
    MAX_STALE_LIMIT,
    MIN_STALE_LIMIT,
    PHASES,
    power_unit_factor,
)
from .options import whole_number
from .pymarstek_venus import SHELLY_MODELS, ShellyModel

# The Pro 3EM is the model most batteries and firmware accept (meter-emulation.md §1.7).
DEFAULT_MODEL = "shellypro3em"


def meter_unique_id(model: ShellyModel) -> str:
    """One meter entry per Shelly model: its ports are exclusive."""
    return f"meter_{model.key}"


def meter_title(model: ShellyModel) -> str:
    """The entry's (and the device's) name: "Emulated Shelly Pro 3EM"."""
    return f"Emulated {model.name}"


def _power_sensor() -> EntitySelector:
    # ``filter`` rather than the older top-level domain/device_class keys.
    power = EntityFilterSelectorConfig(domain="sensor", device_class=SensorDeviceClass.POWER)
    return EntitySelector(EntitySelectorConfig(filter=power))


def _default_served(hass: HomeAssistant, batteries: list[str]) -> list[str]:
    """The system's members when there is a system (the same batteries, sharing by the same
    split), else every battery."""
    system = hass.config_entries.async_entry_for_domain_unique_id(DOMAIN, SYSTEM_UNIQUE_ID)
    if system is None:
        return batteries
    return list(configured_members(hass, system))


def meter_schema(hass: HomeAssistant) -> vol.Schema:
    """The meter form; every battery (or the system's) is served unless the user unticks it."""
    batteries = [
        SelectOptionDict(value=entry.entry_id, label=entry.title) for entry in battery_entries(hass)
    ]
    served = _default_served(hass, [option["value"] for option in batteries])
    models = [SelectOptionDict(value=m.key, label=m.name) for m in SHELLY_MODELS.values()]
    phases: dict[vol.Marker, Any] = {vol.Optional(phase): _power_sensor() for phase in PHASES}
    return vol.Schema(
        {
            vol.Required(CONF_MODEL, default=DEFAULT_MODEL): SelectSelector(
                SelectSelectorConfig(options=models, mode=SelectSelectorMode.LIST)
            ),
            vol.Optional(CONF_SOURCE): _power_sensor(),
            **phases,
            vol.Required(CONF_EXPORT_POSITIVE, default=False): BooleanSelector(),
            vol.Required(CONF_BATTERIES, default=served): SelectSelector(
                SelectSelectorConfig(options=batteries, multiple=True, mode=SelectSelectorMode.LIST)
            ),
            vol.Required(CONF_ANSWER_UNCONFIGURED, default=False): BooleanSelector(),
            vol.Required(CONF_STALE_LIMIT, default=DEFAULT_STALE_LIMIT): whole_number(
                MIN_STALE_LIMIT, MAX_STALE_LIMIT, "s"
            ),
        }
    )


def _unit_error(hass: HomeAssistant, entity_id: str) -> str | None:
    """Why ``entity_id`` cannot be a grid power source; None when it can."""
    state = hass.states.get(entity_id)
    registered = er.async_get(hass).async_get(entity_id)
    if state is None and registered is None:
        return "source_missing"
    unit = state.attributes.get(ATTR_UNIT_OF_MEASUREMENT) if state is not None else None
    if unit is None and registered is not None:
        unit = registered.unit_of_measurement
    return "not_power" if power_unit_factor(unit) is None else None


def validate_meter_input(
    hass: HomeAssistant, user_input: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, str]]:
    """The entry's options from the form, and the form's errors (empty when it is valid)."""
    errors: dict[str, str] = {}
    source = user_input.get(CONF_SOURCE)
    phases = [phase for phase in PHASES if user_input.get(phase)]
    if source and phases:
        errors["base"] = "source_or_phases"
    elif not source and CONF_PHASE_A not in phases:
        errors["base"] = "phase_a_required" if phases else "no_source"
    else:
        for field in [CONF_SOURCE] if source else phases:
            if error := _unit_error(hass, str(user_input[field])):
                errors[field] = error
    options = {
        key: value
        for key, value in user_input.items()
        if key != CONF_MODEL and value not in (None, "")
    }
    return options, errors


def _description(model: ShellyModel) -> dict[str, str]:
    """What the user must do in the Marstek app, for this model."""
    return {"model": model.name, "ports": ", ".join(str(port) for port in model.ports)}


class MeterFlowMixin(ConfigFlow):
    """The ``meter`` step of the integration's config flow (config_flow.OTHER_KINDS)."""

    async def async_step_meter(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Choose the model and the source; the entry is made once the source is a power."""
        errors: dict[str, str] = {}
        if user_input is not None:
            model = SHELLY_MODELS[user_input[CONF_MODEL]]
            options, errors = validate_meter_input(self.hass, user_input)
            if meter_unique_id(model) in self._async_current_ids(include_ignore=False):
                errors[CONF_MODEL] = "model_in_use"
            if not errors:
                await self.async_set_unique_id(meter_unique_id(model))
                self._abort_if_unique_id_configured()
                return self.async_create_entry(
                    title=meter_title(model),
                    data={
                        CONF_KIND: str(EntryKind.METER),
                        CONF_MODEL: model.key,
                        # The Shelly id in ``src``: kept, so the battery sees one meter.
                        CONF_DEVICE_ID: secrets.token_hex(6),
                        CONF_LISTEN_HOST: LISTEN_ALL,
                        CONF_PORTS: list(model.ports),
                    },
                    options=options,
                    description="meter",
                    description_placeholders=_description(model),
                )
        return self.async_show_form(
            step_id="meter",
            data_schema=self.add_suggested_values_to_schema(
                meter_schema(self.hass), user_input or {}
            ),
            errors=errors,
        )


class MeterOptionsFlow(OptionsFlow):
    """Edit everything the meter form asked; a change reloads the meter."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """The meter form, filled in with the entry's settings."""
        return await self.async_step_meter()

    async def async_step_meter(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Check and store the settings; another model takes that model's ports."""
        entry = self.config_entry
        errors: dict[str, str] = {}
        if user_input is not None:
            model = SHELLY_MODELS[user_input[CONF_MODEL]]
            options, errors = validate_meter_input(self.hass, user_input)
            if self._taken(entry, model):
                errors[CONF_MODEL] = "model_in_use"
            if not errors:
                self._store(entry, model, options)
                return self.async_create_entry(data=options)
        current = {**entry.options, CONF_MODEL: entry.data[CONF_MODEL]}
        model = SHELLY_MODELS[str(entry.data[CONF_MODEL])]
        return self.async_show_form(
            step_id="meter",
            data_schema=self.add_suggested_values_to_schema(
                meter_schema(self.hass), user_input or current
            ),
            errors=errors,
            description_placeholders=_description(model),
        )

    def _taken(self, entry: ConfigEntry[Any], model: ShellyModel) -> bool:
        """Another meter entry emulates ``model`` already."""
        unique_id = meter_unique_id(model)
        return any(
            other.unique_id == unique_id and other.entry_id != entry.entry_id
            for other in self.hass.config_entries.async_entries(DOMAIN)
        )

    def _store(self, entry: ConfigEntry[Any], model: ShellyModel, options: dict[str, Any]) -> None:
        """Update the entry (a new model moves it to that model's ports) and reload it.

        Reloaded here rather than through an update listener, as the battery's options flow
        does (config_flow.py).
        """
        old = SHELLY_MODELS[str(entry.data[CONF_MODEL])]
        changes: dict[str, Any] = {}
        if model != old:
            ports = entry.data.get(CONF_PORTS)
            # Ports other than the old model's were chosen on purpose (tests): keep them.
            moved = ports is None or tuple(ports) == old.ports
            data = {**entry.data, CONF_MODEL: model.key}
            if moved:
                data[CONF_PORTS] = list(model.ports)
            changes = {"data": data, "unique_id": meter_unique_id(model)}
            if entry.title == meter_title(old):
                changes["title"] = meter_title(model)
        if changes or options != dict(entry.options):
            self.hass.config_entries.async_update_entry(entry, options=options, **changes)
            self.hass.config_entries.async_schedule_reload(entry.entry_id)
