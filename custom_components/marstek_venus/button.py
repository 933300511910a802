"""The button that sends passive mode with the current power and duration."""

from __future__ import annotations

from homeassistant.components.button import ButtonEntity, ButtonEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import MarstekConfigEntry, MarstekDataUpdateCoordinator
from .entity import MarstekEntity
from .helpers import marstek_command
from .protocol.const import Mode

PARALLEL_UPDATES = 1

APPLY_PASSIVE = ButtonEntityDescription(key="apply_passive", translation_key="apply_passive")


async def async_setup_entry(
    hass: HomeAssistant,
    entry: MarstekConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the apply-passive button."""
    async_add_entities([MarstekApplyPassiveButton(entry.runtime_data, APPLY_PASSIVE)])


class MarstekApplyPassiveButton(MarstekEntity, ButtonEntity):
    """Sends the passive power and duration numbers, then confirms the battery follows."""

    def __init__(
        self, coordinator: MarstekDataUpdateCoordinator, description: ButtonEntityDescription
    ) -> None:
        """It reads the mode (to confirm the switch)."""
        super().__init__(coordinator, description, ())

    @marstek_command
    async def async_press(self) -> None:
        """Switch to Passive with the current values (verified, resent once if ignored)."""
        await self.coordinator.async_set_mode(Mode.PASSIVE)
