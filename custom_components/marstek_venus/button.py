"""Buttons: send passive mode with the current power and duration; apply the schedule."""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.components.button import ButtonEntity, ButtonEntityDescription
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import MarstekConfigEntry
from .entity import MarstekEntity, MarstekEntityDescription, described
from .kinds import kind_entities
from .pymarstek_venus import Mode

PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class MarstekButtonEntityDescription(ButtonEntityDescription, MarstekEntityDescription):
    """A button that switches to ``mode`` with what the integration keeps for it."""

    mode: Mode


# Passive: the passive power and duration numbers (verified, resent once if ignored).
APPLY_PASSIVE = MarstekButtonEntityDescription(
    key="apply_passive", translation_key="apply_passive", mode=Mode.PASSIVE
)
# Manual: the pending schedule edits are written first (schedule_writer.py). The same as
# choosing Manual in the mode select, which cannot be chosen again while it shows Manual.
APPLY_SCHEDULE = MarstekButtonEntityDescription(
    key="apply_schedule", translation_key="apply_schedule", mode=Mode.MANUAL
)
BUTTONS: tuple[MarstekButtonEntityDescription, ...] = (APPLY_PASSIVE, APPLY_SCHEDULE)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: MarstekConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the apply-passive and apply-schedule buttons."""
    if (entities := kind_entities(entry, Platform.BUTTON)) is not None:
        async_add_entities(entities)
        return
    async_add_entities(described(entry.runtime_data, MarstekModeButton, BUTTONS))


class MarstekModeButton(MarstekEntity, ButtonEntity):
    """Switches the battery to the button's mode, verified."""

    entity_description: MarstekButtonEntityDescription

    async def async_press(self) -> None:
        """Switch to the button's mode with the current values."""
        await self.coordinator.control.async_set_mode(self.entity_description.mode)
