"""How a simulated battery polls a Shelly meter: the meter models, and per-family defaults.

Every default below comes from shared/docs/meter-emulation.md; where the doc lists an unknown
(§8), the value is a choice of this simulator, named as such here and changeable through
`FollowerConfig` (and the CLI's ``--meter-*`` options).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any, Final, Literal

EM: Final = "EM.GetStatus"
EM1: Final = "EM1.GetStatus"


class MeterModel(StrEnum):
    """The Shelly model picked in the Marstek app; it fixes the port and method (§1.2)."""

    PRO3EM = "pro3em"  # Shelly Pro 3EM "old": UDP 1010
    PRO3EM_2220 = "pro3em-2220"  # Shelly Pro 3EM "new" (B2500 fw >= 226): UDP 2220
    EMG3 = "emg3"  # Shelly EM gen3: UDP 2222
    PROEM50 = "proem50"  # Shelly Pro EM-50: UDP 2223

    @property
    def port(self) -> int:
        return _PORTS[self]

    @property
    def method(self) -> str:
        """`EM.GetStatus` for the three-phase Pro 3EM, `EM1.GetStatus` for the others."""
        return EM if self in (MeterModel.PRO3EM, MeterModel.PRO3EM_2220) else EM1


_PORTS: Final = {
    MeterModel.PRO3EM: 1010,
    MeterModel.PRO3EM_2220: 2220,
    MeterModel.EMG3: 2222,
    MeterModel.PROEM50: 2223,
}


class LawName(StrEnum):
    """The battery's internal control loop (§3), named by the firmware family it comes from."""

    HMG50 = "hmg50"  # Venus C / E 2.0
    VNSE3 = "vnse3"  # Venus E 3.0
    VNSD = "vnsd"  # Venus D
    B2500 = "b2500"  # B2500 family (no Open API profile here; the law is kept for experiments)


#: Simulator profile family -> control law. Venus A and the mini have no published law:
#: they get the Venus E 3.0 law, a choice of this simulator (doc §3 has no row for them).
FAMILY_LAWS: Final = {
    "venus_e2": LawName.HMG50,
    "venus_c": LawName.HMG50,
    "venus_e3": LawName.VNSE3,
    "venus_d": LawName.VNSD,
    "venus_a": LawName.VNSE3,
    "venus_mini": LawName.VNSE3,
}

#: Seconds from one request to the next, per law (§1.5). HMG-50: 300 + 500 ticks of its poll
#: task at an assumed 1 kHz tick with no extra cooldown, 0.8 s [fw RW-POLL]. Venus E 3.0:
#: "about 2.5 times a second" [obs UM-279], 0.4 s. Venus D and B2500: no source; 1.0 s is this
#: simulator's choice ("once every second" is the only figure, for V3, AstraMeter#230).
POLL_INTERVALS: Final = {
    LawName.HMG50: 0.8,
    LawName.VNSE3: 0.4,
    LawName.VNSD: 1.0,
    LawName.B2500: 1.0,
}

#: s the firmware waits for a reply after sending (its post-send wait is 500 ticks, §6.1).
REPLY_TIMEOUT: Final = 0.5
#: Consecutive misses (no valid reply within the timeout) before the battery declares the meter
#: gone. The real number is unknown (§8.6); 5 is this simulator's choice.
MISSES_BEFORE_GONE: Final = 5
#: Reply size below which a Venus E 3.0 on LAN drops a reply (§1.4, a single UNCERTAIN report).
LAN_MIN_REPLY_SIZE: Final = 250

type Phase = Literal["total", "a", "b", "c"]
type GoneAction = Literal["stop", "hold"]


@dataclass(frozen=True, slots=True)
class FollowerConfig:
    """How one simulated battery polls its meter and what it accepts.

    * ``destination``: where requests go. ``None`` = the /24 subnet broadcast of the battery's
      address (``x.y.z.255``, as captured in [obs E2S-69]; the /24 is an assumption backed only
      by users reporting that a 255.255.255.0 netmask is needed [AM-FAQ]). A unicast address
      is allowed because whether the battery switches to unicast after discovery is
      UNCERTAIN (§1.1).
    * ``port``: ``None`` = the model's port (1010 needs privileges; tests pass a free port).
    * ``reject_whole_numbers``: drop a reply whose power value has no decimal point. The doc
      says the B2500 fails on such values [obs UM-236]; for Venus it is unknown (§8.4), so the
      default is on for the B2500 law only.
    * ``min_reply_size``: drop shorter datagrams. 250 models the Venus E 3.0 on LAN (§1.4,
      UNCERTAIN, single report); the default 0 models Wi-Fi.
    * ``require_shelly_src``: the HMG-50 firmware recognises a reply by the substrings
      ``"a_act_power"`` (EM) or ``"shellyemg3"`` / ``"shellyproem50"`` (EM1) [fw RW-POLL];
      on by default for every family (it is the only source).
    * ``check_id``: drop a reply whose id is not the request's. UNCERTAIN (§1.3): a fixed
      ``"id": 0`` works with a Venus E 3.0 [impl TP2M-EMX], so the default is off.
    * ``phase``: which value the loop regulates on; ``total`` uses ``total_act_power`` (or
      a + b + c). EM1 replies have a single value and ignore this.
    * ``misses_before_gone``, ``on_gone``, ``resume``: the meter-loss behaviour, unknown
      (§8.6). Default: after 5 misses the battery stops (AC setpoint 0, loop reset), as the
      HMG-50 firmware does ("stops charging" [fw T-HMG], "else reset the setpoint"
      [AM-PROTO]); ``hold`` keeps the last output instead. ``resume=True`` follows the meter
      again on the next valid reply (whether real firmware does is unknown).
    * ``deadband``: ``None`` = the law's own deadband (§3); a number overrides it.
    * ``crowd_out``: on an HMG-50 battery (Venus C / E 2.0), an Open API datagram that arrives
      while a poll waits for its reply loses that reply (§5.3, shared_channel.py); the poll
      then waits on and, with nothing else coming, is a miss. The datagram is recorded as a
      violation either way; off by default, so that a test sees the breach without its effect.
    """

    model: MeterModel = MeterModel.PRO3EM
    law: LawName = LawName.VNSE3
    destination: str | None = None
    port: int | None = None
    poll_interval: float = 0.4
    reply_timeout: float = REPLY_TIMEOUT
    misses_before_gone: int = MISSES_BEFORE_GONE
    reject_whole_numbers: bool = False
    min_reply_size: int = 0
    require_shelly_src: bool = True
    check_id: bool = False
    phase: Phase = "total"
    on_gone: GoneAction = "stop"
    resume: bool = True
    deadband: float | None = None
    crowd_out: bool = False

    def __post_init__(self) -> None:
        if self.poll_interval <= 0 or self.reply_timeout <= 0:
            raise ValueError("poll_interval and reply_timeout must be positive")
        if self.misses_before_gone < 1:
            raise ValueError("misses_before_gone must be at least 1")

    @property
    def meter_port(self) -> int:
        return self.model.port if self.port is None else self.port

    def meter_address(self, battery_host: str) -> str:
        """The request's destination for a battery bound to `battery_host`."""
        if self.destination is not None:
            return self.destination
        try:
            network = ipaddress.ip_network(f"{battery_host}/24", strict=False)
        except ValueError:
            return "255.255.255.255"
        if network.network_address == ipaddress.ip_address("0.0.0.0"):
            return "255.255.255.255"  # a wildcard bind: the limited broadcast
        return str(network.broadcast_address)


def follower_config(
    family: str, model: MeterModel = MeterModel.PRO3EM, **changes: Any
) -> FollowerConfig:
    """The defaults for a battery of profile `family` polling `model`, with `changes` applied."""
    law = LawName(changes.pop("law", FAMILY_LAWS.get(family, LawName.VNSE3)))
    base = FollowerConfig(
        model=model,
        law=law,
        poll_interval=POLL_INTERVALS[law],
        reject_whole_numbers=law is LawName.B2500,
    )
    return replace(base, **changes)
