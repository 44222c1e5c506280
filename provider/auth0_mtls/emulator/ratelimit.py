"""Token-bucket rate limiting with Auth0-style ``x-ratelimit-*`` header values.

Auth0 documents its limits as token buckets: the burst is the bucket size and the
sustained rate is the refill rate. Refill here is continuous (fractional tokens), so a
client pacing at exactly the sustained rate is never rejected; only the advertised
reset time is rounded up to whole UNIX seconds, as the real header is.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Callable, Mapping

# Tolerates float error when a client waits exactly 1/rate seconds between calls.
_EPSILON = 1e-6

# Header values reported while the management bucket is disabled: a bucket that never
# drains, so clients that read the headers still find well-formed values.
UNLIMITED_LIMIT = 1000


@dataclass(frozen=True)
class RateLimitConfig:
    """``rate`` tokens are added every ``per_seconds``; the bucket holds ``burst``."""

    rate: float
    per_seconds: float
    burst: int

    def __post_init__(self) -> None:
        if self.rate <= 0 or self.per_seconds <= 0 or self.burst < 1:
            raise ValueError(f"invalid rate limit {self!r}: rate, per_seconds > 0 and burst >= 1 required")

    @property
    def tokens_per_second(self) -> float:
        return self.rate / self.per_seconds

    def to_json(self) -> dict[str, Any]:
        return {"rate": self.rate, "per_seconds": self.per_seconds, "burst": self.burst}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "RateLimitConfig":
        unknown = set(data) - {"rate", "per_seconds", "burst"}
        if unknown:
            raise ValueError(f"unknown rate limit keys: {sorted(unknown)}")
        rate = float(data["rate"])
        per_seconds = float(data.get("per_seconds", 1))
        burst = int(data.get("burst", max(1, math.ceil(rate))))
        return cls(rate=rate, per_seconds=per_seconds, burst=burst)

    @classmethod
    def parse(cls, text: str, *, per_seconds: float | None = None) -> "RateLimitConfig":
        """Parse CLI forms.

        With ``per_seconds`` given, ``text`` is ``RATE/BURST`` (``--rate-limit 2/2`` means
        2 per second, burst 2). Without it, ``text`` is ``N/PERIOD_SECONDS`` and the
        burst equals N (``--verify-rate-limit 5/60``).
        """
        match = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*/\s*([0-9]*\.?[0-9]+)\s*", text)
        if not match:
            raise ValueError(f"expected two numbers separated by '/', got {text!r}")
        first, second = float(match.group(1)), float(match.group(2))
        if per_seconds is not None:
            return cls(rate=first, per_seconds=per_seconds, burst=int(second))
        return cls(rate=first, per_seconds=second, burst=max(1, int(first)))


DEFAULT_VERIFY_RATE = RateLimitConfig(rate=5, per_seconds=60, burst=5)


@dataclass(frozen=True)
class BucketStatus:
    """The three header values of one bucket at one instant."""

    limit: int
    remaining: int
    reset: int

    def headers(self) -> dict[str, str]:
        return {
            "x-ratelimit-limit": str(self.limit),
            "x-ratelimit-remaining": str(self.remaining),
            "x-ratelimit-reset": str(self.reset),
        }


class TokenBucket:
    """Not thread-safe by itself: the owning state object serialises access."""

    def __init__(self, config: RateLimitConfig, clock: Callable[[], float]) -> None:
        self.config = config
        self._clock = clock
        self._tokens = float(config.burst)
        self._updated = clock()

    def _refill(self, now: float) -> None:
        elapsed = max(0.0, now - self._updated)
        self._tokens = min(float(self.config.burst), self._tokens + elapsed * self.config.tokens_per_second)
        self._updated = now

    def has(self, cost: float = 1.0) -> bool:
        self._refill(self._clock())
        return self._tokens + _EPSILON >= cost

    def take(self, cost: float = 1.0) -> None:
        """Callers check :meth:`has` first so that multi-bucket charges stay atomic."""
        self._refill(self._clock())
        self._tokens = max(0.0, self._tokens - cost)

    def status(self) -> BucketStatus:
        now = self._clock()
        self._refill(now)
        whole = int(math.floor(self._tokens + _EPSILON))
        if whole >= self.config.burst:
            reset = math.ceil(now)
        else:
            missing = (whole + 1) - self._tokens
            reset = math.ceil(now + max(0.0, missing) / self.config.tokens_per_second)
        return BucketStatus(limit=self.config.burst, remaining=min(whole, self.config.burst), reset=reset)


def unlimited_status(now: float) -> BucketStatus:
    return BucketStatus(limit=UNLIMITED_LIMIT, remaining=UNLIMITED_LIMIT, reset=math.ceil(now))


class RateLimits:
    """The tenant's two buckets: every Management API call draws on ``management`` (when
    enabled); verify also draws on ``verify``. Thread-safe through the tenant's lock."""

    def __init__(self, lock: Any, clock: Callable[[], float]) -> None:
        self._lock = lock
        self._clock = clock
        self.management: TokenBucket | None = None
        self.verify: TokenBucket | None = None

    def configure(self, management: RateLimitConfig | None, verify: RateLimitConfig | None) -> None:
        """Fresh, full buckets (``None`` disables one)."""
        with self._lock:
            self.management = TokenBucket(management, self._clock) if management else None
            self.verify = TokenBucket(verify, self._clock) if verify else None

    def replace(self, **buckets: RateLimitConfig | None) -> None:
        """Replace the named buckets (``management``, ``verify``) with full ones, or disable them."""
        with self._lock:
            for name, config in buckets.items():
                if name not in ("management", "verify"):
                    raise ValueError(f"unknown bucket {name!r}")
                setattr(self, name, TokenBucket(config, self._clock) if config else None)

    def _chain(self, kind: str) -> list[TokenBucket]:
        chain = [self.management] if self.management else []
        if kind == "verify" and self.verify:
            chain.append(self.verify)
        return chain

    def _reported(self, kind: str) -> BucketStatus:
        if kind == "verify" and self.verify:
            return self.verify.status()
        if self.management:
            return self.management.status()
        return unlimited_status(self._clock())

    def charge(self, kind: str) -> BucketStatus | None:
        """Take one token from every bucket the call draws on and return the reported status,
        or take none and return ``None`` with the empty bucket's status in :attr:`last_refusal`."""
        with self._lock:
            chain = self._chain(kind)
            for bucket in chain:
                if not bucket.has(1):
                    self.last_refusal = bucket.status()
                    return None
            for bucket in chain:
                bucket.take(1)
            return self._reported(kind)

    def peek(self, kind: str) -> BucketStatus:
        with self._lock:
            return self._reported(kind)

    def to_json(self) -> dict[str, Any]:
        with self._lock:
            out: dict[str, Any] = {}
            for name, bucket in (("management", self.management), ("verify", self.verify)):
                if bucket is None:
                    out[name] = None
                else:
                    status = bucket.status()
                    out[name] = {**bucket.config.to_json(), "limit": status.limit, "remaining": status.remaining,
                                 "reset": status.reset}
            return out
