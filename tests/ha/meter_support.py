"""Shared by the emulated meter tests: meter and battery entries, and polls over real UDP.

The meter listens on 127.0.0.1 on a port the OS picks (entry data ``ports: [0]``); batteries
poll it from their own loopback addresses (127.0.0.2, 127.0.0.3 ...), which is how the meter
tells them apart. Battery entries run on patched clients (conftest.py) whose address is the
one their entry stores.

Waiting is done by turns of the event loop, not by timeouts, so the helpers also work under
the ``freezer`` fixture (which freezes the loop's clock).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any
from unittest.mock import MagicMock, create_autospec

from homeassistant.const import CONF_HOST, CONF_PORT
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.marstek_venus.const import DOMAIN
from custom_components.marstek_venus.kinds import CONF_KIND
from custom_components.marstek_venus.meter_config import (
    CONF_BATTERIES,
    CONF_DEVICE_ID,
    CONF_LISTEN_HOST,
    CONF_MODEL,
    CONF_PORTS,
    CONF_SOURCE,
)
from custom_components.marstek_venus.meter_runtime import MeterRuntime
from custom_components.marstek_venus.pymarstek_venus import MarstekClient

from .conftest import FakeBattery, configure_client

GRID = "sensor.grid_power"
DEVICE_ID = "a1b2c3d4e5f6"


def set_power(hass: HomeAssistant, value: str, unit: str | None = "W", entity: str = GRID) -> None:
    """Let the source sensor report ``value`` (also when it did not change)."""
    attributes = {"device_class": "power"}
    if unit is not None:
        attributes["unit_of_measurement"] = unit
    hass.states.async_set(entity, value, attributes, force_update=True)


def meter_entry(
    model: str = "shellyproem50",
    batteries: list[str] | None = None,
    entry_id: str = "01JMETER000000000000000000",
    **options: Any,
) -> MockConfigEntry:
    """A meter entry on 127.0.0.1, any free port; ``options`` add to (or replace) the form's."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="Emulated meter",
        unique_id=f"meter_{model}",
        entry_id=entry_id,
        data={
            CONF_KIND: "meter",
            CONF_MODEL: model,
            CONF_DEVICE_ID: DEVICE_ID,
            CONF_LISTEN_HOST: "127.0.0.1",
            CONF_PORTS: [0],
        },
        options={CONF_SOURCE: GRID, CONF_BATTERIES: batteries or [], **options},
    )


def battery_entry(number: int) -> MockConfigEntry:
    """Battery ``number`` (1, 2 ...) at 127.0.0.<number + 1>."""
    return MockConfigEntry(
        domain=DOMAIN,
        title=f"Battery {number}",
        data={CONF_HOST: f"127.0.0.{number + 1}", CONF_PORT: 30000},
        unique_id=f"0000000000{number:02x}",
        entry_id=f"01JBATTERY{number:016d}",
    )


def clients_per_address(client_class: MagicMock, battery: FakeBattery) -> dict[str, MagicMock]:
    """Make each ``MarstekClient(host, ...)`` a mock of its own battery: host and BLE MAC."""
    clients: dict[str, MagicMock] = {}

    def make(host: str, *args: Any, **kwargs: Any) -> MagicMock:
        client = create_autospec(MarstekClient, instance=True)
        configure_client(client, battery)
        number = int(host.rsplit(".", 1)[1]) - 1
        device = replace(battery.device, ble_mac=f"0000000000{number:02x}", host=host)
        client.host, client.device = host, device
        client.get_device.return_value = device
        clients[host] = client
        return client

    client_class.side_effect = make
    return clients


async def add_batteries(
    hass: HomeAssistant, client_class: MagicMock, battery: FakeBattery, count: int
) -> tuple[list[MockConfigEntry], dict[str, MagicMock]]:
    """Set up ``count`` batteries, each on a client of its own; their entries and clients."""
    clients = clients_per_address(client_class, battery)
    entries = [battery_entry(number) for number in range(1, count + 1)]
    for entry in entries:
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entries, clients


async def one_battery_meter(
    hass: HomeAssistant, client_class: MagicMock, battery: FakeBattery, power: str
) -> tuple[MockConfigEntry, MagicMock, MeterRuntime]:
    """One battery (127.0.0.2) and a meter serving it, the source reporting ``power`` W:
    the battery's entry, its client and the meter's runtime."""
    (entry,), clients = await add_batteries(hass, client_class, battery, 1)
    set_power(hass, power)
    runtime = await setup_meter(hass, meter_entry(batteries=[entry.entry_id]))
    return entry, clients["127.0.0.2"], runtime


async def setup_meter(hass: HomeAssistant, entry: MockConfigEntry) -> MeterRuntime:
    """Add and set up the meter; its runtime (``runtime.server.ports`` are the bound ones)."""
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    runtime: MeterRuntime = entry.runtime_data
    return runtime


class _Client(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.replies: list[bytes] = []

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.replies.append(data)


async def _turns(done: Callable[[], bool], limit: int) -> bool:
    for _ in range(limit):
        if done():
            return True
        await asyncio.sleep(0)
        time.sleep(0.0005)  # noqa: ASYNC251  # the datagram crosses the kernel meanwhile
    return bool(done())


def _handled(runtime: MeterRuntime, sender: str) -> int:
    stats = runtime.server.senders.get(sender)
    seen = 0 if stats is None else stats.served + stats.silent + stats.refused_total
    return seen + runtime.server.untracked


def _served(runtime: MeterRuntime, sender: str) -> int:
    stats = runtime.server.senders.get(sender)
    return 0 if stats is None else stats.served


async def poll(
    runtime: MeterRuntime,
    sender: str,
    method: str = "EM1.GetStatus",
    request_id: int = 7,
    port: int | None = None,
) -> dict[str, Any] | None:
    """Send one poll from ``sender`` to the meter; its JSON reply, None when it stays silent."""
    loop = asyncio.get_running_loop()
    transport, client = await loop.create_datagram_endpoint(_Client, local_addr=(sender, 0))
    try:
        before, served = _handled(runtime, sender), _served(runtime, sender)
        request = {"id": request_id, "method": method, "params": {"id": 0}}
        target = ("127.0.0.1", port or runtime.server.ports[0])
        transport.sendto(json.dumps(request).encode(), target)
        assert await _turns(lambda: _handled(runtime, sender) > before, 4000), "poll not handled"
        answered = _served(runtime, sender) > served
        await _turns(lambda: bool(client.replies), 400 if answered else 40)
    finally:
        transport.close()
    return json.loads(client.replies[0]) if client.replies else None


def answered_power(reply: dict[str, Any] | None) -> float | None:
    """The total power of an EM or EM1 reply."""
    if reply is None:
        return None
    result = reply["result"]
    return float(result["total_act_power"] if "total_act_power" in result else result["act_power"])
