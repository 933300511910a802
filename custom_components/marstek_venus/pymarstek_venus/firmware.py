"""The shapes of the firmware tables: ``FirmwareProfile``, its ``PowerLimits`` and ``Releases``.

A profile is what one (model family, firmware) pair answers and how it encodes values; the
tables that fill it in live in ``profiles.py``. The sets of families and methods below are the
vocabulary those tables are written in.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any, Final, TypedDict

from .const import Method
from .models import Family

# Families built on the HMG-50 image (Venus E 2.0 "VenusE" and Venus C). Their numbering
# (153..156) and their encodings are their own; 153 vs 154 is the community's "multiplier" split.
HMG50_FAMILIES: Final = frozenset({Family.VENUS_E2, Family.VENUS_C})
# Families with PV inputs (and PV.GetStatus).
PV_FAMILIES: Final = frozenset({Family.VENUS_A, Family.VENUS_D})
# Families we know have no PV input at all: their ES.GetStatus PV fields are always 0.
NO_PV_FAMILIES: Final = frozenset(
    {Family.VENUS_E3, Family.VENUS_E2, Family.VENUS_C, Family.VENUS_MINI}
)

# First release offered UPS on Venus E 3.0, A and D (marstek-open-api.md §2 support matrix and
# §2.8 "UPS"). The firmware accepts ups_cfg from 147, and the issue-9 acceptance run's Venus A
# 149 took it. On 148 a later switch to Manual can leave ES.GetMode reporting UPS, so leaving
# UPS could not be confirmed there; 147, the release before, is unaudited. That 147..149 are
# reset-prone is no reason to hold UPS back: it is one more mode of the ES.SetMode we send
# there anyway, unlike the SYS writes (DOD.SET, Led.Ctrl, Ble.Adv), which stay gated at 150.
UPS_FROM_RELEASE: Final = 149

# The passive/manual power the firmware accepts (ES.SetMode clamps to ±2500 W). What a unit
# really delivers is its model's AC limit (the family rows in ``profiles.py``); the
# integration lets users lower it further in its options.
FIRMWARE_POWER_LIMIT: Final = 2500

# Every method of the Open API we use, reads and writes.
ALL_METHODS: Final = frozenset(Method)
# The SYS writes: depth of discharge, panel LED, BLE advertising. A firmware has all or none.
SETTINGS_WRITES: Final = frozenset({Method.SET_DOD, Method.LED_CTRL, Method.BLE_ADV})
# What a firmware answers unless its row says otherwise: everything but PV.GetStatus (PV models
# only) and the SYS writes.
COMMON_METHODS: Final = ALL_METHODS - SETTINGS_WRITES - {Method.PV_STATUS}


@dataclass(frozen=True, slots=True)
class PowerLimits:
    """The AC power a battery may be asked for: ``-charge`` ... ``+discharge`` W (API sign)."""

    charge: int  # W the battery may absorb from AC at most (a positive number)
    discharge: int  # W it may deliver to AC at most

    def allows(self, power: int) -> bool:
        """True when ``power`` (W, + discharge, - charge) is within the limits."""
        return -self.charge <= power <= self.discharge

    def capped(self, limit: int | None) -> PowerLimits:
        """Both limits lowered to ``limit`` W where that is lower (None or 0: unchanged)."""
        if not limit:
            return self
        return PowerLimits(min(self.charge, limit), min(self.discharge, limit))


# Not slots=True: a slotted frozen dataclass answers an assignment to a property (``has_pv``)
# with a TypeError instead of FrozenInstanceError.
@dataclass(frozen=True)
class FirmwareProfile:
    """Capabilities and encodings of one firmware line.

    ``methods`` is the one answer to "does this firmware answer X": the client, the integration's
    poll plan, the simulator tests and the soak all read it (``answers``). The ``has_*`` and
    ``supports_settings`` attributes are views of it.

    The scale fields are the factor that turns a raw wire value into the normalised unit
    (W, Wh, °C, V, A); the decoder applies them and its sanity checks on top.
    """

    family: Family
    firmware: int = 0  # raw `ver` as reported
    version: int = 0  # normalised: 4-digit builds 1000..1999 map to ver // 10 (1476 -> 147)
    methods: frozenset[Method] = COMMON_METHODS  # the methods it answers, reads and writes
    supports_ups: bool = True  # UPS is a mode of ES.SetMode, not a method of its own
    manual_slots: int = 10  # 6 on the Venus E mini
    reset_prone: bool = False  # firmware that can switch its Open API off under load
    # AC limits of the model's inverter (W, both positive). Passive and manual power go from
    # -max_charge_power (charging) to +max_discharge_power (discharging); asked for more, the
    # firmware accepts the command and delivers only its limit.
    max_charge_power: int = FIRMWARE_POWER_LIMIT
    max_discharge_power: int = FIRMWARE_POWER_LIMIT
    # --- encodings (raw value x scale = normalised value) ---
    bat_temp_scale: float = 1.0  # Bat.GetStatus bat_temp -> °C
    bat_temp_tens: bool = False  # small bat_temp values are tens of °C (HMG-50 >= 154)
    bat_capacity_scale: float = 1.0  # Bat.GetStatus bat_capacity -> Wh (cross-checked vs SOC)
    bat_electrical_scale: float = 0.01  # bat_voltage / bat_current: centivolts / centiamps
    bat_power_scale: float = 1.0  # ES.GetStatus bat_power -> W
    grid_energy_scale: float = 1.0  # ES.GetStatus total_grid_*/total_load_energy -> Wh
    pv_energy_scale: float = 1.0  # ES.GetStatus total_pv_energy -> Wh
    es_pv_valid: bool = True  # ES.GetStatus pv_power/total_pv_energy carry real values
    pv1_power_scale: float = 1.0  # PV.GetStatus pv1_power -> W (channels 2-4 are always W)
    meter_energy_scale: float = 0.1  # EM/GetMode input_energy/output_energy -> Wh
    # EM.GetStatus / ES.GetMode input_energy and output_energy carry real values. False where
    # the firmware sends them as a constant 0 while the CT measures flow: the grid totals are
    # then integrated from the CT's power instead.
    meter_energy_valid: bool = True

    def answers(self, method: Method) -> bool:
        """Whether this firmware answers ``method`` (reads and writes alike)."""
        return method in self.methods

    @property
    def has_es_status(self) -> bool:
        """ES.GetStatus (missing on Venus E 3.0 <= 139)."""
        return Method.ES_STATUS in self.methods

    @property
    def has_battery_status(self) -> bool:
        """Bat.GetStatus (missing on Venus E 3.0 fw 122)."""
        return Method.BATTERY_STATUS in self.methods

    @property
    def has_pv(self) -> bool:
        """PV.GetStatus: Venus A and D only."""
        return Method.PV_STATUS in self.methods

    @property
    def has_meter(self) -> bool:
        """EM.GetStatus (HMG-50 only from 155)."""
        return Method.METER_STATUS in self.methods

    @property
    def supports_settings(self) -> bool:
        """DOD.SET, Led.Ctrl and Ble.Adv."""
        return self.methods >= SETTINGS_WRITES

    @property
    def power_limits(self) -> PowerLimits:
        """The model's AC charge and discharge limits."""
        return PowerLimits(self.max_charge_power, self.max_discharge_power)

    def as_dict(self) -> dict[str, Any]:
        """Every setting as plain values, for diagnostics: method support as ``has_*`` flags."""
        values: dict[str, Any] = {
            item.name: getattr(self, item.name) for item in fields(self) if item.name != "methods"
        }
        values.update(
            has_es_status=self.has_es_status,
            has_battery_status=self.has_battery_status,
            has_pv=self.has_pv,
            has_meter=self.has_meter,
            supports_settings=self.supports_settings,
        )
        return values


class ProfileChanges(TypedDict, total=False):
    """The fields of ``FirmwareProfile`` a version override may set (its methods go by ``lacks``)."""

    supports_ups: bool
    manual_slots: int
    reset_prone: bool
    max_charge_power: int
    max_discharge_power: int
    bat_temp_scale: float
    bat_temp_tens: bool
    bat_capacity_scale: float
    bat_electrical_scale: float
    bat_power_scale: float
    grid_energy_scale: float
    pv_energy_scale: float
    es_pv_valid: bool
    pv1_power_scale: float
    meter_energy_scale: float
    meter_energy_valid: bool


@dataclass(frozen=True, slots=True)
class Releases:
    """A version override: how some releases of some families differ from their base row.

    The row applies to releases ``first`` .. ``last`` (normalised, both inclusive; None leaves
    that end open) or, when ``builds`` is given, to exactly those raw ``ver`` builds. Matching
    rows apply in table order, a later one winning: ``lacks`` takes methods away, ``changes``
    sets fields of ``FirmwareProfile``.
    """

    families: frozenset[Family]
    first: int | None = None
    last: int | None = None
    builds: frozenset[int] = frozenset()
    lacks: frozenset[Method] = frozenset()
    changes: ProfileChanges = field(default_factory=ProfileChanges)

    def matches(self, family: Family, firmware: int, version: int) -> bool:
        """Whether this row applies to ``firmware`` (raw) / ``version`` of ``family``."""
        if family not in self.families:
            return False
        if self.builds:
            return firmware in self.builds
        if self.first is not None and version < self.first:
            return False
        return self.last is None or version <= self.last

    def apply(self, profile: FirmwareProfile) -> FirmwareProfile:
        """``profile`` with this row's differences."""
        return replace(profile, methods=profile.methods - self.lacks, **self.changes)
