"""HMG-50 firmware: the Open API and the meter reader share one receive channel.

On the HMG-50 (Venus C, Venus E 2.0) the Open API server and the meter reader read from one
hard-coded receive channel of the Quectel modem (meter-emulation.md §5.3 [fw T-HMG]). An Open
API datagram that reaches the battery while it waits for its meter's reply can crowd that reply
out; after a few lost replies the battery declares the meter gone and stops self-consumption.

The simulator is the witness: every Open API datagram that arrives while one of the battery's
meter polls is in flight (sent, no accepted reply yet, reply wait not over) is recorded as a
``SHARED_CHANNEL`` violation. The follower (meter_follower.py) reports each poll's send and end,
and may ask whether a datagram came in before its reply (``FollowerConfig.crowd_out``: the reply
is then lost, as on the device).

Times are arrival stamps on the event loop's clock, taken by the kernel on both sockets (the
Open API's and the follower's, endpoint.py), so the order in which the loop reads two datagrams
does not matter. A datagram read after the poll it collided with has ended is still judged
against that poll: the last ended poll is kept for that.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

from .records import Address, ViolationKind

#: Simulator profile families built on the HMG-50 firmware.
SHARED_CHANNEL_FAMILIES: Final = frozenset({"venus_c", "venus_e2"})

type Recorder = Callable[[float, Address, ViolationKind, str, str | None], None]


@dataclass(frozen=True, slots=True)
class _Arrival:
    time: float
    source: Address
    method: str | None


@dataclass(slots=True)
class _Poll:
    sent: float
    end: float | None = None  # the accepted reply's arrival, or the end of the wait
    arrivals: list[_Arrival] = field(default_factory=list)  # read while it was open


class SharedChannel:
    """One HMG-50 battery's receive channel: its meter polls and the Open API datagrams.

    ``record`` is the battery's violation recorder (``SafetyMonitor.record``).
    """

    def __init__(self, record: Recorder) -> None:
        self._record = record
        self._open: _Poll | None = None
        self._ended: _Poll | None = None

    @property
    def polling(self) -> bool:
        """True while a meter poll is in flight."""
        return self._open is not None

    def clear(self) -> None:
        """Forget datagrams not judged yet (the battery's records are cleared)."""
        if self._open is not None:
            self._open.arrivals.clear()
        self._ended = None

    def poll_sent(self, at: float) -> None:
        """The battery sent a meter poll at ``at`` (an open one is ended there)."""
        if self._open is not None:
            self.poll_ended(at)
        self._open = _Poll(at)

    def datagram(self, arrival: float, source: Address, method: str | None) -> None:
        """An Open API datagram reached the battery at ``arrival``."""
        seen = _Arrival(arrival, source, method)
        poll = self._open
        if poll is not None and arrival >= poll.sent:
            poll.arrivals.append(seen)  # judged when the poll ends
            return
        ended = self._ended
        if ended is not None and ended.end is not None and ended.sent <= arrival < ended.end:
            self._breach(ended, seen)

    def collided(self, before: float) -> bool:
        """Whether an Open API datagram arrived in the open poll before ``before``."""
        poll = self._open
        return poll is not None and any(a.time < before for a in poll.arrivals)

    def poll_ended(self, end: float) -> None:
        """The open poll's wait ended at ``end``: record every datagram that arrived in it."""
        poll, self._open = self._open, None
        if poll is None:
            return
        poll.end = max(end, poll.sent)
        for seen in poll.arrivals:
            if seen.time < poll.end:
                self._breach(poll, seen)
        poll.arrivals.clear()
        self._ended = poll

    def _breach(self, poll: _Poll, seen: _Arrival) -> None:
        self._record(
            seen.time,
            seen.source,
            ViolationKind.SHARED_CHANNEL,
            f"{seen.time - poll.sent:.3f} s into a meter poll (HMG-50: one receive channel "
            "for the Open API and the meter reader)",
            seen.method,
        )
