"""The battery's side of the Shelly exchange: the request it sends and how it reads a reply.

Request (§1.3, firmware format strings [fw T-HMG]): compact JSON with an integer ``id``, the
method and ``params.id = 0``; no ``src``, no ``jsonrpc``.

Reply checks (§1.4, §6.1), each only where the doc says a battery makes it:

1. it must be JSON (an object with a ``result`` object);
2. the size rule (``min_reply_size``, Venus E 3.0 on LAN, UNCERTAIN);
3. the firmware's substring recognition (``"a_act_power"`` for EM, ``"shellyemg3"`` or
   ``"shellyproem50"`` for EM1) [fw RW-POLL];
4. the power field must be a JSON number (``a_act_power`` for EM, ``act_power`` for EM1);
5. a whole number (no decimal point) is refused where ``reject_whole_numbers`` (B2500);
6. an id that differs from the request's is refused where ``check_id`` (UNCERTAIN).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Final

from .meter_config import EM, FollowerConfig

_EM1_SOURCES: Final = ('"shellyemg3', '"shellyproem50')
_PHASE_KEYS: Final = ("a_act_power", "b_act_power", "c_act_power")


def encode_request(request_id: int, method: str) -> bytes:
    """The datagram a battery sends: ``{"id":N,"method":"EM.GetStatus","params":{"id":0}}``."""
    return f'{{"id":{request_id},"method":"{method}","params":{{"id":0}}}}'.encode()


class WholeNumber(float):
    """A JSON number written without a decimal point (``12`` or ``1e3``)."""


def _parse_float(text: str) -> float:
    return float(text) if "." in text else WholeNumber(text)


@dataclass(frozen=True, slots=True)
class Reading:
    """The outcome of reading one reply: a grid value in W (+ = import), or why it was refused."""

    grid: float | None
    rejected: str | None = None

    @property
    def ok(self) -> bool:
        return self.grid is not None


def _refuse(reason: str) -> Reading:
    return Reading(None, reason)


def _number(result: dict[str, Any], key: str, config: FollowerConfig) -> float | str:
    """The value of `key`, or a refusal reason."""
    value = result.get(key)
    if isinstance(value, bool) or not isinstance(value, float):
        return f"no_{key}"
    if config.reject_whole_numbers and isinstance(value, WholeNumber):
        return "whole_number"
    return float(value)


def read_reply(data: bytes, request_id: int, config: FollowerConfig) -> Reading:
    """Read one reply datagram as a battery polling `config.model` does."""
    if len(data) < config.min_reply_size:
        return _refuse("short")
    try:
        text = data.decode()
        message = json.loads(text, parse_int=WholeNumber, parse_float=_parse_float)
    except (UnicodeDecodeError, ValueError, RecursionError):
        return _refuse("not_json")
    if not isinstance(message, dict) or not isinstance(message.get("result"), dict):
        return _refuse("no_result")
    if config.check_id and message.get("id") != request_id:
        return _refuse("id_mismatch")
    result: dict[str, Any] = message["result"]
    method = config.model.method
    if config.require_shelly_src:
        recognised = (
            '"a_act_power"' in text
            if method == EM
            else any(source in text for source in _EM1_SOURCES)
        )
        if not recognised:
            return _refuse("unrecognised")
    if method != EM:
        value = _number(result, "act_power", config)
        return Reading(value) if isinstance(value, float) else _refuse(value)
    return _read_em(result, config)


def _read_em(result: dict[str, Any], config: FollowerConfig) -> Reading:
    """A three-phase reply: the configured phase, or the total (a + b + c when it is missing)."""
    first = _number(result, "a_act_power", config)
    if isinstance(first, str):
        return _refuse(first)
    if config.phase != "total":
        value = _number(result, f"{config.phase}_act_power", config)
        return Reading(value) if isinstance(value, float) else _refuse(value)
    if "total_act_power" in result:
        total = _number(result, "total_act_power", config)
        return Reading(total) if isinstance(total, float) else _refuse(total)
    phases = [_number(result, key, config) for key in _PHASE_KEYS]
    for value in phases:
        if isinstance(value, str):
            return _refuse(value)
    return Reading(sum(value for value in phases if isinstance(value, float)))
