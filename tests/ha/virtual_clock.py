"""Simulated minutes for Home Assistant tests that talk real UDP to the simulator.

Under the ``freezer`` fixture the event loop's clock is frozen too (freezegun patches
``time.monotonic``): timers, ``asyncio.sleep`` and the client's reply timeouts move only when
the test moves the clock. These helpers move it in small steps and let the loop run between
them, so real datagrams flow on loopback while ten minutes of retries, timeouts and recovery
probes pass in a fraction of a second, the same way every run.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import CONF_HOST, CONF_PORT
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.marstek_venus.const import DOMAIN
from simulator import SimulatedBattery

STEP = 0.05  # s of simulated time per step: far below every timeout and gap in play


async def _step(freezer: FrozenDateTimeFactory, step: float, real: float = 0.0) -> None:
    freezer.tick(step)
    # Two turns of the loop: one for due timers and ready sockets, one for what they woke.
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    # Executor threads (imports, file reads) run on real time: give them the GIL, or a
    # moment of real time while Home Assistant is loading an integration. Blocking the loop
    # is the point: no simulated time may pass meanwhile.
    time.sleep(real)  # noqa: ASYNC251


async def run_for(freezer: FrozenDateTimeFactory, seconds: float, step: float = STEP) -> None:
    """Let ``seconds`` of simulated time pass."""
    for _ in range(round(seconds / step)):
        await _step(freezer, step)


async def run_until(
    freezer: FrozenDateTimeFactory,
    done: Callable[[], bool],
    limit: float,
    step: float = STEP,
    real: float = 0.0,
) -> float:
    """Let time pass until ``done()``; return the simulated seconds it took (at most ``limit``)."""
    elapsed = 0.0
    while not done():
        assert elapsed < limit, f"not done after {limit} simulated seconds"
        await _step(freezer, step, real)
        elapsed += step
    return elapsed


async def complete[T](freezer: FrozenDateTimeFactory, job: Awaitable[T], limit: float = 120.0) -> T:
    """Await ``job`` while simulated time passes, slowly enough for executor jobs.

    For set-up and unload: they import platforms and read files in the executor, and they
    wait for real replies and for the pacing gap.
    """
    task = asyncio.ensure_future(job)
    await run_until(freezer, task.done, limit, step=0.01, real=0.002)
    return task.result()


async def async_setup_simulated(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, battery: SimulatedBattery
) -> MockConfigEntry:
    """Set an entry up against a running simulated battery (default options), to polling."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Marstek Venus",
        data={CONF_HOST: battery.host, CONF_PORT: battery.port},
        unique_id=battery.ble_mac,
    )
    entry.add_to_hass(hass)
    assert await complete(freezer, hass.config_entries.async_setup(entry.entry_id))
    coordinator = entry.runtime_data
    # Polling runs once the entities, loaded in the executor, have subscribed; then let the
    # first scheduled poll finish, so that the test starts between two polls.
    await run_until(freezer, lambda: bool(coordinator.async_contexts()), 60, 0.01, 0.002)
    await run_until(freezer, lambda: not coordinator.client.lock.locked(), 60)
    return entry
