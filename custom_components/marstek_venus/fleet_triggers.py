"""Device triggers of the system: a member went offline, a member's mode left the fleet's.

* ``member_offline``: a member battery that answered stopped answering (the moment its own
  entities go unavailable). ``trigger.event.data.member`` names it.
* ``member_mode_differs``: a member reports another operating mode than the fleet's, and
  still does a while later. The fleet's mode is the one most members that answer are in;
  on a tie, the mode they all last agreed on. The grace period keeps a fleet-wide change
  (members switch one after the other, seen over a poll or two) from firing. Trigger
  variables ``member``, ``mode`` and ``fleet_mode`` hold the battery's name and the mode
  options (``auto``, ``manual``, ...).

Like a battery's triggers they are ``marstek_venus_event`` bus events with the system
device's id and the type (device_trigger.py listens for them).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final

from homeassistant.core import callback
from homeassistant.helpers import device_registry as dr
from homeassistant.util import dt as dt_util

from .const import EVENT_MARSTEK, LOGGER
from .fleet_runtime import FleetRuntime

# How long a member must stay in another mode than the fleet's before the trigger fires.
MODE_GRACE: Final = timedelta(seconds=120)


class FleetTrigger(StrEnum):
    """Device trigger types of the system device."""

    MEMBER_OFFLINE = "member_offline"
    MEMBER_MODE_DIFFERS = "member_mode_differs"


FLEET_TRIGGER_TYPES: Final = [str(trigger) for trigger in FleetTrigger]


class FleetWatcher:
    """Compares each member with its last reading and with the fleet, after every update."""

    def __init__(self, runtime: FleetRuntime, now: Callable[[], datetime] = dt_util.utcnow) -> None:
        """Nothing seen yet: the first reading of a member never fires."""
        self.runtime = runtime
        self._now = now
        self._online: dict[str, bool] = {}
        self._agreed: str | None = None  # the mode all answering members last shared
        self._differs_since: dict[str, datetime] = {}
        self._fired: set[str] = set()

    @callback
    def observe(self) -> None:
        """A member updated, or the membership changed."""
        modes: dict[str, str] = {}
        for member in self.runtime.members():
            entry_id, data = member.config_entry.entry_id, member.data
            if self._online.get(entry_id) and not data.online:
                self._fire(FleetTrigger.MEMBER_OFFLINE, entry_id)
            self._online[entry_id] = data.online
            if data.online and data.mode_option is not None:
                modes[entry_id] = data.mode_option
        self._observe_modes(modes)

    def _observe_modes(self, modes: dict[str, str]) -> None:
        fleet = self._fleet_mode(modes)
        now = self._now()
        for entry_id in list(self._differs_since):
            if modes.get(entry_id, fleet) == fleet:  # back in line, offline, or gone
                del self._differs_since[entry_id]
                self._fired.discard(entry_id)
        for entry_id, mode in modes.items():
            if fleet is None or mode == fleet:
                continue
            since = self._differs_since.setdefault(entry_id, now)
            if entry_id not in self._fired and now - since >= MODE_GRACE:
                self._fired.add(entry_id)
                self._fire(FleetTrigger.MEMBER_MODE_DIFFERS, entry_id, mode=mode, fleet_mode=fleet)

    def _fleet_mode(self, modes: dict[str, str]) -> str | None:
        """The mode most members are in; on a tie the one they last agreed on."""
        if len(set(modes.values())) == 1:
            self._agreed = next(iter(modes.values()))
            return self._agreed
        ranked = Counter(modes.values()).most_common()
        if not ranked:
            return self._agreed
        leaders = [mode for mode, count in ranked if count == ranked[0][1]]
        if len(leaders) == 1:
            return leaders[0]
        return self._agreed if self._agreed in leaders else None

    def _fire(self, trigger: FleetTrigger, entry_id: str, **extra: str) -> None:
        hass, entry = self.runtime.hass, self.runtime.entry
        devices = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
        if not devices:
            return  # the system device is not registered yet
        member = self.runtime.member_name(entry_id)
        LOGGER.debug("Marstek system: %s %s %s", trigger, member, extra)
        hass.bus.async_fire(
            EVENT_MARSTEK,
            {"device_id": devices[0].id, "type": str(trigger), "member": member, **extra},
        )
