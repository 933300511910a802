"""The operating-mode select of a Marstek Venus battery."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from homeassistant.components.select import SelectEntity, SelectEntityDescription
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import Group
from .coordinator import MarstekConfigEntry, MarstekData, MarstekDataUpdateCoordinator
from .entity import MarstekEntity
from .helpers import marstek_command
from .modes import MODE_OPTIONS, OPTION_BY_MODE, mode_options
from .protocol.profiles import FirmwareProfile

# Every select sends commands: one at a time (the coordinator's gate serialises them anyway).
PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class MarstekSelectEntityDescription(SelectEntityDescription):
    """A select whose options depend on the firmware."""

    groups: tuple[Group, ...]
    options_fn: Callable[[FirmwareProfile], list[str]]
    current_fn: Callable[[MarstekData], str | None]
    select_fn: Callable[[MarstekDataUpdateCoordinator, str], Awaitable[None]]


def _current_mode(data: MarstekData) -> str | None:
    # None (shown as unknown) when the firmware reports a mode we do not know.
    if data.mode is None or data.mode.mode is None:
        return None
    return OPTION_BY_MODE[data.mode.mode]


SELECTS: tuple[MarstekSelectEntityDescription, ...] = (
    MarstekSelectEntityDescription(
        key="operating_mode",
        translation_key="operating_mode",
        entity_category=EntityCategory.CONFIG,
        groups=(Group.MODE,),
        # UPS is hidden where the firmware does not take it (HMG-50, pre-150 builds).
        options_fn=mode_options,
        current_fn=_current_mode,
        select_fn=lambda coordinator, option: coordinator.async_set_mode(MODE_OPTIONS[option]),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: MarstekConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the selects."""
    coordinator = entry.runtime_data
    async_add_entities(MarstekSelect(coordinator, description) for description in SELECTS)


class MarstekSelect(MarstekEntity, SelectEntity):
    """A select that writes through the coordinator's gate."""

    entity_description: MarstekSelectEntityDescription

    def __init__(
        self,
        coordinator: MarstekDataUpdateCoordinator,
        description: MarstekSelectEntityDescription,
    ) -> None:
        """Fix the options for this firmware."""
        super().__init__(coordinator, description, description.groups)
        self._attr_options = description.options_fn(coordinator.profile)

    @property
    def current_option(self) -> str | None:
        """The option the battery reports now."""
        return self.entity_description.current_fn(self.coordinator.data)

    @marstek_command
    async def async_select_option(self, option: str) -> None:
        """Switch the battery; the write is verified before this returns."""
        await self.entity_description.select_fn(self.coordinator, option)
