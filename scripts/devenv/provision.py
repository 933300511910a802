"""Bring the development Home Assistant to "ready to look at", through its own HTTP API.

Everything goes through the same API the frontend uses, so nothing depends on the layout of
Home Assistant's storage files:

1. the demo user (onboarding's user step on the first start, a normal login afterwards);
2. a config entry per simulated battery, made by the integration's real config flow (the
   battery picked from the scan, or entered by hand when the scan does not offer it); a
   battery that is already set up makes the flow abort with ``already_configured``;
3. a 10 s update interval (the options flow), so the values on screen move;
4. the Energy panel, on the first start only: grid from the Venus E's CT meter, solar from
   the Venus A's PV inputs and both batteries as battery storage.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp

DOMAIN = "marstek_venus"
MANUAL = "manual"
SCAN_INTERVAL = 10  # s: the integration's minimum; fine for two simulated batteries


class ProvisionError(Exception):
    """Home Assistant did not do what the development set-up needs."""


@dataclass(slots=True)
class Battery:
    """A simulated battery as the develop script knows it."""

    host: str
    port: int
    ble_mac: str
    label: str
    entry_id: str | None = None
    device_id: str | None = None
    entities: dict[str, str] = field(default_factory=dict)  # key -> entity_id


class HomeAssistantApi:
    """A logged-in client of Home Assistant's REST and websocket APIs."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str) -> None:
        self.session = session
        self.base_url = base_url.rstrip("/")
        self.client_id = f"{self.base_url}/"
        self.redirect_uri = f"{self.base_url}/?auth_callback=1"
        self.token: str | None = None
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._ws_id = 0

    async def request(self, method: str, path: str, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        async with self.session.request(
            method, f"{self.base_url}{path}", headers=headers, **kwargs
        ) as response:
            if response.status >= 400:
                text = await response.text()
                raise ProvisionError(f"{method} {path}: HTTP {response.status}: {text[:300]}")
            if response.content_type == "application/json":
                return await response.json()
            return await response.text()

    async def wait_until_up(self, timeout: float, alive: Any) -> None:
        """Wait for the HTTP server: any answer will do (before onboarding most are 400s)."""
        deadline = time.monotonic() + timeout
        while True:
            if not alive():
                raise ProvisionError("Home Assistant exited during start-up")
            try:
                async with self.session.get(f"{self.base_url}/auth/providers") as response:
                    if response.status < 500:
                        return
            except aiohttp.ClientError:
                pass
            if time.monotonic() > deadline:
                raise ProvisionError(
                    f"Home Assistant did not answer on {self.base_url} within {timeout:.0f} s"
                )
            await asyncio.sleep(1)

    async def onboarded_user(self) -> bool:
        """Whether the onboarding's user step is done (the view is gone once all are)."""
        async with self.session.get(f"{self.base_url}/api/onboarding") as response:
            if response.status == 404:
                return True
            steps = await response.json()
        return any(step["step"] == "user" and step["done"] for step in steps)

    async def log_in(self, username: str, password: str, name: str) -> None:
        """Create the demo user on the first start, else log in as it."""
        if not await self.onboarded_user():
            reply = await self.request(
                "POST",
                "/api/onboarding/users",
                json={
                    "client_id": self.client_id,
                    "name": name,
                    "username": username,
                    "password": password,
                    "language": "en",
                },
            )
            code = reply["auth_code"]
        else:
            flow = await self.request(
                "POST",
                "/auth/login_flow",
                json={
                    "client_id": self.client_id,
                    "handler": ["homeassistant", None],
                    "redirect_uri": self.redirect_uri,
                },
            )
            result = await self.request(
                "POST",
                f"/auth/login_flow/{flow['flow_id']}",
                json={"client_id": self.client_id, "username": username, "password": password},
            )
            if result.get("type") != "create_entry":
                raise ProvisionError(
                    f"cannot log in as {username!r}: {result.get('errors')}; "
                    "start over with scripts/develop --reset"
                )
            code = result["result"]
        token = await self.request(
            "POST",
            "/auth/token",
            data={"grant_type": "authorization_code", "code": code, "client_id": self.client_id},
        )
        self.token = token["access_token"]

    async def wait_until_running(self, timeout: float) -> None:
        """Wait until every integration has finished starting."""
        deadline = time.monotonic() + timeout
        while (await self.request("GET", "/api/config")).get("state") != "RUNNING":
            if time.monotonic() > deadline:
                raise ProvisionError(f"Home Assistant did not finish starting in {timeout:.0f} s")
            await asyncio.sleep(1)

    async def ws(self, message_type: str, **payload: Any) -> Any:
        """One websocket command; the connection is opened on first use."""
        if self._ws is None:
            self._ws = await self.session.ws_connect(f"{self.base_url}/api/websocket")
            await self._ws.receive_json()  # auth_required
            await self._ws.send_json({"type": "auth", "access_token": self.token})
            if (await self._ws.receive_json()).get("type") != "auth_ok":
                raise ProvisionError("websocket authentication failed")
        self._ws_id += 1
        await self._ws.send_json({"id": self._ws_id, "type": message_type, **payload})
        while True:
            reply = await self._ws.receive_json()
            if reply.get("id") == self._ws_id and reply.get("type") == "result":
                break
        if not reply.get("success"):
            raise ProvisionError(f"{message_type}: {reply.get('error')}")
        return reply.get("result")

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()


async def add_battery(api: HomeAssistantApi, battery: Battery) -> str:
    """Run the config flow for `battery`; 'created' or 'already set up'."""
    flow_path = "/api/config/config_entries/flow"
    result = await api.request(
        "POST", flow_path, json={"handler": DOMAIN, "show_advanced_options": False}
    )
    if result.get("type") == "menu":  # a battery is set up: what to add?
        result = await api.request(
            "POST", f"{flow_path}/{result['flow_id']}", json={"next_step_id": "battery"}
        )
    if result.get("step_id") == "pick_device":
        offered = {
            option["value"]
            for item in result["data_schema"]
            for option in item.get("selector", {}).get("select", {}).get("options", [])
        }
        choice = battery.ble_mac if battery.ble_mac in offered else MANUAL
        result = await api.request(
            "POST", f"{flow_path}/{result['flow_id']}", json={"device": choice}
        )
    if result.get("step_id") == "manual":
        result = await api.request(
            "POST",
            f"{flow_path}/{result['flow_id']}",
            json={"host": battery.host, "port": battery.port},
        )
    if result.get("type") == "create_entry":
        return "added"
    if result.get("type") == "abort" and result.get("reason") == "already_configured":
        return "already set up"
    raise ProvisionError(f"config flow for {battery.label} ended with {result}")


async def set_scan_interval(api: HomeAssistantApi, entry_id: str) -> None:
    """Options flow: the fastest allowed update interval, every other option unchanged."""
    path = "/api/config/config_entries/options/flow"
    form = await api.request("POST", path, json={"handler": entry_id})
    values: dict[str, Any] = {}
    for item in form.get("data_schema", []):
        description = item.get("description") or {}
        if "suggested_value" in description:
            values[item["name"]] = description["suggested_value"]
        elif "default" in item:
            values[item["name"]] = item["default"]
    if values.get("scan_interval") == SCAN_INTERVAL:
        await api.request("DELETE", f"{path}/{form['flow_id']}")
        return
    values["scan_interval"] = SCAN_INTERVAL
    result = await api.request("POST", f"{path}/{form['flow_id']}", json=values)
    if result.get("type") != "create_entry":
        raise ProvisionError(f"options flow ended with {result}")


async def wait_loaded(api: HomeAssistantApi, batteries: list[Battery], timeout: float) -> None:
    """Wait until every battery's entry is loaded and its device is registered."""
    deadline = time.monotonic() + timeout
    while True:
        devices = await api.ws("config/device_registry/list")
        by_mac = {
            identifier[1]: device
            for device in devices
            for identifier in device.get("identifiers", [])
            if identifier[0] == DOMAIN
        }
        entries = {
            entry["entry_id"]: entry
            for entry in await api.request(
                "GET", f"/api/config/config_entries/entry?domain={DOMAIN}"
            )
        }
        for battery in batteries:
            device = by_mac.get(battery.ble_mac)
            if device is not None:
                battery.device_id = device["id"]
                battery.entry_id = device.get("primary_config_entry") or next(
                    iter(device.get("config_entries", [])), None
                )
        states = [entries.get(battery.entry_id or "", {}).get("state") for battery in batteries]
        if all(state == "loaded" for state in states):
            return
        if time.monotonic() > deadline:
            raise ProvisionError(f"the batteries' entries are not loaded: {states}")
        await asyncio.sleep(1)


async def find_entities(api: HomeAssistantApi, batteries: list[Battery]) -> None:
    """Map each battery's entity keys (unique id ``{ble_mac}_{key}``) to entity ids."""
    for entity in await api.ws("config/entity_registry/list"):
        if entity.get("platform") != DOMAIN:
            continue
        for battery in batteries:
            prefix = f"{battery.ble_mac}_"
            if str(entity.get("unique_id", "")).startswith(prefix):
                battery.entities[entity["unique_id"][len(prefix) :]] = entity["entity_id"]


async def set_up_energy(api: HomeAssistantApi, batteries: list[Battery]) -> bool:
    """Fill the Energy panel once (a user's later changes are kept). True if written."""
    try:
        prefs = await api.ws("energy/get_prefs")
    except ProvisionError:
        prefs = None  # not configured yet
    if prefs and prefs.get("energy_sources"):
        return False
    sources: list[dict[str, Any]] = []
    meter = next((b for b in batteries if "grid_import_energy" in b.entities), None)
    if meter is not None:
        sources.append(
            {
                "type": "grid",
                "flow_from": [
                    {
                        "stat_energy_from": meter.entities["grid_import_energy"],
                        "stat_cost": None,
                        "entity_energy_price": None,
                        "number_energy_price": 0.30,
                    }
                ],
                "flow_to": [
                    {
                        "stat_energy_to": meter.entities["grid_export_energy"],
                        "stat_compensation": None,
                        "entity_energy_price": None,
                        "number_energy_price": 0.08,
                    }
                ],
                "cost_adjustment_day": 0,
            }
        )
    sources.extend(
        {
            "type": "solar",
            "stat_energy_from": battery.entities["pv_energy"],
            "config_entry_solar_forecast": None,
        }
        for battery in batteries
        if "pv_energy" in battery.entities
    )
    sources.extend(
        {
            "type": "battery",
            "stat_energy_from": battery.entities["battery_discharged_energy"],
            "stat_energy_to": battery.entities["battery_charged_energy"],
        }
        for battery in batteries
        if {"battery_discharged_energy", "battery_charged_energy"} <= battery.entities.keys()
    )
    await api.ws("energy/save_prefs", energy_sources=sources, device_consumption=[])
    return True


async def dismiss_stale_discovery_notice(api: HomeAssistantApi) -> None:
    """Remove a "New devices discovered" notice that only the simulated batteries caused.

    At start-up the integration's background scan finds the simulated batteries before they
    are set up and starts discovery flows; adding the batteries ends those flows, but Home
    Assistant raises its (debounced) notice anyway. It is dismissed when no discovery flow is
    left, so a real discovery stays visible.
    """
    if not await api.ws("config_entries/flow/progress"):
        await api.request(
            "POST",
            "/api/services/persistent_notification/dismiss",
            json={"notification_id": "config_entry_discovery"},
        )
