"""Config flow: scan and pick, manual entry, discovery, DHCP, reconfigure, the forms.

Names, host names and the reachability probe: test_config_flow_address.py; options:
test_options_flow.py.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from fnmatch import fnmatch
from http import HTTPStatus
from typing import Any
from unittest.mock import AsyncMock, MagicMock

import pytest
from homeassistant.config_entries import SOURCE_DHCP, SOURCE_INTEGRATION_DISCOVERY, SOURCE_USER
from homeassistant.const import CONF_HOST, CONF_NAME, CONF_PORT
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers.service_info.dhcp import DhcpServiceInfo
from homeassistant.loader import async_get_dhcp
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
from custom_components.marstek_venus.pymarstek_venus.errors import (
    MarstekDecodeError,
    MarstekInvalidHostError,
    MarstekPortInUseError,
    MarstekTimeoutError,
)

from .conftest import FakeBattery, add_battery_flow

pytestmark = pytest.mark.usefixtures("mock_setup_entry")
MENU_BATTERY = {"next_step_id": "battery"}  # the add menu, shown once a battery exists


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

    result = await add_battery_flow(hass)  # past the add menu: a battery is set up
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
    assert result["title"] == "Marstek Venus E 3.0 DFA5"
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
    assert result["title"] == "Marstek Venus E 3.0 DFA5"
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


async def test_manual_known_battery_new_address(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, mock_client: MagicMock
) -> None:
    """Entering a known battery aborts, and its entry follows it to the new address."""
    mock_config_entry.add_to_hass(hass)
    result = await add_battery_flow(hass)  # past the add menu: a battery is set up
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
    assert result["title"] == "Marstek Venus E 3.0 DFA5"
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


def _dhcp(ip: str, hostname: str = "marstek-venus-e") -> DhcpServiceInfo:
    # The MAC DHCP sees is the Wi-Fi side's, never the BLE MAC entries are keyed on.
    return DhcpServiceInfo(ip=ip, hostname=hostname, macaddress="444e6d6b2f11")


async def test_dhcp_matchers(hass: HomeAssistant) -> None:
    """A new battery's "marstek…" DHCP host name, and registered devices, reach the flow."""
    matchers = [
        {key: value for key, value in matcher.items() if key != "domain"}
        for matcher in await async_get_dhcp(hass)
        if matcher["domain"] == DOMAIN
    ]
    assert matchers == [{"hostname": "marstek*"}, {"registered_devices": True}]
    # Home Assistant matches the lower-cased host name with fnmatch.
    assert fnmatch("marstek-venus-e-3", matchers[0]["hostname"])


async def test_dhcp_new_battery_is_discovered(
    hass: HomeAssistant, mock_client: MagicMock, mock_client_class: MagicMock, battery: FakeBattery
) -> None:
    """A "marstek-…" host is asked GetDevice at its DHCP address, then offered; keyed on BLE MAC."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_DHCP}, data=_dhcp(battery.host)
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "discovery_confirm"
    assert mock_client_class.call_args.args[:2] == (battery.host, 30000)
    mock_client.get_device.assert_awaited()

    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["result"].unique_id == battery.device.ble_mac
    assert result["data"] == {CONF_HOST: battery.host, CONF_PORT: 30000}


async def test_dhcp_known_battery_moved(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_client: MagicMock,
    battery: FakeBattery,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A known battery at a new DHCP address: the entry follows it, and the log says so."""
    mock_config_entry.add_to_hass(hass)
    mock_client.get_device.return_value = replace(battery.device, host="192.168.1.98")
    with caplog.at_level(logging.INFO):
        result = await hass.config_entries.flow.async_init(
            DOMAIN, context={"source": SOURCE_DHCP}, data=_dhcp("192.168.1.98")
        )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert mock_config_entry.data[CONF_HOST] == "192.168.1.98"
    assert "Marstek battery 00:9b:08:a5:df:a5 moved from 192.168.1.50 to 192.168.1.98" in (
        caplog.text
    )


async def test_dhcp_known_address_sends_nothing(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, mock_client_class: MagicMock
) -> None:
    """A lease renewed at the address a battery already has: nothing to ask, nothing sent."""
    mock_config_entry.add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_DHCP}, data=_dhcp(mock_config_entry.data[CONF_HOST])
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    mock_client_class.assert_not_called()


async def test_dhcp_no_battery_there(hass: HomeAssistant, mock_client: MagicMock) -> None:
    """A "marstek…" host that does not answer GetDevice offers nothing."""
    mock_client.get_device.side_effect = MarstekTimeoutError("no reply")
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_DHCP}, data=_dhcp("192.168.1.77")
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
    assert [field["name"] for field in form["data_schema"]] == [CONF_HOST, CONF_PORT, CONF_NAME]

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
