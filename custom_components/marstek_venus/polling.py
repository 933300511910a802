"""What to read from one battery, and when: the read plan behind each poll (no Home Assistant).

One poll is one batch of requests, one per method *group* (const.Group). A group is read when

* it is *due*: its tier (POLL_EVERY) says every Nth cycle, counted from its last read;
* the firmware answers its method (``FirmwareProfile.answers``) and the user lets us poll it;
* an entity in use needs it: each entity subscribes with the groups it reads, disabled ones
  never subscribe, so their requests are never sent;
* it was not learned to be unsupported: an error reply "method not found", or no reply at
  all MAX_SILENT_CYCLES cycles in a row while the battery answered the rest of the batch.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .const import LOGGER, MAX_SILENT_CYCLES, POLL_EVERY, POLL_ORDER, Group
from .pymarstek_venus import (
    DeviceInfo,
    FirmwareProfile,
    MarstekClient,
    MarstekConnectionError,
    MarstekError,
    MarstekMethodNotSupportedError,
    Method,
    PvStatus,
)

# Groups whose silence we may learn (see MAX_SILENT_CYCLES). The core reads are never given
# up on: if they go quiet, the battery is in trouble and must show as unavailable.
LEARNABLE_SILENCE = frozenset({Group.BATTERY, Group.PV, Group.METER, Group.WIFI, Group.BLE})
# Always read (when the firmware answers them): the optional ones are the user's choice.
CORE_GROUPS = frozenset({Group.ES, Group.MODE, Group.DEVICE})


@dataclass(frozen=True, slots=True)
class Reader:
    """How one group is read: the snapshot field it fills, its method, the client call.

    ``read`` gets the client and the last PV reading (ES.GetStatus decoding needs it on
    models whose ES answer carries no usable PV values).
    """

    field: str
    method: Method
    read: Callable[[MarstekClient, PvStatus | None], Awaitable[Any]]


READERS: dict[Group, Reader] = {
    Group.ES: Reader("es", Method.ES_STATUS, lambda client, pv: client.get_es_status(pv)),
    Group.MODE: Reader("mode", Method.ES_MODE, lambda client, _: client.get_mode()),
    Group.METER: Reader("meter", Method.METER_STATUS, lambda client, _: client.get_meter_status()),
    Group.BATTERY: Reader(
        "battery", Method.BATTERY_STATUS, lambda client, _: client.get_battery_status()
    ),
    Group.PV: Reader("pv", Method.PV_STATUS, lambda client, _: client.get_pv_status()),
    Group.WIFI: Reader("wifi", Method.WIFI_STATUS, lambda client, _: client.get_wifi_status()),
    Group.BLE: Reader("ble", Method.BLE_STATUS, lambda client, _: client.get_ble_status()),
    Group.DEVICE: Reader("device", Method.GET_DEVICE, lambda client, _: client.get_device()),
}


class ReadPlan:
    """The tiers, the groups worth reading, and what was learned about one battery."""

    def __init__(
        self, poll_groups: Iterable[Group], unavailable_after: int, client: MarstekClient
    ) -> None:
        """``poll_groups``: the optional groups the user allows; ``unavailable_after``: wholly
        failed cycles before the battery counts as away; ``client`` names it in the log.
        """
        self.poll_groups = frozenset(poll_groups)
        self.unavailable_after = unavailable_after
        self.failed_cycles = 0  # wholly failed cycles in a row
        self.unsupported: set[Group] = set()
        self._client = client
        self._cycle = 0
        self._next_due: dict[Group, int] = {}
        self._silent: dict[Group, int] = {}

    def readable(self, profile: FirmwareProfile) -> set[Group]:
        """Groups this firmware answers and the user lets us poll."""
        groups = CORE_GROUPS | self.poll_groups
        return {
            group
            for group in groups
            if profile.answers(READERS[group].method) and group not in self.unsupported
        }

    def wanted(
        self, profile: FirmwareProfile, subscribed: Iterable[Iterable[Group]] | None
    ) -> set[Group]:
        """Groups worth reading: readable, and needed by an entity in use.

        ``subscribed``: the groups of each listening entity; None before the first batch,
        which reads everything readable (the platforms decide from it what to create).
        """
        wanted = self.readable(profile)
        if subscribed is not None:
            needed: set[Group] = {Group.DEVICE}
            for groups in subscribed:
                needed.update(groups)
            wanted &= needed
        if not wanted - {Group.DEVICE}:
            # Nothing needs a fast read: still poll the mode as a heartbeat, so availability
            # keeps meaning something.
            wanted.add(Group.MODE)
        return wanted

    def due(self, wanted: set[Group]) -> list[Group]:
        """The wanted groups whose turn it is this cycle, in batch order (fast tier first)."""
        return [
            group
            for group in POLL_ORDER
            if group in wanted and self._next_due.get(group, 0) <= self._cycle
        ]

    def read(self, group: Group) -> None:
        """``group`` was asked for this cycle (answered or not): its next turn is planned."""
        self._next_due[group] = self._cycle + POLL_EVERY[group]

    def end_cycle(self, answered: bool) -> None:
        """One batch is over; ``answered``: the battery answered anything at all."""
        self._cycle += 1
        self.failed_cycles = 0 if answered else self.failed_cycles + 1

    @property
    def away(self) -> bool:
        """Enough wholly failed cycles: show the battery as unavailable, stop polling it.

        Single lost datagrams are routine on Wi-Fi and must not make the dashboard flicker.
        """
        return self.failed_cycles >= self.unavailable_after

    def answered(self, group: Group) -> None:
        """The battery answered ``group``: it is not silent."""
        self._silent.pop(group, None)

    def not_supported(self, group: Group, why: str = "does not support it") -> None:
        """Stop reading ``group``: the firmware said it does not know the method."""
        self.unsupported.add(group)
        LOGGER.info("Marstek battery at %s %s: no longer reading %s", self._client.host, why, group)

    def silent(self, group: Group) -> None:
        """No reply to ``group`` although the battery answered this batch."""
        if group not in LEARNABLE_SILENCE:
            return
        self._silent[group] = silent = self._silent.get(group, 0) + 1
        if silent >= MAX_SILENT_CYCLES:
            self.not_supported(group, f"never answers {group} reads")


@dataclass(slots=True)
class Batch:
    """What one poll's batch of reads brought: new values per snapshot field, and when."""

    changes: dict[str, Any] = field(default_factory=dict)
    fetched: dict[Group, datetime] = field(default_factory=dict)
    answered: bool = False  # the battery answered anything at all
    error: MarstekError | None = None  # the last "no reply"


async def async_read_batch(
    client: MarstekClient,
    plan: ReadPlan,
    wanted: set[Group],
    *,
    pv: PvStatus | None,
    accept_device: Callable[[DeviceInfo], bool],
    now: Callable[[], datetime],
) -> Batch:
    """Read the due groups of ``wanted`` in order, through the library's pacing.

    ``pv``: the last PV reading, for ES.GetStatus. ``accept_device``: takes a GetDevice
    answer; False when another battery answers at our address, which ends the batch as if
    nothing had answered.
    """
    batch = Batch()
    for group in plan.due(wanted):
        reader = READERS[group]
        try:
            value = await reader.read(client, pv)
        except MarstekMethodNotSupportedError:
            batch.answered = True
            plan.not_supported(group)
        except MarstekConnectionError as err:
            batch.error = err
            if not batch.answered:
                # The first read of the batch got nothing after all retries: the battery is
                # away. Do not hammer it with the rest of the batch.
                break
            plan.silent(group)
        except MarstekError as err:
            # An error reply or an undecodable one: the battery is there, this field just
            # keeps its previous value.
            batch.answered = True
            LOGGER.debug("Reading %s from %s failed: %s", group, client.host, err)
        else:
            batch.answered = True
            plan.answered(group)
            if group is Group.DEVICE and not accept_device(value):
                batch.answered = False
                break
            batch.changes[reader.field] = value
            batch.fetched[group] = now()
        plan.read(group)
    plan.end_cycle(batch.answered)
    return batch
