"""An HMG-50 battery following the emulated meter is read only in the quiet moments.

A simulated Venus E 2.0 on a loopback address is set up as a battery entry (Open API over real
UDP) and polls an emulated Shelly Pro 3EM meter entry that serves it, at its own cadence (0.8 s,
`MeterFollower.start`). Its Open API and its meter reader share one receive channel
(meter-emulation.md §5.3); the simulator records every Open API datagram that reaches it while a
meter poll awaits its reply (``shared_channel``). Once the meter sees the battery follow, it
hands the battery's quiet window to the battery's client, and every request waits for the
moment just after the meter answered: none lands in a poll, and the coordinator keeps reading.

When the meter falls silent (its source is unavailable), the battery's polls stay in flight
back to back and there is no quiet moment: after the bounded wait the requests go anyway, the
coordinator still reads, and the simulator sees them land in polls. That is the breach the gate
avoids while the meter answers.

With patched clients: the window goes to a Venus E 2.0's client at the first answer, never to
a Venus E 3.0's (the shared channel is known of the HMG-50 only), and is taken back when the
battery stops following.

Waits are event waits with generous bounds; nothing asserts a real-time duration.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from unittest.mock import MagicMock

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.marstek_venus.coordinator import MarstekDataUpdateCoordinator
from custom_components.marstek_venus.meter_runtime import MeterRuntime
from custom_components.marstek_venus.pymarstek_venus import QuietWindow
from simulator import MeterFollower, MeterModel, SimulatedBattery, ViolationKind, follower_config

from .conftest import START_TIME, FakeBattery
from .meter_support import one_battery_meter, poll
from .test_end_to_end import _free_udp_port, _setup_simulated
from .test_meter_loop import SOURCE, SOURCE_ATTRIBUTES, _setup_meter

BATTERY_HOST = "127.0.16.2"
REFRESHES = 15  # coordinator polls while the battery follows (two requests each)


async def _until(condition: Callable[[], bool], within: float = 30.0) -> None:
    """Wait until ``condition`` holds (checked every 50 ms); fail after ``within`` seconds."""
    for _ in range(round(within / 0.05)):
        if condition():
            return
        await asyncio.sleep(0.05)
    assert condition(), f"not within {within} s"


async def _report(hass: HomeAssistant, value: str) -> None:
    """The grid sensor reports ``value`` twice a second, as a P1 meter's sensor would."""
    while True:
        hass.states.async_set(SOURCE, value, SOURCE_ATTRIBUTES, force_update=True)
        await asyncio.sleep(0.5)


def _breaches(battery: SimulatedBattery) -> int:
    return sum(v.kind is ViolationKind.SHARED_CHANNEL for v in battery.violations)


@pytest.mark.usefixtures("socket_enabled")
async def test_requests_to_a_following_venus_e2_wait_for_the_quiet_moment(
    hass: HomeAssistant,
) -> None:
    battery = SimulatedBattery("venus_e2_154", BATTERY_HOST, _free_udp_port(), min_gap=0.05)
    source = asyncio.create_task(_report(hass, "300.0"))
    await battery.start()
    entries: list[MockConfigEntry] = []
    follower: MeterFollower | None = None
    try:
        battery_entry = await _setup_simulated(hass, battery)
        entries.append(battery_entry)
        coordinator: MarstekDataUpdateCoordinator = battery_entry.runtime_data
        client = coordinator.client
        client.timing = replace(client.timing, timeout=2.0, attempts=2)  # a loaded machine
        assert client.send_gate is None
        meter_entry = await _setup_meter(hass, battery_entry.entry_id)
        entries.append(meter_entry)
        runtime: MeterRuntime = meter_entry.runtime_data
        (port,) = runtime.server.ports
        config = follower_config(
            "venus_e2", MeterModel.PRO3EM, destination="127.0.0.1", port=port, reply_timeout=1.0
        )
        follower = MeterFollower(battery, config)
        await follower.start()

        # The first answer hands the battery's quiet window to its client.
        await _until(lambda: client.send_gate is not None)
        assert isinstance(client.send_gate, QuietWindow)
        answered = client.stats.answered
        requests = len(battery.requests)
        for _ in range(REFRESHES):
            await coordinator.async_refresh()
            assert coordinator.last_update_success
        assert client.stats.answered - answered >= 2 * REFRESHES
        assert len(battery.requests) - requests >= 2 * REFRESHES
        assert follower.following
        assert all(poll.grid is not None for poll in follower.polls), follower.polls
        assert battery.violations == []

        # The meter falls silent: the polls stay in flight, the requests go after the wait.
        source.cancel()
        hass.states.async_set(SOURCE, STATE_UNAVAILABLE, SOURCE_ATTRIBUTES)
        await _until(lambda: follower is not None and follower.misses >= 1)
        for _ in range(2):
            await coordinator.async_refresh()
            assert coordinator.last_update_success
        await _until(lambda: _breaches(battery) > 0)
        assert {v.kind for v in battery.violations} == {ViolationKind.SHARED_CHANNEL}
    finally:
        source.cancel()
        if follower is not None:
            await follower.stop()
        for entry in reversed(entries):
            assert await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done()
        await battery.stop()
    # The meter is gone: the battery's client sends without a gate again.
    assert client.send_gate is None


@pytest.mark.usefixtures("socket_enabled")
@pytest.mark.parametrize(
    ("device_fixture", "gated"), [("venus_e2_fw154", True), ("venus_e3_fw150", False)]
)
async def test_the_meter_hands_its_quiet_window_to_an_hmg50_only(
    hass: HomeAssistant,
    mock_client_class: MagicMock,
    battery: FakeBattery,
    freezer: FrozenDateTimeFactory,
    gated: bool,
) -> None:
    """At the first answer (no refresh needed), and taken back when the battery stops."""
    freezer.move_to(START_TIME)
    _, client, runtime = await one_battery_meter(hass, mock_client_class, battery, "50")

    await poll(runtime, "127.0.0.2")
    await hass.async_block_till_done()
    assert isinstance(client.send_gate, QuietWindow) is gated
    if gated:
        assert client.send_gate.last_answer is not None

    freezer.tick(timedelta(seconds=11))  # no poll for longer than the follow window
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert client.send_gate is None
