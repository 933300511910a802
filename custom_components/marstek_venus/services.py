"""Actions: manual schedule, passive mode, refresh, and the system's power, for automations.

Registered once in ``async_setup`` (rule action-setup). Each call names its battery by
``device_id`` or ``config_entry_id`` (exactly one). Everything is validated before anything is
sent: a bad request raises a translated ServiceValidationError and the battery hears nothing.
Schemas are applied inside the handlers, not by Home Assistant, so that malformed input too
ends in a ServiceValidationError rather than a bare voluptuous error. The helpers that resolve
targets (``async_extract_config_entry_ids`` ...) changed signature between the Home Assistant
releases we support, so the target is resolved here by hand.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import voluptuous as vol
from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.const import ATTR_DEVICE_ID
from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv, device_registry as dr

from .const import DOMAIN
from .coordinator import MarstekDataUpdateCoordinator
from .fleet_runtime import FleetRuntime
from .kinds import EntryKind, entry_kind, is_battery
from .pymarstek_venus import ALL_DAYS, PASSIVE_MAX_DURATION, ManualPeriod
from .schedule import parse_days, parse_time, validate_period, validate_power

ATTR_CONFIG_ENTRY_ID = "config_entry_id"
ATTR_PERIOD = "period"
ATTR_PERIODS = "periods"
ATTR_START = "start"
ATTR_END = "end"
ATTR_DAYS = "days"
ATTR_POWER = "power"
ATTR_ENABLED = "enabled"
ATTR_DURATION = "duration"

SERVICE_SET_MANUAL_SCHEDULE = "set_manual_schedule"
SERVICE_CLEAR_MANUAL_SCHEDULE = "clear_manual_schedule"
SERVICE_SET_PASSIVE_MODE = "set_passive_mode"
SERVICE_REQUEST_REFRESH = "request_refresh"
SERVICE_SET_FLEET_POWER = "set_fleet_power"


def _whole_number(value: Any) -> int:
    """Whole numbers only: 1500, 1500.0 and "1500" pass; 1500.5, True and "a lot" do not."""
    if isinstance(value, bool):
        raise vol.Invalid("expected a whole number")
    if isinstance(value, int):
        return value
    try:
        number = float(value)
    except (TypeError, ValueError) as err:
        raise vol.Invalid("expected a whole number") from err
    if not number.is_integer():
        raise vol.Invalid("expected a whole number")
    return int(number)


TARGET: dict[Any, Any] = {
    vol.Optional(ATTR_DEVICE_ID): cv.string,
    vol.Optional(ATTR_CONFIG_ENTRY_ID): cv.string,
}
PERIOD: dict[Any, Any] = {
    vol.Required(ATTR_PERIOD): _whole_number,
    vol.Required(ATTR_START): cv.match_all,
    vol.Required(ATTR_END): cv.match_all,
    # A list of day names or one comma-separated string: schedule.parse_days checks the names.
    vol.Optional(ATTR_DAYS): vol.All(cv.ensure_list, [cv.string]),
    vol.Required(ATTR_POWER): _whole_number,
    vol.Optional(ATTR_ENABLED, default=True): cv.boolean,
}
PERIOD_SCHEMA = vol.Schema(PERIOD)
SET_SCHEDULE_LIST_SCHEMA = vol.Schema(
    {**TARGET, vol.Required(ATTR_PERIODS): vol.All(cv.ensure_list, [dict], vol.Length(min=1))}
)
SET_SCHEDULE_ONE_SCHEMA = vol.Schema({**TARGET, **PERIOD})
CLEAR_SCHEDULE_SCHEMA = vol.Schema(
    {**TARGET, vol.Optional(ATTR_PERIODS): vol.All(cv.ensure_list, [_whole_number])}
)
PASSIVE_SCHEMA = vol.Schema(
    {
        **TARGET,
        vol.Required(ATTR_POWER): _whole_number,
        vol.Optional(ATTR_DURATION): _whole_number,
    }
)
REFRESH_SCHEMA = vol.Schema(TARGET)
FLEET_POWER_SCHEMA = PASSIVE_SCHEMA


def _validated(schema: vol.Schema, data: Mapping[str, Any]) -> dict[str, Any]:
    try:
        result: dict[str, Any] = schema(dict(data))
    except vol.Invalid as err:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="invalid_request",
            translation_placeholders={"error": str(err)},
        ) from err
    return result


def _has_device(registry: dr.DeviceRegistry, entry: ConfigEntry, device_id: Any) -> bool:
    """Whether ``device_id`` is one of the entry's devices."""
    return any(
        device.id == device_id
        for device in dr.async_entries_for_config_entry(registry, entry.entry_id)
    )


def _loaded(entry: ConfigEntry) -> Any:
    """The runtime data of the entry a call names; an entry that is not loaded is refused."""
    if entry.state is not ConfigEntryState.LOADED:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="entry_not_loaded",
            translation_placeholders={"name": entry.title},
        )
    return entry.runtime_data


def _coordinator(hass: HomeAssistant, data: Mapping[str, Any]) -> MarstekDataUpdateCoordinator:
    """The loaded battery the call names by device id or config entry id."""
    device_id, entry_id = data.get(ATTR_DEVICE_ID), data.get(ATTR_CONFIG_ENTRY_ID)
    if bool(device_id) == bool(entry_id):
        raise ServiceValidationError(translation_domain=DOMAIN, translation_key="target_required")
    if device_id:
        registry = dr.async_get(hass)
        entry = next(
            (
                entry
                for entry in hass.config_entries.async_entries(DOMAIN)
                if is_battery(entry) and _has_device(registry, entry, device_id)
            ),
            None,
        )
        if entry is None:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="device_not_found",
                translation_placeholders={"device_id": str(device_id)},
            )
    else:
        found = hass.config_entries.async_get_entry(str(entry_id))
        if found is None or found.domain != DOMAIN or not is_battery(found):
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="entry_not_found",
                translation_placeholders={"entry_id": str(entry_id)},
            )
        entry = found
    coordinator: MarstekDataUpdateCoordinator = _loaded(entry)
    return coordinator


def _period(item: Mapping[str, Any], coordinator: MarstekDataUpdateCoordinator) -> ManualPeriod:
    """One period of a request (1-based number) as the battery's slot, validated."""
    fields = _validated(PERIOD_SCHEMA, item)
    days = fields.get(ATTR_DAYS)
    period = ManualPeriod(
        slot=fields[ATTR_PERIOD] - 1,
        start=parse_time(fields[ATTR_START]),
        end=parse_time(fields[ATTR_END]),
        weekdays=ALL_DAYS if days is None else parse_days(days),
        power=fields[ATTR_POWER],
        enabled=fields[ATTR_ENABLED],
    )
    validate_period(period, coordinator.profile.manual_slots, coordinator.control.power_limit)
    return period


def _check_period_number(number: int, coordinator: MarstekDataUpdateCoordinator) -> int:
    count = coordinator.profile.manual_slots
    if not 1 <= number <= count:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="invalid_period",
            translation_placeholders={"period": str(number), "count": str(count)},
        )
    return number - 1


async def _async_set_manual_schedule(call: ServiceCall) -> None:
    if ATTR_PERIODS in call.data:
        data = _validated(SET_SCHEDULE_LIST_SCHEMA, call.data)
        items: list[Mapping[str, Any]] = data[ATTR_PERIODS]
    else:
        data = _validated(SET_SCHEDULE_ONE_SCHEMA, call.data)
        items = [{key: value for key, value in data.items() if key not in TARGET}]
    coordinator = _coordinator(call.hass, data)
    periods = [_period(item, coordinator) for item in items]
    slots = [period.slot for period in periods]
    if len(set(slots)) != len(slots):
        raise ServiceValidationError(translation_domain=DOMAIN, translation_key="duplicate_period")
    await coordinator.control.async_write_periods(periods)


async def _async_clear_manual_schedule(call: ServiceCall) -> None:
    data = _validated(CLEAR_SCHEDULE_SCHEMA, call.data)
    coordinator = _coordinator(call.hass, data)
    numbers = data.get(ATTR_PERIODS) or range(1, coordinator.profile.manual_slots + 1)
    slots = sorted({_check_period_number(number, coordinator) for number in numbers})
    await coordinator.control.async_clear_periods(slots)


async def _async_set_passive_mode(call: ServiceCall) -> None:
    data = _validated(PASSIVE_SCHEMA, call.data)
    coordinator = _coordinator(call.hass, data)
    power: int = data[ATTR_POWER]
    duration: int | None = data.get(ATTR_DURATION)
    validate_power(power, coordinator.control.power_limit)
    if duration is not None and not 1 <= duration <= PASSIVE_MAX_DURATION:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="invalid_duration",
            translation_placeholders={"duration": str(duration), "max": str(PASSIVE_MAX_DURATION)},
        )
    await coordinator.control.async_set_passive(power, duration, send=True)


async def _async_request_refresh(call: ServiceCall) -> None:
    data = _validated(REFRESH_SCHEMA, call.data)
    # Debounced like every refresh request, so automations cannot flood the battery.
    await _coordinator(call.hass, data).async_request_refresh()


def _system(hass: HomeAssistant, data: Mapping[str, Any]) -> FleetRuntime:
    """The loaded system the call names by device or config entry; the only one if neither."""
    device_id, entry_id = data.get(ATTR_DEVICE_ID), data.get(ATTR_CONFIG_ENTRY_ID)
    registry = dr.async_get(hass)
    systems = [
        entry
        for entry in hass.config_entries.async_entries(DOMAIN)
        if entry_kind(entry) is EntryKind.SYSTEM
        and (not entry_id or entry.entry_id == entry_id)
        and (not device_id or _has_device(registry, entry, device_id))
    ]
    if len(systems) != 1:
        raise ServiceValidationError(translation_domain=DOMAIN, translation_key="system_not_found")
    runtime: FleetRuntime = _loaded(systems[0])
    return runtime


async def _async_set_fleet_power(call: ServiceCall) -> ServiceResponse:
    """Split the power over the system's batteries (fleet_control.py); returns each share."""
    data = _validated(FLEET_POWER_SCHEMA, call.data)
    control = _system(call.hass, data).control
    result = await control.async_set_power(data[ATTR_POWER], data.get(ATTR_DURATION))
    return result.as_response()


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the integration's actions (once, whatever the number of batteries)."""
    for name, handler in (
        (SERVICE_SET_MANUAL_SCHEDULE, _async_set_manual_schedule),
        (SERVICE_CLEAR_MANUAL_SCHEDULE, _async_clear_manual_schedule),
        (SERVICE_SET_PASSIVE_MODE, _async_set_passive_mode),
        (SERVICE_REQUEST_REFRESH, _async_request_refresh),
    ):
        hass.services.async_register(DOMAIN, name, handler)
    hass.services.async_register(
        DOMAIN,
        SERVICE_SET_FLEET_POWER,
        _async_set_fleet_power,
        supports_response=SupportsResponse.OPTIONAL,
    )
