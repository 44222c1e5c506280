"""Requests, replies and routes: how an area declares the HTTP calls it answers.

A route names its surface (which decides error shape, authentication, rate limiting,
faults and logging, see :mod:`.dispatch`), a method and a path template such as
``/api/v2/custom-domains/{id}``, and optionally a ``when`` predicate on the whole request
(headers, host), so that two areas can serve the same method and path for different
callers. A route with a predicate is tried before any route without one.
"""

from __future__ import annotations

import enum
import json
import re
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterable
from urllib.parse import parse_qsl, unquote, urlsplit

API_PREFIX = "/api/v2"
ADMIN_PREFIX = "/__emulator"


class Surface(enum.Enum):
    """Who a route serves; decides the pipeline a request goes through."""

    MANAGEMENT = "management"  # /api/v2: bearer token, scope, rate-limit bucket, Auth0 error bodies
    AUTHENTICATION = "authentication"  # /oauth/*, /.well-known/*: OAuth error bodies, no bearer token
    ADMIN = "admin"  # /__emulator: test control; not logged, no faults, loopback callers only


def surface_of(path: str) -> Surface:
    """The surface an unrouted path belongs to (for its 404 and for fault replies)."""
    if path == ADMIN_PREFIX or path.startswith(ADMIN_PREFIX + "/"):
        return Surface.ADMIN
    if path == API_PREFIX or path.startswith(API_PREFIX + "/"):
        return Surface.MANAGEMENT
    return Surface.AUTHENTICATION


class BadBody(Exception):
    """The request body is not valid JSON (or form data) although the route reads one."""


@dataclass(frozen=True)
class Site:
    """Where the emulator is reachable, as the areas need to know it (token audiences, config)."""

    base_url: str
    audience: str
    accepted_audiences: frozenset[str]
    # ``host:port`` spellings of the emulator's own loopback address (lower case): the only
    # Host values its admin surface answers to.
    authorities: frozenset[str] = frozenset()
    # Set on a listener that stands for a custom domain's origin (Auth0's
    # ``<tenant>-cd-<id>.edge.tenants.<region>.auth0.com``): every Authentication API request
    # reaching it (token, discovery, JWKS) came "through an edge" and must bring the domain's
    # ``cname-api-key``; the canonical address is elsewhere. Other routes do not read this flag.
    custom_domain_origin: bool = False

    def as_custom_domain_origin(self) -> "Site":
        return replace(self, custom_domain_origin=True)

    @property
    def origins(self) -> frozenset[str]:
        scheme = self.base_url.split("://", 1)[0]
        return frozenset(f"{scheme}://{authority}" for authority in self.authorities)


class Headers:
    """Case-insensitive, read-only request headers."""

    def __init__(self, items: Iterable[tuple[str, str]] = ()) -> None:
        self._items: dict[str, str] = {}
        for name, value in items:
            # The first of repeated headers wins, as http.client's message.get() does.
            self._items.setdefault(name.lower(), value)

    def get(self, name: str, default: str | None = None) -> str | None:
        return self._items.get(name.lower(), default)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._items

    def __getitem__(self, name: str) -> str:
        return self._items[name.lower()]


@dataclass
class Request:
    """One HTTP request, as the areas see it: no sockets, no HTTP framing."""

    method: str
    path: str
    query: dict[str, str]
    headers: Headers
    raw_body: bytes
    site: Site
    params: dict[str, str] = field(default_factory=dict)
    raw_query: str = ""
    # The bearer token's scopes, once the pipeline has checked it (Management API only).
    scopes: frozenset[str] = frozenset()

    @classmethod
    def build(cls, method: str, target: str, headers: Headers, raw_body: bytes, site: Site) -> "Request":
        parts = urlsplit(target)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        return cls(method.upper(), parts.path, query, headers, raw_body, site, raw_query=parts.query)

    def query_list(self, name: str) -> list[str]:
        """Every value of a repeated query parameter (``?identifiers=a&identifiers=b``)."""
        return [value for key, value in parse_qsl(self.raw_query, keep_blank_values=True) if key == name]

    @property
    def content_type(self) -> str:
        return (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()

    def body(self) -> Any:
        """The parsed body: JSON, or a dict for form posts, or ``None`` when empty."""
        if not self.raw_body.strip():
            return None
        if self.content_type == "application/x-www-form-urlencoded":
            return dict(parse_qsl(self.raw_body.decode("utf-8", "replace"), keep_blank_values=True))
        try:
            return json.loads(self.raw_body)
        except (ValueError, UnicodeDecodeError):
            raise BadBody() from None

    def body_object(self) -> dict[str, Any]:
        """The body if it is an object, else ``{}`` (admin calls and token requests)."""
        data = self.body()
        return data if isinstance(data, dict) else {}


@dataclass
class Reply:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


Action = Callable[[Any, Request], "Reply | tuple[int, Any]"]
Predicate = Callable[[Request], bool]


@dataclass(frozen=True)
class Route:
    surface: Surface
    method: str
    template: str
    action: Action
    # A scope, or several of which the token needs any one.
    scope: str | tuple[str, ...] | None = None
    # Rate-limit bucket a Management API call draws on ("management", or "verify" which also
    # draws on the management bucket); None charges nothing.
    bucket: str | None = "management"
    when: Predicate | None = None
    # Set when an area's routes are registered: the object the action receives.
    target: str = ""

    @property
    def pattern(self) -> re.Pattern[str]:
        return _compile(self.template)

    def bound(self, target: str) -> "Route":
        return Route(self.surface, self.method, self.template, self.action, self.scope, self.bucket, self.when,
                     target)


_TEMPLATES: dict[str, re.Pattern[str]] = {}


def _compile(template: str) -> re.Pattern[str]:
    pattern = _TEMPLATES.get(template)
    if pattern is None:
        regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
        pattern = _TEMPLATES[template] = re.compile(f"^{regex}$")
    return pattern


def api(method: str, path: str, scope: str | tuple[str, ...], action: Action, *, bucket: str = "management",
        when: Predicate | None = None) -> Route:
    """A Management API route; ``path`` is relative to ``/api/v2``.

    Actions parse the body themselves (``request.body()``), after authentication and rate
    limiting, so that a bad body on an unauthorised call still answers 401 as Auth0 does.
    """
    return Route(Surface.MANAGEMENT, method, API_PREFIX + path, action, scope, bucket, when)


def auth(method: str, path: str, action: Action, *, when: Predicate | None = None) -> Route:
    """An Authentication API route (OAuth error bodies, no bearer token, not rate limited here)."""
    return Route(Surface.AUTHENTICATION, method, path, action, None, None, when)


def admin(method: str, path: str, action: Action) -> Route:
    """A test-control route; ``path`` is relative to ``/__emulator``."""
    return Route(Surface.ADMIN, method, ADMIN_PREFIX + path, action, None, None)


class Router:
    """Matches requests to routes: predicate routes first, then plain ones, each in registration order."""

    def __init__(self) -> None:
        self._guarded: list[Route] = []
        self._plain: list[Route] = []

    def add(self, target: str, routes: Iterable[Route]) -> None:
        for route in routes:
            (self._guarded if route.when is not None else self._plain).append(route.bound(target))

    @property
    def routes(self) -> tuple[Route, ...]:
        return (*self._guarded, *self._plain)

    def match(self, request: Request) -> Route | None:
        """The route for this request; fills ``request.params`` from the path."""
        for route in self.routes:
            if route.method != request.method:
                continue
            found = route.pattern.match(request.path)
            if found is None or (route.when is not None and not route.when(request)):
                continue
            request.params = {key: unquote(value) for key, value in found.groupdict().items()}
            return route
        return None


def as_reply(result: "Reply | tuple[int, Any]") -> Reply:
    if isinstance(result, Reply):
        return result
    status, body = result
    return Reply(status, body)


__all__ = [
    "ADMIN_PREFIX",
    "API_PREFIX",
    "BadBody",
    "Headers",
    "Reply",
    "Request",
    "Route",
    "Router",
    "Site",
    "Surface",
    "admin",
    "api",
    "as_reply",
    "auth",
    "surface_of",
]
