"""Diagnostics download."""

from __future__ import annotations

import json

# Imported before freezegun patches datetime: the diagnostics view loads hassio, whose
# mashumaro models are compiled at import time and fail under a frozen clock.
import homeassistant.components.hassio  # noqa: F401
import pytest
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from syrupy.assertion import SnapshotAssertion

from .conftest import DEVICES


@pytest.mark.parametrize("device_fixture", DEVICES)
@pytest.mark.usefixtures("init_integration")
async def test_diagnostics(
    hass: HomeAssistant,
    hass_client: object,
    mock_config_entry: MockConfigEntry,
    snapshot: SnapshotAssertion,
) -> None:
    """Profile, raw and decoded replies and statistics, with addresses and MACs redacted."""
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, mock_config_entry)
    assert diagnostics == snapshot
    text = json.dumps(diagnostics)
    for secret in ("192.168.1.", "HomeNet", mock_config_entry.unique_id):
        assert secret not in text
