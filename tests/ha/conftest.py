"""Fixtures for the Home Assistant tests: a patched client fed from per-device fixtures."""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator, Awaitable, Callable, Generator
from dataclasses import replace
from pathlib import Path
from typing import Any
from unittest.mock import AsyncMock, MagicMock, PropertyMock, patch

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState, ConfigFlowResult
from homeassistant.const import CONF_HOST, CONF_PORT, Platform
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension
from syrupy.assertion import SnapshotAssertion

from custom_components.marstek_venus.const import DOMAIN
from custom_components.marstek_venus.pymarstek_venus import (
    BatteryStatus,
    DeviceLock,
    ManualPeriod,
    MarstekMethodNotSupportedError,
    Method,
    Mode,
    ModeStatus,
    PassiveConfig,
    Reachability,
    RequestStats,
    Timing,
    Verdict,
    profile_for,
)
from custom_components.marstek_venus.pymarstek_venus.decode import (
    decode_battery,
    decode_ble,
    decode_device,
    decode_es_status,
    decode_meter,
    decode_mode,
    decode_pv,
    decode_wifi,
)

from .snapshot_view import registry_view, snapshot_entities, state_view
from .unload_guard import pytest_runtest_teardown  # noqa: F401  # a pytest hook

__all__ = ["registry_view", "snapshot_entities", "state_view"]

FIXTURES = Path(__file__).parent / "fixtures"
DEVICES = ("venus_e3_fw150", "venus_a_fw149", "venus_e2_fw154")
START_TIME = "2026-11-21 12:00:00+00:00"


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Every test here loads our custom integration."""


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Home Assistant's snapshot extension (stable ids, states as StateSnapshot)."""
    return snapshot.use_extension(HomeAssistantSnapshotExtension)


@pytest.fixture
def entity_registry_enabled_by_default() -> Generator[None]:
    """Create disabled-by-default entities enabled, for snapshots of every entity."""
    with patch(
        "homeassistant.helpers.entity.Entity.entity_registry_enabled_default",
        new_callable=PropertyMock,
        return_value=True,
    ):
        yield


@pytest.fixture(autouse=True)
def mock_discover() -> Generator[AsyncMock]:
    """No test broadcasts: the background scan finds nothing unless a test says so."""
    with patch(
        "custom_components.marstek_venus.discovery.discover", autospec=True, return_value=[]
    ) as discover:
        yield discover


def load_device(name: str) -> dict[str, Any]:
    """A device fixture: raw ``result`` objects per method, as the battery sends them."""
    return json.loads((FIXTURES / f"{name}.json").read_text())


class FakeBattery:
    """Decoded replies of one fixture, and the raw ones for ``last_raw``."""

    def __init__(self, name: str) -> None:
        self.name = name
        fixture = load_device(name)
        self.results: dict[str, dict[str, Any]] = fixture["results"]
        self.host: str = fixture["host"]
        self.port: int = fixture["port"]
        self.device = decode_device(
            self.results[Method.GET_DEVICE], fixture["src"], self.host, self.port
        )
        self.profile = profile_for(self.device.model, self.device.firmware)

    def unsupported(self, method: Method) -> bool:
        return "error" in self.results[method]

    def decoded(self, method: Method) -> Any:
        result = self.results[method]
        profile = self.profile
        match method:
            case Method.WIFI_STATUS:
                return decode_wifi(result)
            case Method.BLE_STATUS:
                return decode_ble(result)
            case Method.BATTERY_STATUS:
                return decode_battery(result, profile)
            case Method.PV_STATUS:
                return decode_pv(result, profile)
            case Method.ES_STATUS:
                pv = None
                if not self.unsupported(Method.PV_STATUS):
                    pv = decode_pv(self.results[Method.PV_STATUS], profile)
                return decode_es_status(result, profile, pv)
            case Method.ES_MODE:
                return decode_mode(result, profile)
            case Method.METER_STATUS:
                return decode_meter(result, profile)
        raise AssertionError(method)


_CLIENT_METHODS = {
    "get_wifi_status": Method.WIFI_STATUS,
    "get_ble_status": Method.BLE_STATUS,
    "get_battery_status": Method.BATTERY_STATUS,
    "get_pv_status": Method.PV_STATUS,
    "get_es_status": Method.ES_STATUS,
    "get_mode": Method.ES_MODE,
    "get_meter_status": Method.METER_STATUS,
}


def follow_writes(client: MagicMock) -> None:
    """Let the mock's ES.GetMode report what the last verified write asked for.

    Passive also moves the AC power to the target, as a battery that follows the command
    does; tests of batteries that do not follow replace these side effects.
    """

    def report(mode: Mode, ac_power: float | None = None) -> None:
        current: ModeStatus = client.get_mode.return_value
        client.get_mode.return_value = replace(
            current,
            mode=mode,
            raw_mode=str(mode),
            ac_power=current.ac_power if ac_power is None else ac_power,
        )

    async def set_mode(mode: Mode) -> None:
        report(mode)

    async def set_passive(
        config: PassiveConfig,
        *,
        confirm: bool = False,
        battery: BatteryStatus | None = None,
        on_sent: Callable[[], None] | None = None,
    ) -> None:
        report(Mode.PASSIVE, float(config.power))
        if on_sent is not None:
            on_sent()  # the battery took the command: its countdown starts

    async def set_manual_period(period: ManualPeriod) -> None:
        report(Mode.MANUAL)

    client.set_mode.side_effect = set_mode
    client.set_passive.side_effect = set_passive
    client.set_manual_period.side_effect = set_manual_period


def configure_client(client: MagicMock, battery: FakeBattery) -> None:
    """Make an autospec'd MarstekClient answer like ``battery``."""
    client.host = battery.host
    client.port = battery.port
    client.timing = Timing()
    client.lock = DeviceLock()  # a real lock: polling and writes must not interleave
    client.device = battery.device
    client.profile = battery.profile
    client.stats = RequestStats(sent=12, answered=11, timeouts=1, resends=2, latency_total=1.1)
    client.last_raw = {
        method: result for method, result in battery.results.items() if "error" not in result
    }
    client.get_device.return_value = battery.device
    for name, method in _CLIENT_METHODS.items():
        reader = getattr(client, name)
        if battery.unsupported(method):
            reader.side_effect = MarstekMethodNotSupportedError(
                str(method), -32601, "Method not found"
            )
        else:
            reader.side_effect = None
            reader.return_value = battery.decoded(method)
    follow_writes(client)


@pytest.fixture
def device_fixture() -> str:
    """Which battery the mock client plays; override with parametrize."""
    return "venus_e3_fw150"


@pytest.fixture
def battery(device_fixture: str) -> FakeBattery:
    """The decoded fixture of the battery under test."""
    return FakeBattery(device_fixture)


@pytest.fixture
def mock_client_class(battery: FakeBattery) -> Generator[MagicMock]:
    """MarstekClient patched (autospec) where the coordinator and the config flow use it.

    The config flow's reachability probe (real UDP, tested in test_config_flow_address.py)
    is replaced by one that cannot tell, as for a battery behind a router: the flow then
    asks the client, as it always did.
    """
    with (
        patch(
            "custom_components.marstek_venus.coordinator.MarstekClient", autospec=True
        ) as client_class,
        patch("custom_components.marstek_venus.probe.MarstekClient", new=client_class),
        patch(
            "custom_components.marstek_venus.probe.probe_reachability",
            return_value=Reachability(Verdict.UNKNOWN),
        ),
    ):
        configure_client(client_class.return_value, battery)
        yield client_class


@pytest.fixture
def mock_client(mock_client_class: MagicMock) -> MagicMock:
    """The client instance every MarstekClient(...) call returns."""
    return mock_client_class.return_value


@pytest.fixture
def mock_config_entry(battery: FakeBattery) -> MockConfigEntry:
    """A config entry for the battery under test."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="Marstek Venus",
        data={CONF_HOST: battery.host, CONF_PORT: battery.port},
        unique_id=battery.device.ble_mac,
        entry_id="01JMARSTEKVENUS0000000000",
    )


@pytest.fixture
def platforms() -> list[Platform] | None:
    """Platforms to load; None loads all of them."""
    return None


@pytest.fixture
async def init_integration(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_client: MagicMock,
    platforms: list[Platform] | None,
    freezer: FrozenDateTimeFactory,
) -> AsyncGenerator[MockConfigEntry]:
    """Set up the integration with the mock client, at a fixed time."""
    freezer.move_to(START_TIME)
    mock_config_entry.add_to_hass(hass)
    if platforms is None:
        assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
        await hass.async_block_till_done()
        yield mock_config_entry
        return
    with patch("custom_components.marstek_venus.PLATFORMS", platforms):
        assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
        await hass.async_block_till_done()
        yield mock_config_entry


@pytest.fixture
def init_integration_factory(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_client: MagicMock,
    freezer: FrozenDateTimeFactory,
) -> Callable[[], Awaitable[MockConfigEntry]]:
    """Set up later than init_integration: after the test prepared storage or the mock."""

    async def setup() -> MockConfigEntry:
        freezer.move_to(START_TIME)
        if hass.config_entries.async_get_entry(mock_config_entry.entry_id) is None:
            mock_config_entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
        await hass.async_block_till_done()
        return mock_config_entry

    return setup


@pytest.fixture
async def mock_setup_entry(hass: HomeAssistant) -> AsyncGenerator[AsyncMock]:
    """Config-flow tests do not set the entry up.

    An entry "set up" this way is LOADED without a coordinator, so it is unloaded here, with a
    stub too, before the stubs go: Home Assistant's own teardown comes later and would run
    the real unload, which closes a client that was never created.
    """
    with (
        patch(
            "custom_components.marstek_venus.async_setup_entry", return_value=True
        ) as setup_entry,
        patch("custom_components.marstek_venus.async_unload_entry", return_value=True),
    ):
        yield setup_entry
        for entry in hass.config_entries.async_entries(DOMAIN):
            if entry.state is ConfigEntryState.LOADED:
                await hass.config_entries.async_unload(entry.entry_id)


async def add_battery_flow(hass: HomeAssistant) -> ConfigFlowResult:
    """Start adding a battery: past the add menu, which appears once a battery is set up."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    if result["type"] is FlowResultType.MENU:
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"next_step_id": "battery"}
        )
    return result


async def report_mode(entry: MockConfigEntry, client: MagicMock, mode: Mode) -> None:
    """Let the mock battery report ``mode`` (as if switched outside Home Assistant), and poll."""
    client.get_mode.return_value = replace(
        client.get_mode.return_value, mode=mode, raw_mode=str(mode)
    )
    await entry.runtime_data.async_refresh()
