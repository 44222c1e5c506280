"""The emulated tenant: its API areas plus faults, rate limits and the call log; no HTTP.

Every area method takes the tenant's single re-entrant lock, so each API call is atomic
with respect to the others (concurrent creates of one name yield exactly one 201). Errors
are raised as :class:`ApiError`/:class:`OAuthError` carrying Auth0's exact bodies.

The flat methods below (``create_custom_domain``, ``publish_dns``, ...) are the stable
Python API tests use; each area is also reachable as ``state.area(name)`` or as an
attribute named after it (``state.custom_domains``).
"""

from __future__ import annotations

import copy
import time
from typing import Any, Callable, Collection, Iterable, Mapping

from . import admin
from .areas import AREAS, all_scopes
from .calllog import CallLog
from .custom_domains import CustomDomains
from .errors import ApiError, OAuthError, too_many_requests
from .faults import FaultRegistry, FaultRule
from .management_auth import ManagementAuth
from .ratelimit import DEFAULT_VERIFY_RATE, BucketStatus, RateLimitConfig, RateLimits
from .router import Router
from .store import Area, Config, Store
from .tenant_settings import TenantSettings

ALL_SCOPES: tuple[str, ...] = all_scopes()
BucketKind = str
_UNSET: Any = object()


class EmulatorState:
    """In-memory Auth0 tenant: every registered API area, DNS, tokens, limits, faults, call log."""

    def __init__(
        self,
        *,
        client_id: str = "emulator-client",
        client_secret: str = "emulator-secret",
        auto_dns: bool = False,
        verify_rate: RateLimitConfig | None = DEFAULT_VERIFY_RATE,
        management_rate: RateLimitConfig | None = None,
        token_ttl: int = 86400,
        scopes: Iterable[str] = ALL_SCOPES,
        api_token: str | None = None,
        tenant_settings: Mapping[str, Any] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._config = Config(
            client_id=client_id,
            client_secret=client_secret,
            auto_dns=auto_dns,
            verify_rate=verify_rate,
            management_rate=management_rate,
            token_ttl=int(token_ttl),
            scopes=tuple(scopes),
            api_token=api_token,
            tenant_settings=copy.deepcopy(dict(tenant_settings)) if tenant_settings is not None else None,
            clock=clock,
            all_scopes=ALL_SCOPES,
        )
        self.store = Store(clock)
        self._lock = self.store.lock
        self._clock = clock
        self._faults = FaultRegistry(self._lock)
        self._calls = CallLog(self._lock, clock)
        self._limits = RateLimits(self._lock, clock)
        self.areas: dict[str, Area] = {}
        for area_type in AREAS:
            self.areas[area_type.name] = area_type(self.store, self._config)
        self.store.areas = self.areas
        self.router = Router()
        self.router.add("", admin.ROUTES)
        for name, area in self.areas.items():
            self.router.add(name, area.routes)
        self.reset()

    # ------------------------------------------------------------------ areas

    def area(self, name: str) -> Any:
        return self.areas[name]

    def __getattr__(self, name: str) -> Any:
        areas = self.__dict__.get("areas")
        if areas is not None and name in areas:
            return areas[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def target(self, name: str) -> Any:
        """What a route's action receives: an area, or this state for the core admin routes."""
        return self.areas[name] if name else self

    @property
    def _auth(self) -> ManagementAuth:
        return self.areas["management_auth"]  # type: ignore[return-value]

    @property
    def _domains(self) -> CustomDomains:
        return self.areas["custom_domains"]  # type: ignore[return-value]

    @property
    def _settings(self) -> TenantSettings:
        return self.areas["tenant_settings"]  # type: ignore[return-value]

    # ------------------------------------------------------------------ lifecycle

    def reset(self) -> None:
        """Back to the start state: no domains, default settings, fresh buckets, no faults or log."""
        with self._lock:
            for area in self.areas.values():
                area.reset()
            self._limits.configure(self._config.management_rate, self._config.verify_rate)
            self._faults.clear()
            self._calls.clear()

    @property
    def client_id(self) -> str:
        return self._config.client_id

    def now(self) -> float:
        """The state's clock (injectable in tests), for timestamps computed outside it."""
        return self._clock()

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            out: dict[str, Any] = {}
            for area in self.areas.values():
                out.update(area.snapshot())
            return out

    def load(self, snapshot: Mapping[str, Any]) -> dict[str, Any]:
        """Replace the tenant's data with a snapshot of the shape :meth:`snapshot` returns.

        Ids, statuses, verification records, origin names, DNS and tenant settings are kept
        exactly; an optional ``cname_api_keys`` (``{custom_domain_id: plaintext}``) restores
        keys an edge may present. Tokens, faults, rate limits and the call log are control
        state, not tenant data, and stay as they are. Raises ValueError (and changes
        nothing) on a malformed snapshot. Returns the resulting snapshot.
        """
        if not isinstance(snapshot, Mapping):
            raise ValueError("a snapshot must be a JSON object")
        known = {key for area in self.areas.values() for key in area.snapshot_keys}
        unknown = sorted(set(snapshot) - known)
        if unknown:
            raise ValueError(f"unknown snapshot keys {unknown}; known: {sorted(known)}")
        with self._lock:
            installs = [area.prepare_load(snapshot) for area in self.areas.values()]
            for install in installs:
                install()
            return self.snapshot()

    # ------------------------------------------------------------------ tokens

    def issue_token(self, params: Mapping[str, Any], accepted_audiences: Collection[str],
                    basic_auth: tuple[str, str] | None = None) -> dict[str, Any]:
        return self._auth.issue_token(params, accepted_audiences, basic_auth)

    def authorize(self, authorization: str | None, scope: str | tuple[str, ...]) -> frozenset[str]:
        return self._auth.authorize(authorization, scope)

    def register_token(self, token: str, scopes: Iterable[str] = ALL_SCOPES, ttl: float | None = None) -> None:
        """Pre-register a bearer token (``--api-token``); ``ttl=None`` never expires."""
        self._auth.register_token(token, scopes, ttl)

    def revoke_tokens(self, include_static: bool = False) -> int:
        """Forget issued tokens so that clients see 401 and must fetch a new one."""
        return self._auth.revoke_tokens(include_static)

    def expire_tokens(self) -> int:
        """Make issued tokens answer "Expired token" from now on."""
        return self._auth.expire_tokens()

    def set_granted_scopes(self, scopes: Iterable[str]) -> None:
        """Scopes placed in tokens issued from now on."""
        self._auth.set_granted_scopes(scopes)

    @property
    def granted_scopes(self) -> tuple[str, ...]:
        return self._auth.granted_scopes

    # ------------------------------------------------------------------ rate limits

    def charge(self, kind: BucketKind) -> BucketStatus:
        """Take one token from every bucket the call draws on, or none (429) if any is empty."""
        with self._lock:
            status = self._limits.charge(kind)
            if status is None:
                raise too_many_requests(self._limits.last_refusal.headers())
            return status

    def peek(self, kind: BucketKind) -> BucketStatus:
        return self._limits.peek(kind)

    def set_rate_limits(self, management: RateLimitConfig | None = _UNSET,
                        verify: RateLimitConfig | None = _UNSET) -> None:
        """Replace a bucket (full) or disable it with ``None``; omitted arguments stay as they are."""
        named = {"management": management, "verify": verify}
        self._limits.replace(**{name: config for name, config in named.items() if config is not _UNSET})

    def rate_limits(self) -> dict[str, Any]:
        return self._limits.to_json()

    # ------------------------------------------------------------------ custom domains

    @property
    def auto_dns(self) -> bool:
        return self._domains.auto_dns

    @auto_dns.setter
    def auto_dns(self, enabled: bool) -> None:
        self._domains.auto_dns = bool(enabled)

    def create_custom_domain(self, body: Any) -> dict[str, Any]:
        return self._domains.create(body)

    def get_custom_domain(self, domain_id: str) -> dict[str, Any]:
        return self._domains.get(domain_id)

    def list_custom_domains(self, query: Mapping[str, str] | None = None) -> list[dict[str, Any]] | dict[str, Any]:
        return self._domains.list(query)

    def update_custom_domain(self, domain_id: str, body: Any) -> dict[str, Any]:
        return self._domains.update(domain_id, body)

    def delete_custom_domain(self, domain_id: str) -> None:
        self._domains.delete(domain_id)

    def verify_custom_domain(self, domain_id: str) -> dict[str, Any]:
        return self._domains.verify(domain_id)

    def cname_api_key_issued(self, domain_id: str) -> bool:
        return self._domains.cname_api_key_issued(domain_id)

    def check_cname_api_key(self, domain_id: str, key: str) -> bool:
        """Whether ``key`` is the one handed out for this domain (edge-side check)."""
        return self._domains.check_cname_api_key(domain_id, key)

    def set_domain_status(self, domain_id: str, status: str, verification_status: str | None = _UNSET,
                          error_msg: str | None = _UNSET) -> dict[str, Any]:
        """Test hook: force states the API can reach on its own over time (e.g. ``failed``)."""
        kwargs: dict[str, Any] = {}
        if verification_status is not _UNSET:
            kwargs["verification_status"] = verification_status
        if error_msg is not _UNSET:
            kwargs["error_msg"] = error_msg
        return self._domains.set_status(domain_id, status, **kwargs)

    def publish_dns(self, name: str, record_type: str, value: str) -> dict[str, str]:
        return self._domains.publish_dns(name, record_type, value)

    def unpublish_dns(self, name: str) -> bool:
        return self._domains.unpublish_dns(name)

    def dns_records(self) -> dict[str, dict[str, str]]:
        return self._domains.dns_records()

    def publish_expected_dns(self, domain_id: str) -> dict[str, str]:
        """Publish exactly the record the domain's verification method asks for."""
        return self._domains.publish_expected_dns(domain_id)

    # ------------------------------------------------------------------ tenant settings

    def get_tenant_settings(self, query: Mapping[str, str] | None = None) -> dict[str, Any]:
        return self._settings.get(query)

    def update_tenant_settings(self, body: Any) -> dict[str, Any]:
        return self._settings.update(body)

    def replace_tenant_settings(self, document: Mapping[str, Any]) -> None:
        self._settings.replace(document)

    # ------------------------------------------------------------------ faults

    def add_fault(self, spec: Mapping[str, Any]) -> dict[str, Any]:
        """Register a fault rule (see :class:`FaultRule`); raises ValueError on a bad spec."""
        return self._faults.add(spec)

    def take_fault(self, method: str, path: str) -> FaultRule | None:
        """The rule that fires for this call, if any (its count is consumed)."""
        return self._faults.take(method, path)

    def remove_fault(self, fault_id: str) -> bool:
        return self._faults.remove(fault_id)

    def faults(self) -> list[dict[str, Any]]:
        return self._faults.list()

    def clear_faults(self) -> None:
        self._faults.clear()

    # ------------------------------------------------------------------ call log

    def record_call(self, *, method: str, path: str, query: Mapping[str, str], status: int | None, outcome: str,
                    applied: bool) -> dict[str, Any]:
        return self._calls.record(method=method, path=path, query=query, status=status, outcome=outcome,
                                  applied=applied)

    def calls(self) -> list[dict[str, Any]]:
        return self._calls.list()

    def clear_calls(self) -> None:
        self._calls.clear()


__all__ = ["ALL_SCOPES", "ApiError", "EmulatorState", "OAuthError"]
