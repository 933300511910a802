"""Setting up, unloading and removing an emulated meter entry (``__init__.KINDS``)."""

from __future__ import annotations

from typing import Any, Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant

from . import issues
from .kinds import KindSetup
from .meter_config import MeterConfig
from .meter_runtime import MeterRuntime

METER_PLATFORMS: Final = (Platform.BINARY_SENSOR, Platform.SENSOR)


async def async_setup_meter(hass: HomeAssistant, entry: ConfigEntry[Any]) -> bool:
    """Bind the model's ports and start answering; not ready while a port cannot be bound."""
    runtime = MeterRuntime(hass, entry, MeterConfig.from_entry(entry))
    await runtime.async_start()
    entry.runtime_data = runtime
    try:
        await hass.config_entries.async_forward_entry_setups(entry, METER_PLATFORMS)
    except BaseException:
        await runtime.async_stop()  # a retried set-up must find the ports free
        raise
    return True


async def async_unload_meter(hass: HomeAssistant, entry: ConfigEntry[Any]) -> bool:
    """Stop answering and free the ports (after the platforms are unloaded)."""
    runtime: MeterRuntime = entry.runtime_data
    await runtime.async_stop()
    return True


async def async_remove_meter(hass: HomeAssistant, entry: ConfigEntry[Any]) -> None:
    """Forget the meter's repair issues."""
    issues.async_delete_all(hass, entry)


METER_SETUP: Final = KindSetup(
    platforms=METER_PLATFORMS,
    setup=async_setup_meter,
    unload=async_unload_meter,
    remove=async_remove_meter,
)
