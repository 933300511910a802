"""Polling: tiers, needed groups, learned gaps, partial failures and availability."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import timedelta
from unittest.mock import MagicMock

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.marstek_venus.const import Group
from custom_components.marstek_venus.pymarstek_venus.errors import (
    MarstekApiError,
    MarstekDecodeError,
    MarstekMethodNotSupportedError,
    MarstekTimeoutError,
)

from .conftest import FakeBattery

READS = (
    "get_es_status",
    "get_mode",
    "get_meter_status",
    "get_battery_status",
    "get_pv_status",
    "get_wifi_status",
    "get_ble_status",
    "get_device",
)
SOC = "sensor.marstek_venus_battery"
MODE = "select.marstek_venus_operating_mode"


def _counts(client: MagicMock) -> dict[str, int]:
    return {name: getattr(client, name).await_count for name in READS}


async def _tick(hass: HomeAssistant, freezer: FrozenDateTimeFactory, cycles: int = 1) -> None:
    for _ in range(cycles):
        freezer.tick(timedelta(seconds=30))
        async_fire_time_changed(hass)
        await hass.async_block_till_done()


@pytest.mark.usefixtures("init_integration")
async def test_tiers_and_needed_groups(
    hass: HomeAssistant, mock_client: MagicMock, freezer: FrozenDateTimeFactory
) -> None:
    """Fast reads every cycle, battery every 2nd, device info every 20th; unused groups never.

    The Wi-Fi entities are disabled by default, so Wi-Fi is read once (set-up batch) and
    then no more. The Venus E 3.0 has no PV, and BLE is off in the default options.
    """
    assert _counts(mock_client) == {
        "get_es_status": 1,
        "get_mode": 1,
        "get_meter_status": 1,
        "get_battery_status": 1,
        "get_pv_status": 0,
        "get_wifi_status": 1,
        "get_ble_status": 0,
        "get_device": 1,
    }
    await _tick(hass, freezer, 20)
    assert _counts(mock_client) == {
        "get_es_status": 21,
        "get_mode": 21,
        "get_meter_status": 21,
        "get_battery_status": 11,
        "get_pv_status": 0,
        "get_wifi_status": 1,
        "get_ble_status": 0,
        "get_device": 2,
    }


@pytest.mark.usefixtures("entity_registry_enabled_by_default", "init_integration")
async def test_enabled_entities_are_polled(
    hass: HomeAssistant, mock_client: MagicMock, freezer: FrozenDateTimeFactory
) -> None:
    """With the Wi-Fi entities enabled, Wi-Fi is read on its tier."""
    await _tick(hass, freezer, 10)
    assert mock_client.get_wifi_status.await_count == 2


async def test_heartbeat(hass: HomeAssistant, init_integration: MockConfigEntry) -> None:
    """If nothing needs a fast read, the mode is still read to tell whether it is there."""
    coordinator = init_integration.runtime_data
    listeners = dict(coordinator._listeners)
    coordinator._listeners.clear()
    coordinator._listeners[0] = (lambda: None, frozenset())
    try:
        assert coordinator.wanted_groups() == {Group.MODE, Group.DEVICE}
    finally:
        coordinator._listeners.clear()
        coordinator._listeners.update(listeners)


@pytest.mark.usefixtures("init_integration")
async def test_unsupported_method_is_learned(
    hass: HomeAssistant,
    mock_client: MagicMock,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A method the firmware rejects with -32601 is not sent again."""
    mock_client.get_meter_status.side_effect = MarstekMethodNotSupportedError(
        "EM.GetStatus", -32601, "Method not found"
    )
    with caplog.at_level(logging.INFO):
        await _tick(hass, freezer, 3)
    assert mock_client.get_meter_status.await_count == 2
    assert "does not support it: no longer reading meter" in caplog.text
    assert hass.states.get(SOC).state == "56"


@pytest.mark.usefixtures("init_integration")
async def test_silent_method_is_learned(
    hass: HomeAssistant,
    mock_client: MagicMock,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A slow-tier method that never answers while the rest does is given up on."""
    mock_client.get_battery_status.side_effect = MarstekTimeoutError("no reply")
    with caplog.at_level(logging.INFO):
        await _tick(hass, freezer, 10)
    assert mock_client.get_battery_status.await_count == 4  # set-up + cycles 2, 4, 6
    assert "never answers battery reads" in caplog.text
    # The battery's old values are kept; it never went unavailable.
    assert hass.states.get("sensor.marstek_venus_battery_temperature").state == "24.0"


@pytest.mark.parametrize(
    "side_effect",
    [MarstekTimeoutError("no reply"), MarstekDecodeError("bad"), MarstekApiError("x", 1, "y")],
)
@pytest.mark.usefixtures("init_integration")
async def test_partial_failure_keeps_values(
    hass: HomeAssistant,
    mock_client: MagicMock,
    freezer: FrozenDateTimeFactory,
    side_effect: Exception,
) -> None:
    """A failed read keeps its previous value; the fields that arrived are updated."""
    mock_client.get_mode.side_effect = side_effect
    mock_client.get_es_status.return_value = replace(mock_client.get_es_status.return_value, soc=57)
    await _tick(hass, freezer)
    assert hass.states.get(SOC).state == "57"
    assert hass.states.get(MODE).state == "auto"


@pytest.mark.usefixtures("init_integration")
async def test_unavailable_after_failed_cycles(
    hass: HomeAssistant,
    mock_client: MagicMock,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Unavailable only after 3 wholly failed cycles, logged once; back on the first good one."""
    mock_client.get_es_status.side_effect = MarstekTimeoutError("no reply")
    mode_reads = mock_client.get_mode.await_count
    with caplog.at_level(logging.INFO):
        await _tick(hass, freezer, 2)
        assert hass.states.get(SOC).state == "56"
        await _tick(hass, freezer)
        assert hass.states.get(SOC).state == STATE_UNAVAILABLE
        await _tick(hass, freezer, 2)
    # A battery that does not answer the first read is not asked for the rest of the batch.
    assert mock_client.get_mode.await_count == mode_reads
    assert caplog.text.count("is unavailable after 3 failed polls") == 1

    mock_client.get_es_status.side_effect = None
    caplog.clear()
    with caplog.at_level(logging.INFO):
        await _tick(hass, freezer)
        await _tick(hass, freezer)
    assert hass.states.get(SOC).state == "56"
    assert caplog.text.count("is answering again") == 1


@pytest.mark.usefixtures("init_integration")
async def test_firmware_update_updates_device(
    hass: HomeAssistant,
    mock_client: MagicMock,
    freezer: FrozenDateTimeFactory,
    device_registry: dr.DeviceRegistry,
    mock_config_entry: MockConfigEntry,
    battery: FakeBattery,
) -> None:
    """A new firmware reported by GetDevice reaches the device registry."""
    mock_client.get_device.return_value = replace(battery.device, firmware=151)
    await _tick(hass, freezer, 20)
    (device,) = dr.async_entries_for_config_entry(device_registry, mock_config_entry.entry_id)
    assert device.sw_version == "151"
    assert hass.states.get("sensor.marstek_venus_battery").state == "56"


@pytest.mark.usefixtures("init_integration")
async def test_other_battery_at_our_address(
    hass: HomeAssistant,
    mock_client: MagicMock,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """If GetDevice shows another battery at our IP, that cycle's data is thrown away."""
    await _tick(hass, freezer, 19)
    mock_client.get_device.return_value = FakeBattery("venus_a_fw149").device
    mock_client.get_es_status.return_value = replace(mock_client.get_es_status.return_value, soc=99)
    await _tick(hass, freezer)
    assert "now answers as another battery" in caplog.text
    assert hass.states.get(SOC).state == "56"


async def test_old_firmware_groups(init_integration: MockConfigEntry) -> None:
    """Venus E 3.0 fw 122 has neither ES.GetStatus nor Bat.GetStatus."""
    from custom_components.marstek_venus.pymarstek_venus import profile_for

    plan = init_integration.runtime_data.plan
    readable = plan.readable(profile_for("VenusE 3.0", 122))
    assert readable == {Group.MODE, Group.METER, Group.WIFI, Group.DEVICE}
    assert Group.METER not in plan.readable(profile_for("VenusE", 153))


@pytest.mark.parametrize("device_fixture", ["venus_a_fw149"])
async def test_optional_groups_off(
    hass: HomeAssistant,
    mock_client: MagicMock,
    mock_config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Groups switched off in the options are never read and get no entities."""
    mock_config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(mock_config_entry, options={"poll_groups": []})
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    await _tick(hass, freezer, 2)
    for name in ("get_battery_status", "get_pv_status", "get_meter_status", "get_wifi_status"):
        assert getattr(mock_client, name).await_count == 0, name
    assert hass.states.get("sensor.marstek_venus_grid_power") is None
    assert hass.states.get("sensor.marstek_venus_battery_temperature") is None
    # PV power still comes from ES.GetStatus on a PV model.
    assert hass.states.get("sensor.marstek_venus_pv_power").state == "184.0"
