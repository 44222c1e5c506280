"""Fault rules: scripted failures that exercise a client's retry and recovery paths."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, Mapping

# status: answer with an error, no effect. drop_before: close without effect. drop_after: apply,
# then close without answering. slow: wait, then serve. hang_after: apply, then hold the answer
# for delay_seconds (a client that gives up, or is killed, never learns the call succeeded).
FAULT_KINDS = ("status", "drop_before", "drop_after", "slow", "hang_after")

# Auth0 publishes no bodies for its 5xx answers; these follow the shape of its 4xx
# bodies so that clients exercise the same parsing path.
_DEFAULT_ERRORS: dict[int, tuple[str, str]] = {
    429: ("Global limit has been reached", "too_many_requests"),
    500: ("Internal Server Error", "internal_server_error"),
    502: ("Bad Gateway", "bad_gateway"),
    503: ("The service is temporarily unavailable. Please try again later.", "service_unavailable"),
    504: ("Gateway Timeout", "gateway_timeout"),
}


def default_error(status: int) -> tuple[str, str]:
    """(message, errorCode) used when a status fault does not name its own."""
    if status in _DEFAULT_ERRORS:
        return _DEFAULT_ERRORS[status]
    phrase = _reason(status)
    return phrase, re.sub(r"[^a-z0-9]+", "_", phrase.lower()).strip("_")


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


@dataclass
class FaultRule:
    id: str
    kind: str
    method: str | None = None
    path: str | None = None
    path_regex: str | None = None
    status: int | None = None
    count: int | None = 1
    fraction: float | None = None
    seed: int | None = None
    delay_seconds: float = 0.0
    reset_after_seconds: float | None = None
    retry_after: int | None = None
    message: str | None = None
    error_code: str | None = None
    fired: int = 0
    _pattern: re.Pattern[str] | None = field(default=None, repr=False)
    _rng: random.Random = field(default_factory=random.Random, repr=False)

    @classmethod
    def from_json(cls, rule_id: str, data: Mapping[str, Any]) -> "FaultRule":
        """Validate an admin request body; raises ValueError with a readable reason."""
        allowed = {
            "method", "path", "path_regex", "kind", "status", "count", "fraction", "seed",
            "delay_seconds", "reset_after_seconds", "retry_after", "message", "error_code",
        }
        unknown = set(data) - allowed
        if unknown:
            raise ValueError(f"unknown fault keys: {sorted(unknown)}")
        kind = data.get("kind")
        if kind not in FAULT_KINDS:
            raise ValueError(f"kind must be one of {list(FAULT_KINDS)}")
        status = data.get("status")
        if kind == "status":
            if not isinstance(status, int) or isinstance(status, bool) or not 400 <= status <= 599:
                raise ValueError("a status fault needs an integer status between 400 and 599")
        fraction = data.get("fraction")
        if fraction is not None and (not isinstance(fraction, (int, float)) or not 0.0 <= float(fraction) <= 1.0):
            raise ValueError("fraction must be a number between 0 and 1")
        count = data.get("count", None if fraction is not None else 1)
        if count is not None and (not isinstance(count, int) or isinstance(count, bool) or count < 1):
            raise ValueError("count must be a positive integer")
        delay = data.get("delay_seconds", 0.0)
        if not isinstance(delay, (int, float)) or delay < 0:
            raise ValueError("delay_seconds must be a non-negative number")
        if kind in ("slow", "hang_after") and delay <= 0:
            raise ValueError(f"a {kind} fault needs delay_seconds > 0")
        method = data.get("method")
        if method is not None and not isinstance(method, str):
            raise ValueError("method must be a string")
        path_regex = data.get("path_regex")
        pattern = None
        if path_regex is not None:
            try:
                pattern = re.compile(str(path_regex))
            except re.error as exc:
                raise ValueError(f"invalid path_regex: {exc}") from exc
        seed = data.get("seed")
        rule = cls(
            id=rule_id,
            kind=kind,
            method=None if method in (None, "*") else method.upper(),
            path=data.get("path"),
            path_regex=path_regex,
            status=status if kind == "status" else None,
            count=count,
            fraction=float(fraction) if fraction is not None else None,
            seed=seed,
            delay_seconds=float(delay),
            reset_after_seconds=data.get("reset_after_seconds"),
            retry_after=data.get("retry_after"),
            message=data.get("message"),
            error_code=data.get("error_code"),
        )
        rule._pattern = pattern
        rule._rng = random.Random(seed)
        return rule

    @property
    def exhausted(self) -> bool:
        return self.count is not None and self.count <= 0

    def matches(self, method: str, path: str) -> bool:
        if self.exhausted:
            return False
        if self.method is not None and self.method != method.upper():
            return False
        if self._pattern is not None:
            return self._pattern.fullmatch(path) is not None
        return self.path is None or self.path == path

    def fire(self) -> bool:
        """Decide whether this matching call is affected; consumes one count if so."""
        if self.fraction is not None and self._rng.random() >= self.fraction:
            return False
        self.fired += 1
        if self.count is not None:
            self.count -= 1
        return True

    def error_fields(self) -> tuple[int, str, str, str]:
        """(status, reason phrase, message, errorCode) of a status fault's reply."""
        status = self.status or 503
        message, code = default_error(status)
        return status, _reason(status), self.message or message, self.error_code or code

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "kind": self.kind,
            "method": self.method,
            "path": self.path,
            "path_regex": self.path_regex,
            "remaining": self.count,
            "fired": self.fired,
        }
        optional = {
            "status": self.status,
            "fraction": self.fraction,
            "seed": self.seed,
            "delay_seconds": self.delay_seconds or None,
            "reset_after_seconds": self.reset_after_seconds,
            "retry_after": self.retry_after,
            "message": self.message,
            "error_code": self.error_code,
        }
        data.update({key: value for key, value in optional.items() if value is not None})
        return data


class FaultRegistry:
    """The scripted faults of one emulator; thread-safe through the tenant's lock."""

    def __init__(self, lock: Any) -> None:
        self._lock = lock
        self.clear()

    def clear(self) -> None:
        with self._lock:
            self._rules: list[FaultRule] = []
            self._seq = 0

    def add(self, spec: Mapping[str, Any]) -> dict[str, Any]:
        """Register a rule (see :class:`FaultRule`); raises ValueError on a bad spec."""
        with self._lock:
            self._seq += 1
            rule = FaultRule.from_json(f"fault_{self._seq}", spec)
            self._rules.append(rule)
            return rule.to_json()

    def take(self, method: str, path: str) -> FaultRule | None:
        """The rule that fires for this call, if any (its count is consumed)."""
        with self._lock:
            for rule in self._rules:
                if rule.matches(method, path) and rule.fire():
                    return rule
            return None

    def remove(self, fault_id: str) -> bool:
        with self._lock:
            before = len(self._rules)
            self._rules = [rule for rule in self._rules if rule.id != fault_id]
            return len(self._rules) != before

    def list(self) -> list[dict[str, Any]]:
        with self._lock:
            return [rule.to_json() for rule in self._rules]
