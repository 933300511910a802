"""Fault injection settings. A battery's `faults` may be changed at any time while it runs."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class Faults:
    """Network and firmware misbehaviour to inject. The defaults are a perfect device."""

    loss: float = 0.0  # probability that a request, and independently its reply, is dropped
    latency: float = 0.0  # s before a reply leaves (real time)
    jitter: float = 0.0  # s: the delay is latency +/- uniform(jitter), never below 0
    duplicate_replies: float = 0.0  # probability a reply is sent twice (pre-stable firmware)
    # False: reply from the listen port to (sender IP, listen port), as real firmware does.
    # True: reply to the sender's own address and port.
    reply_to_source_port: bool = False
    ct_contention: float = 0.0  # probability of answering -32700 / data 403 with id 0
    reject_first_write: bool = False  # first write of each method answers set_result:false
    silent: bool = False  # Open API switched off: requests are received, never answered
    freeze_on_empty: bool = True  # an empty datagram freezes the API until reboot

    def validate(self) -> None:
        """Raise ValueError for settings that make no sense."""
        for name in ("loss", "duplicate_replies", "ct_contention"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be a probability in [0, 1], not {value}")
        if self.latency < 0 or self.jitter < 0:
            raise ValueError("latency and jitter must not be negative")
