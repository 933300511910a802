"""Shared by the write path and the watchers: error translation and device-trigger events."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr

from .const import DOMAIN, EVENT_MARSTEK, LOGGER, Trigger
from .pymarstek_venus import (
    MarstekError,
    MarstekMethodNotSupportedError,
    MarstekPassiveNotFollowedError,
    MarstekValidationError,
    MarstekWriteError,
)

# Library error -> the Home Assistant error and translation key it becomes; the first match
# wins, so subclasses come before their base. Bad input is the caller's to fix
# (ServiceValidationError); everything else is the battery's answer or its silence.
TRANSLATED_ERRORS: tuple[tuple[type[MarstekError], type[HomeAssistantError], str], ...] = (
    (MarstekValidationError, ServiceValidationError, "invalid_command"),
    (MarstekMethodNotSupportedError, HomeAssistantError, "not_supported"),
    (MarstekWriteError, HomeAssistantError, "write_not_confirmed"),
    (MarstekError, HomeAssistantError, "communication_error"),
)


@contextmanager
def translate_errors() -> Iterator[None]:
    """Turn library errors into translated Home Assistant errors (entities and actions)."""
    try:
        yield
    except MarstekPassiveNotFollowedError as err:
        # Acknowledged, even sent twice, but the AC power did not reach the target.
        actual = "?" if err.actual is None else f"{err.actual:.0f}"
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="passive_not_confirmed",
            translation_placeholders={"power": str(err.power), "actual": actual},
        ) from err
    except MarstekError as err:
        error, key = next(
            (error, key) for kind, error, key in TRANSLATED_ERRORS if isinstance(err, kind)
        )
        raise error(
            translation_domain=DOMAIN,
            translation_key=key,
            translation_placeholders={"error": str(err)},
        ) from err


@callback
def async_fire_trigger(
    hass: HomeAssistant, entry: ConfigEntry[Any], host: str, trigger: Trigger, **extra: str
) -> None:
    """Fire the bus event behind a device trigger of the entry's battery."""
    registry = dr.async_get(hass)
    devices = dr.async_entries_for_config_entry(registry, entry.entry_id)
    if not devices:
        return  # still setting up: there is no device to trigger on yet
    LOGGER.debug("Marstek battery at %s: %s %s", host, trigger, extra)
    hass.bus.async_fire(EVENT_MARSTEK, {"device_id": devices[0].id, "type": str(trigger), **extra})
