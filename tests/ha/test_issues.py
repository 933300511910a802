"""Repair issues are logged at INFO when they are raised and when they clear, once each."""

from __future__ import annotations

import logging
from typing import Any
from unittest.mock import MagicMock

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from .test_repairs import issue, neighbours, silence, tick
from .test_store import KEY, STORED, _storage


def _issue_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        record.getMessage()
        for record in caplog.records
        if record.levelno == logging.INFO and "repair issue" in record.getMessage()
    ]


@pytest.mark.usefixtures("init_integration")
async def test_api_issue_logged_once_each_way(
    hass: HomeAssistant,
    mock_client: MagicMock,
    mock_config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The coordinator re-raises the issue every poll; the log says it once."""
    caplog.set_level(logging.INFO)
    silence(mock_client)
    neighbours(mock_config_entry, True)
    await tick(hass, freezer, 13)  # the issue is raised after 5 minutes
    assert issue(hass, "api") is not None
    await tick(hass, freezer, 5)  # five more polls re-raise it
    assert _issue_lines(caplog) == [
        "Marstek Venus: repair issue open_api_off raised "
        "({'name': 'Marstek Venus', 'host': '192.168.1.50'})"
    ]

    caplog.clear()
    silence(mock_client, False)
    await tick(hass, freezer, 3)
    assert issue(hass, "api") is None
    assert _issue_lines(caplog) == ["Marstek Venus: repair issue open_api_off cleared"]


@pytest.mark.usefixtures("init_integration")
async def test_new_wording_is_logged(
    hass: HomeAssistant,
    mock_client: MagicMock,
    mock_config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """When the neighbour table changes the issue's text, the log says so."""
    caplog.set_level(logging.INFO)
    silence(mock_client)
    neighbours(mock_config_entry, True)
    await tick(hass, freezer, 13)
    neighbours(mock_config_entry, None)
    await tick(hass, freezer, 2)
    assert [line.split(" (")[0] for line in _issue_lines(caplog)] == [
        "Marstek Venus: repair issue open_api_off raised",
        "Marstek Venus: repair issue api_not_answering raised",
    ]


async def test_settings_reset_logged(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    init_integration_factory: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A battery that looks reset at start-up: one line for the issue."""
    caplog.set_level(logging.INFO)
    hass_storage[KEY] = _storage(STORED)
    await init_integration_factory()
    assert issue(hass, "settings_reset") is not None
    assert _issue_lines(caplog) == [
        "Marstek Venus: repair issue settings_reset raised "
        "({'name': 'Marstek Venus', 'reported': 'Auto', 'expected': 'Manual'})"
    ]


async def test_deleting_no_issue_logs_nothing(
    hass: HomeAssistant,
    init_integration: Any,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Polls that find nothing wrong clear nothing, and say nothing."""
    caplog.set_level(logging.INFO)
    await tick(hass, freezer, 3)
    assert _issue_lines(caplog) == []
