"""Every real-time number the library works with, in one object the caller passes in.

The defaults are what real batteries need (design.md §3, marstek-open-api.md §1.7, §2.8); a
caller changes them by passing its own ``Timing`` to ``MarstekClient``, ``discover``, ``probe``
or ``SocketRegistry``. Tests and accelerated benchmarks use ``Timing().scaled(factor)``, which
keeps every ratio (a resend still comes after half a gap) while time runs faster; nothing in the
library reads a module-level timing constant at call time.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from .const import DEFAULT_REQUEST_GAP, MIN_REQUEST_GAP


@dataclass(frozen=True, slots=True)
class Timing:
    """Pacing, timeouts, retries and read-backs of one client (or scan, or probe)."""

    # Seconds between two requests to one battery; never below ``min_request_gap``.
    request_gap: float = DEFAULT_REQUEST_GAP
    # The device-safety floor: the Open API has switched itself off under bursts, and the CT
    # meter task answers a second request within ~0.3 s with "busy".
    min_request_gap: float = MIN_REQUEST_GAP
    timeout: float = 2.5  # s to wait for the reply to the last datagram of an attempt
    attempts: int = 3  # read attempts (each one datagram, resent once)
    write_attempts: int = 4  # write attempts (sends or read-backs, see writes.py)
    backoff: float = 1.0  # s before the second attempt; doubles with each further one
    # After a read got no reply for this long, send it once more (taurgis measured 2/40
    # timeouts with a 500 ms resend against 7/40 with 300 ms on a Venus E fw 150 over Wi-Fi).
    resend_after: float = 0.5
    # After the device confirmed a mode change, give it this long before reading back again.
    verify_settle: float = 1.0
    verify_reads: int = 3
    # Passive confirmation: ES.GetMode read this often, this far apart, until the AC power is
    # the requested one (a battery takes a few seconds to ramp to a new setpoint).
    passive_confirm_reads: int = 5
    passive_confirm_interval: float = 2.0
    # Discovery: the gap between two probes for batteries whose own gap is unknown yet, the
    # earliest probe times of a scan (three rounds: the first datagram to a dozing Wi-Fi modem
    # is often lost), and how long a scan listens after the last new battery answered.
    probe_gap: float = DEFAULT_REQUEST_GAP
    probe_schedule: tuple[float, ...] = (0.0, DEFAULT_REQUEST_GAP, 2 * DEFAULT_REQUEST_GAP)
    quiet_period: float = 0.6

    def __post_init__(self) -> None:
        """Refuse numbers that would break the safety rules or the retry loops."""
        if self.min_request_gap <= 0 or self.probe_gap <= 0:
            raise ValueError("the request and probe gaps must be positive")
        if min(self.attempts, self.write_attempts, self.verify_reads) < 1:
            raise ValueError("attempts and read-backs must be at least 1")
        if self.passive_confirm_reads < 1:
            raise ValueError("passive_confirm_reads must be at least 1")

    @property
    def gap(self) -> float:
        """The gap really kept: ``request_gap``, raised to the safety floor."""
        return max(self.request_gap, self.min_request_gap)

    def scaled(self, factor: float) -> Timing:
        """The same timing with every duration divided by ``factor`` (counts unchanged)."""
        if factor <= 0:
            raise ValueError("the scaling factor must be positive")
        return replace(
            self,
            request_gap=self.request_gap / factor,
            min_request_gap=self.min_request_gap / factor,
            timeout=self.timeout / factor,
            backoff=self.backoff / factor,
            resend_after=self.resend_after / factor,
            verify_settle=self.verify_settle / factor,
            passive_confirm_interval=self.passive_confirm_interval / factor,
            probe_gap=self.probe_gap / factor,
            probe_schedule=tuple(offset / factor for offset in self.probe_schedule),
            quiet_period=self.quiet_period / factor,
        )
