"""The system device's controls: fleet operating mode, passive power and duration, apply.

They mirror a battery's own (select.py, number.py, button.py) and write through the fleet
control (fleet_control.py), which writes each member through that member's write path. The
platform modules add them through ``kind_entities`` and set ``PARALLEL_UPDATES = 1``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from homeassistant.components.button import ButtonEntity, ButtonEntityDescription
from homeassistant.components.number import (
    NumberDeviceClass,
    NumberEntityDescription,
    NumberMode,
    RestoreNumber,
)
from homeassistant.components.select import SelectEntity, SelectEntityDescription
from homeassistant.const import EntityCategory, Platform, UnitOfPower, UnitOfTime
from homeassistant.helpers.entity import Entity

from .fleet_control import FleetControl
from .fleet_entity import FleetEntity
from .fleet_runtime import FleetRuntime
from .pymarstek_venus import PASSIVE_MAX_DURATION

FLEET_MODE = SelectEntityDescription(
    key="operating_mode",
    # Its own translation key: the battery's states plus "mixed".
    translation_key="fleet_operating_mode",
    entity_category=EntityCategory.CONFIG,
)


@dataclass(frozen=True, kw_only=True)
class FleetNumberDescription(NumberEntityDescription):
    """A value the fleet control keeps and sends with the next apply."""

    value_fn: Callable[[FleetControl], int]
    set_fn: Callable[[FleetControl, int], None]
    # The power number's range: what the loaded members can do together.
    power_limited: bool = False


def _set_power(control: FleetControl, value: int) -> None:
    control.power = value


def _set_duration(control: FleetControl, value: int) -> None:
    control.duration = value


FLEET_NUMBERS: Final = (
    # Signed like the battery's: negative charges the fleet, positive discharges it.
    FleetNumberDescription(
        key="passive_power",
        translation_key="passive_power",
        device_class=NumberDeviceClass.POWER,
        native_unit_of_measurement=UnitOfPower.WATT,
        entity_category=EntityCategory.CONFIG,
        mode=NumberMode.BOX,
        native_step=1,
        value_fn=lambda control: control.power,
        set_fn=_set_power,
        power_limited=True,
    ),
    FleetNumberDescription(
        key="passive_duration",
        translation_key="passive_duration",
        device_class=NumberDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.SECONDS,
        entity_category=EntityCategory.CONFIG,
        mode=NumberMode.BOX,
        native_step=1,
        native_min_value=1,
        native_max_value=PASSIVE_MAX_DURATION,
        value_fn=lambda control: control.duration,
        set_fn=_set_duration,
    ),
)

APPLY_PASSIVE = ButtonEntityDescription(key="apply_passive", translation_key="apply_passive")


def control_entities(runtime: FleetRuntime, platform: Platform) -> list[Entity]:
    """The system's control entities on ``platform`` (a ``FleetRuntime`` entity factory)."""
    if platform is Platform.SELECT:
        return [FleetModeSelect(runtime, FLEET_MODE)]
    if platform is Platform.NUMBER:
        return [FleetNumber(runtime, description) for description in FLEET_NUMBERS]
    if platform is Platform.BUTTON:
        return [FleetApplyButton(runtime, APPLY_PASSIVE)]
    return []


class FleetModeSelect(FleetEntity, SelectEntity):
    """The members' common mode, "mixed" while they differ; choosing one switches them all."""

    @property
    def options(self) -> list[str]:
        """The modes every loaded member accepts, and "mixed" (which cannot be chosen)."""
        return self.runtime.control.options()

    @property
    def current_option(self) -> str | None:
        """The common mode of the answering members; unknown when none reports one."""
        return self.runtime.control.mode_option()

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """Each member's mode by name (None: offline, not loaded, or a mode we do not know)."""
        return {"member_modes": self.runtime.control.member_modes()}

    async def async_select_option(self, option: str) -> None:
        """Switch every member, verified; raises naming the batteries that did not confirm."""
        await self.runtime.control.async_set_mode(option)


class FleetNumber(FleetEntity, RestoreNumber):
    """The fleet's passive power or duration: kept across restarts, sent by apply."""

    entity_description: FleetNumberDescription

    async def async_added_to_hass(self) -> None:
        """Take back the value the number had before Home Assistant restarted."""
        await super().async_added_to_hass()
        last = await self.async_get_last_number_data()
        if last is not None and last.native_value is not None:
            self.entity_description.set_fn(self.runtime.control, round(last.native_value))

    @property
    def native_min_value(self) -> float:
        """The power number: the members' charge limits together (charging is negative)."""
        if self.entity_description.power_limited:
            return -self.runtime.control.power_limits().charge
        return super().native_min_value

    @property
    def native_max_value(self) -> float:
        """The power number: the members' discharge limits together."""
        if self.entity_description.power_limited:
            return self.runtime.control.power_limits().discharge
        return super().native_max_value

    @property
    def native_value(self) -> float:
        """The value the next apply sends."""
        return self.entity_description.value_fn(self.runtime.control)

    async def async_set_native_value(self, value: float) -> None:
        """Keep the value; nothing is sent until apply (as on a battery)."""
        self.entity_description.set_fn(self.runtime.control, round(value))
        self.async_write_ha_state()


class FleetApplyButton(FleetEntity, ButtonEntity):
    """Splits the fleet's passive power over the members and sends each its share."""

    async def async_press(self) -> None:
        """Send; raises naming the batteries that did not confirm (the others keep theirs)."""
        await self.runtime.control.async_apply_power()
