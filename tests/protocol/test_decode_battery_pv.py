"""Decoder tests: Bat.GetStatus and PV.GetStatus units and their sanity cross-checks."""

from __future__ import annotations

from typing import Any

import pytest

from custom_components.marstek_venus.pymarstek_venus.decode import (
    decode_battery,
    decode_pv,
)
from custom_components.marstek_venus.pymarstek_venus.models import (
    PvChannel,
)
from custom_components.marstek_venus.pymarstek_venus.profiles import FirmwareProfile

from .decoding import A_150, E2_153, E2_154, E3_139, E3_150, UNKNOWN

# --- battery --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("profile", "raw", "expected"),
    [
        (E3_139, 314.0, 31.4),  # 0.1 °C on Venus E 3.0 <= 139
        (E3_139, -52.0, -5.2),
        (E3_150, 24.0, 24.0),
        (E3_150, 245.0, 24.5),  # a BMS sending 0.1 °C on a °C firmware: > 100 means 0.1 °C
        (E3_150, 5000.0, None),  # not a temperature in any unit
        (E3_150, -60.0, None),
        (E3_150, -10.0, -10.0),
        (E2_154, 2.0, 20.0),  # HMG-50 >= 154: some BMS send tens of °C
        (E2_154, 0.0, 0.0),
        (E2_154, -3.0, -3.0),
        (E2_154, 25.0, 25.0),
        (E2_154, 251.0, 25.1),
        (E2_153, 2.0, 2.0),
        (E2_153, 251.0, 25.1),
        (UNKNOWN, "31.5", 31.5),
    ],
)
def test_temperature(profile: FirmwareProfile, raw: object, expected: float | None) -> None:
    """bat_temp per profile, with the > 100 °C rule and a physical range."""
    assert decode_battery({"bat_temp": raw}, profile).temperature == (
        None if expected is None else pytest.approx(expected)
    )


@pytest.mark.parametrize(
    ("profile", "fields", "expected"),
    [
        # The profile's unit agrees with the SOC: kept.
        (E3_150, {"soc": 25, "bat_capacity": 1320.0, "rated_capacity": 5120.0}, 1320.0),
        # A 144+ firmware whose BMS still sends 10 Wh: the SOC says 10x.
        (E3_150, {"soc": 25, "bat_capacity": 132.0, "rated_capacity": 5120.0}, 1320.0),
        # A 139 firmware whose BMS already sends Wh: the SOC says 1x.
        (E3_139, {"soc": 25, "bat_capacity": 1320.0, "rated_capacity": 5120.0}, 1320.0),
        # HMG-50 < 154 as jaapp reads it (raw / 100 = Wh).
        (E2_153, {"soc": 50, "bat_capacity": 128000.0, "rated_capacity": 2560.0}, 1280.0),
        # ... and as Homey reads it (raw / 100 = kWh, i.e. 10 Wh units): the profile's default.
        (E2_153, {"soc": 50, "bat_capacity": 128.0, "rated_capacity": 2560.0}, 1280.0),
        # No unit fits: the profile's unit stands.
        (E3_150, {"soc": 50, "bat_capacity": 3.3, "rated_capacity": 2560.0}, 3.3),
        # Nothing to compare with: the profile's unit stands.
        (E3_139, {"bat_capacity": 436.0, "rated_capacity": 5120.0}, 4360.0),
        (E3_139, {"soc": 85, "bat_capacity": 436.0}, 4360.0),
        (E3_139, {"soc": 85, "bat_capacity": 436.0, "rated_capacity": 0}, 4360.0),
        (E3_150, {"soc": 85, "bat_capacity": -1.0, "rated_capacity": 5120.0}, None),
        (E3_150, {"soc": 85, "bat_capacity": "n/a", "rated_capacity": 5120.0}, None),
    ],
)
def test_remaining_energy_cross_check(
    profile: FirmwareProfile, fields: dict[str, Any], expected: float | None
) -> None:
    """bat_capacity is checked against SOC x rated capacity and the plausible unit wins."""
    status = decode_battery(fields, profile)
    assert status.remaining_energy == (None if expected is None else pytest.approx(expected))


def test_rated_capacity_zero_is_missing() -> None:
    """A rated capacity of 0 Wh is not a battery size."""
    assert decode_battery({"rated_capacity": 0}, E3_150).rated_energy is None


def test_venus_e2_electrical_extras() -> None:
    """Venus E 2.0 adds bat_voltage and bat_current in centi-units, and an error code."""
    status = decode_battery(
        {"bat_voltage": 4917, "bat_current": -350, "error_code": 0, "soc": 50}, E2_154
    )
    assert status.voltage == pytest.approx(49.17)
    assert status.current == pytest.approx(-3.5)
    assert status.error_code == 0
    assert decode_battery({"bat_voltage": -1}, E2_154).voltage is None


# --- PV -------------------------------------------------------------------------------------


def test_pv_single_channel_form() -> None:
    """The PDF's single-channel form (W) becomes channel 1."""
    status = decode_pv({"pv_power": 300, "pv_voltage": 40, "pv_current": 7, "PV_state": 1}, A_150)
    assert status.channels == (
        PvChannel(index=1, power=300.0, voltage=40.0, current=7.0, working=True),
    )
    lower = decode_pv({"pv_power": 0, "pv_state": 0}, A_150)
    assert lower.channels == (
        PvChannel(index=1, power=0.0, voltage=None, current=None, working=False),
    )


def test_pv_channel_without_power_is_skipped() -> None:
    """A channel is a power reading; voltage alone is not enough."""
    status = decode_pv({"pv1_power": 415, "pv2_voltage": 50, "pv3_power": "bad"}, A_150)
    assert [channel.index for channel in status.channels] == [1]
    assert status.total_power == pytest.approx(41.5)


@pytest.mark.parametrize(
    ("fields", "index", "expected"),
    [
        # A build that sends channel 1 in W: 415 W at 50 V and 8 A cannot be 41.5 W.
        ({"pv1_power": 415, "pv1_voltage": 50, "pv1_current": 8}, 1, 415.0),
        # A channel 2-4 in 0.1 W: 520 at 50 V and 1 A can only be 52 W.
        ({"pv2_power": 520, "pv2_voltage": 50, "pv2_current": 1}, 2, 52.0),
        # Neither unit fits V x I: the profile's unit stands.
        ({"pv1_power": 415, "pv1_voltage": 50, "pv1_current": 20}, 1, 41.5),
        # Low currents fit both units: the profile's unit stands.
        ({"pv4_power": 33, "pv4_voltage": 49, "pv4_current": 0}, 4, 33.0),
        # Nothing to check against.
        ({"pv1_power": 415}, 1, 41.5),
        ({"pv1_power": 415, "pv1_voltage": 0, "pv1_current": 8}, 1, 41.5),
        ({"pv1_power": 415, "pv1_voltage": 50, "pv1_current": -8}, 1, 41.5),
    ],
)
def test_pv_power_cross_checked_with_v_times_i(
    fields: dict[str, Any], index: int, expected: float
) -> None:
    """The unit of a PV channel is checked against voltage x current."""
    (channel,) = decode_pv(fields, A_150).channels
    assert channel.index == index
    assert channel.power == pytest.approx(expected)
