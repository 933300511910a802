"""Base entity of the system device: it shows the member batteries as one."""

from __future__ import annotations

from homeassistant.core import callback
from homeassistant.helpers.entity import Entity, EntityDescription

from .fleet_runtime import FleetRuntime


class FleetEntity(Entity):
    """An entity of the system device, set up from its description.

    It updates whenever a member's coordinator does (or the membership changes), and is
    available while at least one member battery is loaded and answering.
    """

    _attr_has_entity_name = True
    _attr_should_poll = False

    def __init__(self, runtime: FleetRuntime, description: EntityDescription) -> None:
        """Set the unique id and the system device."""
        self.runtime = runtime
        self.entity_description = description
        self._attr_unique_id = f"{runtime.entry.entry_id}_{description.key}"
        self._attr_device_info = runtime.device_info

    async def async_added_to_hass(self) -> None:
        """Follow the members from now on."""
        await super().async_added_to_hass()
        self.async_on_remove(self.runtime.async_add_listener(self._handle_fleet_update))

    @callback
    def _handle_fleet_update(self) -> None:
        """A member's reading or the membership changed."""
        self.async_write_ha_state()

    @property
    def available(self) -> bool:
        """At least one member is loaded and answering."""
        return bool(self.runtime.online_members())
