"""A device-side simulator of Marstek Venus batteries and their local Open API (JSON over UDP).

Independent of the integration and of its protocol library on purpose: it is written from the
protocol notes (shared/docs/marstek-open-api.md), so client and simulator cannot share a bug.

    sim = Simulator(time_scale=60)  # one real second = one simulated minute
    battery = sim.add("venus_e3_150", "127.0.0.2", 30000)
    async with sim:
        ...  # talk to 127.0.0.2:30000; assert on battery.state / battery.violations

See simulator/README.md.
"""

from .battery import DEFAULT_MIN_GAP, DEFAULT_PORT, SimulatedBattery, derive_mac
from .clock import DEFAULT_START, Clock, ManualClock, ScaledClock
from .control_laws import ControlLaw, IntegratorLaw, RampLaw, SlewLaw, make_law
from .faults import Faults
from .load_profile import (
    HOUSEHOLDS,
    Appliance,
    Household,
    PvRamp,
    Step,
    WashingMachine,
    demo_household,
    kettle,
    step_household,
)
from .meter_config import FollowerConfig, LawName, MeterModel, follower_config
from .meter_follower import MeterFollower, PollRecord
from .profiles import PROFILES, DeviceProfile, get_profile
from .records import Outcome, RequestRecord, Violation, ViolationKind
from .simulator import Simulator
from .state import DeviceState, EnergyCounters, ManualPeriod, Mode

__all__ = [
    "DEFAULT_MIN_GAP",
    "DEFAULT_PORT",
    "DEFAULT_START",
    "HOUSEHOLDS",
    "PROFILES",
    "Appliance",
    "Clock",
    "ControlLaw",
    "DeviceProfile",
    "DeviceState",
    "EnergyCounters",
    "Faults",
    "FollowerConfig",
    "Household",
    "IntegratorLaw",
    "LawName",
    "ManualClock",
    "ManualPeriod",
    "MeterFollower",
    "MeterModel",
    "Mode",
    "Outcome",
    "PollRecord",
    "PvRamp",
    "RampLaw",
    "RequestRecord",
    "ScaledClock",
    "SimulatedBattery",
    "Simulator",
    "SlewLaw",
    "Step",
    "Violation",
    "ViolationKind",
    "WashingMachine",
    "demo_household",
    "derive_mac",
    "follower_config",
    "get_profile",
    "kettle",
    "make_law",
    "step_household",
]
