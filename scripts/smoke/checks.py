"""What the smoke run checks through Home Assistant's HTTP API once the battery is added."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from scripts.devenv.provision import HomeAssistantApi

from .config import DOMAIN
from .simulator import DEVICE_MODE, Battery

NO_VALUE = frozenset({"unavailable", "unknown"})
# Modes to switch to, in order of preference (the first one offered that is not the current).
TARGET_MODES = ("ups", "auto", "manual")


class SmokeFailure(Exception):
    """A check failed; the message says which and why."""


async def wait_for[T](
    probe: Callable[[], Awaitable[T | None]], timeout: float, what: str, interval: float = 0.5
) -> T:
    """Call `probe` until it returns something other than None."""
    deadline = time.monotonic() + timeout
    while True:
        if (value := await probe()) is not None:
            return value
        if time.monotonic() > deadline:
            raise SmokeFailure(f"{what}: not within {timeout:.0f} s")
        await asyncio.sleep(interval)


async def entity_ids(api: HomeAssistantApi, ble_mac: str) -> dict[str, str]:
    """The battery's enabled entities: ``platform.key`` (e.g. ``sensor.state_of_charge``) to
    entity id, from the entity registry (unique id ``{ble_mac}_{key}``)."""
    prefix = f"{ble_mac}_"
    found: dict[str, str] = {}
    for entity in await api.ws("config/entity_registry/list"):
        unique_id = str(entity.get("unique_id", ""))
        if entity.get("platform") != DOMAIN or not unique_id.startswith(prefix):
            continue
        if entity.get("disabled_by") is None:
            platform = str(entity["entity_id"]).partition(".")[0]
            found[f"{platform}.{unique_id[len(prefix) :]}"] = str(entity["entity_id"])
    return found


async def state(api: HomeAssistantApi, entity_id: str) -> dict[str, Any]:
    result: dict[str, Any] = await api.request("GET", f"/api/states/{entity_id}")
    return result


async def soc(api: HomeAssistantApi, entity_id: str, timeout: float) -> float:
    """The state of charge once the sensor has a number."""

    async def probe() -> float | None:
        try:
            return float((await state(api, entity_id))["state"])
        except ValueError:
            return None

    return await wait_for(probe, timeout, f"{entity_id} has no number")


async def entities_with_values(api: HomeAssistantApi, ids: dict[str, str]) -> tuple[int, int]:
    """How many of the battery's enabled entities have a state, and how many have a value."""
    wanted = set(ids.values())
    states = [
        item for item in await api.request("GET", "/api/states") if item["entity_id"] in wanted
    ]
    return len(states), sum(1 for item in states if item["state"] not in NO_VALUE)


async def switch_mode(
    api: HomeAssistantApi, entity_id: str, battery: Battery, timeout: float
) -> str:
    """select.select_option to another mode; wait until the battery runs it and the select
    shows it. Returns "old -> new"."""
    current = await state(api, entity_id)
    options = list(current["attributes"].get("options", []))
    target = next(
        (mode for mode in TARGET_MODES if mode in options and mode != current["state"]), None
    )
    if target is None:
        raise SmokeFailure(f"{entity_id} offers no mode to switch to: {options}")
    await api.request(
        "POST",
        "/api/services/select/select_option",
        json={"entity_id": entity_id, "option": target},
    )

    async def probe() -> bool | None:
        device = battery.state()["mode"]
        shown = (await state(api, entity_id))["state"]
        return True if device == DEVICE_MODE[target] and shown == target else None

    await wait_for(
        probe, timeout, f"battery in mode {DEVICE_MODE[target]} and {entity_id} = {target}"
    )
    return f"{current['state']} -> {target}"
