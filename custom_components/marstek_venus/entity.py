"""Base entity of the Marstek Venus integration, and what every entity description adds."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from homeassistant.helpers.device_registry import (
    CONNECTION_NETWORK_MAC,
    DeviceInfo,
    format_mac,
)
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .const import DOMAIN, Group
from .control import MarstekControl
from .coordinator import MarstekDataUpdateCoordinator
from .pymarstek_venus import Family, family_from_model

MANUFACTURER = "Marstek"

# Marketing names; GetDevice reports terse strings such as "VenusE" or "VNSA-0".
_MODEL_NAMES = {
    Family.VENUS_E3: "Venus E 3.0",
    Family.VENUS_E2: "Venus E 2.0",
    Family.VENUS_C: "Venus C",
    Family.VENUS_A: "Venus A",
    Family.VENUS_D: "Venus D",
    Family.VENUS_MINI: "Venus E mini",
}


def model_name(model: str) -> str:
    """A readable model name for a GetDevice ``device`` string, else that string."""
    return _MODEL_NAMES.get(family_from_model(model), model)


def default_name(model: str, ble_mac: str) -> str:
    """The name a new battery gets unless the user picks one: "Marstek Venus E 3.0 DFA5".

    The last four hex digits of the BLE MAC (printed on the battery's label and shown in the
    Marstek app) tell two batteries of one model apart: their entry titles, device names and
    so entity ids would otherwise be the same.
    """
    return f"{MANUFACTURER} {model_name(model)} {ble_mac[-4:].upper()}"


# The platforms' ``*_fn`` callables: a reader takes the coordinator (its snapshot, or what Home
# Assistant keeps in ``coordinator.control``), a writer the one write path (control.py).
type Reader[T] = Callable[[MarstekDataUpdateCoordinator], T | None]
type Writer[T] = Callable[[MarstekControl, T], Awaitable[None]]


@dataclass(frozen=True, kw_only=True)
class MarstekEntityDescription(EntityDescription):
    """What every description of this integration adds to Home Assistant's.

    The platforms' descriptions combine this with their own (``SensorEntityDescription``
    and so on).
    """

    # The method groups the entity reads. The coordinator collects the groups of every
    # subscribed (so: enabled) entity and does not send requests that nobody needs.
    groups: tuple[Group, ...] = ()
    # The schedule period (0-based) of a period entity: "Period 3 start" and so on.
    slot: int | None = None
    # Schedule periods, depth of discharge, panel LED and BLE advertising have no read method
    # in the Open API: their entities show what the integration last wrote, with
    # ``assumed_state`` set, which also makes the frontend offer both "on" and "off" for
    # switches (the app could have changed the battery without Home Assistant knowing).
    stored: bool = False
    # Whether this battery gets the entity (its firmware, the options).
    has_fn: Callable[[MarstekDataUpdateCoordinator], bool] = lambda _: True


class MarstekEntity(CoordinatorEntity[MarstekDataUpdateCoordinator]):
    """An entity of one battery, set up from its description; it listens for its groups."""

    _attr_has_entity_name = True
    entity_description: MarstekEntityDescription

    def __init__(
        self, coordinator: MarstekDataUpdateCoordinator, description: MarstekEntityDescription
    ) -> None:
        """Set the unique id and device, and subscribe with the groups the entity reads."""
        super().__init__(coordinator, context=frozenset(description.groups))
        self.entity_description = description
        self._attr_assumed_state = description.stored
        if description.slot is not None:
            self._attr_translation_placeholders = {"period": str(description.slot + 1)}
        device = coordinator.device
        self._attr_unique_id = f"{device.ble_mac}_{description.key}"
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, device.ble_mac)},
            # The BLE MAC is the only MAC that identifies a battery (the Wi-Fi MAC that
            # GetDevice reports is the access point's on the Venus E 3.0).
            connections={(CONNECTION_NETWORK_MAC, format_mac(device.ble_mac))},
            manufacturer=MANUFACTURER,
            model=model_name(device.model),
            model_id=device.model,
            name=coordinator.config_entry.title,
            sw_version=str(device.firmware),
        )

    @property
    def available(self) -> bool:
        """Unavailable only once the coordinator gave up on the battery."""
        return super().available and self.coordinator.data.online


def described[DescriptionT: MarstekEntityDescription, EntityT: MarstekEntity](
    coordinator: MarstekDataUpdateCoordinator,
    entity_class: Callable[[MarstekDataUpdateCoordinator, DescriptionT], EntityT],
    descriptions: Iterable[DescriptionT],
) -> list[EntityT]:
    """One entity per description that this battery has (see ``has_fn``)."""
    return [
        entity_class(coordinator, description)
        for description in descriptions
        if description.has_fn(coordinator)
    ]


def reads(*groups: Group) -> Callable[[MarstekDataUpdateCoordinator], bool]:
    """A ``has_fn``: the battery answers any of ``groups`` and the options let us read it."""
    return lambda coordinator: coordinator.reads(*groups)
