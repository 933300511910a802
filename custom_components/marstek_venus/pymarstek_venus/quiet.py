"""Quiet moments: when to send to a battery whose meter reader shares the Open API's channel.

On the HMG-50 firmware (Venus C, Venus E 2.0) the Open API server and the meter reader read
from one receive channel of the Wi-Fi modem (meter-emulation.md §5.3). The battery polls its
meter every 0.8 to 2 s and then waits up to 0.5 s for the reply; an Open API datagram that
arrives in that wait can crowd the reply out, and after a few lost replies the battery declares
its meter gone and stops regulating. An emulated meter answers within milliseconds, and from
that answer until the battery's next poll its receive channel is free.

So while such a battery follows an emulated meter, each datagram to it goes just after the
meter answered it:

* the meter calls ``QuietWindow.answered`` each time it answers the battery's poll;
* a datagram may go within ``QUIET_AFTER`` of the last answer;
* otherwise it waits for the next answer, at most ``MAX_WAIT``, and then goes anyway: a battery
  that polls no more is not following, and a meter that stays silent has no reply to lose.
  It goes at once when the last answer is older than that already.

The session asks its ``send_gate`` before every datagram (session.py): the gate returns after
the channel's pacing turn at a moment it is open, and the session sends without awaiting
anything in between.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Final, Protocol

from .models import Family

#: Families on the HMG-50 firmware, whose meter reader shares the Open API's receive channel.
SHARED_CHANNEL_FAMILIES: Final = frozenset({Family.VENUS_C, Family.VENUS_E2})

# s after the meter answered in which a datagram may go: well inside the shortest poll
# interval (0.8 s), leaving room for a busy event loop between the answer and the send.
QUIET_AFTER: Final = 0.3
# s to wait for an answer before sending anyway; longer than the slowest poll interval (2 s).
MAX_WAIT: Final = 3.0


class SendGate(Protocol):
    """Asked by a session before every datagram to its battery."""

    async def before_send(self, turn: Callable[[], Awaitable[None]]) -> None:
        """Await ``turn`` (the pacing) and return at a moment the datagram may go.

        The caller sends right after this returns, without awaiting anything first.
        """


class QuietWindow:
    """The ``SendGate`` of one battery polling an emulated meter, told of every answer.

    ``clock`` gives seconds (the clock the meter's answers are timed on; in an asyncio program
    the event loop's).
    """

    def __init__(
        self,
        clock: Callable[[], float],
        *,
        quiet_after: float = QUIET_AFTER,
        max_wait: float = MAX_WAIT,
    ) -> None:
        if not 0 < quiet_after < max_wait:
            raise ValueError("need 0 < quiet_after < max_wait")
        self._clock = clock
        self.quiet_after = quiet_after
        self.max_wait = max_wait
        self.last_answer: float | None = None
        # Replaced on every answer: whoever waits holds the one that the next answer sets.
        self._next_answer = asyncio.Event()

    def answered(self) -> None:
        """The meter answered the battery's poll just now: its channel is free for a while."""
        self.last_answer = self._clock()
        event, self._next_answer = self._next_answer, asyncio.Event()
        event.set()

    def is_open(self) -> bool:
        """Whether a datagram may go now."""
        if self.last_answer is None:
            return True  # never answered: the battery does not follow this meter (yet)
        age = self._clock() - self.last_answer
        return age <= self.quiet_after or age > self.max_wait

    async def before_send(self, turn: Callable[[], Awaitable[None]]) -> None:
        """Await ``turn`` and return when open, or after ``max_wait`` without an answer."""
        waited_from = self._clock()
        while True:
            answer = self._next_answer  # an answer during the turn counts too
            await turn()
            if self.is_open():
                return
            left = waited_from + self.max_wait - self._clock()
            try:
                await asyncio.wait_for(answer.wait(), max(left, 0.0))
            except TimeoutError:
                # No answer in time: the battery is not polling now. Only the pacing counts.
                await turn()
                return
