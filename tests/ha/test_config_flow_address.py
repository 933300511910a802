"""Config flow: what the manual step does with an address, and how batteries are named.

Host names are resolved (and stored as typed); the three mistakes a plain request cannot tell
apart (nobody at the address, a closed port, a silent battery) get their own errors, over
real loopback UDP; every new battery gets a distinct default name, or the user's.
"""

from __future__ import annotations

import socket
import sys
from dataclasses import replace
from pathlib import Path
from unittest.mock import AsyncMock, MagicMock, patch

import pytest
import pytest_socket
from homeassistant.config_entries import (
    SOURCE_INTEGRATION_DISCOVERY,
    SOURCE_USER,
    ConfigFlowResult,
)
from homeassistant.const import CONF_HOST, CONF_NAME, CONF_PORT
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.marstek_venus.const import DOMAIN
from custom_components.marstek_venus.neighbours import neighbour_presence
from custom_components.marstek_venus.probe import async_probe
from custom_components.marstek_venus.pymarstek_venus.errors import MarstekInvalidHostError
from simulator import SimulatedBattery

from .conftest import FakeBattery, add_battery_flow

pytestmark = pytest.mark.usefixtures("mock_setup_entry")


def _discovery(battery: FakeBattery) -> dict[str, object]:
    return {
        CONF_HOST: battery.host,
        CONF_PORT: battery.port,
        "ble_mac": battery.device.ble_mac,
        "model": battery.device.model,
        "firmware": battery.device.firmware,
    }


@pytest.mark.parametrize("host", ["not a host!", "192.168.1", "3000", "224.0.0.1", "-bad-.lan"])
async def test_manual_invalid_host(
    hass: HomeAssistant, mock_client_class: MagicMock, host: str
) -> None:
    """Neither an IPv4 address nor a host name: refused before anything is sent or looked up.

    A last label of digits is refused too: the C resolver would turn "192.168.1" into
    192.168.0.1.
    """
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: host, CONF_PORT: 30000}
    )
    assert result["errors"] == {"base": "invalid_host"}
    mock_client_class.assert_not_called()


@pytest.mark.usefixtures("mock_client")
async def test_manual_client_refuses_host(
    hass: HomeAssistant, mock_client_class: MagicMock
) -> None:
    """The client's own check of the resolved address still turns into the form error."""
    mock_client_class.side_effect = MarstekInvalidHostError("not an address")
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: "192.168.1.50", CONF_PORT: 30000}
    )
    assert result["errors"] == {"base": "invalid_host"}


# --- names -------------------------------------------------------------------------------------


async def test_two_batteries_of_one_model_get_distinct_names(
    hass: HomeAssistant, mock_discover: AsyncMock, battery: FakeBattery
) -> None:
    """The default name ends in the BLE MAC's last four hex digits, so two E 3.0s differ."""
    twin = replace(battery.device, ble_mac="009b08a51234", host="192.168.1.51")
    mock_discover.return_value = [battery.device, twin]
    titles = []
    for device in (battery.device, twin):
        result = await add_battery_flow(hass)  # the second time past the add menu
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"device": device.ble_mac}
        )
        assert result["type"] is FlowResultType.CREATE_ENTRY
        titles.append(result["title"])
    assert titles == ["Marstek Venus E 3.0 DFA5", "Marstek Venus E 3.0 1234"]


async def test_pick_device_with_a_name(
    hass: HomeAssistant, mock_discover: AsyncMock, battery: FakeBattery
) -> None:
    """A name typed next to the list becomes the entry's title (and so the device's name)."""
    mock_discover.return_value = [battery.device]
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"device": battery.device.ble_mac, CONF_NAME: "  Garage battery "}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Garage battery"


async def test_manual_with_a_name(hass: HomeAssistant, mock_client: MagicMock) -> None:
    """The manual form takes a name; left empty, the distinct default is used."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: "192.168.1.50", CONF_PORT: 30000, CONF_NAME: "Attic"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Attic"
    assert result["data"] == {CONF_HOST: "192.168.1.50", CONF_PORT: 30000}


async def test_discovery_confirm_offers_a_name(hass: HomeAssistant, battery: FakeBattery) -> None:
    """The confirmation suggests the distinct default name; the user may change it."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_INTEGRATION_DISCOVERY}, data=_discovery(battery)
    )
    assert result["step_id"] == "discovery_confirm"
    (field,) = result["data_schema"].schema
    assert field == CONF_NAME
    assert field.default() == "Marstek Venus E 3.0 DFA5"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_NAME: "Cellar"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Cellar"


# --- host names --------------------------------------------------------------------------------


async def test_manual_host_name_is_stored_and_resolved(
    hass: HomeAssistant, mock_client_class: MagicMock, mock_client: MagicMock
) -> None:
    """A host name is accepted: the client talks to its address, the entry keeps the name."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: " localhost ", CONF_PORT: 30000}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == {CONF_HOST: "localhost", CONF_PORT: 30000}
    assert mock_client_class.call_args.args == ("127.0.0.1", 30000)


@pytest.mark.usefixtures("mock_client")
async def test_manual_host_name_that_does_not_resolve(hass: HomeAssistant) -> None:
    """A name without an IPv4 address is a translated form error; the user can fix it."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    with patch.object(
        hass.loop, "getaddrinfo", side_effect=socket.gaierror(-2, "Name or service not known")
    ):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_HOST: "venus.lan", CONF_PORT: 30000}
        )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "cannot_resolve"}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: "192.168.1.50", CONF_PORT: 30000}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_pick_device_keeps_a_stored_host_name(
    hass: HomeAssistant, mock_discover: AsyncMock, battery: FakeBattery
) -> None:
    """A battery stored by name and found by a scan keeps its name (the name is followed)."""
    mock_discover.return_value = [battery.device]
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=battery.device.ble_mac,
        data={CONF_HOST: "venus.lan", CONF_PORT: 30001},
    )
    entry.add_to_hass(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"device": battery.device.ble_mac}
    )
    assert result["type"] is FlowResultType.ABORT
    assert entry.data == {CONF_HOST: "venus.lan", CONF_PORT: 30000}


# --- telling mistakes apart, over real UDP -----------------------------------------------------


# Our own corner of 127/8 (other modules' simulators live elsewhere).
PEERS = ("127.0.17.10", "127.0.17.11", "127.0.17.12")


@pytest.fixture
def loopback_peers(socket_enabled: None) -> None:
    """Real UDP on loopback, and connect() to the peers: the probe's socket connects there.

    The harness allows connect() to 127.0.0.1 only; an unconnected socket's sendto() is not
    checked, which is why the shared socket needs nothing of this.
    """
    pytest_socket.socket_allow_hosts(["127.0.0.1", *PEERS])


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _manual(hass: HomeAssistant, host: str, port: int) -> ConfigFlowResult:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["step_id"] == "manual"
    return await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: host, CONF_PORT: port}
    )


@pytest.mark.usefixtures("loopback_peers")
async def test_manual_wrong_port_is_told_at_once(hass: HomeAssistant) -> None:
    """Nothing listens on the port: the host's "port unreachable" ends the probe at once.

    Before, this waited out the whole retry budget (about 14 s) and said "no reply".
    """
    result = await _manual(hass, PEERS[0], _free_udp_port())
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "port_closed"}


@pytest.mark.usefixtures("loopback_peers")
async def test_manual_silent_battery(hass: HomeAssistant) -> None:
    """A host that is there but never answers: "enable the Open API", not "no reply"."""
    port = _free_udp_port()
    battery = SimulatedBattery("venus_e3_150", PEERS[1], port)
    await battery.start()
    battery.set_silent(True)
    try:
        result = await _manual(hass, battery.host, port)
        assert result["errors"] == {"base": "api_silent"}
        # The probe is paced like any request: its resend kept the gap.
        assert len(battery.requests) == 3
        assert battery.violations == []

        battery.set_silent(False)
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_HOST: battery.host, CONF_PORT: port}
        )
        assert result["type"] is FlowResultType.CREATE_ENTRY
        assert result["title"] == f"Marstek Venus E 3.0 {battery.ble_mac[-4:].upper()}"
        assert result["result"].unique_id == battery.ble_mac
        assert battery.violations == []
    finally:
        await battery.stop()


@pytest.mark.usefixtures("loopback_peers")
async def test_probe_nothing_at_the_address(hass: HomeAssistant) -> None:
    """Silence and no neighbour-table entry: nothing is at this address.

    Loopback has no ARP, so the neighbour lookup is injected here; the real lookup is tested
    on a crafted table in test_neighbour_presence.
    """
    port = _free_udp_port()
    battery = SimulatedBattery("venus_e3_150", PEERS[2], port)
    await battery.start()
    battery.set_silent(True)

    async def nobody(host: str) -> bool | None:
        return False

    try:
        assert await async_probe(battery.host, port, presence=nobody) == (None, "no_host")
    finally:
        await battery.stop()


def test_neighbour_presence(tmp_path: Path) -> None:
    """Our own subnet: an incomplete or missing entry means nobody; behind a router: unknown."""
    arp = tmp_path / "arp"
    arp.write_text(
        "IP address       HW type     Flags       HW address            Mask     Device\n"
        "192.168.1.50     0x1         0x2         aa:bb:cc:dd:ee:ff     *        eth0\n"
        "192.168.1.51     0x1         0x0         00:00:00:00:00:00     *        eth0\n"
    )
    routes = tmp_path / "route"
    # 192.168.1.0/24 on eth0, default route via 192.168.1.1 (host byte order, little-endian).
    subnet, gateway = "0001A8C0", "0101A8C0"
    if sys.byteorder == "big":
        subnet, gateway = "C0A80100", "C0A80101"
    routes.write_text(
        "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
        f"eth0\t00000000\t{gateway}\t0003\t0\t0\t0\t00000000\t0\t0\t0\n"
        f"eth0\t{subnet}\t00000000\t0001\t0\t0\t0\t{'00FFFFFF' if sys.byteorder == 'little' else 'FFFFFF00'}\t0\t0\t0\n"
    )
    assert neighbour_presence("192.168.1.50", arp, routes) is True
    assert neighbour_presence("192.168.1.51", arp, routes) is False
    assert neighbour_presence("192.168.1.52", arp, routes) is False  # on our subnet, no entry
    assert neighbour_presence("10.1.2.3", arp, routes) is None  # behind the router
    assert neighbour_presence("127.0.0.5", arp, routes) is True
    assert neighbour_presence("192.168.1.52", arp, tmp_path / "missing") is None
