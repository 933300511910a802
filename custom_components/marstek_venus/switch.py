"""Switches: each schedule period on or off, the panel LED and BLE advertising."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import MarstekConfigEntry, MarstekDataUpdateCoordinator
from .entity import MarstekStoredEntity, period_enabled_default, period_slots
from .helpers import marstek_command

PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class MarstekSwitchEntityDescription(SwitchEntityDescription):
    """A switch for something the battery cannot report: the stored value is shown."""

    is_on_fn: Callable[[MarstekDataUpdateCoordinator], bool | None]
    set_fn: Callable[[MarstekDataUpdateCoordinator, bool], Awaitable[None]]
    slot: int | None = None


SETTING_SWITCHES: tuple[MarstekSwitchEntityDescription, ...] = (
    MarstekSwitchEntityDescription(
        key="panel_led",
        translation_key="panel_led",
        entity_category=EntityCategory.CONFIG,
        is_on_fn=lambda coordinator: coordinator.settings.led,
        set_fn=lambda coordinator, on: coordinator.async_set_led(on),
    ),
    # The library sends the firmware's polarity (1 = advertising on), not the PDF's.
    MarstekSwitchEntityDescription(
        key="ble_advertising",
        translation_key="ble_advertising",
        entity_category=EntityCategory.CONFIG,
        is_on_fn=lambda coordinator: coordinator.settings.ble_advertising,
        set_fn=lambda coordinator, on: coordinator.async_set_ble_advertising(on),
    ),
)


def period_enabled(slot: int) -> MarstekSwitchEntityDescription:
    """Whether one schedule period runs."""

    def is_on(coordinator: MarstekDataUpdateCoordinator) -> bool | None:
        period = coordinator.schedule.period(slot)
        return period.enabled if period is not None else None

    def set_enabled(coordinator: MarstekDataUpdateCoordinator, on: bool) -> Awaitable[None]:
        return coordinator.async_update_period(slot, enabled=on)

    return MarstekSwitchEntityDescription(
        key=f"period_{slot + 1}_enabled",
        translation_key="period_enabled",
        entity_category=EntityCategory.CONFIG,
        entity_registry_enabled_default=period_enabled_default(slot),
        slot=slot,
        is_on_fn=is_on,
        set_fn=set_enabled,
    )


async def async_setup_entry(
    hass: HomeAssistant,
    entry: MarstekConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a switch per schedule period, and the device settings the firmware supports."""
    coordinator = entry.runtime_data
    descriptions = [period_enabled(slot) for slot in period_slots(coordinator)]
    if coordinator.profile.supports_settings:
        descriptions.extend(SETTING_SWITCHES)
    async_add_entities(MarstekSwitch(coordinator, description) for description in descriptions)


class MarstekSwitch(MarstekStoredEntity, SwitchEntity):
    """A switch whose state is what the integration last wrote (assumed state)."""

    entity_description: MarstekSwitchEntityDescription

    def __init__(
        self,
        coordinator: MarstekDataUpdateCoordinator,
        description: MarstekSwitchEntityDescription,
    ) -> None:
        """No method group: none of these can be read from the battery."""
        super().__init__(coordinator, description, ())

    @property
    def is_on(self) -> bool | None:
        """Unknown until the integration has written it."""
        return self.entity_description.is_on_fn(self.coordinator)

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Write "on", verified by the battery's acknowledgement."""
        await self._async_set(True)

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Write "off", verified by the battery's acknowledgement."""
        await self._async_set(False)

    async def _async_set(self, on: bool) -> None:
        if self.entity_description.slot is not None:
            # A period: the schedule writer translates errors and reads the battery again
            # only when it wrote to it (an edit kept pending sends nothing).
            await self.entity_description.set_fn(self.coordinator, on)
        else:
            await self._async_send(on)

    @marstek_command
    async def _async_send(self, on: bool) -> None:
        await self.entity_description.set_fn(self.coordinator, on)
