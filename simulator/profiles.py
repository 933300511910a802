"""Firmware profiles: what one simulated (model, firmware) pair answers and how it encodes values.

Every knob here stands for something a real firmware build does on the wire (see
``shared/docs/marstek-open-api.md`` §2 to §3). The simulator deliberately keeps its own copy of these
facts instead of importing the protocol library's profiles, so that a wrong assumption on one side
shows up as a failing test instead of being shared silently.

The facts are data in three tables: ``FAMILY_BASES`` (one row per family, its newest firmware),
``VERSION_OVERRIDES`` (how older releases differ: methods they lack, fields they encode
otherwise) and ``CATALOGUE`` (the builds the simulator offers, each a family and a firmware).
A profile is its family's base row with the matching overrides applied in table order.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Final, TypedDict

GET_DEVICE: Final = "Marstek.GetDevice"
WIFI_STATUS: Final = "Wifi.GetStatus"
BLE_STATUS: Final = "BLE.GetStatus"
BAT_STATUS: Final = "Bat.GetStatus"
PV_STATUS: Final = "PV.GetStatus"
ES_STATUS: Final = "ES.GetStatus"
ES_MODE: Final = "ES.GetMode"
SET_MODE: Final = "ES.SetMode"
EM_STATUS: Final = "EM.GetStatus"
DOD_SET: Final = "DOD.SET"
LED_CTRL: Final = "Led.Ctrl"
BLE_ADV: Final = "Ble.Adv"
SET_VER: Final = "Set.Ver"
RESET_FACTORY: Final = "Reset.Factory"
WIFI_SET_CONFIG: Final = "Wifi.SetConfig"

#: Every method name any firmware knows. Names are case-sensitive on the device: a request whose
#: method matches one of these only when case is ignored gets no answer at all.
KNOWN_METHODS: Final = frozenset(
    {
        GET_DEVICE,
        WIFI_STATUS,
        BLE_STATUS,
        BAT_STATUS,
        PV_STATUS,
        ES_STATUS,
        ES_MODE,
        SET_MODE,
        EM_STATUS,
        DOD_SET,
        LED_CTRL,
        BLE_ADV,
        SET_VER,
        RESET_FACTORY,
        WIFI_SET_CONFIG,
    }
)
WRITE_METHODS: Final = frozenset(
    {SET_MODE, DOD_SET, LED_CTRL, BLE_ADV, SET_VER, RESET_FACTORY, WIFI_SET_CONFIG}
)
DESTRUCTIVE_METHODS: Final = frozenset({SET_VER, RESET_FACTORY})

#: The Wi-Fi MAC every VNSE3-0 unit reports: it is really the access point's BSSID, so every
#: Venus E 3.0 on one network reports the same value.
SHARED_AP_BSSID: Final = "444e6d6b2f10"


class Missing(StrEnum):
    """How a firmware reacts to a method it does not implement."""

    NOT_FOUND = "not_found"  # -32601 "Method not found" (optionally with `data`)
    SILENT = "silent"  # no reply at all (Venus E 3.0 <= 139 and ES.GetStatus)


class GetModeShape(StrEnum):
    """Which fields ES.GetMode carries."""

    CORE = "core"  # id, mode, ongrid_power, offgrid_power, bat_soc
    CT = "ct"  # core + ct_state, a/b/c_power, total_power
    CT_ENERGY = "ct_energy"  # CT + input_energy/output_energy (0.1 Wh)


class PvEnergy(StrEnum):
    """Encoding of ES.GetStatus `total_pv_energy`."""

    ZERO = "zero"  # hard-coded 0 (Venus A 147/148, models without PV)
    WH = "wh"
    CENTI_KWH = "centi_kwh"  # 0.01 kWh: raw x 10 = Wh (firmware label PV_Year_Cap_10Wh)


@dataclass(frozen=True, slots=True)
class Unsupported:
    """A method this firmware lacks, and how it says so."""

    missing: Missing = Missing.NOT_FOUND
    data: int | None = None  # `error.data`, e.g. 424 for PV.GetStatus on Venus E 3.0


@dataclass(frozen=True, slots=True)
class DeviceProfile:
    """One firmware build as the simulator speaks it."""

    key: str
    description: str
    family: str  # venus_e3, venus_e2, venus_c, venus_a, venus_d, venus_mini
    device: str  # Marstek.GetDevice `device`
    firmware: int  # Marstek.GetDevice `ver`
    src_prefix: str  # reply `src` is f"{src_prefix}-{ble_mac}"
    rated_capacity: float  # Wh
    # AC limits of the inverter. ES.SetMode accepts up to ±2500 W on every model; the physics
    # then delivers no more than these, as a real unit does (a Venus A asked for 2000 W
    # delivered 1200 W in issue 9).
    max_charge: int  # W the inverter can absorb
    max_discharge: int  # W the inverter can deliver
    pv_channels: int = 0  # 4 on Venus A / D
    pv_peak: float = 0.0  # W per channel at solar noon on a clear day
    # Methods it answers with an error or not at all. Anything not listed here is implemented.
    unsupported: dict[str, Unsupported] = field(default_factory=dict)
    manual_slots: int = 10
    # --- encodings -------------------------------------------------------------------------
    bat_temp_factor: float = 1.0  # raw = °C x factor
    bat_capacity_factor: float = 1.0  # raw = Wh x factor
    bat_extras: bool = False  # bat_voltage (cV), bat_current (cA), error_code (HMG-50)
    es_bat_power_factor: float | None = None  # raw = W x factor; None = field absent
    es_pv_power_zero: bool = False  # `pv_power` hard-coded 0 (Venus A 147/148)
    pv_energy: PvEnergy = PvEnergy.WH
    grid_energy_divisor: float = 1.0  # raw = Wh / divisor (HMG-50: 10 below 154, 100 from 154)
    getmode_shape: GetModeShape = GetModeShape.CT_ENERGY
    getmode_ct_zero_in_auto: bool = False  # Auto mode reports the CT block as zeros
    em_energy: bool = True  # EM input/output_energy live (0.1 Wh); False = always 0
    em_parse_state: bool = False  # HMG-50 adds `parse_state` to EM.GetStatus
    getdevice_macs: bool = True  # Venus C 153 leaves ble_mac/wifi_mac out of the result
    wifi_mac_is_bssid: bool = False  # VNSE3-0: wifi_mac is the access point's BSSID
    # --- behaviour -------------------------------------------------------------------------
    pre_stable: bool = False  # below the stable line: reset-prone, may duplicate replies
    passive_supported: bool = True  # Venus Mini 300 answers set_result:false
    manual_power_ignored: bool = False  # Venus Mini 300 accepts Manual but ignores `power`
    # UPS via ES.SetMode, accepted from 147 on Venus E 3.0, A and D (support matrix); -32601
    # otherwise.
    ups_supported: bool = True

    def supports(self, method: str) -> bool:
        """True when this firmware implements `method`."""
        return method in KNOWN_METHODS and method not in self.unsupported


class Changes(TypedDict, total=False):
    """The fields of ``DeviceProfile`` a version override may set (missing methods go by ``lacks``)."""

    bat_temp_factor: float
    bat_capacity_factor: float
    es_bat_power_factor: float | None
    es_pv_power_zero: bool
    pv_energy: PvEnergy
    grid_energy_divisor: float
    getmode_shape: GetModeShape
    em_energy: bool
    getdevice_macs: bool
    pre_stable: bool
    ups_supported: bool


@dataclass(frozen=True, slots=True)
class Releases:
    """A version override: how firmware ``first`` .. ``last`` (inclusive; None = open) differs.

    ``lacks`` adds methods the release does not implement (and how it says so); ``changes``
    sets fields. Matching rows apply in table order, a later one winning.
    """

    families: frozenset[str]
    first: int | None = None
    last: int | None = None
    lacks: Mapping[str, Unsupported] = field(default_factory=dict)
    changes: Changes = field(default_factory=Changes)

    def matches(self, family: str, firmware: int) -> bool:
        """Whether this row applies to ``firmware`` of ``family``."""
        if family not in self.families:
            return False
        if self.first is not None and firmware < self.first:
            return False
        return self.last is None or firmware <= self.last

    def apply(self, profile: DeviceProfile) -> DeviceProfile:
        """``profile`` with this row's differences."""
        unsupported = {**profile.unsupported, **self.lacks}
        return replace(profile, unsupported=unsupported, **self.changes)


_NOT_FOUND = Unsupported()
_PV_NOT_FOUND = Unsupported(Missing.NOT_FOUND, 424)
_SILENT = Unsupported(Missing.SILENT)
_NO_SETTINGS = {DOD_SET: _NOT_FOUND, LED_CTRL: _NOT_FOUND, BLE_ADV: _NOT_FOUND}
_NO_DESTRUCTIVE = {SET_VER: _NOT_FOUND, RESET_FACTORY: _NOT_FOUND}
_NO_WIFI_CONFIG = {WIFI_SET_CONFIG: _NOT_FOUND}

_E3: Final = frozenset({"venus_e3"})
_A_D: Final = frozenset({"venus_a", "venus_d"})
_HMG50: Final = frozenset({"venus_e2", "venus_c"})

# --- base rows: each family's newest firmware -------------------------------------------------
_VENUS_A: Final = DeviceProfile(
    key="venus_a",
    description="Venus A (VNSA-0)",
    family="venus_a",
    device="VenusA",
    firmware=150,
    src_prefix="VenusA",
    rated_capacity=2080.0,
    max_charge=1200,  # 1.2 kW class ("1200 VA" in Set.Ver); 1500 W needs an app setting
    max_discharge=1200,
    pv_channels=4,
    pv_peak=450.0,
    unsupported={**_NO_WIFI_CONFIG},
    pv_energy=PvEnergy.CENTI_KWH,
    getmode_ct_zero_in_auto=True,
)
# HMG-50 (Venus E 2.0 / Venus C) from 156, the stability fix: the 154 encodings (bat_power in
# W, grid energy in 100 Wh, bat_temp sometimes in tens of °C), EM.GetStatus (from 155). Its recv
# list has GetDevice, ES.GetMode, ES.SetMode, Wifi.SetConfig, BLE.GetStatus, ES.GetStatus,
# PV.GetStatus (a stub), Wifi.GetStatus, Bat.GetStatus and EM.GetStatus; the SYS writes never.
_VENUS_E2: Final = DeviceProfile(
    key="venus_e2",
    description="Venus E 2.0 (HMG-50)",
    family="venus_e2",
    device="VenusE",
    firmware=156,
    src_prefix="VenusE",
    rated_capacity=5120.0,
    max_charge=2500,  # the HMG-50 control loop clamps at ±2500 W
    max_discharge=2500,
    unsupported={PV_STATUS: _NOT_FOUND, **_NO_SETTINGS, **_NO_DESTRUCTIVE},
    bat_temp_factor=0.1,
    bat_extras=True,
    es_bat_power_factor=1.0,
    grid_energy_divisor=100.0,
    getmode_shape=GetModeShape.CT,
    em_parse_state=True,
    ups_supported=False,
)

FAMILY_BASES: Final[dict[str, DeviceProfile]] = {
    "venus_e3": DeviceProfile(
        key="venus_e3",
        description="Venus E 3.0 (VNSE3-0)",
        family="venus_e3",
        device="VenusE 3.0",
        firmware=150,
        src_prefix="VenusE 3.0",
        rated_capacity=5120.0,
        max_charge=2500,  # 2.5 kW both ways (the app can cap the output at 800 W; not modelled)
        max_discharge=2500,
        unsupported={PV_STATUS: _PV_NOT_FOUND, **_NO_WIFI_CONFIG},
        wifi_mac_is_bssid=True,
        getmode_ct_zero_in_auto=True,
    ),
    "venus_a": _VENUS_A,
    # VNSD-0 default setpoint clamps: +2200 W out, -800 W in (meter-emulation notes §3).
    "venus_d": replace(
        _VENUS_A,
        key="venus_d",
        description="Venus D (VNSD-0)",
        family="venus_d",
        device="VenusD",
        src_prefix="VenusD",
        max_charge=800,
        max_discharge=2200,
    ),
    "venus_e2": _VENUS_E2,
    "venus_c": replace(
        _VENUS_E2,
        key="venus_c",
        description="Venus C (HMG-50)",
        family="venus_c",
        device="VenusC",
        src_prefix="VenusC",
        rated_capacity=2560.0,
        max_discharge=800,  # 800 W output class; charging like the E 2.0
    ),
    "venus_mini": DeviceProfile(
        key="venus_mini",
        description="Venus Mini (VNSEM-0)",
        family="venus_mini",
        device="VNSEM-0",
        firmware=300,
        src_prefix="VNSEM-0",
        rated_capacity=2048.0,
        max_charge=1500,  # charges at 1.5 kW out of the box; 800 W plug-in output
        max_discharge=800,
        unsupported={PV_STATUS: _NOT_FOUND, **_NO_DESTRUCTIVE, **_NO_WIFI_CONFIG},
        manual_slots=6,
        passive_supported=False,
        manual_power_ignored=True,
    ),
}

# --- version overrides: how older releases differ ---------------------------------------------
VERSION_OVERRIDES: Final[tuple[Releases, ...]] = (
    # Venus E 3.0 below 150: reset-prone, no SYS writes.
    Releases(
        _E3, last=149, lacks={**_NO_SETTINGS, **_NO_DESTRUCTIVE}, changes={"pre_stable": True}
    ),
    # UPS is accepted from 147.
    Releases(_E3, last=146, changes={"ups_supported": False}),
    # 144: GetMode core fields only, EM input/output_energy always 0, no bat_power.
    Releases(_E3, last=144, changes={"getmode_shape": GetModeShape.CORE, "em_energy": False}),
    # 139: no ES.GetStatus (no reply at all), bat_temp in 0.1 °C, bat_capacity in 10 Wh, and the
    # CT block in GetMode without energies.
    Releases(
        _E3,
        last=139,
        lacks={ES_STATUS: _SILENT},
        changes={
            "bat_temp_factor": 10.0,
            "bat_capacity_factor": 0.1,
            "getmode_shape": GetModeShape.CT,
        },
    ),
    # Venus A / D below 150: reset-prone, and EM.GetStatus / ES.GetMode input/output_energy stay
    # 0 while the CT measures flow (issue 9's acceptance run: 29.5 minutes of metered import and
    # export, counters 0).
    Releases(_A_D, last=149, changes={"em_energy": False, "pre_stable": True}),
    # 147/148: ES pv_power and total_pv_energy hard-coded 0.
    Releases(_A_D, last=148, changes={"es_pv_power_zero": True, "pv_energy": PvEnergy.ZERO}),
    # 147: no SYS writes yet.
    Releases(_A_D, last=147, lacks={**_NO_SETTINGS, **_NO_DESTRUCTIVE}),
    # HMG-50: the stability fix is at 156; EM.GetStatus arrives in 155.
    Releases(_HMG50, last=155, changes={"pre_stable": True}),
    Releases(_HMG50, last=154, lacks={EM_STATUS: _NOT_FOUND}),
    # 153: bat_power in 0.1 W, grid energies in 10 Wh, bat_capacity in 0.01 Wh, bat_temp in °C.
    Releases(
        _HMG50,
        last=153,
        changes={
            "bat_temp_factor": 1.0,
            "bat_capacity_factor": 100.0,
            "es_bat_power_factor": 10.0,
            "grid_energy_divisor": 10.0,
        },
    ),
    # Venus C 153 leaves the MACs out of GetDevice's result.
    Releases(frozenset({"venus_c"}), last=153, changes={"getdevice_macs": False}),
)

# --- the builds the simulator offers: (family, firmware, description) -------------------------
CATALOGUE: Final = (
    ("venus_e3", 139, "Venus E 3.0 fw 139: no ES.GetStatus, bat_temp x10, bat_capacity /10"),
    ("venus_e3", 144, "Venus E 3.0 fw 144: GetMode core fields only, no bat_power"),
    ("venus_e3", 150, "Venus E 3.0 fw 150 (stable): CT zeros in Auto, PV -32601/424"),
    (
        "venus_a",
        147,
        "Venus A fw 147: pv1 in 0.1 W, pv_power and total_pv_energy hard-coded 0",
    ),
    ("venus_a", 149, "Venus A fw 149: pv1 in 0.1 W, total_pv_energy in 0.01 kWh, EM energy 0"),
    ("venus_d", 150, "Venus D fw 150: four PV inputs, pv1 in 0.1 W, PV energy in 0.01 kWh"),
    ("venus_e2", 153, "Venus E 2.0 (HMG-50) fw 153: bat_power in 0.1 W, energy x10, no EM"),
    ("venus_e2", 154, "Venus E 2.0 (HMG-50) fw 154: bat_power in W, energy x100, bat_temp /10"),
    ("venus_c", 153, "Venus C (HMG-50) fw 153: GetDevice without MACs, HMG-50 153 encodings"),
    (
        "venus_mini",
        300,
        "Venus Mini (VNSEM-0) fw 300: 6 manual slots, passive rejected, power ignored",
    ),
)


def build_profile(family: str, firmware: int, description: str = "") -> DeviceProfile:
    """The profile of ``family`` at ``firmware``: its base row with the matching overrides."""
    base = FAMILY_BASES[family]
    profile = replace(
        base,
        key=f"{family}_{firmware}",
        description=description or f"{base.description} fw {firmware}",
        firmware=firmware,
    )
    for row in VERSION_OVERRIDES:
        if row.matches(family, firmware):
            profile = row.apply(profile)
    return profile


PROFILES: Final[dict[str, DeviceProfile]] = {
    profile.key: profile for profile in (build_profile(*entry) for entry in CATALOGUE)
}


def get_profile(key: str) -> DeviceProfile:
    """Return the profile called `key`, with a helpful error for a typo."""
    try:
        return PROFILES[key]
    except KeyError:
        known = ", ".join(PROFILES)
        raise KeyError(f"unknown simulator profile {key!r}; known: {known}") from None
