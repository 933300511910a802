"""The meter's source: stale or unavailable means silence and a repair issue; then recovery."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from unittest.mock import MagicMock

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from pytest_homeassistant_custom_component.common import async_fire_time_changed
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.marstek_venus.const import DOMAIN

from .conftest import START_TIME, FakeBattery
from .meter_support import (
    GRID,
    add_batteries,
    answered_power,
    meter_entry,
    poll,
    set_power,
    setup_meter,
)

pytestmark = pytest.mark.usefixtures("socket_enabled")

ISSUE = "meter_source_unavailable_01JMETER000000000000000000"
ANSWERED = "sensor.emulated_meter_grid_power_answered"


async def _tick(hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float) -> None:
    freezer.tick(timedelta(seconds=seconds))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()


def _issue(hass: HomeAssistant) -> ir.IssueEntry | None:
    return ir.async_get(hass).async_get_issue(DOMAIN, ISSUE)


async def test_stale_source_silences_the_meter(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """No report for longer than the limit: no answer and an issue; a report brings both back."""
    freezer.move_to(START_TIME)
    set_power(hass, "700")
    runtime = await setup_meter(hass, meter_entry(answer_unconfigured=True))
    assert answered_power(await poll(runtime, "127.0.0.9")) == 700.0
    assert hass.states.get(ANSWERED).state == "700.0"

    # A steady value re-reported is not stale: last_reported moves without a state change.
    await _tick(hass, freezer, 8)
    set_power(hass, "700")
    await _tick(hass, freezer, 8)
    assert answered_power(await poll(runtime, "127.0.0.9")) == 700.0
    assert _issue(hass) is None

    # Then the meter stops reporting: never a frozen non-zero value. The issue follows once
    # the source stays stale for a refresh (a 10 s meter at a 10 s limit does not flap it).
    await _tick(hass, freezer, 5)
    assert await poll(runtime, "127.0.0.9") is None
    assert _issue(hass) is None
    await _tick(hass, freezer, 5)
    issue = _issue(hass)
    assert issue is not None
    assert issue.translation_key == "meter_source_unavailable"
    assert issue.translation_placeholders == {
        "name": "Emulated meter",
        "entity_id": GRID,
        "limit": "10",
    }
    assert hass.states.get(ANSWERED).state == "unknown"

    set_power(hass, "650")
    await hass.async_block_till_done()
    assert _issue(hass) is None  # at once, not at the next refresh
    assert answered_power(await poll(runtime, "127.0.0.9")) == 650.0
    await _tick(hass, freezer, 5)
    assert hass.states.get(ANSWERED).state == "650.0"


async def test_unavailable_source_gets_the_limit_before_the_issue(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """A sensor that restarts is silent at once, but the issue waits for the limit."""
    freezer.move_to(START_TIME)
    set_power(hass, "100")
    runtime = await setup_meter(hass, meter_entry(answer_unconfigured=True, stale_limit=15))
    set_power(hass, "unavailable")
    await hass.async_block_till_done()
    assert await poll(runtime, "127.0.0.9") is None
    assert _issue(hass) is None
    await _tick(hass, freezer, 5)
    await _tick(hass, freezer, 5)
    assert _issue(hass) is None
    await _tick(hass, freezer, 5)
    issue = _issue(hass)
    assert issue is not None
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["limit"] == "15"

    set_power(hass, "120")
    await hass.async_block_till_done()
    assert _issue(hass) is None
    assert answered_power(await poll(runtime, "127.0.0.9")) == 120.0

    # Unloading the meter takes a raised issue with it.
    set_power(hass, "unknown")
    for _ in range(4):
        await _tick(hass, freezer, 5)
    assert _issue(hass) is not None
    assert await hass.config_entries.async_unload(runtime.entry.entry_id)
    assert _issue(hass) is None


async def test_meter_diagnostics(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    mock_client_class: MagicMock,
    battery: FakeBattery,
) -> None:
    """Per sender: served, silent, refused by reason, last request age, last value."""
    (first, second), _ = await add_batteries(hass, mock_client_class, battery, 2)
    set_power(hass, "0.25", "kW")
    entry = meter_entry(batteries=[first.entry_id])
    runtime = await setup_meter(hass, entry)
    await poll(runtime, "127.0.0.2")
    await poll(runtime, "127.0.0.3")  # configured, not served: silent
    await poll(runtime, "127.0.0.2", method="EM.GetStatus")  # the wrong method for an EM1
    loop = asyncio.get_running_loop()
    transport, _ = await loop.create_datagram_endpoint(
        asyncio.DatagramProtocol, local_addr=("127.0.0.2", 0)
    )
    transport.sendto(b"not json", ("127.0.0.1", runtime.server.ports[0]))
    for _ in range(200):
        if runtime.server.senders["127.0.0.2"].refused_total == 2:
            break
        await asyncio.sleep(0.001)
    transport.close()

    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    assert diagnostics["model"] == "shellyproem50"
    assert diagnostics["listen"] == {"host": "**REDACTED**", "ports": list(runtime.server.ports)}
    assert diagnostics["grid"] == [250.0, 0.0, 0.0]
    source = diagnostics["sources"][GRID]
    assert (source["watts"], source["problem"]) == (250.0, None)
    assert 0 <= source["age"] < 10
    assert diagnostics["untracked"] == 0
    assert diagnostics["following"] == ["Battery 1"]
    served, silent = diagnostics["senders"]
    assert served["ip"] == "**REDACTED**"
    assert served["battery"] == "Battery 1"
    assert served["served_battery"] is True
    assert served["served"] == 1
    assert served["silent"] == 0
    assert sum(served["refused"].values()) == 2
    assert len(served["refused"]) == 2  # by reason
    assert served["last_value"] == [250.0, 0.0, 0.0]
    assert served["last_request_age"] >= 0
    assert silent["battery"] == "Battery 2"
    assert silent["served_battery"] is False
    assert (silent["served"], silent["silent"], silent["last_value"]) == (0, 1, None)
    assert second.entry_id not in diagnostics["options"]["batteries"]


async def test_a_meter_reporting_as_often_as_the_limit_raises_no_issue(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """A DSMR 4 meter (every 10 s) at the default 10 s limit: stale for a moment each period,
    which silences the meter for that moment but raises no repair issue."""
    freezer.move_to(START_TIME)
    set_power(hass, "300")
    runtime = await setup_meter(hass, meter_entry(answer_unconfigured=True))
    for _ in range(6):
        await _tick(hass, freezer, 10.5)  # just past the limit, seen by the refresh
        assert await poll(runtime, "127.0.0.9") is None
        set_power(hass, "300")
        await hass.async_block_till_done()
        assert _issue(hass) is None
        assert answered_power(await poll(runtime, "127.0.0.9")) is not None
