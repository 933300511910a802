"""A battery as a share of a larger whole: what the fleet split and the meter shares need.

The split (library ``split_power``) weighs a discharge by the energy above the floor and a
charge by the room to full, within the power limits the user allowed (control.py). The floor
is what the depth of discharge leaves: the DOD this integration last wrote, else the highest
the firmware accepts (the factory setting of the batteries in the protocol doc).
"""

from __future__ import annotations

from .coordinator import MarstekDataUpdateCoordinator
from .pymarstek_venus import DOD_MAX, SplitMember


def split_member(coordinator: MarstekDataUpdateCoordinator, key: str | None = None) -> SplitMember:
    """The battery as the split sees it now; unknown SOC or capacity: no part (0 Wh).

    An offline battery takes no part either: it would not receive its share.
    """
    data = coordinator.data
    limits = coordinator.control.power_limit
    soc, capacity = data.soc, data.capacity
    if not data.online or soc is None or not capacity:
        available = headroom = 0.0
    else:
        floor = 100 - (coordinator.control.settings.dod or DOD_MAX)
        available = max(0.0, capacity * (soc - floor) / 100)
        headroom = max(0.0, capacity * (100 - soc) / 100)
    return SplitMember(
        key=key if key is not None else coordinator.config_entry.entry_id,
        available_wh=available,
        headroom_wh=headroom,
        max_discharge_w=limits.discharge,
        max_charge_w=limits.charge,
    )
