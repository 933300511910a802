"""Fixtures for simulator tests: real UDP on loopback, on ports the kernel hands out."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

import pytest

from simulator import SimulatedBattery

from .udp import RawClient

# Loopback addresses for simulated batteries. Other test modules use 127.0.0.2.., so these
# tests stay in their own corner of 127/8 (and use kernel-chosen ports on top of that).
HOSTS = [f"127.0.9.{n}" for n in range(1, 30)]

type BatteryFactory = Callable[..., Coroutine[Any, Any, SimulatedBattery]]


@pytest.fixture(autouse=True)
def _allow_sockets(socket_enabled: None) -> None:
    """Every simulator test talks real UDP (pytest-socket blocks it otherwise)."""


@pytest.fixture
async def client() -> AsyncIterator[RawClient]:
    """A client on 127.0.0.1 with a kernel-chosen port; batteries listen on the same port,
    so the firmware's "reply to the listen port" behaviour reaches it."""
    raw = await RawClient().open()
    yield raw
    raw.close()


@pytest.fixture
async def make_battery(client: RawClient) -> AsyncIterator[BatteryFactory]:
    """Start batteries on the client's port; everything is stopped at teardown."""
    started: list[SimulatedBattery] = []

    async def factory(profile: str = "venus_e3_150", **kwargs: Any) -> SimulatedBattery:
        kwargs.setdefault("min_gap", 0.0)
        host = kwargs.pop("host", HOSTS[len(started)])
        battery = SimulatedBattery(profile, host, kwargs.pop("port", client.port), **kwargs)
        await battery.start()
        started.append(battery)
        return battery

    yield factory
    for battery in started:
        await battery.stop()
