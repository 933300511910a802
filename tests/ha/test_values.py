"""Value functions: fallbacks between the methods that report the same quantity."""

from __future__ import annotations

from dataclasses import replace

import pytest

from custom_components.marstek_venus.coordinator import MarstekData
from custom_components.marstek_venus.energy_sensor import ENERGY_SENSORS
from custom_components.marstek_venus.pymarstek_venus.const import Method
from custom_components.marstek_venus.sensor import SENSORS
from custom_components.marstek_venus.sensor_pv import PV_SENSORS

from .conftest import FakeBattery

_SENSORS = {description.key: description for description in (*SENSORS, *PV_SENSORS)}
_ENERGY = {description.key: description for description in ENERGY_SENSORS}


@pytest.fixture
def full() -> MarstekData:
    """Everything the Venus A reports."""
    battery = FakeBattery("venus_a_fw149")
    return MarstekData(
        device=battery.device,
        es=battery.decoded(Method.ES_STATUS),
        mode=battery.decoded(Method.ES_MODE),
        meter=battery.decoded(Method.METER_STATUS),
        battery=battery.decoded(Method.BATTERY_STATUS),
        pv=battery.decoded(Method.PV_STATUS),
        wifi=battery.decoded(Method.WIFI_STATUS),
    )


def _value(key: str, data: MarstekData) -> object:
    return _SENSORS[key].value_fn(data)


def test_fallbacks_without_es(full: MarstekData) -> None:
    """Firmware without ES.GetStatus (Venus E 3.0 <= 139): ES.GetMode fills in."""
    data = replace(full, es=None)
    assert _value("state_of_charge", data) == 13
    assert _value("ac_power", data) == 0.0
    assert _value("off_grid_power", data) == 0.0
    assert _value("battery_power", data) is None
    assert _value("rated_capacity", data) == 2080.0


def test_nothing_known(full: MarstekData) -> None:
    """With only the device info, values are unknown rather than made up."""
    data = MarstekData(device=full.device)
    for key in (
        "state_of_charge",
        "ac_power",
        "off_grid_power",
        "pv_power",
        "pv1_power",
        "grid_power",
        "grid_power_a",
        "rated_capacity",
        "operating_mode",
    ):
        assert _value(key, data) is None, key
    assert _value("ip_address", data) == "192.168.1.51"
    for description in ENERGY_SENSORS:
        assert description.counter_fn(data) is None
        assert description.power_fn(data) is None


def test_pv_fallbacks(full: MarstekData) -> None:
    """PV power from the channels, else from ES; a missing channel is unknown."""
    assert _value("pv_power", full) == 184.5
    assert _value("pv_power", replace(full, pv=None)) == 184.0
    assert _value("pv1_power", full) == 41.5
    short = replace(full, pv=replace(full.pv, channels=full.pv.channels[:2]))
    assert _value("pv3_power", short) is None
    assert _ENERGY["pv_energy"].power_fn(full) == 184.5
    assert _ENERGY["pv_energy"].power_fn(replace(full, pv=None)) == 184.0


def test_grid_meter_fallback(full: MarstekData) -> None:
    """Without EM.GetStatus the CT block of ES.GetMode is used."""
    data = replace(full, meter=None)
    assert _value("grid_power", data) == -302.0
    assert _ENERGY["grid_export_energy"].power_fn(data) == 302.0
    assert _ENERGY["grid_import_energy"].power_fn(data) == -302.0
    no_total = replace(
        data, mode=replace(data.mode, meter=replace(data.mode.meter, total_power=None))
    )
    assert _ENERGY["grid_export_energy"].power_fn(no_total) is None


def test_battery_power_directions(full: MarstekData) -> None:
    """Charging counts as charged energy, discharging as discharged."""
    assert _ENERGY["battery_charged_energy"].power_fn(full) == 184.0
    assert _ENERGY["battery_discharged_energy"].power_fn(full) == -184.0
    unknown = replace(full, es=replace(full.es, battery_power=None))
    assert _ENERGY["battery_charged_energy"].power_fn(unknown) is None


def test_ip_from_wifi(full: MarstekData) -> None:
    assert _value("ip_address", full) == "192.168.1.51"
    assert _value("ip_address", replace(full, wifi=replace(full.wifi, ip=None))) == "192.168.1.51"
