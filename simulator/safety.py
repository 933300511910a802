"""The device-safety rules a client must keep, checked for every datagram a battery receives.

Breaches are recorded as violations, never answered differently: an empty datagram, text that
is not a JSON request, an id the firmware cannot hold, a destructive method, a request closer
than the minimum gap to the previous one from the same IP (any source port: the device's CT
mutex does not care which socket a request came from), and a request while the device is
still busy with an earlier one (its reply has not left yet).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from .profiles import DESTRUCTIVE_METHODS, GET_DEVICE
from .records import Address, Violation, ViolationKind
from .request import MAX_ID, Request

_LOGGER = logging.getLogger(__name__)


class SafetyMonitor:
    """The rules for one battery, with what it has seen: violations and the closest gap."""

    def __init__(self, owner: object, min_gap: float) -> None:
        self._owner = owner  # named in debug log lines
        self.min_gap = min_gap
        self.violations: list[Violation] = []
        self.on_violation: Callable[[Violation], None] | None = None
        # When each client IP's last datagram arrived, and the closest two ever came.
        self._last_request: dict[str, float] = {}
        self.smallest_gap: float | None = None
        # Until when the device is busy with a request (its reply, lost or not, leaves then).
        self.busy_until = 0.0

    def clear(self) -> None:
        """Forget violations and the gap history."""
        self.violations.clear()
        self._last_request.clear()
        self.smallest_gap = None

    def record(
        self, now: float, source: Address, kind: ViolationKind, detail: str, method: str | None
    ) -> None:
        _LOGGER.debug("%s: %s from %s: %s", self._owner, kind, source, detail)
        violation = Violation(now, source, kind, detail, method)
        self.violations.append(violation)
        if self.on_violation is not None:
            self.on_violation(violation)

    def check(self, now: float, source: Address, data: bytes, request: Request) -> None:
        """Record every rule the datagram `data` (read as `request`) breaks at time `now`."""
        method, request_id = request.method, request.request_id
        if not data:
            self.record(now, source, ViolationKind.EMPTY_DATAGRAM, "0-byte datagram", None)
        elif not request.parsed:
            self.record(now, source, ViolationKind.MALFORMED, repr(data[:80]), None)
        else:
            if isinstance(request_id, bool) or not isinstance(request_id, int):
                self.record(
                    now, source, ViolationKind.BAD_ID, f"non-integer id {request_id!r}", method
                )
            elif (
                request_id > MAX_ID or request_id < 0 or (request_id == 0 and method != GET_DEVICE)
            ):
                self.record(
                    now, source, ViolationKind.BAD_ID, f"id {request_id} out of range", method
                )
            if method in DESTRUCTIVE_METHODS:
                self.record(now, source, ViolationKind.DESTRUCTIVE, str(method), method)
        self._check_gap(now, source, method)
        if now < self.busy_until:
            self.record(
                now,
                source,
                ViolationKind.CONCURRENT,
                f"previous reply still pending for {self.busy_until - now:.3f} s",
                method,
            )

    def _check_gap(self, now: float, source: Address, method: str | None) -> None:
        last = self._last_request.get(source[0])
        if last is not None:
            gap = now - last
            if self.smallest_gap is None or gap < self.smallest_gap:
                self.smallest_gap = gap
            if gap < self.min_gap:
                self.record(
                    now,
                    source,
                    ViolationKind.GAP,
                    f"{gap:.3f} s after the previous request from {source[0]} "
                    f"(minimum {self.min_gap} s)",
                    method,
                )
        self._last_request[source[0]] = max(now, last if last is not None else now)
