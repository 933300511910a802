"""Switches: each schedule period on or off, the panel LED and BLE advertising."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.const import EntityCategory, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import MarstekConfigEntry
from .entity import MarstekEntity, MarstekEntityDescription, Reader, Writer, described
from .kinds import kind_entities
from .period_entity import period_edit, period_fields, period_slots, period_value

PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class MarstekSwitchEntityDescription(SwitchEntityDescription, MarstekEntityDescription):
    """A switch for something the battery cannot report: the stored value is shown."""

    stored: bool = True
    is_on_fn: Reader[bool]
    set_fn: Writer[bool]


def _setting(
    key: str,
    is_on_fn: Reader[bool],
    set_fn: Writer[bool],
) -> MarstekSwitchEntityDescription:
    """A device setting: only firmware that takes DOD.SET, Led.Ctrl and Ble.Adv has them."""
    return MarstekSwitchEntityDescription(
        key=key,
        translation_key=key,
        entity_category=EntityCategory.CONFIG,
        is_on_fn=is_on_fn,
        set_fn=set_fn,
        has_fn=lambda coordinator: coordinator.profile.supports_settings,
    )


SETTING_SWITCHES: tuple[MarstekSwitchEntityDescription, ...] = (
    _setting(
        "panel_led",
        lambda coordinator: coordinator.control.settings.led,
        lambda control, on: control.async_set_led(on),
    ),
    # The library sends the firmware's polarity (1 = advertising on), not the PDF's.
    _setting(
        "ble_advertising",
        lambda coordinator: coordinator.control.settings.ble_advertising,
        lambda control, on: control.async_set_ble_advertising(on),
    ),
)


def period_enabled(slot: int) -> MarstekSwitchEntityDescription:
    """Whether one schedule period runs."""
    return MarstekSwitchEntityDescription(
        **period_fields(slot, "enabled"),
        is_on_fn=period_value(slot, lambda period: period.enabled),
        set_fn=period_edit(slot, "enabled"),
    )


async def async_setup_entry(
    hass: HomeAssistant,
    entry: MarstekConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a switch per schedule period, and the device settings the firmware supports."""
    if (entities := kind_entities(entry, Platform.SWITCH)) is not None:
        async_add_entities(entities)
        return
    coordinator = entry.runtime_data
    descriptions = [
        *(period_enabled(slot) for slot in period_slots(coordinator)),
        *SETTING_SWITCHES,
    ]
    async_add_entities(described(coordinator, MarstekSwitch, descriptions))


class MarstekSwitch(MarstekEntity, SwitchEntity):
    """A switch whose state is what the integration last wrote (assumed state)."""

    entity_description: MarstekSwitchEntityDescription

    @property
    def is_on(self) -> bool | None:
        """Unknown until the integration has written it."""
        return self.entity_description.is_on_fn(self.coordinator)

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Write "on", verified by the battery's acknowledgement."""
        await self.entity_description.set_fn(self.coordinator.control, True)

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Write "off", verified by the battery's acknowledgement."""
        await self.entity_description.set_fn(self.coordinator.control, False)
