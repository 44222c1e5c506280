"""The emulated tenant: a thread-safe model with no knowledge of HTTP.

Every public method takes the single re-entrant lock, so each API call is atomic with
respect to the others (concurrent creates of one name yield exactly one 201). Errors are
raised as :class:`ApiError`/:class:`OAuthError` carrying Auth0's exact bodies.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import re
import secrets
import string
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Callable, Collection, Iterable, Literal, Mapping

from . import validation as v
from .domains import (
    DomainRecord,
    decode_cursor,
    edge_host,
    encode_cursor,
    iso_ms,
    iso_s,
    normalize_dns_name,
    parse_lucene,
)
from .errors import (
    ApiError,
    OAuthError,
    insufficient_scope,
    invalid_token,
    payload_error,
    query_error,
    too_many_requests,
)
from .faults import FaultRule
from .ratelimit import DEFAULT_VERIFY_RATE, BucketStatus, RateLimitConfig, TokenBucket, unlimited_status
from .tenant_defaults import UPDATABLE_PROPERTIES, default_tenant_settings

ALL_SCOPES: tuple[str, ...] = (
    "read:custom_domains",
    "create:custom_domains",
    "update:custom_domains",
    "delete:custom_domains",
    "read:tenant_settings",
    "update:tenant_settings",
)

BucketKind = Literal["management", "verify"]
_UNSET: Any = object()
_ID_ALPHABET = string.ascii_letters + string.digits


@dataclass
class _Token:
    scopes: frozenset[str]
    expires_at: float | None
    static: bool = False


@dataclass
class _Config:
    """Constructor settings; :meth:`EmulatorState.reset` returns to these."""

    client_id: str
    client_secret: str
    auto_dns: bool
    verify_rate: RateLimitConfig | None
    management_rate: RateLimitConfig | None
    token_ttl: int
    scopes: tuple[str, ...]
    api_token: str | None
    tenant_settings: dict[str, Any] | None
    clock: Callable[[], float] = field(default=time.time)


class EmulatorState:
    """In-memory Auth0 tenant: custom domains, tenant settings, DNS, tokens, limits, faults, call log."""

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
        self._lock = threading.RLock()
        self._config = _Config(
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
        )
        self._clock = clock
        self.reset()

    # ------------------------------------------------------------------ lifecycle

    def reset(self) -> None:
        """Back to the start state: no domains, default settings, fresh buckets, no faults or log."""
        with self._lock:
            cfg = self._config
            self._domains: dict[str, DomainRecord] = {}
            self._seq = 0
            self._settings: dict[str, Any] = (
                copy.deepcopy(cfg.tenant_settings) if cfg.tenant_settings is not None else default_tenant_settings()
            )
            self._dns: dict[str, dict[str, str]] = {}
            self._tokens: dict[str, _Token] = {}
            self._granted_scopes: tuple[str, ...] = cfg.scopes
            self.auto_dns = cfg.auto_dns
            self._management: TokenBucket | None = (
                TokenBucket(cfg.management_rate, self._clock) if cfg.management_rate else None
            )
            self._verify: TokenBucket | None = TokenBucket(cfg.verify_rate, self._clock) if cfg.verify_rate else None
            self._faults: list[FaultRule] = []
            self._fault_seq = 0
            self._calls: list[dict[str, Any]] = []
            self._call_seq = 0
            if cfg.api_token:
                self._tokens[cfg.api_token] = _Token(frozenset(ALL_SCOPES), None, static=True)

    @property
    def client_id(self) -> str:
        return self._config.client_id

    def now(self) -> float:
        """The state's clock (injectable in tests), for timestamps computed outside it."""
        return self._clock()

    # ------------------------------------------------------------------ tokens

    def issue_token(
        self,
        params: Mapping[str, Any],
        accepted_audiences: Collection[str],
        basic_auth: tuple[str, str] | None = None,
    ) -> dict[str, Any]:
        """``POST /oauth/token`` (client credentials). ``basic_auth`` is client_secret_basic."""
        with self._lock:
            grant_type = params.get("grant_type")
            if not grant_type:
                raise OAuthError(400, "invalid_request", "Missing required parameter: grant_type")
            client_id, client_secret = basic_auth or (params.get("client_id"), params.get("client_secret"))
            if not (
                isinstance(client_id, str)
                and isinstance(client_secret, str)
                and hmac.compare_digest(client_id.encode(), self._config.client_id.encode())
                and hmac.compare_digest(client_secret.encode(), self._config.client_secret.encode())
            ):
                raise OAuthError(401, "access_denied", "Unauthorized")
            if grant_type != "client_credentials":
                raise OAuthError(403, "unauthorized_client", f"Grant type '{grant_type}' not allowed for the client.")
            audience = params.get("audience")
            if not audience:
                raise OAuthError(
                    403,
                    "access_denied",
                    "No audience parameter was provided, and no default audience has been configured",
                )
            if audience not in accepted_audiences:
                raise OAuthError(403, "access_denied", f"Service not enabled within domain: {audience}")
            granted = list(self._granted_scopes)
            requested = params.get("scope")
            if isinstance(requested, str) and requested.strip():
                wanted = set(requested.split())
                granted = [scope for scope in granted if scope in wanted]
            token = secrets.token_urlsafe(48)
            ttl = self._config.token_ttl
            self._tokens[token] = _Token(frozenset(granted), self._clock() + ttl)
            return {"access_token": token, "expires_in": ttl, "scope": " ".join(granted), "token_type": "Bearer"}

    def authorize(self, authorization: str | None, scope: str) -> None:
        """Check a request's ``Authorization`` header; raises 401/403 ApiErrors."""
        with self._lock:
            token = None
            if authorization:
                parts = authorization.strip().split(None, 1)
                if len(parts) == 2 and parts[0].lower() == "bearer":
                    token = parts[1].strip()
            record = self._tokens.get(token) if token else None
            if record is None:
                raise invalid_token()
            if record.expires_at is not None and self._clock() >= record.expires_at:
                raise invalid_token("Expired token")
            if scope not in record.scopes:
                raise insufficient_scope(scope)

    def register_token(self, token: str, scopes: Iterable[str] = ALL_SCOPES, ttl: float | None = None) -> None:
        """Pre-register a bearer token (``--api-token``); ``ttl=None`` never expires."""
        with self._lock:
            expires = None if ttl is None else self._clock() + ttl
            self._tokens[token] = _Token(frozenset(scopes), expires, static=ttl is None)

    def revoke_tokens(self, include_static: bool = False) -> int:
        """Forget issued tokens so that clients see 401 and must fetch a new one."""
        with self._lock:
            doomed = [key for key, record in self._tokens.items() if include_static or not record.static]
            for key in doomed:
                del self._tokens[key]
            return len(doomed)

    def expire_tokens(self) -> int:
        """Make issued tokens answer "Expired token" from now on."""
        with self._lock:
            count = 0
            now = self._clock()
            for record in self._tokens.values():
                if not record.static:
                    record.expires_at = now - 1
                    count += 1
            return count

    def set_granted_scopes(self, scopes: Iterable[str]) -> None:
        """Scopes placed in tokens issued from now on."""
        with self._lock:
            self._granted_scopes = tuple(scopes)

    @property
    def granted_scopes(self) -> tuple[str, ...]:
        with self._lock:
            return self._granted_scopes

    # ------------------------------------------------------------------ rate limits

    def _buckets(self, kind: BucketKind) -> list[TokenBucket]:
        chain = [self._management] if self._management else []
        if kind == "verify" and self._verify:
            chain.append(self._verify)
        return chain

    def _reported(self, kind: BucketKind) -> BucketStatus:
        if kind == "verify" and self._verify:
            return self._verify.status()
        if self._management:
            return self._management.status()
        return unlimited_status(self._clock())

    def charge(self, kind: BucketKind) -> BucketStatus:
        """Take one token from every bucket the call draws on, or none (429) if any is empty."""
        with self._lock:
            buckets = self._buckets(kind)
            for bucket in buckets:
                if not bucket.has(1):
                    raise too_many_requests(bucket.status().headers())
            for bucket in buckets:
                bucket.take(1)
            return self._reported(kind)

    def peek(self, kind: BucketKind) -> BucketStatus:
        with self._lock:
            return self._reported(kind)

    def set_rate_limits(
        self,
        management: RateLimitConfig | None = _UNSET,
        verify: RateLimitConfig | None = _UNSET,
    ) -> None:
        """Replace a bucket (full) or disable it with ``None``; omitted arguments stay as they are."""
        with self._lock:
            if management is not _UNSET:
                self._management = TokenBucket(management, self._clock) if management else None
            if verify is not _UNSET:
                self._verify = TokenBucket(verify, self._clock) if verify else None

    def rate_limits(self) -> dict[str, Any]:
        with self._lock:
            out: dict[str, Any] = {}
            for name, bucket in (("management", self._management), ("verify", self._verify)):
                if bucket is None:
                    out[name] = None
                else:
                    status = bucket.status()
                    out[name] = {
                        **bucket.config.to_json(),
                        "limit": status.limit,
                        "remaining": status.remaining,
                        "reset": status.reset,
                    }
            return out

    # ------------------------------------------------------------------ custom domains

    def _new_id(self) -> str:
        while True:
            candidate = "cd_" + "".join(secrets.choice(_ID_ALPHABET) for _ in range(16))
            if candidate not in self._domains:
                return candidate

    def _find(self, domain_id: str, operation: str) -> DomainRecord:
        v.check_id(domain_id, operation)
        record = self._domains.get(domain_id)
        if record is None:
            raise ApiError(
                404,
                "Not Found",
                f"The custom domain {domain_id} does not exist",
                "inexistent_custom_domain",
            )
        return record

    def create_custom_domain(self, body: Any) -> dict[str, Any]:
        with self._lock:
            data = v.require_object(body)
            v.check_additional(
                data,
                (
                    "domain",
                    "type",
                    "verification_method",
                    "tls_policy",
                    "custom_client_ip_header",
                    "domain_metadata",
                    "relying_party_identifier",
                ),
            )
            for required in ("domain", "type"):
                if required not in data:
                    raise payload_error(f"Missing required property: {required}")
            domain = v.check_domain(data["domain"])
            v.check_enum(data["type"], v.PROVISIONING_TYPES, "type", "type")
            if "verification_method" in data:
                v.check_enum(data["verification_method"], v.VERIFICATION_METHODS, "verification_method",
                             "verification_method")
            if "tls_policy" in data:
                v.check_enum(data["tls_policy"], v.TLS_POLICIES, "tls_policy", "tls_policy")
            if "custom_client_ip_header" in data:
                v.check_ip_header(data["custom_client_ip_header"])
            metadata = v.check_metadata(data["domain_metadata"]) if "domain_metadata" in data else None
            rp_id = data.get("relying_party_identifier")
            if "relying_party_identifier" in data:
                v.check_string(rp_id, "relying_party_identifier", "relying_party_identifier", max_len=255)
                v.check_hostname_format(str(rp_id), "relying_party_identifier", "relying_party_identifier")
            lowered = domain.lower()
            if any(existing.domain.lower() == lowered for existing in self._domains.values()):
                raise ApiError(
                    409, "Conflict", "The specified custom domain already exists.", "custom_domain_already_exists"
                )
            domain_id = self._new_id()
            self._seq += 1
            self_managed = data["type"] == "self_managed_certs"
            record = DomainRecord(
                id=domain_id,
                domain=domain,
                type=data["type"],
                seq=self._seq,
                created_at=iso_ms(self._clock()),
                record=str(uuid.uuid4()) if self_managed else edge_host(domain_id),
                ip_header=data.get("custom_client_ip_header"),
                # A null value in a create body cannot delete anything, so it is simply dropped.
                metadata={k: val for k, val in metadata.items() if val is not None} if metadata is not None else None,
                rp_id=rp_id,
            )
            self._domains[domain_id] = record
            return record.render()

    def get_custom_domain(self, domain_id: str) -> dict[str, Any]:
        with self._lock:
            return self._find(domain_id, "get").render()

    def list_custom_domains(self, query: Mapping[str, str] | None = None) -> list[dict[str, Any]] | dict[str, Any]:
        """Bare array without ``take``/``from``; ``{"custom_domains", "next"?}`` with them."""
        query = query or {}
        with self._lock:
            take = v.parse_take(query.get("take"))
            cursor_raw = query.get("from")
            v.check_max_length(cursor_raw, "from", 1000)
            v.check_max_length(query.get("q"), "q", 1000)
            v.check_max_length(query.get("fields"), "fields", 100)
            include = v.parse_bool(query.get("include_fields"), "include_fields", True)
            sort = query.get("sort")
            if sort is not None and sort != "domain:1":
                raise query_error(f"String does not match pattern ^domain:1$: {sort}", "sort", v.DESC["sort"])
            matcher = parse_lucene(query.get("q"))
            items = [record for record in self._domains.values() if matcher(record)]

            def sort_key(record: DomainRecord) -> tuple[str, int]:
                return (record.domain.lower() if sort else "", record.seq)

            items.sort(key=sort_key)

            def project(record: DomainRecord) -> dict[str, Any]:
                return v.select_fields(record.render(), query.get("fields"), include)

            if take is None and cursor_raw is None:
                return [project(record) for record in items]
            if cursor_raw is not None:
                after = decode_cursor(cursor_raw)
                items = [record for record in items if list(sort_key(record)) > after]
            page_size = take if take is not None else 50
            page, rest = items[:page_size], items[page_size:]
            result: dict[str, Any] = {"custom_domains": [project(record) for record in page]}
            if rest:
                result["next"] = encode_cursor(list(sort_key(page[-1])))
            return result

    def update_custom_domain(self, domain_id: str, body: Any) -> dict[str, Any]:
        with self._lock:
            v.check_id(domain_id, "update")
            data = v.require_object(body)
            v.check_additional(
                data, ("tls_policy", "custom_client_ip_header", "domain_metadata", "relying_party_identifier")
            )
            if "tls_policy" in data:
                v.check_enum(data["tls_policy"], v.TLS_POLICIES, "tls_policy", "tls_policy_update")
            if "custom_client_ip_header" in data:
                v.check_ip_header(data["custom_client_ip_header"])
            metadata = v.check_metadata(data["domain_metadata"]) if "domain_metadata" in data else None
            if "relying_party_identifier" in data:
                rp_id = data["relying_party_identifier"]
                v.check_string(rp_id, "relying_party_identifier", "relying_party_identifier_update", max_len=255,
                               nullable=True)
                if rp_id is not None:
                    v.check_hostname_format(rp_id, "relying_party_identifier", "relying_party_identifier_update")
            record = self._find(domain_id, "update")
            if metadata is not None:
                merged = dict(record.metadata or {})
                for key, value in metadata.items():
                    if value is None:
                        merged.pop(key, None)
                    else:
                        merged[key] = value
                if len(merged) > 10:
                    raise payload_error(
                        f"Too many properties defined ({len(merged)}), maximum 10",
                        "domain_metadata",
                        v.DESC["domain_metadata"],
                    )
                record.metadata = merged
            if "custom_client_ip_header" in data:
                record.ip_header = data["custom_client_ip_header"]
            if "relying_party_identifier" in data:
                record.rp_id = data["relying_party_identifier"]
            return record.render()

    def delete_custom_domain(self, domain_id: str) -> None:
        """Idempotent, as the real API is: unknown well-formed ids also succeed."""
        with self._lock:
            v.check_id(domain_id, "delete")
            self._domains.pop(domain_id, None)

    def verify_custom_domain(self, domain_id: str) -> dict[str, Any]:
        with self._lock:
            record = self._find(domain_id, "verify")
            problem = None if self.auto_dns else self._dns_problem(record)
            now = self._clock()
            if problem is None:
                record.status = "ready"
                record.origin = edge_host(record.id)
                record.verification_status = "verified"
                record.error_msg = None
                record.last_verified_at = iso_s(now)
                if not record.self_managed:
                    renews = now + timedelta(days=60).total_seconds()
                    record.certificate = {
                        "certificate_authority": "letsencrypt",
                        "renews_before": iso_s(renews),
                        "status": "provisioned",
                    }
                key = None
                if record.self_managed and record.cname_key_sha256 is None:
                    # Shown once, kept only as a digest: the real key cannot be recovered either.
                    key = secrets.token_hex(64)
                    record.cname_key_sha256 = hashlib.sha256(key.encode()).hexdigest()
                return record.render(for_verify=True, cname_api_key=key)
            # A ready domain whose record disappears keeps serving but reports the failed re-check.
            record.verification_status = "failed" if record.status == "ready" else "pending"
            record.error_msg = problem
            return record.render(for_verify=True)

    def _dns_problem(self, record: DomainRecord) -> str | None:
        expected_type = "TXT" if record.self_managed else "CNAME"
        name = f"_cf-custom-hostname.{record.domain}" if record.self_managed else record.domain
        published = self._dns.get(normalize_dns_name(name))
        if published is None or published["type"] != expected_type:
            return f"{expected_type} record {name} not found"
        value = published["value"]
        if record.self_managed:
            matches = value.strip().strip('"') == record.record
        else:
            matches = normalize_dns_name(value) == record.record.lower()
        if not matches:
            return f"{expected_type} record {name} has value {value}, expected {record.record}"
        return None

    def cname_api_key_issued(self, domain_id: str) -> bool:
        with self._lock:
            record = self._domains.get(domain_id)
            return bool(record and record.cname_key_sha256)

    def check_cname_api_key(self, domain_id: str, key: str) -> bool:
        """Whether ``key`` is the one handed out for this domain (edge-side check)."""
        with self._lock:
            record = self._domains.get(domain_id)
            if record is None or record.cname_key_sha256 is None:
                return False
            digest = hashlib.sha256(key.encode()).hexdigest()
            return hmac.compare_digest(digest, record.cname_key_sha256)

    def set_domain_status(
        self,
        domain_id: str,
        status: str,
        verification_status: str | None = _UNSET,
        error_msg: str | None = _UNSET,
    ) -> dict[str, Any]:
        """Test hook: force states the API can reach on its own over time (e.g. ``failed``)."""
        with self._lock:
            if status not in ("pending_verification", "ready", "failed"):
                raise ValueError(f"unknown status {status!r}")
            record = self._domains.get(domain_id)
            if record is None:
                raise KeyError(domain_id)
            record.status = status
            if status == "ready" and record.origin is None:
                record.origin = edge_host(record.id)
            if verification_status is not _UNSET:
                record.verification_status = verification_status
            if error_msg is not _UNSET:
                record.error_msg = error_msg
            return record.render()

    # ------------------------------------------------------------------ DNS

    def publish_dns(self, name: str, record_type: str, value: str) -> dict[str, str]:
        with self._lock:
            kind = record_type.upper()
            if kind not in ("TXT", "CNAME"):
                raise ValueError("type must be TXT or CNAME")
            if not isinstance(value, str) or not value:
                raise ValueError("value must be a non-empty string")
            entry = {"type": kind, "value": value}
            self._dns[normalize_dns_name(name)] = entry
            return dict(entry)

    def unpublish_dns(self, name: str) -> bool:
        with self._lock:
            return self._dns.pop(normalize_dns_name(name), None) is not None

    def dns_records(self) -> dict[str, dict[str, str]]:
        with self._lock:
            return copy.deepcopy(self._dns)

    def publish_expected_dns(self, domain_id: str) -> dict[str, str]:
        """Publish exactly the record the domain's verification method asks for."""
        with self._lock:
            record = self._domains[domain_id]
            method = record.method()
            return self.publish_dns(method["domain"], method["name"], method["record"])

    # ------------------------------------------------------------------ tenant settings

    def get_tenant_settings(self, query: Mapping[str, str] | None = None) -> dict[str, Any]:
        query = query or {}
        with self._lock:
            include = v.parse_bool(query.get("include_fields"), "include_fields", True)
            return copy.deepcopy(v.select_fields(self._settings, query.get("fields"), include))

    def update_tenant_settings(self, body: Any) -> dict[str, Any]:
        with self._lock:
            data = v.require_object(body)
            extra = [key for key in data if key not in UPDATABLE_PROPERTIES]
            if extra:
                raise payload_error(f"Additional properties not allowed: {','.join(extra)}")
            if "mtls" in data:
                v.validate_mtls(data["mtls"])
            for key, value in data.items():
                # Nullable settings disappear when set to null, as {"mtls": null} does on the real API.
                if value is None:
                    self._settings.pop(key, None)
                else:
                    self._settings[key] = copy.deepcopy(value)
            return copy.deepcopy(self._settings)

    def replace_tenant_settings(self, document: Mapping[str, Any]) -> None:
        with self._lock:
            if not isinstance(document, Mapping):
                raise ValueError("tenant settings must be an object")
            self._settings = copy.deepcopy(dict(document))

    # ------------------------------------------------------------------ faults

    def add_fault(self, spec: Mapping[str, Any]) -> dict[str, Any]:
        """Register a fault rule (see :class:`FaultRule`); raises ValueError on a bad spec."""
        with self._lock:
            self._fault_seq += 1
            rule = FaultRule.from_json(f"fault_{self._fault_seq}", spec)
            self._faults.append(rule)
            return rule.to_json()

    def take_fault(self, method: str, path: str) -> FaultRule | None:
        """The rule that fires for this call, if any (its count is consumed)."""
        with self._lock:
            for rule in self._faults:
                if rule.matches(method, path) and rule.fire():
                    return rule
            return None

    def remove_fault(self, fault_id: str) -> bool:
        with self._lock:
            before = len(self._faults)
            self._faults = [rule for rule in self._faults if rule.id != fault_id]
            return len(self._faults) != before

    def faults(self) -> list[dict[str, Any]]:
        with self._lock:
            return [rule.to_json() for rule in self._faults]

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    # ------------------------------------------------------------------ call log

    def record_call(
        self,
        *,
        method: str,
        path: str,
        query: Mapping[str, str],
        status: int | None,
        outcome: str,
        applied: bool,
    ) -> dict[str, Any]:
        with self._lock:
            self._call_seq += 1
            entry = {
                "seq": self._call_seq,
                "time": self._clock(),
                "method": method,
                "path": path,
                "query": _redact(query),
                "status": status,
                "outcome": outcome,
                "applied": applied,
            }
            self._calls.append(entry)
            return dict(entry)

    def calls(self) -> list[dict[str, Any]]:
        with self._lock:
            return copy.deepcopy(self._calls)

    def clear_calls(self) -> None:
        with self._lock:
            self._calls.clear()

    # ------------------------------------------------------------------ snapshot

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            ordered = sorted(self._domains.values(), key=lambda record: record.seq)
            return {
                "custom_domains": [record.render() for record in ordered],
                "tenant_settings": copy.deepcopy(self._settings),
                "dns": copy.deepcopy(self._dns),
                "cname_api_keys_issued": {
                    record.id: True for record in ordered if record.cname_key_sha256 is not None
                },
            }


_SECRET_KEYS = re.compile(r"secret|token|password|key|assertion|authorization", re.IGNORECASE)


def _redact(query: Mapping[str, str]) -> dict[str, str]:
    return {key: ("[redacted]" if _SECRET_KEYS.search(key) else value) for key, value in query.items()}


__all__ = ["ALL_SCOPES", "ApiError", "EmulatorState", "OAuthError"]
