"""Actions: set/clear manual schedule, set passive mode, refresh; validation before sending."""

from __future__ import annotations

from datetime import time
from typing import Any
from unittest.mock import ANY, MagicMock

import pytest
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr, entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.marstek_venus.const import DOMAIN
from custom_components.marstek_venus.pymarstek_venus.const import Mode
from custom_components.marstek_venus.pymarstek_venus.errors import MarstekWriteError
from custom_components.marstek_venus.pymarstek_venus.models import (
    ALL_DAYS,
    ManualPeriod,
    PassiveConfig,
    Weekday,
)
from custom_components.marstek_venus.schedule import cleared_period
from simulator import SimulatedBattery

from .test_end_to_end import _free_udp_port, _setup_simulated

ENTRY_ID = "01JMARSTEKVENUS0000000000"
TARGET = {"config_entry_id": ENTRY_ID}
WRITES = (
    "set_mode",
    "set_passive",
    "set_manual_period",
    "set_depth_of_discharge",
    "set_led",
    "set_ble_advertising",
)


async def call(hass: HomeAssistant, service: str, data: dict[str, Any]) -> None:
    """Call one of our actions, blocking."""
    await hass.services.async_call(DOMAIN, service, data, blocking=True)


def assert_nothing_sent(client: MagicMock) -> None:
    """No write method was used."""
    for name in WRITES:
        getattr(client, name).assert_not_awaited()


@pytest.mark.usefixtures("init_integration")
async def test_set_one_period(
    hass: HomeAssistant, mock_client: MagicMock, mock_config_entry: MockConfigEntry
) -> None:
    """The single-period form, as the action UI sends it (HH:MM:SS times)."""
    await call(
        hass,
        "set_manual_schedule",
        {
            **TARGET,
            "period": 2,
            "start": "01:00:00",
            "end": "06:30:00",
            "days": ["mon", "tue", "wed", "thu", "fri"],
            "power": -1500,
        },
    )
    expected = ManualPeriod(
        slot=1, start=time(1, 0), end=time(6, 30), weekdays=Weekday(31), power=-1500
    )
    mock_client.set_manual_period.assert_awaited_once_with(expected)
    settings = mock_config_entry.runtime_data.control.settings
    assert settings.periods == {1: expected}
    assert settings.mode is Mode.MANUAL
    await hass.async_block_till_done()
    assert hass.states.get("time.marstek_venus_period_2_end").state == "06:30:00"
    assert hass.states.get("select.marstek_venus_period_2_days").state == "working_days"


@pytest.mark.usefixtures("init_integration")
async def test_set_several_periods_by_device(
    hass: HomeAssistant,
    mock_client: MagicMock,
    mock_config_entry: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
) -> None:
    """A list of periods, the battery named by its device."""
    (device,) = dr.async_entries_for_config_entry(device_registry, mock_config_entry.entry_id)
    await call(
        hass,
        "set_manual_schedule",
        {
            "device_id": device.id,
            "periods": [
                {"period": 1, "start": "01:00", "end": "06:00", "power": -2000},
                {
                    "period": 3,
                    "start": "17:00",
                    "end": "23:59",
                    "power": 800.0,
                    "days": "sat",
                    "enabled": False,
                },
            ],
        },
    )
    assert [call.args[0] for call in mock_client.set_manual_period.await_args_list] == [
        ManualPeriod(slot=0, start=time(1), end=time(6), weekdays=ALL_DAYS, power=-2000),
        ManualPeriod(
            slot=2,
            start=time(17),
            end=time(23, 59),
            weekdays=Weekday.SAT,
            power=800,
            enabled=False,
        ),
    ]
    assert set(mock_config_entry.runtime_data.control.settings.periods) == {0, 2}


@pytest.mark.usefixtures("init_integration")
async def test_failed_period_keeps_earlier_ones(
    hass: HomeAssistant, mock_client: MagicMock, mock_config_entry: MockConfigEntry
) -> None:
    """Periods written before a failure count as written; the failed one stays pending."""
    settings = mock_config_entry.runtime_data.control.settings
    old = ManualPeriod(slot=1, start=time(9), end=time(10), power=100)
    settings.periods[1] = old
    follow = mock_client.set_manual_period.side_effect

    async def set_manual_period(period: ManualPeriod) -> None:
        if period.slot == 1:
            raise MarstekWriteError("set_result false after 4 attempts")
        await follow(period)

    mock_client.set_manual_period.side_effect = set_manual_period
    with pytest.raises(HomeAssistantError, match="Period 2 was not written to the battery"):
        await call(
            hass,
            "set_manual_schedule",
            {
                **TARGET,
                "periods": [
                    {"period": 1, "start": "01:00", "end": "06:00", "power": -2000},
                    {"period": 2, "start": "17:00", "end": "20:00", "power": 800},
                ],
            },
        )
    assert settings.periods[0].power == -2000
    assert settings.periods[1] == old
    assert settings.pending == {
        1: ManualPeriod(slot=1, start=time(17), end=time(20), power=800),
    }
    # The first write switched the battery; the refresh after the action noticed.
    assert settings.mode is Mode.MANUAL
    await hass.async_block_till_done()
    assert hass.states.get("number.marstek_venus_period_2_power").state == "800"
    assert hass.states.get("binary_sensor.marstek_venus_schedule_changes_pending").state == "on"


@pytest.mark.parametrize(
    ("days", "weekdays"),
    [
        ("mon,tue", Weekday.MON | Weekday.TUE),
        (" Monday , TUE ", Weekday.MON | Weekday.TUE),
        ("MON", Weekday.MON),
        (["sat", "Sunday"], Weekday.SAT | Weekday.SUN),
        (["mon,wed", "fri"], Weekday.MON | Weekday.WED | Weekday.FRI),
        ("weekend", Weekday.SAT | Weekday.SUN),
        (["working_days", "sat"], Weekday(0b0111111)),
        ("every_day", ALL_DAYS),
    ],
)
@pytest.mark.usefixtures("init_integration")
async def test_day_names(
    hass: HomeAssistant, mock_client: MagicMock, days: Any, weekdays: Weekday
) -> None:
    """A list or a comma-separated string of whole day names, in any case, or day sets."""
    await call(hass, "set_manual_schedule", {**TARGET, **P1, "days": days})
    assert mock_client.set_manual_period.await_args.args[0].weekdays == weekdays


@pytest.mark.usefixtures("init_integration")
async def test_clear_schedule(
    hass: HomeAssistant, mock_client: MagicMock, mock_config_entry: MockConfigEntry
) -> None:
    """Clearing writes the disabled pattern: all periods, or the ones named."""
    await call(hass, "clear_manual_schedule", {**TARGET, "periods": ["2", 5]})
    assert [call.args[0] for call in mock_client.set_manual_period.await_args_list] == [
        cleared_period(1),
        cleared_period(4),
    ]
    mock_client.set_manual_period.reset_mock()
    await call(hass, "clear_manual_schedule", TARGET)
    assert [call.args[0].slot for call in mock_client.set_manual_period.await_args_list] == list(
        range(10)
    )
    settings = mock_config_entry.runtime_data.control.settings
    assert settings.periods == {slot: cleared_period(slot) for slot in range(10)}
    await hass.async_block_till_done()
    assert hass.states.get("switch.marstek_venus_period_1").state == "off"
    assert hass.states.get("select.marstek_venus_period_1_days").state == "none"


@pytest.mark.usefixtures("init_integration")
async def test_set_passive_mode(
    hass: HomeAssistant, mock_client: MagicMock, mock_config_entry: MockConfigEntry
) -> None:
    """Power and duration are sent, and become the numbers' values."""
    battery = mock_config_entry.runtime_data.data.battery
    await call(hass, "set_passive_mode", {**TARGET, "power": -2000, "duration": 900})
    mock_client.set_passive.assert_awaited_once_with(
        PassiveConfig(power=-2000, duration=900), confirm=True, battery=battery, on_sent=ANY
    )
    await call(hass, "set_passive_mode", {**TARGET, "power": 500})
    mock_client.set_passive.assert_awaited_with(
        PassiveConfig(power=500, duration=900), confirm=True, battery=battery, on_sent=ANY
    )
    await hass.async_block_till_done()
    assert hass.states.get("number.marstek_venus_passive_power").state == "500"
    assert hass.states.get("number.marstek_venus_passive_duration").state == "900"
    assert mock_config_entry.runtime_data.control.settings.mode is Mode.PASSIVE


@pytest.mark.usefixtures("init_integration")
async def test_request_refresh(hass: HomeAssistant, mock_client: MagicMock) -> None:
    """A refresh reads the battery again."""
    reads = mock_client.get_mode.await_count
    await call(hass, "request_refresh", TARGET)
    assert mock_client.get_mode.await_count == reads + 1


P1 = {"period": 1, "start": "01:00", "end": "06:00", "power": -1000}


@pytest.mark.parametrize(
    ("service", "data", "message"),
    [
        # Naming the battery
        ("request_refresh", {}, "either a device or a config entry"),
        (
            "request_refresh",
            {**TARGET, "device_id": "abc"},
            "either a device or a config entry",
        ),
        ("request_refresh", {"device_id": "nope"}, "Device nope is not a Marstek Venus"),
        ("request_refresh", {"config_entry_id": "nope"}, "Config entry nope is not a Marstek"),
        ("request_refresh", {**TARGET, "power": 5}, "Invalid action data"),
        # Schedule: structure
        ("set_manual_schedule", TARGET, "Invalid action data"),
        ("set_manual_schedule", {**TARGET, "period": 1, "start": "01:00"}, "Invalid action"),
        ("set_manual_schedule", {**TARGET, "periods": []}, "Invalid action data"),
        ("set_manual_schedule", {**TARGET, "periods": ["period 1"]}, "Invalid action data"),
        ("set_manual_schedule", {**TARGET, "periods": [{**P1, "color": 1}]}, "Invalid action"),
        ("set_manual_schedule", {**TARGET, **P1, "power": "lots"}, "Invalid action data"),
        ("set_manual_schedule", {**TARGET, **P1, "power": 12.5}, "Invalid action data"),
        ("set_manual_schedule", {**TARGET, **P1, "power": True}, "Invalid action data"),
        # Schedule: values
        ("set_manual_schedule", {**TARGET, **P1, "period": 0}, "Period 0 does not exist"),
        ("set_manual_schedule", {**TARGET, **P1, "period": 11}, "periods 1 to 10"),
        ("set_manual_schedule", {**TARGET, **P1, "start": "25:00"}, '"25:00" is not a time'),
        ("set_manual_schedule", {**TARGET, **P1, "start": "1 am"}, "is not a time"),
        ("set_manual_schedule", {**TARGET, **P1, "end": "06:00:30"}, "whole minutes"),
        ("set_manual_schedule", {**TARGET, **P1, "end": 6}, '"6" is not a time'),
        ("set_manual_schedule", {**TARGET, **P1, "end": "00:30"}, "must end after it starts"),
        ("set_manual_schedule", {**TARGET, **P1, "end": "01:00"}, "must end after it starts"),
        ("set_manual_schedule", {**TARGET, **P1, "days": ["funday"]}, '"funday" is not a'),
        # Whole names only (not their first three letters), every entry a day.
        ("set_manual_schedule", {**TARGET, **P1, "days": "monkey"}, '"monkey" is not a'),
        ("set_manual_schedule", {**TARGET, **P1, "days": ["sunshine"]}, '"sunshine" is not'),
        ("set_manual_schedule", {**TARGET, **P1, "days": "mon,,tue"}, '"mon,,tue" is not'),
        ("set_manual_schedule", {**TARGET, **P1, "days": ""}, '"" is not a weekday'),
        ("set_manual_schedule", {**TARGET, **P1, "days": "custom"}, '"custom" is not a'),
        ("set_manual_schedule", {**TARGET, **P1, "days": "tues"}, '"tues" is not a'),
        ("set_manual_schedule", {**TARGET, **P1, "days": []}, "has no weekdays"),
        ("set_manual_schedule", {**TARGET, **P1, "power": 2501}, "outside this battery's power"),
        ("set_manual_schedule", {**TARGET, **P1, "power": -3000}, "range of -2500 to 2500 W"),
        (
            "set_manual_schedule",
            {**TARGET, "periods": [P1, {**P1, "start": "07:00", "end": "08:00"}]},
            "same period is given more than once",
        ),
        (
            "set_manual_schedule",
            {**TARGET, "periods": [P1, {**P1, "period": 2, "end": "00:00"}]},
            "Period 2 must end after it starts",
        ),
        # Clear
        ("clear_manual_schedule", {**TARGET, "periods": [0]}, "Period 0 does not exist"),
        ("clear_manual_schedule", {**TARGET, "periods": ["x"]}, "Invalid action data"),
        # Passive
        ("set_passive_mode", TARGET, "Invalid action data"),
        ("set_passive_mode", {**TARGET, "power": 2600}, "outside this battery's power range"),
        ("set_passive_mode", {**TARGET, "power": 100, "duration": 0}, "1 to 86400 seconds"),
        ("set_passive_mode", {**TARGET, "power": 100, "duration": 90000}, "not possible"),
        ("set_passive_mode", {**TARGET, "power": 100, "duration": "1h"}, "Invalid action"),
    ],
)
@pytest.mark.parametrize("platforms", [[]])  # no entities needed: a faster set-up
@pytest.mark.usefixtures("init_integration")
async def test_bad_requests_send_nothing(
    hass: HomeAssistant,
    mock_client: MagicMock,
    mock_config_entry: MockConfigEntry,
    service: str,
    data: dict[str, Any],
    message: str,
) -> None:
    """Every bad request is a translated ServiceValidationError, and the battery hears nothing."""
    reads = mock_client.get_mode.await_count
    with pytest.raises(ServiceValidationError, match=message):
        await call(hass, service, data)
    assert_nothing_sent(mock_client)
    assert mock_client.get_mode.await_count == reads
    assert mock_config_entry.runtime_data.control.settings.periods == {}
    assert mock_config_entry.runtime_data.control.settings.pending == {}


@pytest.mark.usefixtures("init_integration")
async def test_not_loaded(
    hass: HomeAssistant, mock_client: MagicMock, mock_config_entry: MockConfigEntry
) -> None:
    """An unloaded battery cannot take commands."""
    assert await hass.config_entries.async_unload(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert mock_config_entry.state is ConfigEntryState.NOT_LOADED
    with pytest.raises(ServiceValidationError, match="Marstek Venus is not loaded"):
        await call(hass, "set_passive_mode", {**TARGET, "power": 100})
    assert_nothing_sent(mock_client)


@pytest.mark.usefixtures("init_integration")
async def test_other_integration_entry(hass: HomeAssistant) -> None:
    """A config entry of another integration is not a battery."""
    other = MockConfigEntry(domain="other", entry_id="01JOTHER")
    other.add_to_hass(hass)
    with pytest.raises(ServiceValidationError, match="01JOTHER is not a Marstek"):
        await call(hass, "request_refresh", {"config_entry_id": "01JOTHER"})


async def test_venus_mini_has_six_periods(
    hass: HomeAssistant, mock_client: MagicMock, init_integration_factory: Any
) -> None:
    """The Venus E mini has six schedule periods; its reserved slot is period 6."""
    from custom_components.marstek_venus.pymarstek_venus.profiles import profile_for

    mock_client.profile = profile_for("VNSEM-0", 300)
    await init_integration_factory()
    registry = er.async_get(hass)
    assert registry.async_get("number.marstek_venus_period_6_power") is not None
    assert registry.async_get("number.marstek_venus_period_7_power") is None
    with pytest.raises(ServiceValidationError, match="periods 1 to 6"):
        await call(hass, "set_manual_schedule", {**TARGET, **P1, "period": 7})
    await call(hass, "clear_manual_schedule", TARGET)
    assert mock_client.set_manual_period.await_count == 6
    mock_client.set_manual_period.reset_mock()
    mock_client.set_manual_period.side_effect = None
    await hass.services.async_call(
        "select",
        "select_option",
        {"entity_id": "select.marstek_venus_operating_mode", "option": "manual"},
        blocking=True,
    )
    assert mock_client.set_manual_period.await_args.args[0] == cleared_period(5)


@pytest.mark.usefixtures("socket_enabled")
async def test_power_beyond_the_model_is_refused_before_sending(hass: HomeAssistant) -> None:
    """Venus A (1200 W both ways): 2000 W passive was accepted and delivered 1200 W (issue 9).

    Now it is a translated validation error, and the simulated battery receives no write.
    """
    battery = SimulatedBattery("venus_a_149", "127.0.7.1", _free_udp_port(), min_gap=0.05)
    await battery.start()
    try:
        entry = await _setup_simulated(hass, battery)
        target = {"config_entry_id": entry.entry_id}
        attributes = hass.states.get("number.marstek_venus_passive_power").attributes
        assert (attributes["min"], attributes["max"]) == (-1200, 1200)
        for service, data in (
            ("set_passive_mode", {**target, "power": 2000}),
            ("set_passive_mode", {**target, "power": -1201}),
            ("set_manual_schedule", {**target, **P1, "power": -1500}),
            ("set_manual_schedule", {**target, "periods": [{**P1, "power": 1300}]}),
        ):
            with pytest.raises(ServiceValidationError, match="range of -1200 to 1200 W"):
                await call(hass, service, data)
        assert [r.method for r in battery.requests if r.method == "ES.SetMode"] == []
        # At the limit the battery is asked, and delivers what was asked.
        await call(hass, "set_passive_mode", {**target, "power": 1200, "duration": 600})
        assert battery.state.ac_power == pytest.approx(1200)
        assert await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done()
        assert battery.violations == []
    finally:
        await battery.stop()
