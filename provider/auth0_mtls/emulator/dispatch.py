"""The request pipeline: faults, authentication, rate limits, the area's action, the call log.

The same steps apply to every route of a surface, so an area only declares routes; the
HTTP server only turns bytes into a :class:`Request` and a :class:`Reply` (or ``None``,
meaning "drop the connection") back into bytes.
"""

from __future__ import annotations

import math
import sys
import threading
import traceback
from typing import TYPE_CHECKING, Any

from .errors import ApiError, OAuthError, not_found_route
from .faults import FaultRule
from .ratelimit import BucketStatus
from .router import BadBody, Reply, Request, Route, Surface, as_reply, surface_of

if TYPE_CHECKING:
    from .state import EmulatorState

# Auth0 documents 30 requests/second for /oauth/token on the smallest plan; only used to
# fill headers of injected 429s on that endpoint.
TOKEN_ENDPOINT_LIMIT = 30

INTERNAL_ERROR = {"statusCode": 500, "error": "Internal Server Error", "message": "emulator failure",
                  "errorCode": "internal_server_error"}


class Dispatcher:
    def __init__(self, state: "EmulatorState", stopping: threading.Event | None = None) -> None:
        self.state = state
        # Set when the emulator stops, so that injected delays end with it.
        self.stopping = stopping or threading.Event()

    def handle(self, request: Request) -> Reply | None:
        """The reply to send, or ``None`` to drop the connection without one."""
        try:
            if surface_of(request.path) is Surface.ADMIN:
                return self._admin(request)
            return self._public(request)
        except Exception:  # pragma: no cover - a bug in the emulator must be visible, not silent
            traceback.print_exc(file=sys.stderr)
            return Reply(500, INTERNAL_ERROR)

    # -------------------------------------------------------------- Management and Authentication APIs

    def _public(self, request: Request) -> Reply | None:
        state = self.state
        route = state.router.match(request)
        fault = state.take_fault(request.method, request.path)
        if fault is not None and fault.kind == "slow":
            self.stopping.wait(fault.delay_seconds)

        def log(status: int | None, outcome: str, applied: bool) -> None:
            if fault is not None:
                outcome = f"fault:{fault.kind}"
            state.record_call(method=request.method, path=request.path, query=request.query, status=status,
                              outcome=outcome, applied=applied)

        if fault is not None and fault.kind == "drop_before":
            log(None, "", False)
            return None
        if fault is not None and fault.kind == "status":
            reply = self._fault_reply(fault, route, request.path)
            log(reply.status, "", False)
            return reply

        reply, outcome = self._serve(route, request)
        applied = 200 <= reply.status < 300
        if fault is not None and fault.kind == "drop_after":
            log(None, outcome, applied)
            return None
        # Logged before any hang, so a test can see the call applied while its answer is held.
        log(reply.status, outcome, applied)
        if fault is not None and fault.kind == "hang_after":
            self.stopping.wait(fault.delay_seconds)
        return reply

    def _serve(self, route: Route | None, request: Request) -> tuple[Reply, str]:
        """The reply and the call log's outcome (``ok``, ``error``, ``rate_limited``)."""
        state = self.state
        if route is None:
            # Route lookup precedes authentication in hapi, so unknown paths 404 even without a token.
            error = not_found_route()
            headers = state.peek("management").headers() if surface_of(request.path) is Surface.MANAGEMENT else {}
            return Reply(error.status, error.body(), headers), "error"
        target = state.target(route.target)
        if route.surface is Surface.MANAGEMENT:
            return self._management(route, target, request)
        try:
            return as_reply(route.action(target, request)), "ok"
        except BadBody:
            return Reply(400, {"error": "invalid_request", "error_description": "Invalid JSON body"}), "error"
        except (OAuthError, ApiError) as exc:
            return Reply(exc.status, exc.body()), "error"

    def _management(self, route: Route, target: Any, request: Request) -> tuple[Reply, str]:
        state = self.state
        bucket = route.bucket or "management"
        try:
            if route.scope is not None:
                request.scopes = state.authorize(request.headers.get("Authorization"), route.scope)
        except ApiError as exc:
            return Reply(exc.status, exc.body(), state.peek(bucket).headers()), "error"
        limits = state.peek(bucket)
        if route.bucket is not None:
            try:
                limits = state.charge(route.bucket)
            except ApiError as exc:
                return Reply(exc.status, exc.body(), exc.headers), "rate_limited"
        try:
            reply = as_reply(route.action(target, request))
        except BadBody:
            error = ApiError(400, "Bad Request", "Invalid request payload JSON format", "invalid_body")
            return Reply(error.status, error.body(), limits.headers()), "error"
        except ApiError as exc:
            return Reply(exc.status, exc.body(), limits.headers()), "error"
        reply.headers = {**limits.headers(), **reply.headers}
        return reply, "ok"

    def _fault_reply(self, fault: FaultRule, route: Route | None, path: str) -> Reply:
        status, reason, message, code = fault.error_fields()
        state = self.state
        management = (route.surface if route else surface_of(path)) is Surface.MANAGEMENT
        headers: dict[str, str] = {}
        if management:
            body: Any = {"statusCode": status, "error": reason, "message": message, "errorCode": code}
            current = state.peek((route.bucket if route else None) or "management")
        else:
            body = {"error": code, "error_description": message}
            current = BucketStatus(TOKEN_ENDPOINT_LIMIT, TOKEN_ENDPOINT_LIMIT, math.ceil(state.now()))
        if status == 429:
            after = fault.reset_after_seconds if fault.reset_after_seconds is not None else 1
            current = BucketStatus(current.limit, 0, math.ceil(state.now() + float(after)))
        if management or status == 429:
            headers.update(current.headers())
        if fault.retry_after is not None:
            headers["Retry-After"] = str(fault.retry_after)
        return Reply(status, body, headers)

    # -------------------------------------------------------------- test control

    def _admin(self, request: Request) -> Reply:
        refusal = admin_refusal(request)
        if refusal is not None:
            return Reply(403, {"error": refusal})
        route = self.state.router.match(request)
        if route is None or route.surface is not Surface.ADMIN:
            return Reply(404, {"error": "not found"})
        try:
            return as_reply(route.action(self.state.target(route.target), request))
        except BadBody:
            return Reply(400, {"error": "invalid JSON body"})
        except (ValueError, TypeError, KeyError) as exc:
            return Reply(400, {"error": str(exc)})


def admin_refusal(request: Request) -> str | None:
    """Why an admin call is refused, if it is: it must name this emulator's own loopback
    address as its Host (a DNS-rebinding page names its own host) and carry no foreign
    Origin (a cross-site page's requests carry its own), so that no web page can reset the
    emulator, read its state or inject faults."""
    site = request.site
    host = (request.headers.get("Host") or "").strip().lower()
    if host not in site.authorities:
        return f"admin requests must be addressed to this emulator's loopback address (Host {host or 'missing'!r})"
    origin = request.headers.get("Origin")
    if origin is not None and origin.strip().lower() not in site.origins:
        return f"admin requests from other origins are refused (Origin {origin!r})"
    return None
