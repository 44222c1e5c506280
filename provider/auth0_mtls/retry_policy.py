"""The one retry policy for every Management API call.

urllib3's ``Retry`` already does capped exponential backoff with jitter and honours ``Retry-After``;
this subclass adds what Auth0 needs on top: waiting for ``X-RateLimit-Reset`` (Auth0 sends that, not
``Retry-After``, on a 429) and a bound on the total time one request may spend waiting, so a
sustained 429 ends in a clear error instead of an endless deploy. Its waits go through
``retry.pause`` (short slices, the engine's liveness, the operation's deadline).
"""

from __future__ import annotations

import random
import time
from typing import Any

from urllib3.response import BaseHTTPResponse
from urllib3.util.retry import Retry

from .retry import (
    DEFAULT_WAIT_BUDGET_SECONDS,
    MAX_SINGLE_WAIT_SECONDS,
    RETRY_STATUSES,
    RetryBudgetExhausted,
    pause,
    wait_budget_from_env,
)


class Auth0Retry(Retry):
    """``Retry`` that understands Auth0's rate-limit headers and caps the total wait of one request."""

    def __init__(self, *args: Any, wait_budget: float = DEFAULT_WAIT_BUDGET_SECONDS, waited: float = 0.0,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.wait_budget = wait_budget
        self.waited = waited

    @classmethod
    def default(cls, wait_budget: float | None = None) -> "Auth0Retry":
        return cls(
            total=8,
            connect=4,
            read=4,
            status=8,
            other=0,
            redirect=0,
            # Every method: a POST whose response was lost is retried too. The callers make that safe
            # (create adopts the domain it finds on 409, verify and PATCH are idempotent).
            allowed_methods=None,
            status_forcelist=RETRY_STATUSES,
            backoff_factor=0.5,
            backoff_max=10.0,
            backoff_jitter=0.5,
            respect_retry_after_header=True,
            raise_on_status=False,
            retry_after_max=int(MAX_SINGLE_WAIT_SECONDS),
            wait_budget=wait_budget_from_env() if wait_budget is None else wait_budget,
        )

    def new(self, **kw: Any) -> "Auth0Retry":
        kw.setdefault("wait_budget", self.wait_budget)
        kw.setdefault("waited", self.waited)
        return super().new(**kw)

    def increment(self, method: str | None = None, url: str | None = None, *args: Any, **kwargs: Any) -> "Auth0Retry":
        response = kwargs.get("response") if "response" in kwargs else (args[0] if args else None)
        new = super().increment(method, url, *args, **kwargs)
        if response is not None and response.status == 429:
            # Rate limiting is bounded by the wait budget, not by a count: on a busy tenant several
            # workers can lose the race for the next token a few times in a row without anything
            # being wrong. 5xx and connection errors keep their counts.
            new.total = self.total
            new.status = self.status
        return new

    def get_retry_after(self, response: BaseHTTPResponse) -> float | None:
        seconds = super().get_retry_after(response)
        if seconds is not None:
            return seconds
        if response.status != 429:
            return None
        reset = response.headers.get("x-ratelimit-reset")
        if not reset:
            return None
        try:
            seconds = float(reset) - time.time()
        except ValueError:
            return None
        # The header has one-second resolution; a little jitter keeps the provider's four worker
        # threads from all arriving in the same instant the bucket refills.
        seconds = max(0.05, seconds) + random.uniform(0.0, 0.2)
        return min(seconds, MAX_SINGLE_WAIT_SECONDS)

    def _planned_wait(self, response: BaseHTTPResponse | None) -> float:
        if response is not None and self.respect_retry_after_header:
            after = self.get_retry_after(response)
            if after:
                return after
        return self.get_backoff_time()

    def sleep(self, response: BaseHTTPResponse | None = None) -> None:
        wait = self._planned_wait(response)
        status = response.status if response is not None else None
        error = self.history[-1].error if response is None and self.history else None
        if self.waited + wait > self.wait_budget:
            raise RetryBudgetExhausted(status, self.waited, wait, error)
        if wait > 0:
            try:
                pause(wait, status)
            except RetryBudgetExhausted as exc:
                raise RetryBudgetExhausted(status, self.waited, wait, error, past_deadline=True) from exc
            self.waited += wait
