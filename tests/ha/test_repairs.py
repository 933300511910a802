"""Repair issues: port in use, Open API not answering (the reset repair: test_settings_reset)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any
from unittest.mock import MagicMock

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
)

from custom_components.marstek_venus.const import DOMAIN, EVENT_MARSTEK
from custom_components.marstek_venus.neighbours import host_answers_arp
from custom_components.marstek_venus.pymarstek_venus.errors import (
    MarstekPortInUseError,
    MarstekTimeoutError,
)

from .test_store import KEY, STORED, _storage

ENTRY_ID = "01JMARSTEKVENUS0000000000"
READS = ("get_es_status", "get_mode", "get_meter_status", "get_battery_status")


async def tick(hass: HomeAssistant, freezer: FrozenDateTimeFactory, cycles: int = 1) -> None:
    """Let polling cycles pass."""
    for _ in range(cycles):
        freezer.tick(timedelta(seconds=30))
        async_fire_time_changed(hass)
        await hass.async_block_till_done()


def silence(client: MagicMock, silent: bool = True) -> None:
    """The battery stops (or resumes) answering every read."""
    for name in READS:
        getattr(client, name).side_effect = MarstekTimeoutError("no reply") if silent else None


def neighbours(entry: MockConfigEntry, answer: bool | None) -> MagicMock:
    """The neighbour table as the entry's watcher reads it: ``answer`` for every address."""
    lookup = MagicMock(return_value=answer)
    entry.runtime_data.watch.neighbours = lookup
    return lookup


def issue(hass: HomeAssistant, kind: str) -> ir.IssueEntry | None:
    """The entry's issue of one kind."""
    return ir.async_get(hass).async_get_issue(DOMAIN, f"{kind}_{ENTRY_ID}")


# --- port in use -------------------------------------------------------------------------------


async def test_port_in_use(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, mock_client: MagicMock
) -> None:
    """A busy port is a repair issue while the entry retries, gone once the port is free."""
    mock_client.connect.side_effect = MarstekPortInUseError(30000)
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert mock_config_entry.state is ConfigEntryState.SETUP_RETRY
    found = issue(hass, "port_in_use")
    assert found is not None
    assert found.translation_key == "port_in_use"
    assert found.translation_placeholders == {"name": "Marstek Venus", "port": "30000"}
    assert found.is_fixable is False

    mock_client.connect.side_effect = None
    await hass.config_entries.async_reload(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert mock_config_entry.state is ConfigEntryState.LOADED
    assert issue(hass, "port_in_use") is None


# --- Open API not answering --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("on_network", "translation_key"),
    [(True, "open_api_off"), (None, "api_not_answering"), (False, None)],
)
@pytest.mark.usefixtures("init_integration")
async def test_api_issue(
    hass: HomeAssistant,
    mock_client: MagicMock,
    mock_config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    on_network: bool | None,
    translation_key: str | None,
) -> None:
    """Silent for 5 minutes after having worked: an issue worded by the neighbour table."""
    events = async_capture_events(hass, EVENT_MARSTEK)
    silence(mock_client)
    arp = neighbours(mock_config_entry, on_network)
    await tick(hass, freezer, 3)  # unavailable after 3 failed polls
    assert [event.data["type"] for event in events] == ["api_stopped"]
    assert hass.states.get("sensor.marstek_venus_battery").state == "unavailable"
    await tick(hass, freezer, 9)
    assert issue(hass, "api") is None
    arp.assert_not_called()
    await tick(hass, freezer, 1)  # 5 minutes since it went unavailable
    arp.assert_called_with("192.168.1.50")
    found = issue(hass, "api")
    if translation_key is None:
        # Gone from the network: off or out of range, nothing the Open API explains.
        assert found is None
    else:
        assert found is not None
        assert found.translation_key == translation_key
        assert found.translation_placeholders == {"name": "Marstek Venus", "host": "192.168.1.50"}

    silence(mock_client, False)
    await tick(hass, freezer)
    assert issue(hass, "api") is None
    assert hass.states.get("sensor.marstek_venus_battery").state != "unavailable"
    assert len(events) == 1  # the way back fires nothing


def test_neighbour_table(tmp_path: Path) -> None:
    """Complete entries answer, incomplete ones do not, unknown hosts cannot be told."""
    table = tmp_path / "arp"
    table.write_text(
        "IP address       HW type     Flags       HW address            Mask     Device\n"
        "192.168.1.50     0x1         0x2         aa:bb:cc:dd:ee:ff     *        eth0\n"
        "192.168.1.51     0x1         0x0         00:00:00:00:00:00     *        eth0\n"
        "192.168.1.52     0x1         0x6         aa:bb:cc:dd:ee:00     *        eth0\n"
        "192.168.1.53     0x1         zz          aa:bb:cc:dd:ee:01     *        eth0\n"
        "garbage\n"
    )
    assert host_answers_arp("192.168.1.50", table) is True
    assert host_answers_arp("192.168.1.51", table) is False
    assert host_answers_arp("192.168.1.52", table) is True
    assert host_answers_arp("192.168.1.53", table) is None
    assert host_answers_arp("192.168.1.99", table) is None
    assert host_answers_arp("192.168.1.50", tmp_path / "missing") is None


async def test_issues_removed_with_the_entry(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    init_integration_factory: Any,
) -> None:
    """Removing the battery removes its issues."""
    hass_storage[KEY] = _storage(STORED)
    entry = await init_integration_factory()
    assert issue(hass, "settings_reset") is not None
    assert await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    assert issue(hass, "settings_reset") is None
