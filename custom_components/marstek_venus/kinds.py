"""The kinds of config entry this integration makes, and what a non-battery kind provides.

A battery entry (the first kind, and every entry made before there were others, so a missing
``kind`` means a battery) owns one battery's coordinator. Other kinds (an emulated meter, a
system of batteries) have their own set-up and keep their entities in ``runtime_data``: the
platform modules ask ``kind_entities`` before building a battery's entities.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final, Protocol

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity import Entity

from .const import DOMAIN

CONF_KIND: Final = "kind"


class EntryKind(StrEnum):
    """What a config entry of this integration is."""

    BATTERY = "battery"
    METER = "meter"  # an emulated Shelly meter that batteries poll (meter-emulation.md)
    SYSTEM = "system"  # several batteries seen and steered as one


def entry_kind(entry: ConfigEntry[Any]) -> EntryKind:
    """The entry's kind; entries without one are batteries."""
    return EntryKind(entry.data.get(CONF_KIND, EntryKind.BATTERY))


def is_battery(entry: ConfigEntry[Any]) -> bool:
    """True for a battery's entry (the only kind with a host, a socket and a coordinator)."""
    return entry_kind(entry) is EntryKind.BATTERY


def battery_entries(hass: HomeAssistant) -> list[ConfigEntry[Any]]:
    """The battery entries of this integration, in the order HA keeps.

    Not ignored ones: an ignored discovery (a battery, or the system's offer) is an entry with
    empty data, which ``entry_kind`` would take for a battery.
    """
    return [
        e for e in hass.config_entries.async_entries(DOMAIN, include_ignore=False) if is_battery(e)
    ]


class KindRuntime(Protocol):
    """The ``runtime_data`` of a non-battery entry: its entities, per platform."""

    def entities(self, platform: Platform) -> list[Entity]:
        """The entities this entry adds to ``platform`` (none: an empty list)."""


def kind_entities(entry: ConfigEntry[Any], platform: Platform) -> list[Entity] | None:
    """The entities of a non-battery entry on ``platform``; None for a battery's entry."""
    if is_battery(entry):
        return None
    runtime: KindRuntime = entry.runtime_data
    return runtime.entities(platform)


type EntryHook = Callable[[HomeAssistant, ConfigEntry[Any]], Awaitable[bool]]
type RemoveHook = Callable[[HomeAssistant, ConfigEntry[Any]], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class KindSetup:
    """How ``__init__`` sets up, unloads and removes one non-battery kind of entry.

    ``setup`` stores the runtime data and forwards ``platforms`` itself; ``unload`` runs after
    the platforms are unloaded and releases what ``setup`` took (sockets, listeners).
    """

    platforms: tuple[Platform, ...]
    setup: EntryHook
    unload: EntryHook
    remove: RemoveHook | None = None
