"""Firmware profiles: what one simulated (model, firmware) pair answers and how it encodes values.

Every knob here stands for something a real firmware build does on the wire (see
``shared/docs/marstek-open-api.md`` §2 to §3). The simulator deliberately keeps its own copy of these
facts instead of importing the protocol library's profiles, so that a wrong assumption on one side
shows up as a failing test instead of being shared silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Final

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


_NOT_FOUND = Unsupported()
_PV_NOT_FOUND = Unsupported(Missing.NOT_FOUND, 424)
_SILENT = Unsupported(Missing.SILENT)
_NO_SETTINGS = {DOD_SET: _NOT_FOUND, LED_CTRL: _NOT_FOUND, BLE_ADV: _NOT_FOUND}
_NO_DESTRUCTIVE = {SET_VER: _NOT_FOUND, RESET_FACTORY: _NOT_FOUND}
_NO_WIFI_CONFIG = {WIFI_SET_CONFIG: _NOT_FOUND}
# HMG-50 (Venus E 2.0 / Venus C) recv list on 153: GetDevice, ES.GetMode, ES.SetMode,
# Wifi.SetConfig, BLE.GetStatus, ES.GetStatus, PV.GetStatus (a stub), Wifi.GetStatus,
# Bat.GetStatus. EM.GetStatus arrives in 155; the SYS writes never.
_HMG50_153 = {
    PV_STATUS: _NOT_FOUND,
    EM_STATUS: _NOT_FOUND,
    **_NO_SETTINGS,
    **_NO_DESTRUCTIVE,
}

_E3_BASE: Final = DeviceProfile(
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
)
_A_BASE: Final = DeviceProfile(
    key="venus_a",
    description="Venus A (VNSA-0)",
    family="venus_a",
    device="VenusA",
    firmware=149,
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
_HMG50_BASE: Final = DeviceProfile(
    key="venus_e2",
    description="Venus E 2.0 (HMG-50)",
    family="venus_e2",
    device="VenusE",
    firmware=153,
    src_prefix="VenusE",
    rated_capacity=5120.0,
    max_charge=2500,  # the HMG-50 control loop clamps at ±2500 W
    max_discharge=2500,
    unsupported=_HMG50_153,
    bat_capacity_factor=100.0,
    bat_extras=True,
    es_bat_power_factor=10.0,
    grid_energy_divisor=10.0,
    getmode_shape=GetModeShape.CT,
    em_parse_state=True,
    ups_supported=False,
    pre_stable=True,  # the HMG-50 stability fix is at 156
)

_PROFILE_LIST: Final = (
    replace(
        _E3_BASE,
        key="venus_e3_139",
        description="Venus E 3.0 fw 139: no ES.GetStatus, bat_temp x10, bat_capacity /10",
        firmware=139,
        unsupported={
            ES_STATUS: _SILENT,
            PV_STATUS: _PV_NOT_FOUND,
            **_NO_SETTINGS,
            **_NO_DESTRUCTIVE,
            **_NO_WIFI_CONFIG,
        },
        bat_temp_factor=10.0,
        bat_capacity_factor=0.1,
        getmode_shape=GetModeShape.CT,
        em_energy=False,
        pre_stable=True,
        ups_supported=False,
    ),
    replace(
        _E3_BASE,
        key="venus_e3_144",
        description="Venus E 3.0 fw 144: GetMode core fields only, no bat_power",
        firmware=144,
        unsupported={
            PV_STATUS: _PV_NOT_FOUND,
            **_NO_SETTINGS,
            **_NO_DESTRUCTIVE,
            **_NO_WIFI_CONFIG,
        },
        getmode_shape=GetModeShape.CORE,
        em_energy=False,
        pre_stable=True,
        ups_supported=False,
    ),
    replace(
        _E3_BASE,
        key="venus_e3_150",
        description="Venus E 3.0 fw 150 (stable): CT zeros in Auto, PV -32601/424",
        firmware=150,
    ),
    replace(
        _A_BASE,
        key="venus_a_147",
        description="Venus A fw 147: pv1 in 0.1 W, pv_power and total_pv_energy hard-coded 0",
        firmware=147,
        unsupported={**_NO_SETTINGS, **_NO_DESTRUCTIVE, **_NO_WIFI_CONFIG},
        es_pv_power_zero=True,
        pv_energy=PvEnergy.ZERO,
        em_energy=False,
        pre_stable=True,
    ),
    replace(
        _A_BASE,
        key="venus_a_149",
        description="Venus A fw 149: pv1 in 0.1 W, total_pv_energy in 0.01 kWh, EM energy 0",
        firmware=149,
        # EM.GetStatus / ES.GetMode input/output_energy stay 0 while the CT measures flow
        # (issue 9's acceptance run: 29.5 minutes of metered import and export, counters 0).
        em_energy=False,
        pre_stable=True,
    ),
    replace(
        _A_BASE,
        key="venus_d_150",
        description="Venus D fw 150: four PV inputs, pv1 in 0.1 W, PV energy in 0.01 kWh",
        family="venus_d",
        device="VenusD",
        src_prefix="VenusD",
        firmware=150,
        # VNSD-0 default setpoint clamps: +2200 W out, -800 W in (meter-emulation notes §3).
        max_charge=800,
        max_discharge=2200,
    ),
    replace(
        _HMG50_BASE,
        key="venus_e2_153",
        description="Venus E 2.0 (HMG-50) fw 153: bat_power in 0.1 W, energy x10, no EM",
    ),
    replace(
        _HMG50_BASE,
        key="venus_e2_154",
        description="Venus E 2.0 (HMG-50) fw 154: bat_power in W, energy x100, bat_temp /10",
        firmware=154,
        bat_temp_factor=0.1,
        bat_capacity_factor=1.0,
        es_bat_power_factor=1.0,
        grid_energy_divisor=100.0,
    ),
    replace(
        _HMG50_BASE,
        key="venus_c_153",
        description="Venus C (HMG-50) fw 153: GetDevice without MACs, HMG-50 153 encodings",
        family="venus_c",
        device="VenusC",
        src_prefix="VenusC",
        rated_capacity=2560.0,
        max_discharge=800,  # 800 W output class; charging like the E 2.0
        getdevice_macs=False,
    ),
    DeviceProfile(
        key="venus_mini_300",
        description="Venus Mini (VNSEM-0) fw 300: 6 manual slots, passive rejected, power ignored",
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
)

PROFILES: Final[dict[str, DeviceProfile]] = {p.key: p for p in _PROFILE_LIST}


def get_profile(key: str) -> DeviceProfile:
    """Return the profile called `key`, with a helpful error for a typo."""
    try:
        return PROFILES[key]
    except KeyError:
        known = ", ".join(PROFILES)
        raise KeyError(f"unknown simulator profile {key!r}; known: {known}") from None
