"""Config flow: scan and pick, manual entry, discovery, DHCP, reconfigure, options."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any
from unittest.mock import AsyncMock, MagicMock, patch

import pytest
from homeassistant.config_entries import (
    SOURCE_DHCP,
    SOURCE_INTEGRATION_DISCOVERY,
    SOURCE_USER,
    ConfigEntryState,
)
from homeassistant.const import CONF_HOST, CONF_PORT
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers.service_info.dhcp import DhcpServiceInfo
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.marstek_venus.const import (
    CONF_PASSIVE_KEEP_ALIVE,
    CONF_POLL_GROUPS,
    CONF_POWER_LIMIT,
    CONF_REQUEST_GAP,
    CONF_SCAN_INTERVAL,
    CONF_UNAVAILABLE_AFTER,
    DOMAIN,
)
from custom_components.marstek_venus.protocol.errors import (
    MarstekDecodeError,
    MarstekInvalidHostError,
    MarstekPortInUseError,
    MarstekTimeoutError,
)

from .conftest import FakeBattery

pytestmark = pytest.mark.usefixtures("mock_setup_entry")


async def test_user_picks_discovered_battery(
    hass: HomeAssistant,
    mock_discover: AsyncMock,
    mock_client: MagicMock,
    battery: FakeBattery,
) -> None:
    """The scan offers the batteries not set up yet; picking one creates the entry."""
    other = FakeBattery("venus_a_fw149")
    MockConfigEntry(domain=DOMAIN, unique_id=other.device.ble_mac, data={}).add_to_hass(hass)
    mock_discover.return_value = [battery.device, other.device]

    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "pick_device"
    options = result["data_schema"].schema["device"].config["options"]
    assert options == [
        {"value": "009b08a5dfa5", "label": "Venus E 3.0 · 150 · 192.168.1.50"},
        {"value": "manual", "label": "manual"},
    ]

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"device": "009b08a5dfa5"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Marstek Venus E 3.0"
    assert result["data"] == {CONF_HOST: "192.168.1.50", CONF_PORT: 30000}
    assert result["result"].unique_id == "009b08a5dfa5"
    # Picking from the scan needs no second probe.
    mock_client.get_device.assert_not_awaited()


async def test_user_picks_manual(
    hass: HomeAssistant, mock_discover: AsyncMock, mock_client: MagicMock, battery: FakeBattery
) -> None:
    """ "Enter manually" leads to the host form, which probes the battery."""
    mock_discover.return_value = [FakeBattery("venus_a_fw149").device]
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"device": "manual"})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "manual"

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: " 192.168.1.50 ", CONF_PORT: 30000}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Marstek Venus E 3.0"
    assert result["data"] == {CONF_HOST: "192.168.1.50", CONF_PORT: 30000}
    assert result["result"].unique_id == battery.device.ble_mac
    mock_client.close.assert_awaited()


async def test_user_nothing_found_goes_manual(hass: HomeAssistant, mock_client: MagicMock) -> None:
    """Without scan results the flow asks for the address straight away."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "manual"
    assert result["errors"] == {}


@pytest.mark.parametrize(
    ("method", "side_effect", "error"),
    [
        ("connect", MarstekPortInUseError(30000), "port_in_use"),
        ("connect", MarstekInvalidHostError("bad"), "invalid_host"),
        ("get_device", MarstekTimeoutError("no reply"), "no_reply"),
        ("get_device", MarstekDecodeError("garbage"), "not_marstek"),
        ("get_device", RuntimeError("boom"), "unknown"),
    ],
)
async def test_manual_errors_then_recover(
    hass: HomeAssistant,
    mock_client: MagicMock,
    method: str,
    side_effect: Exception,
    error: str,
) -> None:
    """Each failure has its own message, and the user can try again."""
    getattr(mock_client, method).side_effect = side_effect
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: "192.168.1.50", CONF_PORT: 30000}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": error}

    getattr(mock_client, method).side_effect = None
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: "192.168.1.50", CONF_PORT: 30000}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_manual_invalid_host(hass: HomeAssistant, mock_client_class: MagicMock) -> None:
    """A host that is no IPv4 address is refused before anything is sent."""
    mock_client_class.side_effect = MarstekInvalidHostError("not an address")
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: "battery.local", CONF_PORT: 30000}
    )
    assert result["errors"] == {"base": "invalid_host"}


async def test_manual_known_battery_new_address(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, mock_client: MagicMock
) -> None:
    """Entering a known battery aborts, and its entry follows it to the new address."""
    mock_config_entry.add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: "192.168.1.77", CONF_PORT: 30001}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert mock_config_entry.data == {CONF_HOST: "192.168.1.77", CONF_PORT: 30001}


async def test_pick_device_configured_meanwhile(
    hass: HomeAssistant, mock_discover: AsyncMock, battery: FakeBattery
) -> None:
    """A battery set up by another flow while the list was open aborts."""
    mock_discover.return_value = [battery.device]
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    MockConfigEntry(
        domain=DOMAIN, unique_id=battery.device.ble_mac, data={CONF_HOST: "10.0.0.1"}
    ).add_to_hass(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"device": battery.device.ble_mac}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


def _discovery(battery: FakeBattery, host: str | None = None) -> dict[str, object]:
    return {
        CONF_HOST: host or battery.host,
        CONF_PORT: battery.port,
        "ble_mac": battery.device.ble_mac,
        "model": battery.device.model,
        "firmware": battery.device.firmware,
    }


async def test_integration_discovery_new(hass: HomeAssistant, battery: FakeBattery) -> None:
    """A battery found by the background scan is offered for confirmation."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_INTEGRATION_DISCOVERY}, data=_discovery(battery)
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "discovery_confirm"
    assert result["description_placeholders"] == {
        "model": "Venus E 3.0",
        "firmware": "150",
        "host": "192.168.1.50",
    }
    flows = hass.config_entries.flow.async_progress()
    assert flows[0]["context"]["title_placeholders"] == {"name": "Venus E 3.0 (192.168.1.50)"}

    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Marstek Venus E 3.0"
    assert result["data"] == {CONF_HOST: "192.168.1.50", CONF_PORT: 30000}

    # The same battery found again while a flow is open does not start a second one.
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_INTEGRATION_DISCOVERY}, data=_discovery(battery)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_integration_discovery_in_progress(hass: HomeAssistant, battery: FakeBattery) -> None:
    """Two scans finding the same new battery give one flow."""
    await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_INTEGRATION_DISCOVERY}, data=_discovery(battery)
    )
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_INTEGRATION_DISCOVERY}, data=_discovery(battery)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_in_progress"


async def test_integration_discovery_updates_host(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, battery: FakeBattery
) -> None:
    """A known battery seen at a new IP gets its entry updated."""
    mock_config_entry.add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_INTEGRATION_DISCOVERY},
        data=_discovery(battery, host="192.168.1.99"),
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert mock_config_entry.data[CONF_HOST] == "192.168.1.99"


async def test_dhcp_updates_host(hass: HomeAssistant, mock_config_entry: MockConfigEntry) -> None:
    """DHCP (registered devices) keeps the IP of a known battery current."""
    mock_config_entry.add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_DHCP},
        data=DhcpServiceInfo(ip="192.168.1.98", hostname="venus", macaddress="009b08a5dfa5"),
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert mock_config_entry.data[CONF_HOST] == "192.168.1.98"


async def test_dhcp_unknown_device(hass: HomeAssistant) -> None:
    """A DHCP match without an entry offers nothing."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_DHCP},
        data=DhcpServiceInfo(ip="192.168.1.98", hostname="venus", macaddress="aabbccddeeff"),
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "no_devices_found"


async def test_reconfigure(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, mock_client: MagicMock
) -> None:
    """Host and port can be changed; an error can be corrected."""
    mock_config_entry.add_to_hass(hass)
    result = await mock_config_entry.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reconfigure"

    mock_client.get_device.side_effect = MarstekTimeoutError("no reply")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: "192.168.1.60", CONF_PORT: 30002}
    )
    assert result["errors"] == {"base": "no_reply"}

    mock_client.get_device.side_effect = None
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: "192.168.1.60", CONF_PORT: 30002}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert mock_config_entry.data == {CONF_HOST: "192.168.1.60", CONF_PORT: 30002}


async def test_reconfigure_other_battery(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, mock_client: MagicMock
) -> None:
    """Reconfiguring cannot swap the battery behind an entry."""
    mock_config_entry.add_to_hass(hass)
    mock_client.get_device.return_value = FakeBattery("venus_a_fw149").device
    result = await mock_config_entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: "192.168.1.51", CONF_PORT: 30000}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "different_battery"
    assert mock_config_entry.data[CONF_HOST] == "192.168.1.50"


async def test_options_flow(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_setup_entry: AsyncMock,
) -> None:
    """The options are stored and a change reloads the entry; no change, no reload."""
    unload = patch("custom_components.marstek_venus.async_unload_entry", return_value=True)
    unload.start()
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert mock_config_entry.state is ConfigEntryState.LOADED
    assert mock_setup_entry.call_count == 1

    result = await hass.config_entries.options.async_init(mock_config_entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "init"
    options = {
        CONF_SCAN_INTERVAL: 60,
        CONF_REQUEST_GAP: 1.5,
        CONF_POLL_GROUPS: ["battery", "ble"],
        CONF_UNAVAILABLE_AFTER: 5,
        CONF_POWER_LIMIT: 800,
        CONF_PASSIVE_KEEP_ALIVE: True,
    }
    result = await hass.config_entries.options.async_configure(result["flow_id"], options)
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert dict(mock_config_entry.options) == options
    assert mock_setup_entry.call_count == 2  # reloaded with the new options

    result = await hass.config_entries.options.async_init(mock_config_entry.entry_id)
    result = await hass.config_entries.options.async_configure(result["flow_id"], options)
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert mock_setup_entry.call_count == 2
    unload.stop()


async def test_forms_serialize_for_the_frontend(
    hass: HomeAssistant,
    hass_client: Any,
    mock_config_entry: MockConfigEntry,
    mock_discover: AsyncMock,
    battery: FakeBattery,
) -> None:
    """The forms go through Home Assistant's own serializer (HTTP API), as the UI gets them."""
    mock_discover.return_value = [battery.device]
    assert await async_setup_component(hass, DOMAIN, {})
    assert await async_setup_component(hass, "config", {})
    await hass.async_block_till_done()
    client = await hass_client()

    response = await client.post(
        "/api/config/config_entries/flow", json={"handler": DOMAIN, "show_advanced_options": False}
    )
    assert response.status == HTTPStatus.OK
    form = await response.json()
    assert form["step_id"] == "pick_device"
    assert form["data_schema"][0]["selector"]["select"]["translation_key"] == "pick_device"

    response = await client.post(
        f"/api/config/config_entries/flow/{form['flow_id']}", json={"device": "manual"}
    )
    form = await response.json()
    assert [field["name"] for field in form["data_schema"]] == [CONF_HOST, CONF_PORT]

    mock_config_entry.add_to_hass(hass)
    response = await client.post(
        "/api/config/config_entries/options/flow", json={"handler": mock_config_entry.entry_id}
    )
    assert response.status == HTTPStatus.OK
    form = await response.json()
    assert [field["name"] for field in form["data_schema"]] == [
        CONF_SCAN_INTERVAL,
        CONF_REQUEST_GAP,
        CONF_POLL_GROUPS,
        CONF_UNAVAILABLE_AFTER,
        CONF_POWER_LIMIT,
        CONF_PASSIVE_KEEP_ALIVE,
    ]
