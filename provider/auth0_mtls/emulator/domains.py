"""Custom-domain records: response rendering, list cursors and the ``q`` query subset."""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable

from . import validation as v
from .errors import query_error

# Stand in for the "<tenant>" and region parts of Auth0's edge host names.
EDGE_PREFIX = "emulator"
EDGE_SUFFIX = "edge.tenants.us.auth0.com"
# Real cursors are opaque iron-sealed strings ("Fe26.2*..."); ours only look alike.
CURSOR_PREFIX = "Fe26.2*emulator*"


def iso_ms(ts: float) -> str:
    moment = datetime.fromtimestamp(ts, tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def iso_s(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def normalize_dns_name(name: str) -> str:
    return name.strip().rstrip(".").lower()


def edge_host(domain_id: str) -> str:
    # Auth0 derives edge names from the id lower-cased with "_" turned into "-".
    return f"{EDGE_PREFIX}-{domain_id.lower().replace('_', '-')}.{EDGE_SUFFIX}"


@dataclass
class DomainRecord:
    """One custom domain as the tenant stores it; :meth:`render` produces the API view."""

    id: str
    domain: str
    type: str
    seq: int
    created_at: str
    record: str
    status: str = "pending_verification"
    # None means never set (or set to null): self-managed renders null, auth0-managed omits the key.
    ip_header: str | None = None
    metadata: dict[str, str] | None = None
    rp_id: str | None = None
    origin: str | None = None
    verification_status: str | None = None
    error_msg: str | None = None
    last_verified_at: str | None = None
    certificate: dict[str, str] | None = None
    cname_key_sha256: str | None = None

    @property
    def self_managed(self) -> bool:
        return self.type == "self_managed_certs"

    def method(self) -> dict[str, str]:
        if self.self_managed:
            return {"name": "TXT", "record": self.record, "domain": f"_cf-custom-hostname.{self.domain}"}
        return {"name": "CNAME", "record": self.record, "domain": self.domain}

    def render(self, *, for_verify: bool = False, cname_api_key: str | None = None) -> dict[str, Any]:
        """Key set and order follow the recorded real responses (see the reference, 7.1/7.2)."""
        data: dict[str, Any] = {"custom_domain_id": self.id, "domain": self.domain, "primary": False}
        if not for_verify:
            data["is_default"] = False
        data["status"] = self.status
        data["type"] = self.type
        if self.origin is not None:
            data["origin_domain_name"] = self.origin
        if cname_api_key is not None:
            data["cname_api_key"] = cname_api_key
        verification: dict[str, Any] = {"methods": [self.method()]}
        if self.verification_status is not None:
            verification["status"] = self.verification_status
        if self.error_msg is not None:
            verification["error_msg"] = self.error_msg
        if self.last_verified_at is not None:
            verification["last_verified_at"] = self.last_verified_at
        data["verification"] = verification
        if self.self_managed:
            data["custom_client_ip_header"] = self.ip_header
        else:
            data["tls_policy"] = "recommended"
            if self.ip_header is not None:
                data["custom_client_ip_header"] = self.ip_header
        if self.metadata is not None:
            data["domain_metadata"] = dict(self.metadata)
        if self.certificate is not None:
            data["certificate"] = dict(self.certificate)
        data["created_at"] = self.created_at
        if self.rp_id is not None and not for_verify:
            data["relying_party_identifier"] = self.rp_id
        return data


def encode_cursor(key: list[Any]) -> str:
    raw = base64.urlsafe_b64encode(json.dumps(key, separators=(",", ":")).encode()).decode().rstrip("=")
    return CURSOR_PREFIX + raw


def decode_cursor(cursor: str) -> list[Any]:
    try:
        if not cursor.startswith(CURSOR_PREFIX):
            raise ValueError
        raw = cursor[len(CURSOR_PREFIX):]
        key = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
        if not (isinstance(key, list) and len(key) == 2 and isinstance(key[0], str) and isinstance(key[1], int)):
            raise ValueError
        return key
    except ValueError:
        raise query_error("Invalid checkpoint cursor", "from", v.DESC["from"]) from None


_TERM = re.compile(r'^(?P<field>[a-z_]+):(?P<value>"[^"]*"|\S+)$')
_QUERYABLE: dict[str, Callable[[DomainRecord], str]] = {
    "domain": lambda record: record.domain,
    "custom_domain_id": lambda record: record.id,
    "status": lambda record: record.status,
    "type": lambda record: record.type,
}


def _term_test(getter: Callable[[DomainRecord], str], value: str) -> Callable[[DomainRecord], bool]:
    if value.endswith("*"):
        prefix = value[:-1]
        return lambda record: getter(record).lower().startswith(prefix)
    return lambda record: getter(record).lower() == value


def parse_lucene(q: str | None) -> Callable[[DomainRecord], bool]:
    """The Lucene subset clients use: ``field:value`` terms, ``*`` suffix, joined by AND/space."""
    if q is None or not q.strip():
        return lambda record: True
    tests: list[Callable[[DomainRecord], bool]] = []
    for token in re.split(r"\s+(?:AND\s+)?", q.strip()):
        if token == "AND":
            continue
        match = _TERM.match(token)
        if not match or match.group("field") not in _QUERYABLE:
            raise query_error(f"Unsupported query: {q}", "q", v.DESC["q"])
        tests.append(_term_test(_QUERYABLE[match.group("field")], match.group("value").strip('"').lower()))
    return lambda record: all(test(record) for test in tests)
