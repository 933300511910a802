"""Sensors of each PV input of a Venus A or D: power, and voltage and current as diagnostics.

PV.GetStatus reports up to four inputs (``pv1_*`` .. ``pv4_*``, marstek-open-api.md §2.5).
The power is the reading to use (the decoder fixes ``pv1_power``'s 0.1 W unit). Voltage comes
in whole volts and current in whole amps, truncated (41.5 W at 50 V reads 0 A): good for
telling a shaded, disconnected or failing string from a working one, not for measuring, so
they are diagnostics and disabled by default. An input the reply leaves out reads unknown.
"""

from __future__ import annotations

from collections.abc import Callable

from homeassistant.components.sensor import SensorDeviceClass
from homeassistant.const import EntityCategory, UnitOfElectricCurrent, UnitOfElectricPotential

from .const import Group
from .coordinator import MarstekData
from .entity import reads
from .pymarstek_venus import PvChannel
from .sensor_kinds import POWER, MarstekSensorEntityDescription, Measured, measured

PV_INPUTS = (1, 2, 3, 4)


def pv_value(
    channel: int, reading: Callable[[PvChannel], float | None]
) -> Callable[[MarstekData], float | None]:
    """The reading of input ``channel`` (1-based), None when the last reply has no such input."""

    def value(data: MarstekData) -> float | None:
        if data.pv is None:
            return None
        for pv in data.pv.channels:
            if pv.index == channel:
                return reading(pv)
        return None

    return value


# What each input reports, how it is shown, and whether it is a (hidden) diagnostic.
_READINGS: tuple[tuple[str, Measured, bool, Callable[[PvChannel], float | None]], ...] = (
    ("power", POWER, False, lambda pv: pv.power),
    (
        "voltage",
        measured(SensorDeviceClass.VOLTAGE, UnitOfElectricPotential.VOLT, 0),
        True,
        lambda pv: pv.voltage,
    ),
    (
        "current",
        measured(SensorDeviceClass.CURRENT, UnitOfElectricCurrent.AMPERE, 1),
        True,
        lambda pv: pv.current,
    ),
)

PV_SENSORS: tuple[MarstekSensorEntityDescription, ...] = tuple(
    MarstekSensorEntityDescription(
        key=f"pv{channel}_{what}",
        translation_key=f"pv_channel_{what}",
        translation_placeholders={"channel": str(channel)},
        **kind,
        entity_category=EntityCategory.DIAGNOSTIC if diagnostic else None,
        entity_registry_enabled_default=not diagnostic,
        groups=(Group.PV,),
        value_fn=pv_value(channel, reading),
        has_fn=reads(Group.PV),  # Venus A and D, unless the user stopped PV reads
    )
    for channel in PV_INPUTS
    for what, kind, diagnostic, reading in _READINGS
)
