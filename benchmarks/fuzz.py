"""Time-bounded fuzzing of the decoder and of the transport's datagram handling.

Two targets, alternated until the time is up:

* ``decode``: every decoder of the library's table (``decode.DECODERS``) gets JSON objects
  built from the keys the decoders read, with values of every JSON type (NaN and infinities
  included), plus non-objects. It must return its model, with every number finite and every
  SOC within 0..100, or raise one of the library's own exceptions (``MarstekError``); nothing
  else.
* ``datagram``: ``SharedSocket.datagram_received`` gets random bytes, mutated replies, junk
  JSON and the soak's hostile datagrams, from the device it is waiting for and from a
  stranger. It must never raise, and every datagram must be accounted for exactly once:
  delivered to the waiting request, delivered to a discovery listener, or dropped and counted
  under one reason (``DropCounters``); a drop from a known device is counted on its channel.

Inputs come from Hypothesis strategies (property-based, shrinking failures to a small
example) and from the hostile generators with a seeded RNG (fast, many per second).
``python -m benchmarks fuzz --seconds N``; a few seconds of it run in CI (tests/benchmarks/test_fuzz.py).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import random
import sys
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, is_dataclass, replace
from typing import Any

from hypothesis import HealthCheck, given, settings, strategies as st

from custom_components.marstek_venus.pymarstek_venus.const import Method
from custom_components.marstek_venus.pymarstek_venus.decode import (
    DECODERS,
    Decoder,
    ReplyContext,
)
from custom_components.marstek_venus.pymarstek_venus.errors import MarstekError
from custom_components.marstek_venus.pymarstek_venus.models import PvStatus
from custom_components.marstek_venus.pymarstek_venus.profiles import FirmwareProfile, profile_for
from custom_components.marstek_venus.pymarstek_venus.transport import Reply, SharedSocket

from .hostile import GENERATORS, RESULT_KEYS

KNOWN_HOST = "127.0.0.2"  # the device a request is waiting for
STRANGER = "127.0.0.9"
PENDING_ID = 4242
LISTENER_ID = 777  # a discovery probe's id
CHUNK = 200  # Hypothesis examples per round

_MODELS = ["VenusE 3.0", "VenusE", "VenusC", "VenusA", "VenusD", "VNSEM-0", "VenusE Pro", "?"]
_FIRMWARE = [0, 122, 139, 144, 147, 148, 149, 150, 153, 154, 155, 300, 1476, 1487, 1509, 99999]
PROFILES = [profile_for(model, firmware) for model in _MODELS for firmware in _FIRMWARE]

# --- Hypothesis strategies ------------------------------------------------------------------

_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=16),
    st.from_regex(r"\s*[+-]?[0-9]{0,25}(\.[0-9]*)?([eE][+-]?[0-9]{1,5})?\s*", fullmatch=True),
    st.sampled_from(["Auto", "AI", "Manual", "Passive", "UPS", "NaN", "-inf", "0x1f", "1_000"]),
)
_json = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)
_results = st.dictionaries(st.sampled_from(RESULT_KEYS) | st.text(max_size=8), _json, max_size=14)
_ids = st.one_of(
    st.just(PENDING_ID),
    st.just(LISTENER_ID),
    st.just(0),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.none(),
    st.booleans(),
    st.floats(allow_nan=True),
    st.text(max_size=4),
)


@st.composite
def _envelopes(draw: st.DrawFn) -> bytes:
    """A reply-shaped object: id, maybe src, maybe result/error/method, as JSON bytes."""
    message: dict[str, Any] = {}
    if draw(st.booleans()):
        message["id"] = draw(_ids)
    for key, values in (
        ("src", st.text(max_size=30)),
        ("result", _results | _json),
        ("error", st.fixed_dictionaries({"code": _scalars, "message": _scalars}) | _json),
        ("method", st.sampled_from(["ES.GetStatus", "Marstek.GetDevice"]) | _json),
    ):
        if draw(st.integers(0, 2)) == 0:
            message[key] = draw(values)
    return json.dumps(message, allow_nan=True).encode()


_datagrams = st.one_of(
    st.binary(max_size=512),
    _envelopes(),
    _json.map(lambda value: json.dumps(value, allow_nan=True).encode()),
    st.tuples(st.sampled_from(sorted(GENERATORS)), st.randoms(use_true_random=False)).map(
        lambda pair: GENERATORS[pair[0]](pair[1])
    ),
)

_SETTINGS = settings(
    max_examples=CHUNK,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)

# --- properties -----------------------------------------------------------------------------


class Failure(AssertionError):
    """A property broke; the message names the input."""


def check_sane(value: object, path: str = "model") -> None:
    """Every number in a decoded model is finite; an SOC is a percentage."""
    if is_dataclass(value) and not isinstance(value, type):
        for item in fields(value):
            child = getattr(value, item.name)
            if item.name == "soc" and child is not None and not 0 <= child <= 100:
                raise Failure(f"{path}.soc = {child!r}")
            check_sane(child, f"{path}.{item.name}")
    elif isinstance(value, tuple | list):
        for index, child in enumerate(value):
            check_sane(child, f"{path}[{index}]")
    elif isinstance(value, float) and not math.isfinite(value):
        raise Failure(f"{path} = {value!r}")


def decode_all(
    result: Any,
    profile: FirmwareProfile,
    src: str | None,
    decoders: Mapping[Method, Decoder] = DECODERS,
) -> int:
    """Run every decoder of the table on ``result``; return how many returned a model.

    A decoder shared by several methods (the write replies) runs once. The table's order puts
    PV.GetStatus before ES.GetStatus, which gets the PV reading as the client passes it.
    """
    context = ReplyContext(profile, src=src, host=KNOWN_HOST, port=30000)
    decoded = 0
    seen: set[Decoder] = set()
    for method, decoder in decoders.items():
        if decoder in seen:
            continue
        seen.add(decoder)
        try:
            model = decoder(result, context)
        except MarstekError:
            continue
        except Exception as err:
            msg = f"{type(err).__name__}: {err} for {method} {result!r:.300} ({profile})"
            raise Failure(msg) from err
        check_sane(model)
        decoded += 1
        if isinstance(model, PvStatus):
            context = replace(context, pv=model)
    return decoded


@dataclass(slots=True)
class DatagramBench:
    """A SharedSocket with one request waiting and one discovery listener, fed by hand."""

    shared: SharedSocket = field(default_factory=lambda: SharedSocket("127.0.0.1", 30000))
    outcomes: Counter[str] = field(default_factory=Counter)
    heard: int = 0
    future: asyncio.Future[Reply] | None = None  # the waiting request's

    def __post_init__(self) -> None:
        self.shared.channel(KNOWN_HOST, 1.0)

    def feed(self, data: bytes, host: str) -> None:
        """One datagram; check it is accounted for exactly once and raises nothing."""
        shared = self.shared
        future = self.future
        if future is None or future.done():
            shared.forget(KNOWN_HOST, PENDING_ID)
            future = self.future = shared.expect(KNOWN_HOST, PENDING_ID)
        channel = shared.channel(KNOWN_HOST, 1.0)
        before = asdict(shared.drops)
        dropped_before = channel.stats.dropped
        heard_before = self.heard

        def listener(message: dict[str, Any], source: str) -> None:
            self.heard += 1

        try:
            with shared.listen(LISTENER_ID, listener):
                shared.datagram_received(data, (host, 30000))
        except Exception as err:
            raise Failure(
                f"datagram_received raised {type(err).__name__}: {err} for {data!r:.300}"
            ) from err
        after = asdict(shared.drops)
        reasons = [name for name in after if after[name] != before[name]]
        delivered = future.done()
        heard = self.heard - heard_before
        accounted = sum(after[n] - before[n] for n in after) + int(delivered) + heard
        if accounted != 1:
            raise Failure(f"{data!r:.300} from {host} accounted {accounted} times ({reasons})")
        if delivered and not isinstance(future.result(), Reply):
            raise Failure(f"{data!r:.300}: delivered something that is not a Reply")
        channel_drop = channel.stats.dropped - dropped_before
        if channel_drop != int(reasons == ["unmatched"] and host == KNOWN_HOST):
            raise Failure(f"{data!r:.300} from {host}: channel counted {channel_drop} drops")
        self.outcomes["delivered" if delivered else "listener" if heard else reasons[0]] += 1


@dataclass(slots=True)
class FuzzReport:
    """What a fuzz run did and found."""

    seconds: float = 0.0
    decode_inputs: int = 0
    decoded_models: int = 0
    datagrams: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "seconds": self.seconds,
            "decode_inputs": self.decode_inputs,
            "decoded_models": self.decoded_models,
            "datagrams": self.datagrams,
            "datagram_outcomes": dict(self.outcomes),
            "failures": self.failures,
        }


def _hypothesis_round(
    report: FuzzReport, bench: DatagramBench, table: Mapping[Method, Decoder]
) -> None:
    """One chunk of Hypothesis examples per target (a failure is shrunk and re-raised)."""

    @_SETTINGS
    @given(
        result=_results | _json,
        profile=st.sampled_from(PROFILES),
        src=st.none() | st.text(max_size=30),
    )
    def decoders(result: Any, profile: FirmwareProfile, src: str | None) -> None:
        report.decode_inputs += 1
        report.decoded_models += decode_all(result, profile, src, table)

    @_SETTINGS
    @given(data=_datagrams, host=st.sampled_from([KNOWN_HOST, STRANGER]))
    def datagrams(data: bytes, host: str) -> None:
        report.datagrams += 1
        bench.feed(data, host)

    for target in (decoders, datagrams):
        try:
            target()
        except Failure as err:
            report.failures.append(str(err))


def _generator_round(
    report: FuzzReport,
    bench: DatagramBench,
    rng: random.Random,
    decoders: Mapping[Method, Decoder],
) -> None:
    """A burst of the hostile generators' datagrams (and their JSON, for the decoders)."""
    kinds = sorted(GENERATORS)
    for _ in range(500):
        data = GENERATORS[rng.choice(kinds)](rng)
        try:
            report.datagrams += 1
            bench.feed(data, rng.choice([KNOWN_HOST, STRANGER]))
            try:
                message = json.loads(data)
            except (ValueError, RecursionError):
                continue
            if isinstance(message, dict):
                report.decode_inputs += 1
                result = message.get("result", message)
                report.decoded_models += decode_all(result, rng.choice(PROFILES), None, decoders)
        except Failure as err:
            report.failures.append(str(err))


def _seed_corpus() -> list[tuple[bytes, str]]:
    """One datagram per path through datagram_received, fed before the random ones."""

    def reply(request_id: int) -> bytes:
        return json.dumps({"id": request_id, "src": "VenusE-0011", "result": {}}).encode()

    return [
        (reply(PENDING_ID), KNOWN_HOST),  # delivered to the waiting request
        (reply(LISTENER_ID), STRANGER),  # heard by the discovery listener
        (b"{not json", KNOWN_HOST),  # malformed
        (b" " * 5000, KNOWN_HOST),  # oversized
        (json.dumps({"id": 5, "method": "ES.GetMode", "params": {}}).encode(), KNOWN_HOST),
        (reply(PENDING_ID + 1), STRANGER),  # a stranger
        (reply(PENDING_ID + 1), KNOWN_HOST),  # late or duplicate: unmatched
    ]


async def fuzz(
    seconds: float,
    seed: int = 0,
    min_rounds: int = 1,
    decoders: Mapping[Method, Decoder] = DECODERS,
    shared: SharedSocket | None = None,
) -> FuzzReport:
    """Alternate both kinds of rounds until ``seconds`` have passed and ``min_rounds`` ran.

    ``min_rounds`` gives CI a fixed amount of work whatever the machine's load; ``decoders``
    is the decoder table under test (the library's, or a test's with a broken entry), and
    ``shared`` the socket fed the datagrams (a fresh one, or a test's deliberately broken one).
    """
    report = FuzzReport()
    bench = DatagramBench() if shared is None else DatagramBench(shared)
    rng = random.Random(seed)
    start = time.monotonic()
    rounds = 0
    for data, host in _seed_corpus():
        try:
            bench.feed(data, host)
        except Failure as err:
            report.failures.append(str(err))
        report.datagrams += 1
        await asyncio.sleep(0)
    while True:
        _hypothesis_round(report, bench, decoders)
        _generator_round(report, bench, rng, decoders)
        rounds += 1
        await asyncio.sleep(0)  # let resolved futures' callbacks run
        if len(report.failures) >= 20:
            break
        if time.monotonic() - start >= seconds and rounds >= min_rounds:
            break
    report.seconds = time.monotonic() - start
    report.outcomes = bench.outcomes
    bench.shared.forget(KNOWN_HOST, PENDING_ID)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=0, help="seed of the generator rounds")
    args = parser.parse_args(argv)
    report = asyncio.run(fuzz(args.seconds, args.seed))
    summary = report.as_dict()
    print(
        f"fuzz: {summary['seconds']:.0f} s, {summary['decode_inputs']} decoder inputs "
        f"({summary['decoded_models']} models decoded), {summary['datagrams']} datagrams"
    )
    print(
        "fuzz: datagram outcomes: "
        + ", ".join(f"{k} {v}" for k, v in sorted(report.outcomes.items()))
    )
    for failure in report.failures:
        print(f"fuzz: FAILURE: {failure}")
    print(f"fuzz: {len(report.failures)} failures")
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())
