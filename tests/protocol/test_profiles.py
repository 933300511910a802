"""Firmware profiles: families, version numbering and the capability gates of the support matrix."""

from __future__ import annotations

import dataclasses

import pytest

from custom_components.marstek_venus.pymarstek_venus.const import Method
from custom_components.marstek_venus.pymarstek_venus.models import Family
from custom_components.marstek_venus.pymarstek_venus.profiles import (
    FAMILY_BASES,
    FIRMWARE_POWER_LIMIT,
    VERSION_OVERRIDES,
    FirmwareProfile,
    family_from_model,
    normalise_version,
    profile_for,
)


@pytest.mark.parametrize(
    ("device", "family"),
    [
        ("VenusE 3.0", Family.VENUS_E3),
        ("VNSE3-0", Family.VENUS_E3),
        ("venuse 3.0", Family.VENUS_E3),
        ("VenusE", Family.VENUS_E2),
        ("VenusC", Family.VENUS_C),
        ("Venus A", Family.VENUS_A),
        ("VenusA", Family.VENUS_A),
        ("VNSA-0", Family.VENUS_A),
        ("VenusE Pro", Family.VENUS_A),
        ("Venus D", Family.VENUS_D),
        ("VenusD", Family.VENUS_D),
        ("VNSD-0", Family.VENUS_D),
        ("Venus E mini", Family.VENUS_MINI),
        ("VNSEM-0", Family.VENUS_MINI),
        ("Venus Z", Family.UNKNOWN),
        ("", Family.UNKNOWN),
        (None, Family.UNKNOWN),
    ],
)
def test_family_from_model(device: str | None, family: Family) -> None:
    """Every device string and SKU seen in the field maps to its hardware line."""
    assert family_from_model(device) is family


@pytest.mark.parametrize(
    ("ver", "version"),
    [
        (139, 139),
        (999, 999),
        (1000, 100),
        (1476, 147),
        (1487, 148),
        (1509, 150),
        (1999, 199),
        (2000, 2000),
        (300, 300),
        (0, 0),
    ],
)
def test_normalise_version(ver: int, version: int) -> None:
    """4-digit builds 1000..1999 are release x 10 + patch."""
    assert normalise_version(ver) == version
    assert profile_for("VenusE 3.0", ver).version == version
    assert profile_for("VenusE 3.0", ver).firmware == ver


def test_profiles_are_immutable() -> None:
    """Profiles are shared values; nobody may change one in place."""
    profile = profile_for("VenusE 3.0", 150)
    with pytest.raises(dataclasses.FrozenInstanceError):
        profile.has_pv = True  # type: ignore[misc]


def _gates(profile: FirmwareProfile) -> dict[str, object]:
    return {
        "es": profile.has_es_status,
        "bat": profile.has_battery_status,
        "pv": profile.has_pv,
        "meter": profile.has_meter,
        "ups": profile.supports_ups,
        "settings": profile.supports_settings,
        "slots": profile.manual_slots,
        "reset_prone": profile.reset_prone,
    }


def _expect(
    *,
    es: bool = True,
    bat: bool = True,
    pv: bool = False,
    meter: bool = True,
    ups: bool = False,
    settings: bool = False,
    slots: int = 10,
    reset_prone: bool = False,
) -> dict[str, object]:
    return {
        "es": es,
        "bat": bat,
        "pv": pv,
        "meter": meter,
        "ups": ups,
        "settings": settings,
        "slots": slots,
        "reset_prone": reset_prone,
    }


@pytest.mark.parametrize(
    ("model", "ver", "gates"),
    [
        # Venus E 3.0: fw 122 has no Bat.GetStatus, <= 139 no ES.GetStatus, < 150 is reset-prone;
        # UPS from 149 (accepted from 147; 148 can stick in UPS), the SYS writes from 150.
        ("VenusE 3.0", 122, _expect(es=False, bat=False, reset_prone=True)),
        ("VenusE 3.0", 139, _expect(es=False, reset_prone=True)),
        ("VenusE 3.0", 144, _expect(reset_prone=True)),
        ("VenusE 3.0", 1476, _expect(reset_prone=True)),
        ("VenusE 3.0", 148, _expect(reset_prone=True)),
        ("VenusE 3.0", 149, _expect(ups=True, reset_prone=True)),
        ("VenusE 3.0", 150, _expect(ups=True, settings=True)),
        # HMG-50 (Venus E 2.0 / Venus C): EM.GetStatus from 155, stable from 156, no UPS/SYS.
        ("VenusE", 153, _expect(meter=False, reset_prone=True)),
        ("VenusE", 154, _expect(meter=False, reset_prone=True)),
        ("VenusE", 155, _expect(reset_prone=True)),
        ("VenusE", 156, _expect()),
        ("VenusC", 153, _expect(meter=False, reset_prone=True)),
        ("VenusC", 156, _expect()),
        # Venus A / D: PV inputs; UPS from 149, SYS from 150; reset-prone below 150.
        ("VenusA", 147, _expect(pv=True, reset_prone=True)),
        ("Venus A", 1487, _expect(pv=True, reset_prone=True)),
        ("VenusA", 149, _expect(pv=True, ups=True, reset_prone=True)),
        ("VenusA", 150, _expect(pv=True, ups=True, settings=True)),
        ("VenusE Pro", 1508, _expect(pv=True, ups=True, settings=True)),
        ("VenusD", 147, _expect(pv=True, reset_prone=True)),
        ("VNSD-0", 1492, _expect(pv=True, ups=True, reset_prone=True)),
        ("Venus D", 150, _expect(pv=True, ups=True, settings=True)),
        # Venus E mini: 6 manual slots, SYS writes without the 150 gate.
        ("VNSEM-0", 300, _expect(ups=True, settings=True, slots=6)),
        ("Venus E mini", 140, _expect(settings=True, slots=6)),
        # Unknown: read the common methods gently, offer no optional writes.
        ("Venus Z", 200, _expect(reset_prone=True)),
        ("", 0, _expect(reset_prone=True)),
    ],
)
def test_capability_gates(model: str, ver: int, gates: dict[str, object]) -> None:
    """Capabilities follow the support matrix of the protocol notes (§2, §3.1)."""
    profile = profile_for(model, ver)
    assert _gates(profile) == gates
    # Per-model AC limits (tests/protocol/test_commands.py) never exceed the firmware's.
    assert max(profile.max_charge_power, profile.max_discharge_power) <= FIRMWARE_POWER_LIMIT


@pytest.mark.parametrize(
    ("model", "family"), [("VenusE", Family.VENUS_E2), ("VenusC", Family.VENUS_C)]
)
def test_hmg50_keeps_its_family(model: str, family: Family) -> None:
    """Venus E 2.0 and Venus C share the HMG-50 image but stay separate families."""
    assert profile_for(model, 155).family is family


def test_venus_e3_scaling() -> None:
    """<= 139: bat_temp in 0.1 °C and bat_capacity in 10 Wh; 144+: °C and Wh. No PV."""
    legacy = profile_for("VenusE 3.0", 139)
    assert (legacy.bat_temp_scale, legacy.bat_capacity_scale) == (0.1, 10.0)
    modern = profile_for("VenusE 3.0", 144)
    assert (modern.bat_temp_scale, modern.bat_capacity_scale) == (1.0, 1.0)
    assert not legacy.es_pv_valid
    assert not modern.es_pv_valid
    assert modern.family is Family.VENUS_E3


def test_hmg50_scaling() -> None:
    """< 154: bat_power 0.1 W, energies 10 Wh, capacity 10 Wh; >= 154: W, 100 Wh, Wh."""
    old = profile_for("VenusE", 153)
    assert (old.bat_power_scale, old.grid_energy_scale, old.bat_capacity_scale) == (0.1, 10.0, 10.0)
    assert old.bat_temp_tens is False
    new = profile_for("VenusE", 154)
    assert (new.bat_power_scale, new.grid_energy_scale, new.bat_capacity_scale) == (
        1.0,
        100.0,
        1.0,
    )
    assert new.bat_temp_tens is True
    assert new.bat_electrical_scale == 0.01


@pytest.mark.parametrize(
    ("model", "ver", "pv_valid", "pv_energy_scale"),
    [
        ("VenusA", 147, False, 1.0),
        ("VenusA", 148, False, 1.0),
        ("VenusA", 1487, True, 10.0),  # 148.7 already reports PV totals in 0.01 kWh
        ("VenusA", 149, True, 10.0),
        ("VenusA", 1509, True, 10.0),
        ("VenusD", 147, False, 1.0),
        ("VenusD", 1492, True, 10.0),
    ],
)
def test_venus_a_d_pv_encodings(
    model: str, ver: int, pv_valid: bool, pv_energy_scale: float
) -> None:
    """PV totals: hard-coded 0 on 147/148, 0.01 kWh from 149 (and 1487); pv1 in 0.1 W."""
    profile = profile_for(model, ver)
    assert profile.es_pv_valid is pv_valid
    assert profile.pv_energy_scale == pv_energy_scale
    assert profile.pv1_power_scale == 0.1
    assert profile.meter_energy_scale == 0.1


def test_unknown_model_keeps_values_raw() -> None:
    """An unknown model is decoded without scaling guesses (sanity checks still apply)."""
    profile = profile_for("Venus Z", 200)
    assert profile.family is Family.UNKNOWN
    assert profile.es_pv_valid
    assert profile.pv1_power_scale == 1.0
    assert profile.bat_capacity_scale == 1.0


@pytest.mark.parametrize(
    ("model", "ver"),
    [("VenusE 3.0", 122), ("VenusE 3.0", 139), ("VenusE 3.0", 150), ("VenusE", 153),
     ("VenusC", 156), ("VenusA", 147), ("VenusD", 150), ("VNSEM-0", 300), ("Venus Z", 200)],
)  # fmt: skip
def test_method_table_is_the_capability_gates(model: str, ver: int) -> None:
    """``methods`` is the one table: ``answers`` and every ``has_*`` flag read it."""
    profile = profile_for(model, ver)
    assert all(profile.answers(method) is (method in profile.methods) for method in Method)
    assert profile.has_es_status is profile.answers(Method.ES_STATUS)
    assert profile.has_battery_status is profile.answers(Method.BATTERY_STATUS)
    assert profile.has_pv is profile.answers(Method.PV_STATUS)
    assert profile.has_meter is profile.answers(Method.METER_STATUS)
    assert profile.supports_settings is all(
        profile.answers(method) for method in (Method.SET_DOD, Method.LED_CTRL, Method.BLE_ADV)
    )
    # Every firmware answers the identity read, the mode read and the mode write.
    assert {Method.GET_DEVICE, Method.ES_MODE, Method.SET_MODE} <= profile.methods


def test_every_family_has_a_base_row() -> None:
    """profile_for has a row for every family, and every override names known families."""
    assert set(FAMILY_BASES) == set(Family)
    for family, base in FAMILY_BASES.items():
        assert base.family is family
    for row in VERSION_OVERRIDES:
        assert row.families <= set(Family)
        assert row.builds or row.first is not None or row.last is not None


def test_a_build_row_overrides_its_release() -> None:
    """148.7 reports PV totals like 149 while 148 does not: a row may name single builds."""
    assert profile_for("VenusA", 1487).es_pv_valid
    assert not profile_for("VenusA", 1486).es_pv_valid
    assert profile_for("VenusA", 1487).supports_ups is profile_for("VenusA", 148).supports_ups


def test_diagnostics_view_keeps_the_flags() -> None:
    """as_dict shows the method table as the has_* flags diagnostics always showed."""
    values = profile_for("VenusA", 149).as_dict()
    assert "methods" not in values
    assert values["has_pv"] is True
    assert values["supports_settings"] is False
    assert values["family"] is Family.VENUS_A
