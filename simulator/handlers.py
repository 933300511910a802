"""Method dispatch: turn one parsed request into the firmware's answer (or its silence).

This layer knows nothing about sockets or faults; `battery.py` wraps its answers in the reply
envelope (`id`, `src`) and applies loss, latency and the rest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from . import encode
from .encode import Identity, Result
from .physics import Physics
from .profiles import (
    BAT_STATUS,
    BLE_ADV,
    BLE_STATUS,
    DOD_SET,
    EM_STATUS,
    ES_MODE,
    ES_STATUS,
    GET_DEVICE,
    KNOWN_METHODS,
    LED_CTRL,
    PV_STATUS,
    RESET_FACTORY,
    SET_MODE,
    SET_VER,
    WIFI_SET_CONFIG,
    WIFI_STATUS,
    WRITE_METHODS,
    DeviceProfile,
    Missing,
)
from .state import ManualPeriod, Mode

ERROR_PARSE: Final = -32700
ERROR_INVALID_REQUEST: Final = -32600
ERROR_METHOD_NOT_FOUND: Final = -32601
ERROR_INVALID_PARAMS: Final = -32602

POWER_LIMIT: Final = 2500  # W: firmware bound on passive and manual power
DOD_RANGE: Final = range(30, 89)
POWER_CLASSES: Final = frozenset({800, 1200, 1500, 2200, 2500})  # Set.Ver
_HHMM: Final = re.compile(r"^(\d{1,2}):(\d{2})$")
_KNOWN_FOLDED: Final = frozenset(m.casefold() for m in KNOWN_METHODS)
_MODE_NAMES: Final = {
    "Auto": Mode.AUTO,
    "AI": Mode.AI,
    "Manual": Mode.MANUAL,
    "Passive": Mode.PASSIVE,
    "UPS": Mode.UPS,
    "Ups": Mode.UPS,  # the PDF's table spelling
}
_CFG_KEYS: Final = {
    Mode.AUTO: "auto_cfg",
    Mode.AI: "ai_cfg",
    Mode.MANUAL: "manual_cfg",
    Mode.PASSIVE: "passive_cfg",
    Mode.UPS: "ups_cfg",
}


@dataclass(frozen=True, slots=True)
class ErrorReply:
    """A JSON-RPC error object."""

    code: int
    message: str
    data: int | None = None

    def as_json(self) -> Result:
        error: Result = {"code": self.code, "message": self.message}
        if self.data is not None:
            error["data"] = self.data
        return error


METHOD_NOT_FOUND: Final = ErrorReply(ERROR_METHOD_NOT_FOUND, "Method not found")
INVALID_PARAMS: Final = ErrorReply(ERROR_INVALID_PARAMS, "Invalid params")
INVALID_REQUEST: Final = ErrorReply(ERROR_INVALID_REQUEST, "Invalid Request")
PARSE_ERROR: Final = ErrorReply(ERROR_PARSE, "Parse error", 402)
CT_BUSY: Final = ErrorReply(ERROR_PARSE, "Parse error", 403)  # "ct failed to get the mutex lock"

type Answer = Result | ErrorReply | None  # None: the firmware does not answer


def _int(value: object) -> int | None:
    """A JSON integer (booleans are not numbers to the firmware's checks)."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _hhmm(value: object) -> str | None:
    if not isinstance(value, str) or not (match := _HHMM.match(value)):
        return None
    hours, minutes = int(match[1]), int(match[2])
    if hours > 23 or minutes > 59:
        return None
    return f"{hours:02d}:{minutes:02d}"


class DeviceLogic:
    """The request handlers of one simulated firmware."""

    def __init__(self, profile: DeviceProfile, physics: Physics, identity: Identity) -> None:
        self.profile = profile
        self.physics = physics
        self.identity = identity
        self.rejected_writes: set[str] = set()  # methods whose first write was refused
        # Every write the firmware carried out, in order, as (method, params). A write whose
        # reply was lost and that a client sends again runs twice: tests count these.
        self.executed_writes: list[tuple[str, dict[str, object]]] = []

    def handle(self, method: str, params: object, *, reject_first_write: bool = False) -> Answer:
        """Answer `method`; None means the device stays silent."""
        if method not in KNOWN_METHODS:
            # Method names are case-sensitive: a near miss is ignored, a stranger is an error.
            return None if method.casefold() in _KNOWN_FOLDED else METHOD_NOT_FOUND
        unsupported = self.profile.unsupported.get(method)
        if unsupported is not None:
            if unsupported.missing is Missing.SILENT:
                return None
            return ErrorReply(ERROR_METHOD_NOT_FOUND, "Method not found", unsupported.data)
        args = params if isinstance(params, dict) else {}
        instance = _int(args.get("id")) or 0
        self.physics.advance()
        if method in WRITE_METHODS:
            if reject_first_write and method not in self.rejected_writes:
                self.rejected_writes.add(method)
                return encode.set_result(instance, False)  # "busy"
            answer = self._write(method, args, instance)
            if isinstance(answer, dict) and answer.get("set_result") is True:
                self.executed_writes.append((method, args))
            return answer
        return self._read(method, args, instance)

    def _read(self, method: str, args: dict[str, object], instance: int) -> Answer:
        profile, physics, identity = self.profile, self.physics, self.identity
        if method == GET_DEVICE:
            target = args.get("ble_mac", "0")
            if isinstance(target, str) and target not in ("0", "", identity.ble_mac):
                return None  # addressed to another battery
            return encode.get_device(profile, identity)
        if method == WIFI_STATUS:
            now = physics.clock.now()
            return encode.wifi_status(instance, identity, now.hour * 60 + now.minute)
        if method == BLE_STATUS:
            return encode.ble_status(instance, identity)
        if method == BAT_STATUS:
            return encode.battery_status(instance, profile, physics)
        if method == PV_STATUS:
            return encode.pv_status(instance, physics)
        if method == ES_STATUS:
            return encode.es_status(instance, profile, physics)
        if method == ES_MODE:
            return encode.es_mode(instance, profile, physics)
        if method == EM_STATUS:
            return encode.em_status(instance, profile, physics)
        return METHOD_NOT_FOUND  # pragma: no cover - every read method is listed above

    def _write(self, method: str, args: dict[str, object], instance: int) -> Answer:
        settings = self.physics.settings
        if method == SET_MODE:
            return self._set_mode(args, instance)
        if method == DOD_SET:
            # The PDF's table writes `Value`, its example `value`: accept both.
            value = _int(args.get("value", args.get("Value")))
            if value is None or value not in DOD_RANGE:
                return encode.set_result(instance, False)
            self.physics.set_dod(value)
            return encode.set_result(instance, True)
        if method == LED_CTRL:
            state = _int(args.get("state"))
            if state not in (0, 1):
                return encode.set_result(instance, False)
            settings.led = state == 1
            return encode.set_result(instance, True)
        if method == BLE_ADV:
            # Firmware polarity (opposite to the PDF): 1 starts advertising, 0 stops it.
            enable = _int(args.get("enable"))
            if enable not in (0, 1):
                return encode.set_result(instance, False)
            settings.ble_adv = enable == 1
            return encode.set_result(instance, True)
        if method == SET_VER:
            version = _int(args.get("version"))
            return encode.set_result(instance, version in POWER_CLASSES)
        if method == RESET_FACTORY:
            kind = _int(args.get("type"))
            if kind not in (1, 2):
                return encode.set_result(instance, False)
            self.physics.reset_settings()
            if kind == 1:
                self.physics.reset_counters()
            return encode.set_result(instance, True)
        if method == WIFI_SET_CONFIG:
            return encode.set_result(instance, isinstance(args.get("ssid"), str))
        return METHOD_NOT_FOUND  # pragma: no cover - every write method is listed above

    def _set_mode(self, args: dict[str, object], instance: int) -> Answer:
        refused = encode.set_result(instance, False)
        config = args.get("config")
        if not isinstance(config, dict):
            return refused  # the config block is required
        name = config.get("mode")
        mode = _MODE_NAMES.get(name) if isinstance(name, str) else None
        if mode is None:
            return refused
        if mode is Mode.UPS and not self.profile.ups_supported:
            return METHOD_NOT_FOUND
        cfg = config.get(_CFG_KEYS[mode])
        if not isinstance(cfg, dict):
            return refused  # without its <mode>_cfg block the device answers false
        if mode is Mode.MANUAL:
            return self._set_manual(cfg, instance)
        if mode is Mode.PASSIVE:
            if not self.profile.passive_supported:
                return refused
            power = _int(cfg.get("power"))
            countdown = _int(cfg.get("cd_time"))
            if power is None or abs(power) > POWER_LIMIT or countdown is None or countdown < 0:
                return refused
            self.physics.set_passive(power, float(countdown))
            return encode.set_result(instance, True)
        if _int(cfg.get("enable")) != 1:
            return refused
        self.physics.set_mode(mode)
        return encode.set_result(instance, True)

    def _set_manual(self, cfg: dict[str, object], instance: int) -> Answer:
        refused = encode.set_result(instance, False)
        slot = _int(cfg.get("time_num"))
        if slot is None:
            return refused
        if not 0 <= slot < self.profile.manual_slots:
            return INVALID_PARAMS
        start = _hhmm(cfg.get("start_time"))
        end = _hhmm(cfg.get("end_time"))
        week_set = _int(cfg.get("week_set"))
        power = _int(cfg.get("power"))
        enable = _int(cfg.get("enable"))
        if (
            start is None
            or end is None
            or week_set is None
            or not 0 <= week_set <= 127
            or power is None
            or abs(power) > POWER_LIMIT
            or enable not in (0, 1)
        ):
            return refused
        period = ManualPeriod(slot, start, end, week_set, power, enable == 1)
        self.physics.set_manual_period(period)
        return encode.set_result(instance, True)
