"""The datagrams of the Shelly meter path: the battery's request and the emulator's reply.

Request (meter-emulation.md §1.3): the firmware's format strings are
``{"id":%d,"method":"EM.GetStatus","params":{"id":0}}`` and the same with ``EM1.GetStatus``:
an integer ``id``, the method and ``params.id`` 0, no ``src`` and no ``jsonrpc``. Extra
top-level members are tolerated (a later firmware may add ``src``); anything else is refused
with a ``Refusal`` reason and gets no reply.

Reply (§1.4): compact JSON ``{"id":<request id>,"src":"<model>-<12 hex>","dst":"unknown",
"result":{...}}``. Choices made here where the doc has unknowns (§8.3), each a field of
``ReplyFormat``:

* the request id is echoed (the doc's safe choice: whether the battery checks it is unknown);
* every measured value is written with a decimal point: a B2500 crashes on an integer power,
  and whether Venus firmware shares the bug is unknown, so every model gets decimals (fixed
  ``decimals``, 2 as uni-meter and Energy2Shelly write them; ``nudge_whole`` also moves a
  whole value by one last digit, as AstraMeter and TibberPulse2Marstek do);
* the result carries a real meter's fields (current, voltage, apparent power, power factor,
  frequency per phase, and totals), which is what makes real replies long; a datagram still
  shorter than ``min_size`` (250: the single "LAN mode" report, UNCERTAIN) is padded with
  spaces before its final ``}``, which keeps it valid JSON that ends like any other.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from .models import MeterMethod, MeterReading, ShellyModel

# A real request is about 60 bytes; twice that leaves room for a firmware that adds a member.
# Anything longer is not a meter poll and is not parsed at all.
MAX_REQUEST_BYTES = 256
# The firmware prints the id with %d: a C int.
_ID_MIN, _ID_MAX = -(2**31), 2**31 - 1
_DEVICE_ID = re.compile(r"[0-9a-f]{12}")


class Refusal(StrEnum):
    """Why a datagram got no reply (counted per sender)."""

    OVERSIZED = "oversized"  # longer than MAX_REQUEST_BYTES
    MALFORMED = "malformed"  # empty, not UTF-8, not JSON, not an object, a repeated member
    WRONG_METHOD = "wrong_method"  # not the method this port's model answers (or none)
    BAD_ID = "bad_id"  # the request id is missing or not a C int
    BAD_PARAMS = "bad_params"  # params is not {"id": 0}


@dataclass(frozen=True, slots=True)
class MeterRequest:
    """A poll the emulator answers."""

    id: int
    method: MeterMethod


@dataclass(frozen=True, slots=True)
class ReplyFormat:
    """How replies are written; the defaults are the doc's safe choices (module docstring)."""

    decimals: int = 2  # digits after the decimal point of every measured value (1..6)
    nudge_whole: bool = False  # move a value whose digits are all zero by one last digit
    min_size: int = 250  # bytes; 0 turns the padding off
    voltage: float = 230.0  # V per phase, for the current and voltage fields
    frequency: float = 50.0  # Hz

    def __post_init__(self) -> None:
        """Refuse formats that would break the decimal-point rule or produce nonsense."""
        if not 1 <= self.decimals <= 6:
            raise ValueError("decimals must be between 1 and 6")
        if self.min_size < 0 or self.voltage <= 0 or self.frequency <= 0:
            raise ValueError("min_size must be >= 0, voltage and frequency positive")


def _unique_members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object whose members are all distinct (a repeated "id" is ambiguous)."""
    result = dict(pairs)
    if len(result) != len(pairs):
        raise ValueError("repeated member")
    return result


def _no_constant(name: str) -> Any:
    """``NaN`` and ``Infinity`` are not JSON; Python's parser accepts them unless told not to."""
    raise ValueError(f"not JSON: {name}")


def parse_request(data: bytes, method: MeterMethod) -> MeterRequest | Refusal:
    """The request in ``data`` if it is a well-formed poll for ``method``, else why not."""
    if len(data) > MAX_REQUEST_BYTES:
        return Refusal.OVERSIZED
    try:
        message = json.loads(
            data.decode("utf-8"),
            object_pairs_hook=_unique_members,
            parse_constant=_no_constant,
        )
    except (UnicodeDecodeError, ValueError, RecursionError):
        return Refusal.MALFORMED
    if not isinstance(message, dict):
        return Refusal.MALFORMED
    if message.get("method") != method.value:
        return Refusal.WRONG_METHOD
    request_id = message.get("id")
    if not isinstance(request_id, int) or isinstance(request_id, bool):
        return Refusal.BAD_ID
    if not _ID_MIN <= request_id <= _ID_MAX:
        return Refusal.BAD_ID
    params = message.get("params")
    # 0 and only 0: a Pro EM-50 has two channels, and a poll for channel 1 is not ours.
    if not isinstance(params, dict) or type(params.get("id")) is not int or params["id"] != 0:
        return Refusal.BAD_PARAMS
    return MeterRequest(request_id, method)


def format_decimal(value: float, fmt: ReplyFormat) -> str:
    """``value`` as a JSON number that always has a decimal point (§1.4, the B2500 rule).

    ``1000`` becomes ``1000.00`` (or ``1000.01`` with ``nudge_whole``); never an exponent,
    never ``-0.00``.
    """
    text = f"{value:.{fmt.decimals}f}"
    if float(text) == 0:
        text = text.removeprefix("-")
    if fmt.nudge_whole and text.rstrip("0").endswith("."):
        step = 10.0**-fmt.decimals
        text = f"{float(text) + (-step if text.startswith('-') else step):.{fmt.decimals}f}"
    return text


def _rounded(value: float, fmt: ReplyFormat) -> float:
    """The value as the reply will show it, so that totals add up to the shown phases."""
    return float(format_decimal(value, fmt))


def _phase_fields(prefix: str, power: float, fmt: ReplyFormat) -> list[tuple[str, float]]:
    """A real meter's fields for one phase (or the one channel of EM1), all measured values.

    The emulator knows only the active power: apparent power is taken equal to it (power
    factor ±1, negative while exporting, 0 without load) and the current follows from the
    nominal voltage.
    """
    apparent = abs(power)
    pf = 0.0 if power == 0 else (1.0 if power > 0 else -1.0)
    return [
        (f"{prefix}current", apparent / fmt.voltage),
        (f"{prefix}voltage", fmt.voltage),
        (f"{prefix}act_power", power),
        (f"{prefix}aprt_power", apparent),
        (f"{prefix}pf", pf),
        (f"{prefix}freq", fmt.frequency),
    ]


def result_fields(
    model: ShellyModel, reading: MeterReading, fmt: ReplyFormat
) -> list[tuple[str, float]]:
    """The measured members of the ``result`` object, in the order a real meter sends them."""
    if not model.three_phase:
        return _phase_fields("", _rounded(reading.total, fmt), fmt)
    phases = [_rounded(power, fmt) for power in reading.phases]
    fields: list[tuple[str, float]] = []
    for letter, power in zip("abc", phases, strict=True):
        fields += _phase_fields(f"{letter}_", power, fmt)
    return [
        *fields,
        ("total_current", sum(abs(p) for p in phases) / fmt.voltage),
        ("total_act_power", sum(phases)),
        ("total_aprt_power", sum(abs(p) for p in phases)),
    ]


def build_reply(
    model: ShellyModel,
    request: MeterRequest,
    reading: MeterReading,
    device_id: str,
    fmt: ReplyFormat | None = None,
) -> bytes:
    """The reply datagram to ``request`` for ``model``, reporting ``reading``.

    ``device_id`` is the 12 lowercase hex digits after the model prefix in ``src`` (a real
    Shelly's MAC; keep it stable per emulated meter).
    """
    fmt = fmt if fmt is not None else ReplyFormat()
    if not _DEVICE_ID.fullmatch(device_id):
        raise ValueError(f"device id {device_id!r} is not 12 lowercase hex digits")
    # The component id (0) and the request id are integers on real devices; only measured
    # values carry the decimal point.
    members = ",".join(
        f'"{key}":{format_decimal(value, fmt)}' for key, value in result_fields(model, reading, fmt)
    )
    head = json.dumps(
        {"id": request.id, "src": f"{model.key}-{device_id}", "dst": "unknown"},
        separators=(",", ":"),
    )
    text = f'{head[:-1]},"result":{{"id":0,{members}}}}}'
    encoded = text.encode("ascii")
    if len(encoded) < fmt.min_size:
        encoded = encoded[:-1] + b" " * (fmt.min_size - len(encoded)) + b"}"
    return encoded
