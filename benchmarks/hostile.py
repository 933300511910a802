"""Malformed and hostile datagrams, and a task that fires them at a client's socket.

The same generators feed the soak (over real UDP, from other loopback sockets, some of them
bound on a battery's own IP address) and the fuzzer (straight into
``SharedSocket.datagram_received``).
"""

from __future__ import annotations

import asyncio
import json
import random
import socket
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# Keys the decoders read, so that junk objects reach real code paths.
RESULT_KEYS = (
    "id", "device", "ver", "ble_mac", "wifi_mac", "wifi_name", "ip", "rssi", "ssid", "sta_ip",
    "soc", "charg_flag", "dischrg_flag", "bat_temp", "bat_capacity", "rated_capacity",
    "bat_soc", "bat_cap", "ongrid_power", "offgrid_power", "bat_power", "pv_power",
    "total_pv_energy", "total_grid_output_energy", "total_grid_input_energy",
    "total_load_energy", "mode", "ct_state", "a_power", "b_power", "c_power", "total_power",
    "input_energy", "output_energy", "set_result", "pv1_power", "pv1_voltage", "pv1_current",
    "pv1_state",
)  # fmt: skip

SAMPLE_REPLY = {
    "id": 1,
    "src": "VenusE 3.0-1a2b3c4d5e6f",
    "result": {
        "id": 0,
        "mode": "Auto",
        "ongrid_power": -120,
        "offgrid_power": 0,
        "bat_soc": 57,
        "total_grid_output_energy": 123456,
        "total_grid_input_energy": 234567,
    },
}


def junk_value(rng: random.Random, depth: int = 0) -> Any:
    """A JSON value of any type, biased to the ones that break naive decoders."""
    choice = rng.randrange(12 if depth < 2 else 9)
    if choice == 0:
        return None
    if choice == 1:
        return rng.choice([True, False])
    if choice == 2:
        return rng.randint(-(2**40), 2**40)
    if choice == 3:
        return rng.choice([0, 1, -1, 65535, 65536, 2**63, -(2**63), 10**400])
    if choice == 4:
        return rng.uniform(-1e6, 1e6)
    if choice == 5:
        return rng.choice([float("nan"), float("inf"), -float("inf"), 1e308, -0.0])
    if choice == 6:
        return rng.choice(["", "NaN", "1e999", "12.5", " 42 ", "Auto", "AI", "x" * 300])
    if choice == 7:
        return "".join(chr(rng.randrange(0x20, 0x3000)) for _ in range(rng.randrange(12)))
    if choice == 8:
        return rng.choice(["00:00:00:00:00:00", "ffffffffffff", "1A-2B-3C-4D-5E-6F", "0"])
    if choice == 9:
        return [junk_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    return junk_object(rng, depth + 1)


def junk_object(rng: random.Random, depth: int = 0) -> dict[str, Any]:
    """An object with a random subset of the keys decoders read, holding junk values."""
    keys = rng.sample(RESULT_KEYS, rng.randrange(len(RESULT_KEYS) // 2))
    return {key: junk_value(rng, depth) for key in keys}


def _dumps(value: Any) -> bytes:
    return json.dumps(value, allow_nan=True).encode()


def random_bytes(rng: random.Random) -> bytes:
    return rng.randbytes(rng.randrange(0, 300))


def mutated_reply(rng: random.Random) -> bytes:
    """A real-looking reply with bytes flipped, cut or repeated."""
    data = bytearray(_dumps(SAMPLE_REPLY))
    for _ in range(rng.randrange(1, 6)):
        action = rng.randrange(3)
        at = rng.randrange(len(data))
        if action == 0:
            data[at] = rng.randrange(256)
        elif action == 1:
            del data[at:]
            if not data:
                break
        else:
            data[at:at] = data[at : at + rng.randrange(1, 20)]
    return bytes(data)


def not_an_object(rng: random.Random) -> bytes:
    return _dumps(rng.choice([[], [1, 2], 1, -5, "reply", None, True, 1.5]))


def deep_nesting(rng: random.Random) -> bytes:
    # Deep enough to exhaust a recursive parser; the deepest ones are also oversized (the
    # socket drops those unparsed). A UDP datagram cannot exceed 65507 bytes.
    depth = rng.choice([500, 1000, 2000, 8000])
    opener, closer = rng.choice([("[", "]"), ('{"a":', "}")])
    return (opener * depth + "1" + closer * depth).encode()


def oversized(rng: random.Random) -> bytes:
    return _dumps({"id": rng.randrange(1, 65536), "result": {"pad": "x" * 5000}})


def bad_id(rng: random.Random) -> bytes:
    message: dict[str, Any] = {"src": "VenusE 3.0-ffffffffffff"}
    body = rng.choice(["result", "error"])
    message[body] = (
        junk_object(rng)
        if body == "result"
        else {"code": rng.choice([-32700, -32601, 0, "x"]), "message": "", "data": 403}
    )
    id_choice = rng.randrange(8)
    if id_choice < 7:
        message["id"] = [None, "1", 1.0, True, -1, 2**64, [1]][id_choice]
    return _dumps(message)


def error_id_zero(rng: random.Random) -> bytes:
    """What contention and parse errors look like: error with id 0 (matched by source)."""
    return _dumps(
        {
            "id": 0,
            "src": "VenusE 3.0-ffffffffffff",
            "error": {"code": -32700, "message": "Parse error", "data": rng.choice([402, 403])},
        }
    )


def stray_reply(rng: random.Random) -> bytes:
    """A well-formed reply to a request nobody sent (or long ago)."""
    return _dumps(
        {
            "id": rng.randrange(1, 65536),
            "src": "VenusE 3.0-ffffffffffff",
            "result": junk_object(rng),
        }
    )


def echoed_request(rng: random.Random) -> bytes:
    return _dumps({"id": rng.randrange(1, 65536), "method": "ES.GetStatus", "params": {"id": 0}})


GENERATORS: dict[str, Callable[[random.Random], bytes]] = {
    "random_bytes": random_bytes,
    "mutated_reply": mutated_reply,
    "not_an_object": not_an_object,
    "deep_nesting": deep_nesting,
    "oversized": oversized,
    "bad_id": bad_id,
    "error_id_zero": error_id_zero,
    "stray_reply": stray_reply,
    "echoed_request": echoed_request,
}


def forged_reply(request_id: int, rng: random.Random) -> bytes:
    """A reply carrying the id of a request in flight, with junk in its result."""
    return _dumps({"id": request_id, "src": "VenusE 3.0-ffffffffffff", "result": junk_object(rng)})


class _Sender(asyncio.DatagramProtocol):
    def error_received(self, exc: Exception) -> None:
        pass  # the target went away (a battery moved): nothing to do


@dataclass(slots=True)
class Injector:
    """Sends hostile datagrams to ``target`` at ``rate`` per second until cancelled.

    ``strangers`` are addresses nobody talks to; ``spoofed`` are the batteries' own IP
    addresses (sockets bound there on another port), so the datagrams pass a source-IP
    check. ``pending`` returns the (host, request id) pairs in flight: with probability
    ``forge_share`` a datagram is a forged reply to one of them, as an attacker who sees the
    request would send.
    """

    target: tuple[str, int]
    strangers: list[str]
    spoofed: list[str]
    rate: float = 100.0
    forge_share: float = 0.02
    seed: int = 0
    pending: Callable[[], list[tuple[str, int]]] | None = None
    sent: Counter[str] = field(default_factory=Counter)
    _transports: dict[str, asyncio.DatagramTransport] = field(default_factory=dict)

    async def open(self) -> None:
        loop = asyncio.get_running_loop()
        for host in [*self.strangers, *self.spoofed]:
            transport, _ = await loop.create_datagram_endpoint(
                _Sender, local_addr=(host, 0), family=socket.AF_INET
            )
            self._transports[host] = transport

    def close(self) -> None:
        for transport in self._transports.values():
            transport.close()
        self._transports.clear()

    def fire(self, rng: random.Random) -> None:
        """Send one datagram."""
        if self.pending is not None and rng.random() < self.forge_share:
            in_flight = [item for item in self.pending() if item[0] in self._transports]
            if in_flight:
                host, request_id = rng.choice(in_flight)
                self._transports[host].sendto(forged_reply(request_id, rng), self.target)
                self.sent["forged_reply"] += 1
                return
        kind = rng.choice(list(GENERATORS))
        host = rng.choice(list(self._transports))
        self._transports[host].sendto(GENERATORS[kind](rng), self.target)
        self.sent[kind] += 1

    async def run(self) -> None:
        rng = random.Random(self.seed)
        loop = asyncio.get_running_loop()
        # Every 10 ms, or once per datagram when they are rarer: a long soak on a virtual
        # clock would otherwise spend its time waking up for nothing.
        tick = 1.0 / self.rate if 0 < self.rate < 100 else 0.01
        owed = 0.0
        while True:
            await asyncio.sleep(tick)
            owed += self.rate * tick
            while owed >= 1:
                owed -= 1
                self.fire(rng)
            if loop.is_closed():  # pragma: no cover - defensive
                return
