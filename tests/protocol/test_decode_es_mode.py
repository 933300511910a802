"""Decoder tests: ES.GetStatus, ES.GetMode, EM.GetStatus and write replies, signs and units."""

from __future__ import annotations

import math

import pytest

from custom_components.marstek_venus.pymarstek_venus.const import Mode
from custom_components.marstek_venus.pymarstek_venus.decode import (
    battery_power_from_mode,
    decode_es_status,
    decode_meter,
    decode_mode,
    decode_set_result,
)
from custom_components.marstek_venus.pymarstek_venus.models import (
    Family,
    PvChannel,
    PvStatus,
)
from custom_components.marstek_venus.pymarstek_venus.profiles import profile_for

from .decoding import A_147, A_150, CAPTURES, E2_153, E2_154, E3_139, E3_150, UNKNOWN, load_capture

# --- ES.GetStatus ---------------------------------------------------------------------------


def test_es_bat_power_is_negated() -> None:
    """bat_power is + when charging; ours is + when discharging."""
    charging = decode_es_status({"bat_power": 250, "ongrid_power": -250}, E2_154)
    assert charging.battery_power == -250.0
    assert charging.battery_power_computed is False
    discharging = decode_es_status({"bat_power": -250}, E2_154)
    assert discharging.battery_power == 250.0
    idle = decode_es_status({"bat_power": 0}, E2_154)
    assert idle.battery_power == 0.0
    assert math.copysign(1.0, idle.battery_power) == 1.0  # no -0.0


def test_es_hmg50_153_units() -> None:
    """HMG-50 < 154: bat_power in 0.1 W and grid energies in 10 Wh; >= 154: W and 100 Wh."""
    fields = {
        "bat_power": 1000,
        "total_grid_output_energy": 512,
        "total_grid_input_energy": 600,
        "total_load_energy": 0,
        "pv_power": 0,
        "total_pv_energy": 0,
    }
    old = decode_es_status(fields, E2_153)
    assert old.battery_power == -100.0
    assert old.ac_output_energy == 5120.0
    assert old.ac_input_energy == 6000.0
    assert old.load_energy == 0.0
    assert old.pv_power is None
    assert old.pv_energy is None
    new = decode_es_status(fields, E2_154)
    assert new.battery_power == -1000.0
    assert new.ac_output_energy == 51200.0
    assert new.ac_input_energy == 60000.0


def test_es_battery_power_includes_backup_load() -> None:
    """A load on the backup (EPS) socket is fed by the battery too."""
    status = decode_es_status({"ongrid_power": -300, "offgrid_power": 80, "pv_power": 0}, E3_150)
    assert status.battery_power == -220.0
    assert status.battery_power_computed is True


def test_es_battery_power_with_pv_channels() -> None:
    """Venus A 147 hard-codes ES pv_power to 0: the PV channels passed in are used instead."""
    pv = PvStatus(
        channels=(
            PvChannel(index=1, power=300.0, voltage=None, current=None, working=True),
            PvChannel(index=2, power=100.0, voltage=None, current=None, working=True),
        )
    )
    status = decode_es_status({"pv_power": 0, "ongrid_power": 0, "offgrid_power": 0}, A_147, pv)
    assert status.pv_power is None
    assert status.battery_power == -400.0
    assert status.battery_power_computed is True
    unknown_pv = decode_es_status({"pv_power": 0, "ongrid_power": 0}, A_147)
    assert unknown_pv.battery_power is None
    assert unknown_pv.battery_power_computed is False


def test_es_real_pv_power_wins_over_channels() -> None:
    """Where ES pv_power is real (Venus A 149+), it is used even when channels are passed."""
    pv = PvStatus(
        channels=(PvChannel(index=1, power=999.0, voltage=None, current=None, working=True),)
    )
    status = decode_es_status({"pv_power": 180, "ongrid_power": 20}, A_150, pv)
    assert status.pv_power == 180.0
    assert status.battery_power == -160.0


def test_es_without_ongrid_power_has_no_battery_power() -> None:
    """No AC reading, no balance."""
    status = decode_es_status({"bat_soc": 50, "offgrid_power": 10}, E3_150)
    assert status.battery_power is None
    assert status.battery_power_computed is False


def test_es_unknown_model_keeps_pv_fields() -> None:
    """An unknown model's PV fields are kept; without them its battery power is unknown."""
    status = decode_es_status({"pv_power": 100, "ongrid_power": 50, "total_pv_energy": 7}, UNKNOWN)
    assert status.pv_power == 100.0
    assert status.pv_energy == 7.0
    assert status.battery_power == -50.0
    assert decode_es_status({"ongrid_power": 50}, UNKNOWN).battery_power is None


def test_es_negative_energy_is_rejected() -> None:
    """Lifetime counters are never negative."""
    assert decode_es_status({"total_grid_output_energy": -5}, E3_150).ac_output_energy is None


# --- ES.GetMode and EM.GetStatus ------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "mode", "raw_mode"),
    [
        ("Auto", Mode.AUTO, "Auto"),
        ("AI", Mode.AI, "AI"),
        ("Manual", Mode.MANUAL, "Manual"),
        ("Passive", Mode.PASSIVE, "Passive"),
        ("UPS", Mode.UPS, "UPS"),
        ("auto", None, "auto"),  # names are case-sensitive
        ("Ups", None, "Ups"),
        ("", None, ""),
        ("x" * 200, None, "x" * 64),
        (0, Mode.AUTO, "0"),
        (1, Mode.AI, "1"),
        (2, Mode.MANUAL, "2"),
        (3, Mode.PASSIVE, "3"),
        (4, Mode.UPS, "4"),
        (5, None, "5"),
        (-1, None, "-1"),
        (10**20, None, None),
        (True, None, None),
        (1.0, None, None),
        (None, None, None),
        (["Auto"], None, None),
    ],
)
def test_mode(raw: object, mode: Mode | None, raw_mode: str | None) -> None:
    """Mode names are read as documented; integers 0..4 are tolerated; unknowns keep raw_mode."""
    status = decode_mode({"mode": raw}, E3_150)
    assert status.mode is mode
    assert status.raw_mode == raw_mode


def test_mode_ct_block_with_only_ct_state() -> None:
    """Any CT key makes a meter block."""
    status = decode_mode({"mode": "Auto", "ct_state": 0}, E3_150)
    assert status.meter is not None
    assert status.meter.connected is False


def test_meter_energy_in_tenths_of_wh() -> None:
    """EM input/output_energy arrive in 0.1 Wh."""
    meter = decode_meter({"input_energy": 12345, "output_energy": "10"}, E3_150)
    assert meter.import_energy == pytest.approx(1234.5)
    assert meter.export_energy == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("model", "firmware", "counts"),
    [
        ("VenusA", 147, False),
        ("VenusA", 1487, False),
        ("VenusA", 149, False),  # issue 9: 0.0 kWh over 29.5 minutes of metered flow
        ("VenusD", 149, False),
        ("VenusA", 150, True),
        ("VenusD", 150, True),
        ("VenusE 3.0", 139, False),
        ("VenusE 3.0", 144, False),
        ("VenusE 3.0", 148, True),  # live counters in GetMode (AI mode capture)
        ("VenusE 3.0", 150, True),
        ("VenusE", 155, True),
    ],
)
def test_meter_energy_known_zero(model: str, firmware: int, counts: bool) -> None:
    """Firmware that sends its meter counters as a constant 0 gets None, not a reading."""
    profile = profile_for(model, firmware)
    reply = {"ct_state": 1, "total_power": 800, "input_energy": 0, "output_energy": 0}
    for meter in (decode_meter(reply, profile), decode_mode(reply, profile).meter):
        assert meter is not None
        assert meter.total_power == 800.0  # the power is a reading either way
        assert meter.import_energy == (0.0 if counts else None)
        assert meter.export_energy == (0.0 if counts else None)


def test_battery_power_from_mode() -> None:
    """ES.GetMode's AC balance (marstek-open-api.md §2.6 with pv_power 0), in HA's sign."""
    charging = decode_mode(
        load_capture(CAPTURES / "e3_fw139_get_mode_charging.json")["reply"]["result"], E3_139
    )
    assert battery_power_from_mode(charging, Family.VENUS_E3) == -1033.0  # + = discharging
    backup = decode_mode({"ongrid_power": 300, "offgrid_power": 80}, E3_139)
    assert battery_power_from_mode(backup, Family.VENUS_E3) == 380.0  # the EPS load too
    assert battery_power_from_mode(backup, Family.VENUS_E2) == 380.0
    # GetMode says nothing about PV: no answer for a PV model or an unknown one.
    assert battery_power_from_mode(backup, Family.VENUS_A) is None
    assert battery_power_from_mode(backup, Family.UNKNOWN) is None
    no_ac = decode_mode({"mode": "Auto", "offgrid_power": 80}, E3_139)
    assert battery_power_from_mode(no_ac, Family.VENUS_E3) is None


# --- write replies --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(True, True), (False, False), (1, True), ("true", True), (None, False), ("ture", False)],
)
def test_set_result(raw: object, expected: bool) -> None:
    """Only an explicit true is an accepted write."""
    assert decode_set_result({"id": 0, "set_result": raw}) is expected
