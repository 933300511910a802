"""Registry entries and states as plain data, for snapshots that hold on every HA release."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from homeassistant.core import HomeAssistant, State
from homeassistant.helpers import device_registry as dr, entity_registry as er
from syrupy.assertion import SnapshotAssertion

# Registry fields the integration decides. Home Assistant adds and reshapes the others from
# release to release (2026 turned `aliases` into a list, for one), and the snapshots must hold
# on the oldest and the newest release we test.
_ENTITY_FIELDS = (
    "entity_id",
    "unique_id",
    "translation_key",
    "original_name",
    "original_device_class",
    "original_icon",
    "entity_category",
    "capabilities",
    "supported_features",
    "unit_of_measurement",
    "has_entity_name",
    "disabled_by",
    "options",  # display precision and suggested unit
)
_DEVICE_FIELDS = (
    "identifiers",
    "connections",
    "manufacturer",
    "model",
    "model_id",
    "name",
    "sw_version",
    "hw_version",
    "configuration_url",
    "entry_type",
)


def registry_view(entry: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    """The fields of a registry entry that are ours, with sets sorted for a stable snapshot."""
    return {field: _plain(getattr(entry, field)) for field in fields}


def _plain(value: Any) -> Any:
    """Plain data: 2026 releases key attributes and capabilities with StrEnum members."""
    if isinstance(value, StrEnum):
        return str(value)
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in sorted(value.items())}
    if isinstance(value, set | frozenset):
        return sorted(_plain(item) for item in value)
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def state_view(state: State) -> dict[str, Any]:
    """A state's value and attributes as plain, sorted data."""
    return {
        "state": state.state,
        "attributes": {str(key): _plain(value) for key, value in sorted(state.attributes.items())},
    }


async def snapshot_entities(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    device_registry: dr.DeviceRegistry,
    snapshot: SnapshotAssertion,
    config_entry_id: str,
) -> None:
    """Like phcc's snapshot_platform, on the registry fields that do not vary by HA release.

    One platform, every entity enabled, every entity on the entry's one device; states are
    compared as plain data (value and attributes).
    """
    entries = er.async_entries_for_config_entry(entity_registry, config_entry_id)
    assert entries
    assert len({entry.domain for entry in entries}) == 1, "load a single platform"
    (device,) = dr.async_entries_for_config_entry(device_registry, config_entry_id)
    assert registry_view(device, _DEVICE_FIELDS) == snapshot(name="device")
    for entry in entries:
        assert entry.disabled_by is None, "enable every entity for the snapshot"
        assert entry.device_id == device.id
        assert registry_view(entry, _ENTITY_FIELDS) == snapshot(name=f"{entry.entity_id}-entry")
        state = hass.states.get(entry.entity_id)
        assert state, f"no state for {entry.entity_id}"
        assert state_view(state) == snapshot(name=f"{entry.entity_id}-state")
