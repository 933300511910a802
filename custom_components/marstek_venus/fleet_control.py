"""Steering a system of batteries as one: one mode, or one power split across them.

The fleet has no write path of its own. Each member is written through its own (control.py):
its device lock and pacing, its read-back verification, its translated errors, and for
passive mode its countdown and keep-alive (passive.py). The fleet decides what each member
gets, writes the members one after the other, and collects what each one answered. Writing
them one at a time costs a second or two per battery and keeps every battery's traffic as
gentle as a single write; the batteries have no shared bus that a simultaneous switch would
help with.

A member that fails does not stop the others: they keep their new mode or power, and the
caller gets one translated error naming every battery that did not confirm, after all were
tried.

Passive power: the request is split with the library's ``split_power`` over the members that
are online (discharge by energy above each one's floor, charge by room to full, each within
its power limit). A member the split leaves out (full for a charge, at its floor for a
discharge, state unknown) is still sent passive 0 W: left in Auto it would cover the house
from its own energy, or charge from the others' discharge, and the fleet would fight itself.
An offline member is not written at all (the battery is silent; its coordinator probes it
gently, recovery.py) and takes no part: the split gives its share to the others, and it is
named in the result. For a mode, an offline member is a failure: the fleet's mode did not
reach it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import partial
from typing import Any, Protocol

from homeassistant.exceptions import HomeAssistantError, ServiceValidationError

from .const import DEFAULT_PASSIVE_DURATION, DEFAULT_PASSIVE_POWER, DOMAIN
from .coordinator import MarstekDataUpdateCoordinator
from .members import split_member
from .modes import MODE_OPTIONS, mode_options
from .pymarstek_venus import PASSIVE_MAX_DURATION, Mode, PowerLimits, split_power

# The fleet select's state while the members are in different modes. It is an option (the
# state must be one) that cannot be chosen, like the period days' "custom": an unknown state
# would hide that the batteries disagree, and automations can trigger on "mixed".
MIXED = "mixed"


class Status(StrEnum):
    """What became of one member's write."""

    CONFIRMED = "confirmed"  # written and verified by the battery
    FAILED = "failed"  # tried, not confirmed (or, for a mode, could not be tried)
    OFFLINE = "offline"  # not written: offline or not loaded; no part in a power split


@dataclass(frozen=True, slots=True)
class MemberResult:
    """One member's part in a fleet write."""

    entry_id: str
    name: str
    status: Status
    power: int | None = None  # W given (+ discharge); None for a mode
    error: str | None = None  # why it did not confirm or take part

    def as_dict(self) -> dict[str, Any]:
        """The member in an action response."""
        result: dict[str, Any] = {"name": self.name, "status": str(self.status)}
        if self.power is not None:
            result["power"] = self.power
        if self.error is not None:
            result["error"] = self.error
        return result


@dataclass(frozen=True, slots=True)
class FleetResult:
    """What every member did with one fleet write."""

    members: tuple[MemberResult, ...]
    requested: int | None = None  # W asked of the fleet; None for a mode
    duration: int | None = None

    @property
    def failed(self) -> tuple[MemberResult, ...]:
        """The members that were tried, or had to be, and did not confirm."""
        return tuple(member for member in self.members if member.status is Status.FAILED)

    @property
    def allocated(self) -> int:
        """W the confirmed members were given together."""
        return sum(
            member.power or 0 for member in self.members if member.status is Status.CONFIRMED
        )

    def as_response(self) -> dict[str, Any]:
        """The action's response: the request, what was placed, and each member by entry id."""
        return {
            "requested": self.requested,
            "allocated": self.allocated,
            "duration": self.duration,
            "members": {member.entry_id: member.as_dict() for member in self.members},
        }

    def raise_for_failures(self) -> None:
        """One translated error naming every battery that did not confirm (if any)."""
        if failed := self.failed:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="fleet_not_confirmed",
                translation_placeholders={
                    "count": str(len(failed)),
                    "total": str(len(self.members)),
                    "batteries": "; ".join(f"{m.name}: {m.error}" for m in failed),
                },
            )


@dataclass(frozen=True, slots=True)
class Step:
    """One member's write; ``write`` None: the member is not written (``reason`` says why)."""

    entry_id: str
    name: str
    write: Callable[[], Awaitable[None]] | None
    power: int | None = None
    reason: str | None = None
    # Whether a member that is not written counts as a failure (mode) or takes no part (power).
    required: bool = True


async def async_write_each(steps: Sequence[Step]) -> tuple[MemberResult, ...]:
    """Write each member in turn; a failure is recorded and the next member is written."""
    results: list[MemberResult] = []
    for step in steps:
        if step.write is None:
            status = Status.FAILED if step.required else Status.OFFLINE
            results.append(MemberResult(step.entry_id, step.name, status, step.power, step.reason))
            continue
        try:
            await step.write()
        except HomeAssistantError as err:
            results.append(
                MemberResult(step.entry_id, step.name, Status.FAILED, step.power, str(err))
            )
        else:
            results.append(MemberResult(step.entry_id, step.name, Status.CONFIRMED, step.power))
    return tuple(results)


class FleetMembers(Protocol):
    """What the fleet control sees of the system (fleet_runtime.FleetRuntime)."""

    @property
    def member_ids(self) -> tuple[str, ...]:
        """The configured members' battery entry ids, in order."""

    def members(self) -> list[MarstekDataUpdateCoordinator]:
        """The loaded members' coordinators, in order."""

    def member_name(self, entry_id: str) -> str:
        """A member's name as the user sees it."""


def _online(coordinator: MarstekDataUpdateCoordinator) -> bool:
    data = coordinator.latest
    return data is not None and data.online


def _unreachable(name: str, loaded: bool) -> str:
    """Why a member is not written, in the words of the integration's own errors."""
    placeholders = {"name": name}
    if loaded:
        error = HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="member_offline",
            translation_placeholders=placeholders,
        )
    else:
        error = HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="entry_not_loaded",
            translation_placeholders=placeholders,
        )
    return str(error)


class FleetControl:
    """The fleet's mode and passive power: what the system's entities and action write."""

    def __init__(self, fleet: FleetMembers) -> None:
        """The passive power and duration start at the single battery's defaults."""
        self._fleet = fleet
        self.power: int = DEFAULT_PASSIVE_POWER
        self.duration: int = DEFAULT_PASSIVE_DURATION
        # One fleet write at a time: two overlapping splits would leave members with shares
        # of different requests.
        self._lock = asyncio.Lock()

    # What the members are in
    def member_modes(self) -> dict[str, str | None]:
        """Each configured member's mode option by name (None: offline, unknown, not loaded)."""
        loaded = {c.config_entry.entry_id: c for c in self._fleet.members()}
        modes: dict[str, str | None] = {}
        for entry_id in self._fleet.member_ids:
            coordinator = loaded.get(entry_id)
            online = coordinator is not None and _online(coordinator)
            option = coordinator.data.mode_option if online and coordinator else None
            modes[self._fleet.member_name(entry_id)] = option
        return modes

    def mode_option(self) -> str | None:
        """The online members' common mode, MIXED when they differ, None when none reports."""
        options = {c.data.mode_option for c in self._fleet.members() if _online(c)}
        if len(options) > 1:
            return MIXED
        return next(iter(options), None)

    def options(self) -> list[str]:
        """The modes every loaded member accepts (UPS only if all do), then MIXED."""
        common = list(MODE_OPTIONS)
        for coordinator in self._fleet.members():
            accepted = mode_options(coordinator.profile)
            common = [option for option in common if option in accepted]
        return [*common, MIXED]

    def power_limits(self) -> PowerLimits:
        """The most the loaded members can charge and discharge together."""
        limits = [c.control.power_limit for c in self._fleet.members()]
        return PowerLimits(
            charge=sum(limit.charge for limit in limits),
            discharge=sum(limit.discharge for limit in limits),
        )

    # Writes
    async def async_set_mode(self, option: str) -> FleetResult:
        """Switch every member to ``option``; raise naming those that did not confirm."""
        if option == MIXED or option not in MODE_OPTIONS:
            raise ServiceValidationError(translation_domain=DOMAIN, translation_key="fleet_mixed")
        return await self._async_run(partial(self._mode_steps, MODE_OPTIONS[option]))

    def _mode_steps(self, mode: Mode) -> list[Step]:
        loaded = {c.config_entry.entry_id: c for c in self._fleet.members()}
        steps: list[Step] = []
        for entry_id in self._fleet.member_ids:
            name = self._fleet.member_name(entry_id)
            coordinator = loaded.get(entry_id)
            if coordinator is None or not _online(coordinator):
                reason = _unreachable(name, coordinator is not None)
                steps.append(Step(entry_id, name, None, reason=reason))
                continue
            steps.append(Step(entry_id, name, partial(coordinator.control.async_set_mode, mode)))
        return steps

    async def async_set_power(self, power: int, duration: int | None = None) -> FleetResult:
        """Split ``power`` W over the online members and send each its share in Passive.

        The values become the fleet's passive power and duration (as the single battery's
        action does). Raises after all were tried when any written member did not confirm.
        """
        if duration is not None and not 1 <= duration <= PASSIVE_MAX_DURATION:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="invalid_duration",
                translation_placeholders={
                    "duration": str(duration),
                    "max": str(PASSIVE_MAX_DURATION),
                },
            )
        self.power = power
        if duration is not None:
            self.duration = duration
        return await self._async_run(partial(self._power_steps, power, self.duration), power)

    async def async_apply_power(self) -> FleetResult:
        """Send the fleet's passive power and duration (the apply button)."""
        return await self.async_set_power(self.power)

    def _power_steps(self, power: int, duration: int) -> list[Step]:
        loaded = {c.config_entry.entry_id: c for c in self._fleet.members()}
        online = {key: c for key, c in loaded.items() if _online(c)}
        shares = split_power(power, [split_member(c, key) for key, c in online.items()]).powers
        steps: list[Step] = []
        for entry_id in self._fleet.member_ids:
            name = self._fleet.member_name(entry_id)
            coordinator = online.get(entry_id)
            if coordinator is None:
                reason = _unreachable(name, entry_id in loaded)
                steps.append(Step(entry_id, name, None, power=0, reason=reason, required=False))
                continue
            share = shares[entry_id]
            write = partial(coordinator.control.async_set_passive, share, duration, send=True)
            steps.append(Step(entry_id, name, write, power=share))
        return steps

    async def _async_run(
        self, plan: Callable[[], list[Step]], power: int | None = None
    ) -> FleetResult:
        # Planned under the lock: a split reads the state of charge the members have now.
        async with self._lock:
            steps = plan()
            if not any(step.write is not None for step in steps):
                raise HomeAssistantError(
                    translation_domain=DOMAIN, translation_key="fleet_no_member"
                )
            members = await async_write_each(steps)
        result = FleetResult(members, power, self.duration if power is not None else None)
        result.raise_for_failures()
        return result
