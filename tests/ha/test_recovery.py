"""A battery that stops answering: gentle probes instead of polling, and a targeted scan.

Real UDP against the simulator, with minutes of simulated time (virtual_clock.py): the
simulator's own records say what reached the battery.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import timedelta
from itertools import pairwise
from typing import Any
from unittest.mock import AsyncMock, MagicMock

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_HOST, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.device_registry import format_mac
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.marstek_venus.const import DOMAIN
from custom_components.marstek_venus.discovery import async_find_device
from custom_components.marstek_venus.pymarstek_venus.discovery import discover as real_discover
from custom_components.marstek_venus.pymarstek_venus.errors import MarstekTimeoutError
from custom_components.marstek_venus.pymarstek_venus.models import DeviceInfo
from simulator import SimulatedBattery

from .conftest import START_TIME, FakeBattery
from .virtual_clock import (
    async_setup_simulated,
    complete,
    run_for,
    run_until,
)

SOC = "sensor.marstek_venus_battery"


async def _tick(hass: HomeAssistant, freezer: FrozenDateTimeFactory, cycles: int = 1) -> None:
    for _ in range(cycles):
        freezer.tick(timedelta(seconds=30))
        async_fire_time_changed(hass)
        await hass.async_block_till_done()


@pytest.mark.usefixtures("socket_enabled")
async def test_silent_battery_is_probed_gently(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
) -> None:
    """After three wholly failed polls, one GetDevice datagram at growing intervals.

    Each failed poll costs its first read's whole budget: six datagrams (sent and resent,
    three attempts), about 44 s per cycle at the default 30 s interval, some 490 an hour.
    From the third, polling stops; probes follow 15 s, 45 s and 105 s later, then once a
    minute (60 an hour). The first answer brings full polling back at once.
    """
    freezer.move_to(START_TIME)
    battery = SimulatedBattery("venus_e3_150", "127.0.66.1", 0)
    await battery.start()
    seen: list[tuple[float, str]] = []  # (simulated time, method) of every request
    battery.on_request = lambda record: seen.append((time.monotonic(), str(record.method)))
    try:
        entry = await async_setup_simulated(hass, freezer, battery)
        coordinator = entry.runtime_data
        issue_id = f"api_{entry.entry_id}"

        battery.set_silent(True)
        before = len(seen)
        await run_until(freezer, lambda: coordinator.recovery.active, 300)
        stopped = time.monotonic()
        assert [method for _, method in seen[before:]] == ["ES.GetStatus"] * 18
        assert coordinator.data.online is False

        start = len(seen)
        await run_for(freezer, 600)
        probes = seen[start:]
        assert [method for _, method in probes] == ["Marstek.GetDevice"] * 11
        offsets = [at - stopped for at, _ in probes]
        expected = [15, 45, 105, 165, 225, 285, 345, 405, 465, 525, 585]
        assert offsets == pytest.approx(expected, abs=1)
        gaps = [later - earlier for earlier, later in pairwise(offsets)]
        assert gaps[0] >= 30
        assert all(gap >= 60 for gap in gaps[1:])  # at most one a minute
        # Silent for more than five minutes: the repair issue came with the probes.
        assert issue_registry.async_get_issue(DOMAIN, issue_id) is not None

        battery.set_silent(False)
        resumed = len(seen)
        await run_until(freezer, lambda: coordinator.data.online, 65)
        methods = [method for _, method in seen[resumed:]]
        assert methods[0] == "Marstek.GetDevice"
        assert "ES.GetStatus" in methods  # the full poll, at once
        assert not coordinator.recovery.active
        assert issue_registry.async_get_issue(DOMAIN, issue_id) is None

        assert await complete(freezer, hass.config_entries.async_unload(entry.entry_id))
        assert battery.violations == []
    finally:
        await battery.stop()


@pytest.mark.usefixtures("init_integration")
async def test_probe_answered_by_another_battery(
    hass: HomeAssistant,
    mock_client: MagicMock,
    mock_config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Another battery answering at our address (DHCP gave it ours) does not end recovery."""
    coordinator = mock_config_entry.runtime_data
    mock_client.get_es_status.side_effect = MarstekTimeoutError("no reply")
    await _tick(hass, freezer, 3)
    assert coordinator.recovery.active
    mock_client.get_device.return_value = FakeBattery("venus_a_fw149").device
    mock_client.get_es_status.side_effect = None
    reads = mock_client.get_es_status.await_count
    await _tick(hass, freezer, 4)
    assert coordinator.recovery.active
    assert mock_client.get_es_status.await_count == reads  # still not polled
    assert all(
        call.kwargs == {"single": True} for call in mock_client.get_device.await_args_list[1:]
    )
    assert hass.states.get(SOC).state == STATE_UNAVAILABLE


@pytest.mark.usefixtures("socket_enabled")
async def test_moved_battery_is_followed(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    mock_discover: AsyncMock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A battery that got another address is found by the scan that starts with recovery.

    Before, only the 15-minute background scan found it (7 min 46 s in the acceptance run).
    Now the targeted scan at the third failed poll does, within the first backoff step; the
    entry and the client follow it without a reload, and the move is logged.
    """
    freezer.move_to(START_TIME)
    old_host, new_host = "127.0.66.2", "127.0.66.3"

    async def loopback_discover(ports: Any, *, targets: Any = None, timeout: float = 3.0) -> Any:
        # The scan may reach loopback only: probe both addresses directly.
        return await real_discover(ports, targets=[old_host, new_host], timeout=timeout)

    mock_discover.side_effect = loopback_discover
    old = SimulatedBattery("venus_e3_150", old_host, 0)
    await old.start()
    new = SimulatedBattery("venus_e3_150", new_host, old.port, ble_mac=old.ble_mac)
    try:
        entry = await async_setup_simulated(hass, freezer, old)
        coordinator = entry.runtime_data

        await old.stop()
        await new.start()
        with caplog.at_level(logging.INFO):
            await run_until(freezer, lambda: coordinator.recovery.active, 300)
            took = await run_until(freezer, lambda: coordinator.data.online, 60)
        assert took < coordinator.recovery.timing.scans[1]  # the first scan found it
        assert entry.data[CONF_HOST] == new_host
        assert coordinator.client.host == new_host
        assert f"Marstek battery {format_mac(old.ble_mac)} moved from {old_host} to {new_host}" in (
            caplog.text
        )
        # Followed live: the same coordinator, polling the new address.
        assert entry.state is ConfigEntryState.LOADED
        assert entry.runtime_data is coordinator
        assert any(record.method == "ES.GetStatus" for record in new.requests)

        assert await complete(freezer, hass.config_entries.async_unload(entry.entry_id))
        assert old.violations == []
        assert new.violations == []
    finally:
        await old.stop()
        await new.stop()


async def test_targeted_scans_are_shared(hass: HomeAssistant, mock_discover: AsyncMock) -> None:
    """Batteries that go silent together share one scan per port."""
    assert await async_setup_component(hass, "network", {})
    found = FakeBattery("venus_a_fw149").device
    release = asyncio.Event()

    async def slow_discover(*_: Any, **__: Any) -> list[DeviceInfo]:
        await release.wait()
        return [found]

    mock_discover.side_effect = slow_discover
    first = hass.async_create_task(async_find_device(hass, found.ble_mac, 30000))
    second = hass.async_create_task(async_find_device(hass, "0123456789ab", 30000))
    await asyncio.sleep(0)
    release.set()
    assert await first == found
    assert await second is None
    assert mock_discover.await_count == 1
