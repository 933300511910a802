"""The emulated meter set up in Home Assistant, answering polls over real UDP on loopback."""

from __future__ import annotations

import socket
from unittest.mock import MagicMock

import pytest
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, issue_registry as ir

from custom_components.marstek_venus.const import DOMAIN
from custom_components.marstek_venus.device_trigger import async_get_triggers
from custom_components.marstek_venus.meter_config import (
    CONF_ANSWER_UNCONFIGURED,
    CONF_EXPORT_POSITIVE,
    CONF_LISTEN_HOST,
    CONF_PHASE_A,
    CONF_PHASE_B,
    CONF_PHASE_C,
    CONF_PORTS,
    CONF_SOURCE,
)

from .conftest import FakeBattery
from .meter_support import (
    DEVICE_ID,
    GRID,
    add_batteries,
    answered_power,
    meter_entry,
    one_battery_meter,
    poll,
    set_power,
    setup_meter,
)

pytestmark = pytest.mark.usefixtures("socket_enabled")


async def test_answers_the_source_over_udp(hass: HomeAssistant) -> None:
    """An EM1 poll gets the sensor's value, the id echoed, a Shelly src, decimals."""
    set_power(hass, "532")
    runtime = await setup_meter(hass, meter_entry(answer_unconfigured=True))
    reply = await poll(runtime, "127.0.0.9", request_id=41)
    assert reply is not None
    assert reply["id"] == 41
    assert reply["src"] == f"shellyproem50-{DEVICE_ID}"
    assert answered_power(reply) == 532.0

    set_power(hass, "-120.5")  # the next poll reads the state at answer time
    assert answered_power(await poll(runtime, "127.0.0.9")) == -120.5


@pytest.mark.parametrize(
    ("value", "unit", "export_positive", "expected"),
    [
        ("1.25", "kW", False, 1250.0),
        ("0.002", "MW", False, 2000.0),
        ("300", "W", True, -300.0),
        ("-0.4", "kW", True, 400.0),
    ],
)
async def test_units_and_sign(
    hass: HomeAssistant, value: str, unit: str, export_positive: bool, expected: float
) -> None:
    """kW and MW are answered in W; a meter counting export as positive is flipped."""
    set_power(hass, value, unit)
    entry = meter_entry(answer_unconfigured=True, **{CONF_EXPORT_POSITIVE: export_positive})
    runtime = await setup_meter(hass, entry)
    assert answered_power(await poll(runtime, "127.0.0.9")) == expected


async def test_single_source_on_one_phase_and_per_phase_sources(hass: HomeAssistant) -> None:
    """One source goes on phase A only; per-phase sources fill A, B and C."""
    set_power(hass, "900")
    runtime = await setup_meter(
        hass, meter_entry("shellypro3em", answer_unconfigured=True, entry_id="01JMETERA")
    )
    result = (await poll(runtime, "127.0.0.9", method="EM.GetStatus"))["result"]  # type: ignore[index]
    assert (result["a_act_power"], result["b_act_power"], result["c_act_power"]) == (900, 0, 0)
    await hass.config_entries.async_unload("01JMETERA")

    for entity, value in (("sensor.l1", "100"), ("sensor.l2", "0.2"), ("sensor.l3", "-50")):
        set_power(hass, value, "kW" if entity == "sensor.l2" else "W", entity=entity)
    phases = {
        CONF_SOURCE: None,
        CONF_PHASE_A: "sensor.l1",
        CONF_PHASE_B: "sensor.l2",
        CONF_PHASE_C: "sensor.l3",
    }
    entry = meter_entry("shellypro3em", answer_unconfigured=True, entry_id="01JMETERB", **phases)
    runtime = await setup_meter(hass, entry)
    result = (await poll(runtime, "127.0.0.9", method="EM.GetStatus"))["result"]  # type: ignore[index]
    assert (result["a_act_power"], result["b_act_power"], result["c_act_power"]) == (
        100,
        200,
        -50,
    )
    assert result["total_act_power"] == 250
    # An EM1 model answers the sum of the phases.
    em1 = await setup_meter(hass, meter_entry(answer_unconfigured=True, **phases))
    assert answered_power(await poll(em1, "127.0.0.9")) == 250.0


@pytest.mark.parametrize(
    ("state", "unit"), [("unavailable", "W"), ("unknown", "W"), ("high", "W"), ("5", "V")]
)
async def test_silent_without_a_usable_value(hass: HomeAssistant, state: str, unit: str) -> None:
    """Unavailable, unknown, non-numeric or not a power: no reply at all."""
    set_power(hass, state, unit)
    runtime = await setup_meter(hass, meter_entry(answer_unconfigured=True))
    assert await poll(runtime, "127.0.0.9") is None
    assert runtime.server.senders["127.0.0.9"].silent == 1


async def test_unconfigured_senders(
    hass: HomeAssistant, mock_client_class: MagicMock, battery: FakeBattery
) -> None:
    """Served batteries get the value; others nothing, or the whole value if the user says so."""
    (first, _second), _ = await add_batteries(hass, mock_client_class, battery, 2)
    set_power(hass, "400")
    runtime = await setup_meter(hass, meter_entry(batteries=[first.entry_id]))
    assert answered_power(await poll(runtime, "127.0.0.2")) == 400.0
    assert await poll(runtime, "127.0.0.3") is None  # configured, but not served
    assert await poll(runtime, "127.0.0.9") is None  # not configured: off by default

    await hass.config_entries.async_unload(runtime.entry.entry_id)
    entry = meter_entry(
        "shellyemg3",
        batteries=[first.entry_id],
        entry_id="01JMETERC",
        **{CONF_ANSWER_UNCONFIGURED: True},
    )
    runtime = await setup_meter(hass, entry)
    assert answered_power(await poll(runtime, "127.0.0.9")) == 400.0
    assert await poll(runtime, "127.0.0.3") is None  # a configured battery is still refused


async def test_battery_followed_to_a_new_address(
    hass: HomeAssistant, mock_client_class: MagicMock, battery: FakeBattery
) -> None:
    """A battery is recognised by its coordinator's current address, not the stored one."""
    _, client, runtime = await one_battery_meter(hass, mock_client_class, battery, "250")
    assert answered_power(await poll(runtime, "127.0.0.2")) == 250.0
    client.host = "127.0.0.7"  # the host name now resolves elsewhere
    assert await poll(runtime, "127.0.0.2") is None
    assert answered_power(await poll(runtime, "127.0.0.7")) == 250.0


def _udp_socket(port: int) -> socket.socket:
    holder = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    holder.bind(("127.0.0.1", port))
    return holder


async def test_port_in_use_then_free(hass: HomeAssistant) -> None:
    """A taken port: a repair issue naming it and a retry; the issue goes once it binds."""
    holder = _udp_socket(0)
    port = holder.getsockname()[1]
    entry = meter_entry()
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(entry, data={**entry.data, CONF_PORTS: [port]})
    assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert str(port) in str(entry.reason)
    issue_id = f"meter_port_in_use_{entry.entry_id}"
    issue = ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["port"] == str(port)

    holder.close()
    await hass.config_entries.async_reload(entry.entry_id)
    assert entry.state is ConfigEntryState.LOADED
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None


async def test_other_bind_failure_is_explained(hass: HomeAssistant) -> None:
    """An address the host does not have (or a port it may not bind): a translated reason."""
    entry = meter_entry()
    entry.add_to_hass(hass)
    data = {**entry.data, CONF_LISTEN_HOST: "192.0.2.1"}  # TEST-NET-1: on no interface here
    hass.config_entries.async_update_entry(entry, data=data)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert "cannot listen on UDP port 0" in str(entry.reason)


async def test_unload_frees_the_port(hass: HomeAssistant) -> None:
    """After unloading, the meter's port can be bound by anyone again."""
    set_power(hass, "10")
    entry = meter_entry()
    runtime = await setup_meter(hass, entry)
    port = runtime.server.ports[0]
    assert await hass.config_entries.async_unload(entry.entry_id)
    _udp_socket(port).close()
    assert GRID in runtime.config.sources


async def test_the_meter_device_offers_no_battery_triggers(hass: HomeAssistant) -> None:
    """The emulated meter is no battery: none of the battery's device triggers apply to it."""
    set_power(hass, "100")
    runtime = await setup_meter(hass, meter_entry())
    devices = dr.async_entries_for_config_entry(dr.async_get(hass), runtime.entry.entry_id)
    assert len(devices) == 1
    assert await async_get_triggers(hass, devices[0].id) == []
