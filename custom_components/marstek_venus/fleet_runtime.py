"""The system entry's runtime: which batteries belong to it, and one signal when any changes.

The system has no socket and polls nothing itself. It listens to the coordinators of its
member batteries (each battery keeps its own entry, polling and write path) and to config
entry changes of this integration: a battery that is set up later, unloaded, reloaded (a new
coordinator), removed, or a change of the system's own options re-resolves the members.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Final

from homeassistant.config_entries import (
    SIGNAL_CONFIG_ENTRY_CHANGED,
    ConfigEntry,
    ConfigEntryChange,
    ConfigEntryState,
)
from homeassistant.const import Platform
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity import Entity

from .const import DOMAIN, Group
from .coordinator import MarstekDataUpdateCoordinator
from .entity import MANUFACTURER
from .fleet_control import FleetControl
from .fleet_totals import FleetTotal
from .kinds import battery_entries, is_battery

# Options of the system entry: the entry ids of the member batteries. Absent: every battery,
# including the ones added later.
CONF_MEMBERS: Final = "members"
SYSTEM_UNIQUE_ID: Final = "system"
# What the fleet reads of each member. ES.GetStatus and ES.GetMode carry the SOC and the power
# flows, Bat.GetStatus the rated capacity; the coordinator polls the groups its listeners ask
# for, so the fleet keeps them polled even where the battery's own entities are disabled.
FLEET_GROUPS: Final = frozenset({Group.ES, Group.MODE, Group.BATTERY})

type FleetConfigEntry = ConfigEntry[FleetRuntime]
type EntityFactory = Callable[[FleetRuntime, Platform], list[Entity]]


def configured_members(hass: HomeAssistant, entry: ConfigEntry[Any]) -> tuple[str, ...]:
    """The entry ids of the batteries that belong to the system, in battery order."""
    batteries = [battery.entry_id for battery in battery_entries(hass)]
    chosen = entry.options.get(CONF_MEMBERS)
    if chosen is None:
        return tuple(batteries)
    return tuple(entry_id for entry_id in batteries if entry_id in chosen)


class FleetRuntime:
    """The ``runtime_data`` of the system entry (kinds.KindRuntime)."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry[Any],
        factories: Sequence[EntityFactory] = (),
    ) -> None:
        """Nothing is subscribed until :meth:`async_start`."""
        self.hass = hass
        self.entry = entry
        self.device_info = DeviceInfo(
            identifiers={(DOMAIN, SYSTEM_UNIQUE_ID)},
            manufacturer=MANUFACTURER,
            model="Battery system",
            name=entry.title,
        )
        self._factories = tuple(factories)
        # The fleet's mode and passive power (fleet_control.py), as ``coordinator.control``
        # is a battery's.
        self.control = FleetControl(self)
        self._listeners: dict[int, CALLBACK_TYPE] = {}
        self._next_listener = 0
        # Member entry id -> (the coordinator listened to, how to stop listening).
        self._subscribed: dict[str, tuple[MarstekDataUpdateCoordinator, CALLBACK_TYPE]] = {}
        self._stop_entries: CALLBACK_TYPE | None = None
        # The fleet's Energy totals by sensor key, for diagnostics (fleet_sensors.py).
        self.totals: dict[str, FleetTotal] = {}

    @property
    def member_ids(self) -> tuple[str, ...]:
        """The configured member batteries' entry ids (loaded or not), in order."""
        return configured_members(self.hass, self.entry)

    def members(self) -> list[MarstekDataUpdateCoordinator]:
        """The coordinators of the members that are loaded, in order."""
        loaded: list[MarstekDataUpdateCoordinator] = []
        for entry_id in self.member_ids:
            member = self.hass.config_entries.async_get_entry(entry_id)
            if member is not None and member.state is ConfigEntryState.LOADED:
                loaded.append(member.runtime_data)
        return loaded

    def online_members(self) -> list[MarstekDataUpdateCoordinator]:
        """The loaded members whose battery answers (not shown as unavailable)."""
        return [c for c in self.members() if c.latest is not None and c.latest.online]

    def member_name(self, entry_id: str) -> str:
        """The battery's name (its entry title); the id of an entry that no longer exists."""
        member = self.hass.config_entries.async_get_entry(entry_id)
        return member.title if member is not None else entry_id

    def entities(self, platform: Platform) -> list[Entity]:
        """Every entity the system adds to ``platform``."""
        return [entity for factory in self._factories for entity in factory(self, platform)]

    @callback
    def async_add_listener(self, update: CALLBACK_TYPE) -> CALLBACK_TYPE:
        """Call ``update`` whenever a member's coordinator updates or the membership changes."""
        key = self._next_listener
        self._next_listener += 1
        self._listeners[key] = update

        @callback
        def remove() -> None:
            self._listeners.pop(key, None)

        return remove

    @callback
    def async_start(self) -> None:
        """Listen to the members that are loaded now and to every entry change from now on."""
        self._stop_entries = async_dispatcher_connect(
            self.hass, SIGNAL_CONFIG_ENTRY_CHANGED, self._async_entry_changed
        )
        self._resolve()

    @callback
    def async_stop(self) -> None:
        """Stop listening (the system entry unloads)."""
        if self._stop_entries is not None:
            self._stop_entries()
            self._stop_entries = None
        for _, unsubscribe in self._subscribed.values():
            unsubscribe()
        self._subscribed.clear()

    @callback
    def _async_entry_changed(self, change: ConfigEntryChange, entry: ConfigEntry[Any]) -> None:
        """A battery came, went, loaded or unloaded, or the system's options changed."""
        if entry.domain != DOMAIN or not (entry is self.entry or is_battery(entry)):
            return
        self._resolve()
        self._async_notify()

    def _resolve(self) -> None:
        """Listen to exactly the loaded members' current coordinators."""
        current = {id(c): c for c in self.members()}
        for entry_id, (coordinator, unsubscribe) in list(self._subscribed.items()):
            if current.pop(id(coordinator), None) is None:
                unsubscribe()
                del self._subscribed[entry_id]
        for coordinator in current.values():
            unsubscribe = coordinator.async_add_listener(self._async_notify, FLEET_GROUPS)
            self._subscribed[coordinator.config_entry.entry_id] = (coordinator, unsubscribe)

    @callback
    def _async_notify(self) -> None:
        for update in list(self._listeners.values()):
            update()
