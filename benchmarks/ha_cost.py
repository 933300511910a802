"""Cost inside Home Assistant: loop CPU per poll cycle, memory per battery, select timing.

A pytest module (Home Assistant's test harness gives a real ``hass`` to set entries up in),
run by ``python -m benchmarks ha-cost``; it is not part of the test suite. The simulated
batteries run in a separate process (``python -m simulator``), so the CPU and memory measured
here are Home Assistant's and the integration's alone.

* Loop CPU: ``time.thread_time()`` of the event-loop thread while every coordinator runs one
  poll cycle (``async_refresh``), divided by the number of batteries; 1, 10 and 50 batteries.
* Memory: Python allocations (``tracemalloc``) and resident set size added by setting the
  entries up and polling once, per battery.
* Select: time from ``select.select_option`` (blocking service call) until it returns, i.e.
  the mode is written and read back by the integration; the share that succeeds, at
  0/5/10/30 % loss with 150 ms ± 50 ms latency.

The integration's background discovery is patched out: it would broadcast beyond loopback.
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import os
import sys
import time
import tracemalloc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from unittest.mock import patch

import pytest
from homeassistant.components.select import (
    ATTR_OPTION,
    DOMAIN as SELECT_DOMAIN,
    SERVICE_SELECT_OPTION,
)
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_ENTITY_ID, CONF_HOST, CONF_PORT
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry  # type: ignore[import-untyped]

from custom_components.marstek_venus.const import CONF_SCAN_INTERVAL, DOMAIN, MAX_SCAN_INTERVAL
from simulator import derive_mac

from .harness import ROOT, free_udp_port, loopback
from .report import percent, seconds, table
from .stats import Summary

PROFILE = "venus_e3_150"
ADDRESS_BASE = 81
SIZES = (1, 10, 50)
CYCLES = 3
LOSSES = (0.0, 0.05, 0.10, 0.30)
SELECT_BATTERIES = 3  # per loss level
SELECTS = 4  # per battery
SELECT_PAUSE = 6.0  # s between two selects of one battery
RESULTS: dict[str, Any] = {"cost": [], "select": []}
OUTPUT = ROOT / "benchmarks" / "results" / "ha.json"


@pytest.fixture(autouse=True)
async def _bench_setup(
    hass: HomeAssistant, enable_custom_integrations: None, socket_enabled: None
) -> AsyncIterator[None]:
    """Our integration, real sockets, no discovery broadcast, and a production-like loop.

    Home Assistant's test harness runs the event loop in debug mode, which makes every
    callback several times slower; a real installation does not.
    """
    asyncio.get_running_loop().set_debug(False)
    for name in ("homeassistant", "asyncio", "custom_components", "aiohttp_fast_zlib"):
        logging.getLogger(name).setLevel(logging.ERROR)
    with patch("custom_components.marstek_venus.discovery.discover", return_value=[]):
        yield


@asynccontextmanager
async def simulator_process(
    hosts: list[str], port: int, loss: float = 0.0, latency: float = 0.0, jitter: float = 0.0
) -> AsyncIterator[None]:
    """``python -m simulator`` serving one battery per host, stopped (SIGTERM) afterwards."""
    args = [f"--battery={PROFILE}@{host}:{port}" for host in hosts]
    args += [f"--loss={loss}", f"--latency={latency}", f"--jitter={jitter}", "--seed=1"]
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "simulator", *args, cwd=ROOT, stdout=asyncio.subprocess.PIPE
    )
    assert process.stdout is not None
    try:
        for _ in hosts:  # one line per battery once all are bound
            line = await asyncio.wait_for(process.stdout.readline(), 30)
            assert line, "the simulator exited"
        yield
    finally:
        if process.returncode is None:
            process.terminate()
        await process.communicate()


def _rss() -> int:
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


async def _set_up(hass: HomeAssistant, hosts: list[str], port: int) -> list[MockConfigEntry]:
    """One entry per battery, default options except no automatic polling while measuring."""
    entries = []
    for host in hosts:
        entry = MockConfigEntry(
            domain=DOMAIN,
            title=f"Marstek {host}",
            data={CONF_HOST: host, CONF_PORT: port},
            options={CONF_SCAN_INTERVAL: MAX_SCAN_INTERVAL},
            unique_id=derive_mac(PROFILE, host, port),
        )
        entry.add_to_hass(hass)
        entries.append(entry)
    await asyncio.gather(*(hass.config_entries.async_setup(entry.entry_id) for entry in entries))
    await hass.async_block_till_done()
    assert all(entry.state is ConfigEntryState.LOADED for entry in entries)
    return entries


async def _tear_down(hass: HomeAssistant, entries: list[MockConfigEntry]) -> None:
    for entry in entries:
        await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()


@pytest.mark.parametrize("count", SIZES)
async def test_cost_per_battery(hass: HomeAssistant, count: int) -> None:
    """Loop CPU per poll cycle and memory, for ``count`` batteries in one Home Assistant."""
    hosts = [loopback(SIZES.index(count), n, base=ADDRESS_BASE) for n in range(count)]
    port = free_udp_port()
    async with simulator_process(hosts, port):
        gc.collect()
        rss_before = _rss()
        tracemalloc.start()
        entries = await _set_up(hass, hosts, port)
        gc.collect()
        traced, _ = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rss_after = _rss()
        coordinators = [entry.runtime_data for entry in entries]
        cpu, wall = [], []
        for _ in range(CYCLES):
            started, cpu_started = time.monotonic(), time.thread_time()
            await asyncio.gather(*(c.async_refresh() for c in coordinators))
            await hass.async_block_till_done()
            cpu.append(time.thread_time() - cpu_started)
            wall.append(time.monotonic() - started)
        assert all(c.last_update_success for c in coordinators)
        states = len(hass.states.async_all())
        await _tear_down(hass, entries)
    RESULTS["cost"].append(
        {
            "batteries": count,
            "cpu_per_cycle": sum(cpu) / len(cpu),
            "cpu_per_cycle_per_battery": sum(cpu) / len(cpu) / count,
            "wall_per_cycle": sum(wall) / len(wall),
            "traced_bytes_per_battery": traced / count,
            "rss_bytes_per_battery": (rss_after - rss_before) / count,
            "entities_per_battery": states / count,
        }
    )


async def test_select_option_until_confirmed(hass: HomeAssistant) -> None:
    """select.select_option on the operating mode, at every loss level at once."""
    port = free_udp_port()
    registry = er.async_get(hass)
    levels = {
        loss: [loopback(10 + n, i, base=ADDRESS_BASE) for i in range(SELECT_BATTERIES)]
        for n, loss in enumerate(LOSSES)
    }
    async with (
        simulator_process(levels[0.0], port, 0.0, 0.15, 0.05),
        simulator_process(levels[0.05], port, 0.05, 0.15, 0.05),
        simulator_process(levels[0.10], port, 0.10, 0.15, 0.05),
        simulator_process(levels[0.30], port, 0.30, 0.15, 0.05),
    ):
        # Set up without loss would be nicer, but one process serves one loss level; the
        # integration's first refresh retries on its own.
        entries = await _set_up(hass, [h for hosts in levels.values() for h in hosts], port)
        selects = {
            entry.data[CONF_HOST]: next(
                item.entity_id
                for item in er.async_entries_for_config_entry(registry, entry.entry_id)
                if item.domain == SELECT_DOMAIN and item.unique_id.endswith("_operating_mode")
            )
            for entry in entries
        }

        async def one_battery(host: str) -> list[tuple[bool, float]]:
            outcomes = []
            for index in range(SELECTS):
                # Longer than a poll cycle: the refresh after the previous select is over, so
                # the select does not start by waiting for the device lock.
                await asyncio.sleep(SELECT_PAUSE)
                option = "ai" if index % 2 == 0 else "auto"
                started = time.monotonic()
                try:
                    await hass.services.async_call(
                        SELECT_DOMAIN,
                        SERVICE_SELECT_OPTION,
                        {ATTR_ENTITY_ID: selects[host], ATTR_OPTION: option},
                        blocking=True,
                    )
                except HomeAssistantError:
                    outcomes.append((False, time.monotonic() - started))
                else:
                    outcomes.append((True, time.monotonic() - started))
            return outcomes

        for loss, hosts in levels.items():
            results = await asyncio.gather(*(one_battery(host) for host in hosts))
            flat = [item for battery in results for item in battery]
            times = [elapsed for ok, elapsed in flat if ok]
            RESULTS["select"].append(
                {
                    "loss": loss,
                    "selects": len(flat),
                    "confirmed": len(times),
                    "time": Summary.of(times).as_dict(),
                }
            )
        await _tear_down(hass, entries)


def test_zz_report() -> None:
    """Print the tables and save the results (runs last in this module)."""
    cost_rows = [
        [
            str(item["batteries"]),
            f"{item['cpu_per_cycle_per_battery'] * 1000:.2f} ms",
            f"{item['cpu_per_cycle'] * 1000:.1f} ms",
            seconds(item["wall_per_cycle"]),
            f"{item['traced_bytes_per_battery'] / 1024:.0f} KiB",
            f"{item['rss_bytes_per_battery'] / 1024:.0f} KiB",
            f"{item['entities_per_battery']:.0f}",
        ]
        for item in RESULTS["cost"]
    ]
    select_rows = [
        [
            f"{item['loss'] * 100:.0f} %",
            f"{percent(item['confirmed'] / item['selects'])} ({item['confirmed']}/{item['selects']})",
            f"{seconds(item['time']['median'])} / {seconds(item['time']['p95'])}",
            seconds(item["time"]["max"]),
        ]
        for item in RESULTS["select"]
    ]
    text = "\n\n".join(
        [
            "### Cost inside Home Assistant (per poll cycle, all batteries polled at once)",
            table(
                [
                    "batteries",
                    "loop CPU per battery",
                    "loop CPU per cycle",
                    "cycle wall time s",
                    "Python memory per battery",
                    "RSS per battery",
                    "states per battery",
                ],
                cost_rows,
            ),
            "### select.select_option (operating mode) until it returns confirmed",
            table(["loss", "confirmed", "median / p95 s", "slowest"], select_rows),
        ]
    )
    print("\n" + text)
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(json.dumps(RESULTS, indent=1))
