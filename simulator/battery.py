"""One simulated battery on the network: a UDP endpoint speaking the Open API like real firmware.

The request path for each datagram:

1. read it as the firmware does (`request.py`), record it and check the device-safety rules
   (`safety.py`); violations never change the answer, they are only recorded;
2. decide whether the device answers at all (rebooting, frozen, Open API off, request lost);
3. answer: CT contention (-32700/403, id 0), parse error (-32700/402, id 0), or the method's
   reply from `handlers.py` with the request id echoed as a uint16;
4. send after latency +/- jitter, possibly lost or duplicated, from the listen port to the
   sender's IP at the listen port, or to the sender's own port when told to (`replies.py`).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import random
import socket
from collections.abc import Callable
from types import TracebackType
from typing import Final, Self

from .clock import Clock, ScaledClock
from .encode import Identity
from .endpoint import StampedEndpoint
from .faults import Faults
from .handlers import CT_BUSY, INVALID_REQUEST, PARSE_ERROR, Answer, DeviceLogic
from .load_profile import Household
from .physics import Physics
from .profiles import BAT_STATUS, ES_MODE, SHARED_AP_BSSID, DeviceProfile, get_profile
from .records import Address, Outcome, RequestRecord, Violation
from .replies import ReplySender, encode_reply
from .request import parse_request
from .safety import SafetyMonitor
from .shared_channel import SHARED_CHANNEL_FAMILIES, SharedChannel
from .state import DeviceState

_LOGGER = logging.getLogger(__name__)

DEFAULT_PORT: Final = 30000
DEFAULT_MIN_GAP: Final = 0.3  # s: the device-safety floor between two requests from one client
_ANY_ADDRESSES: Final = frozenset({"", "0.0.0.0"})


def derive_mac(*parts: object) -> str:
    """A deterministic 12-hex-digit MAC from arbitrary identifying parts."""
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()
    return digest[:12]


class SimulatedBattery:
    """A Marstek battery on `host:port` that speaks the Open API of `profile`.

    Use ``async with SimulatedBattery(...) as battery:`` or ``await start()`` / ``await stop()``.
    ``faults`` can be changed while it runs; ``state``, ``requests`` and ``violations`` are
    for assertions.
    """

    def __init__(
        self,
        profile: str | DeviceProfile = "venus_e3_150",
        host: str = "127.0.0.2",
        port: int = DEFAULT_PORT,
        *,
        ble_mac: str | None = None,
        seed: int = 0,
        clock: Clock | None = None,
        time_scale: float = 1.0,
        faults: Faults | None = None,
        min_gap: float = DEFAULT_MIN_GAP,
        soc: float = 50.0,
        reboot_duration: float = 1.0,
        wifi_name: str = "MarstekSim",
        reported_ip: str | None = None,
        max_requests: int | None = None,
    ) -> None:
        self.profile = get_profile(profile) if isinstance(profile, str) else profile
        self.host = host
        self.port = port
        self.ble_mac = (ble_mac or derive_mac(self.profile.key, host, port)).lower()
        wifi_mac = (
            SHARED_AP_BSSID if self.profile.wifi_mac_is_bssid else derive_mac("wifi", self.ble_mac)
        )
        self.clock: Clock = clock if clock is not None else ScaledClock(time_scale)
        self.faults = faults if faults is not None else Faults()
        self.faults.validate()
        self.reboot_duration = reboot_duration
        self._reported_ip = reported_ip
        rssi = -48 - int(self.ble_mac[:2], 16) % 20
        self.identity = Identity(self.ble_mac, wifi_mac, wifi_name, reported_ip or host, rssi)
        physics_seed = int(derive_mac("physics", seed, self.ble_mac), 16)
        self.physics = Physics(self.profile, self.clock, physics_seed, soc=soc)
        self.logic = DeviceLogic(self.profile, self.physics, self.identity)
        self._replies = ReplySender(random.Random(f"{seed}:{self.ble_mac}"))
        self._safety = SafetyMonitor(self, min_gap)
        # HMG-50: the meter reader's polls share the Open API's receive channel; a follower
        # reports them here (meter_follower.py), every datagram is judged against them.
        shared = self.profile.family in SHARED_CHANNEL_FAMILIES
        self.meter_channel = SharedChannel(self._safety.record) if shared else None

        self.requests: list[RequestRecord] = []
        # For long soak runs: keep at least the newest `max_requests` records (None = all).
        self.max_requests = max_requests
        self.requests_total = 0
        self.violations: list[Violation] = self._safety.violations
        # Optional observer (the CLI's --verbose uses it, and `on_violation`).
        self.on_request: Callable[[RequestRecord], None] | None = None
        self.internal_errors = 0

        self._down_until = 0.0
        self._frozen = False
        self._local_ips: dict[str, str] = {}

    # -- identity --------------------------------------------------------------------------

    @property
    def src(self) -> str:
        """The `src` member of every reply."""
        return f"{self.profile.src_prefix}-{self.ble_mac}"

    @property
    def address(self) -> Address:
        return (self.host, self.port)

    def __repr__(self) -> str:
        return (
            f"SimulatedBattery({self.profile.key}, fw {self.profile.firmware}, "
            f"ble_mac {self.ble_mac}, {self.host}:{self.port})"
        )

    # -- safety records and counters -------------------------------------------------------

    @property
    def min_gap(self) -> float:
        """s: the smallest allowed gap between two requests from one client IP."""
        return self._safety.min_gap

    @property
    def smallest_gap(self) -> float | None:
        """s: the closest two requests from one client IP ever came (None: fewer than two)."""
        return self._safety.smallest_gap

    @property
    def on_violation(self) -> Callable[[Violation], None] | None:
        """Optional observer of every violation as it is recorded."""
        return self._safety.on_violation

    @on_violation.setter
    def on_violation(self, observer: Callable[[Violation], None] | None) -> None:
        self._safety.on_violation = observer

    @property
    def replies_sent(self) -> int:
        return self._replies.replies_sent

    @property
    def send_errors(self) -> int:
        """Replies the socket could not send (ICMP "port unreachable" and such)."""
        return self._replies.send_errors

    # -- life cycle ------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._replies.endpoint is not None

    async def start(self) -> None:
        """Bind the UDP socket. Raises OSError when the address is taken."""
        if self._replies.endpoint is not None:
            return
        endpoint = StampedEndpoint(self._on_datagram, self._replies.on_socket_error)
        self.port = endpoint.open(self.host, self.port)
        self._replies.endpoint = endpoint

    async def stop(self) -> None:
        """Cancel pending replies and close the socket; leaves no task or timer behind."""
        self._replies.cancel()
        endpoint, self._replies.endpoint = self._replies.endpoint, None
        if endpoint is not None:
            endpoint.close()
            await asyncio.sleep(0)  # let a reader callback that was already due run out

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # -- fault and state controls ----------------------------------------------------------

    @property
    def state(self) -> DeviceState:
        """The simulated device's state, brought up to the clock's present."""
        return self.physics.snapshot()

    @property
    def frozen(self) -> bool:
        """True after an empty datagram froze the Open API (until `reboot`)."""
        return self._frozen

    @property
    def rebooting(self) -> bool:
        return self._now() < self._down_until

    def set_silent(self, silent: bool) -> None:
        """Switch the Open API off (no replies at all) or back on."""
        self.faults.silent = silent

    def reboot(
        self,
        reset_counters: bool = False,
        *,
        reset_settings: bool = False,
        duration: float | None = None,
    ) -> None:
        """Restart the device: silent for `duration` s (real time), then answering again.

        Mode, schedule and settings persist unless `reset_settings`; the lifetime energy
        counters restart from zero when `reset_counters`. A reboot clears an empty-datagram
        freeze and forgets replies still in flight.
        """
        self.physics.advance()
        self._replies.cancel()
        self._down_until = self._now() + (self.reboot_duration if duration is None else duration)
        self._safety.busy_until = 0.0
        self._frozen = False
        self.logic.rejected_writes.clear()
        if reset_counters:
            self.physics.reset_counters()
        if reset_settings:
            self.physics.reset_settings()

    async def change_ip(self, new_host: str) -> None:
        """Move the battery to another address (DHCP gave it a new lease)."""
        running = self.running
        if running:
            await self.stop()
        self.host = new_host
        self._local_ips.clear()
        if self._reported_ip is None:
            self.identity.ip = new_host
        if running:
            await self.start()

    def set_soc(self, soc: float) -> None:
        self.physics.set_soc(soc)

    def set_house_load(self, watts: float | None) -> None:
        """Fix the house consumption (None: follow the daily curve)."""
        self.physics.advance()
        self.physics.house_load_override = watts

    def set_house_solar(self, watts: float | None) -> None:
        """Fix the rooftop PV on the house's own inverter (None: follow the daily curve)."""
        self.physics.advance()
        self.physics.house_solar_override = watts

    def set_pv(self, watts: float | None) -> None:
        """Fix the battery's own PV input, total over its channels (None: daily curve)."""
        self.physics.advance()
        self.physics.pv_override = watts

    def set_household(self, household: Household | None) -> None:
        """Take load and PV from a scripted household (t = 0 now); None: the daily curves."""
        self.physics.set_household(household)

    def set_ct_connected(self, connected: bool) -> None:
        self.physics.advance()
        self.physics.ct_connected = connected

    def clear_records(self) -> None:
        """Forget recorded requests and violations (and the gap history)."""
        self.requests.clear()
        self._safety.clear()
        if self.meter_channel is not None:
            self.meter_channel.clear()

    # -- the request path ------------------------------------------------------------------

    def _now(self) -> float:
        try:
            return asyncio.get_running_loop().time()
        except RuntimeError:
            return 0.0

    def _on_datagram(self, data: bytes, source: Address, arrival: float) -> None:
        try:
            self._handle_datagram(data, source, arrival)
        except Exception:  # a simulator bug must not take the endpoint down
            self.internal_errors += 1
            _LOGGER.exception("%s: error handling %r from %s", self, data[:200], source)

    def _handle_datagram(self, data: bytes, source: Address, arrival: float) -> None:
        # Judged by when the datagram reached the device, not when the loop got round to it.
        now = arrival
        device_time = self.clock.now()
        request = parse_request(data)
        method, request_id, params = request.method, request.request_id, request.params
        self._safety.check(now, source, data, request)
        if self.meter_channel is not None:
            self.meter_channel.datagram(now, source, method)

        def record(outcome: Outcome) -> None:
            entry = RequestRecord(
                now, device_time, source, data, method, request_id, params, outcome
            )
            self.requests.append(entry)
            self.requests_total += 1
            limit = self.max_requests
            if limit is not None and len(self.requests) >= 2 * limit:
                del self.requests[: len(self.requests) - limit]  # in batches: amortised O(1)
            if self.on_request is not None:
                self.on_request(entry)

        if not data:
            if self.faults.freeze_on_empty:
                self._frozen = True
            record(Outcome.NO_REPLY)
            return
        if now < self._down_until:
            record(Outcome.REBOOTING)
            return
        if self._frozen:
            record(Outcome.FROZEN)
            return
        if self.faults.silent:
            record(Outcome.SILENT)
            return
        if self._replies.chance(self.faults.loss):
            record(Outcome.LOST_REQUEST)
            return

        reply_id = 0
        answer: Answer
        if not request.parsed:
            # Unparseable text gets a parse error with id 0; an object without a method is
            # an Invalid Request that still echoes its id.
            answer = INVALID_REQUEST if request.is_object else PARSE_ERROR
            reply_id = request.reply_id if request.is_object else 0
            outcome = Outcome.PARSE_ERROR
        elif self._replies.chance(self.faults.ct_contention):
            answer = CT_BUSY
            outcome = Outcome.CONTENTION
        else:
            assert method is not None
            if (
                isinstance(request_id, str)
                and self.profile.family == "venus_e3"
                and method in (ES_MODE, BAT_STATUS)
            ):
                # Venus E 3.0 from fw 139 ignores these when the id is a string.
                record(Outcome.NO_REPLY)
                return
            reply_id = request.reply_id
            self.identity.ip = self._reported_ip_for(source[0])
            answer = self.logic.handle(
                method, params, reject_first_write=self.faults.reject_first_write
            )
            outcome = Outcome.REPLIED
        if answer is None:
            record(Outcome.NO_REPLY)
            return
        sent = self._send_reply(now, source, reply_id, answer)
        record(outcome if sent else Outcome.LOST_REPLY)

    def _reported_ip_for(self, peer: str) -> str:
        """GetDevice `ip`: the host, or for a wildcard bind, the address the peer reached."""
        if self._reported_ip is not None:
            return self._reported_ip
        if self.host not in _ANY_ADDRESSES:
            return self.host
        if peer not in self._local_ips:
            probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            try:
                probe.connect((peer, self.port))  # no packet is sent: it only picks a route
                self._local_ips[peer] = str(probe.getsockname()[0])
            except (OSError, RuntimeError):  # RuntimeError: a test harness blocking sockets
                self._local_ips[peer] = self.host
            finally:
                probe.close()
        return self._local_ips[peer]

    def _send_reply(self, now: float, source: Address, reply_id: int, answer: Answer) -> bool:
        """Schedule the reply; False when it is lost on the way."""
        payload = encode_reply(reply_id, self.src, answer)
        sent, delay = self._replies.send(payload, source, self.port, self.faults)
        # The device is busy with this request until its reply leaves, lost or not.
        self._safety.busy_until = max(self._safety.busy_until, now + delay)
        return sent
