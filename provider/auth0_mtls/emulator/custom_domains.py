"""Custom domains (``/api/v2/custom-domains``), their verification, and the emulated DNS.

Responses follow the recorded real ones in the project's API reference (7.1/7.2): key set
and order depend on the domain type and on whether the call is a verify.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Mapping, Sequence

from . import validation as v
from .errors import ApiError, payload_error, query_error
from .paging import decode_cursor, encode_cursor
from .router import Request, admin, api
from .store import Area

# Stand in for the "<tenant>" and region parts of Auth0's edge host names.
EDGE_PREFIX = "emulator"
EDGE_SUFFIX = "edge.tenants.us.auth0.com"

# The SPEC gives the id parameter no pattern; the emulator rejects anything that could
# not be one of its own ids (cd_ + alphanumerics) so that clients' 400 paths are reachable.
ID_PATTERN = r"^cd_[A-Za-z0-9]{1,64}$"

PROVISIONING_TYPES = ("auth0_managed_certs", "self_managed_certs")
TLS_POLICIES = ("recommended",)
VERIFICATION_METHODS = ("txt",)
IP_HEADERS = ("true-client-ip", "cf-connecting-ip", "x-forwarded-for", "x-azure-clientip", "")
STATUSES = ("pending_verification", "ready", "failed")

DESC = {
    "domain": "Domain name.",
    "type": "Custom domain provisioning type. Must be `auth0_managed_certs` or `self_managed_certs`.",
    "verification_method": "Custom domain verification method. Must be `txt`.",
    "tls_policy": "Custom domain TLS policy. Must be `recommended`, includes TLS 1.2.",
    "tls_policy_update": "recommended includes TLS 1.2",
    "custom_client_ip_header": "The HTTP header to fetch the client's IP address",
    "domain_metadata": (
        "Domain metadata associated with the custom domain, in the form of an object with string values "
        "(max 255 chars). Maximum of 10 domain metadata properties allowed."
    ),
    "relying_party_identifier": (
        "Relying Party ID (rpId) to be used for Passkeys on this custom domain. "
        "If not provided, the full domain will be used."
    ),
    "relying_party_identifier_update": (
        "Relying Party ID (rpId) to be used for Passkeys on this custom domain. "
        "Set to null to remove the rpId and fall back to using the full domain."
    ),
}

ID_DESC = {
    "get": "ID of the custom domain to retrieve.",
    "delete": "ID of the custom domain to delete.",
    "update": "The id of the custom domain to update",
    "verify": "ID of the custom domain to verify.",
}

CREATE_PROPERTIES = ("domain", "type", "verification_method", "tls_policy", "custom_client_ip_header",
                     "domain_metadata", "relying_party_identifier")
UPDATE_PROPERTIES = ("tls_policy", "custom_client_ip_header", "domain_metadata", "relying_party_identifier")


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


# ---------------------------------------------------------------------- validation


def check_id(domain_id: str, operation: str) -> None:
    v.check_path_pattern(domain_id, ID_PATTERN, "id", ID_DESC[operation])


def check_domain(value: Any) -> str:
    v.check_string(value, "domain", DESC["domain"], min_len=3, max_len=255)
    if not re.match(v.DOMAIN_PATTERN, value):
        raise payload_error(f"String does not match pattern {v.DOMAIN_PATTERN}: {value}", "domain", DESC["domain"])
    return str(value)


def check_ip_header(value: Any) -> None:
    if value is None or (isinstance(value, str) and value in IP_HEADERS):
        return
    raise payload_error(
        "Data does not match any schemas from 'oneOf'", "custom_client_ip_header", DESC["custom_client_ip_header"]
    )


def check_metadata(value: Any) -> dict[str, str | None]:
    if not isinstance(value, dict):
        raise payload_error(f"Expected type object but found type {v.json_type(value)}", "domain_metadata",
                            DESC["domain_metadata"])
    if len(value) > 10:
        raise payload_error(f"Too many properties defined ({len(value)}), maximum 10", "domain_metadata",
                            DESC["domain_metadata"])
    for key, item in value.items():
        prop = f"domain_metadata.{key}"
        if item is not None and not isinstance(item, str):
            raise payload_error(f"Expected type string,null but found type {v.json_type(item)}", prop)
        if isinstance(item, str) and len(item) > 255:
            raise payload_error(f"String is too long ({len(item)} chars), maximum 255", prop)
    return dict(value)


# ---------------------------------------------------------------------- records


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
    # Kept from a loaded snapshot so that it renders back exactly (a real tenant may hold other values).
    primary: bool = False
    is_default: bool = False
    method_name: str | None = None

    @property
    def self_managed(self) -> bool:
        return self.type == "self_managed_certs"

    def method(self) -> dict[str, str]:
        if self.self_managed:
            return {"name": self.method_name or "TXT", "record": self.record,
                    "domain": f"_cf-custom-hostname.{self.domain}"}
        return {"name": self.method_name or "CNAME", "record": self.record, "domain": self.domain}

    def render(self, *, for_verify: bool = False, cname_api_key: str | None = None) -> dict[str, Any]:
        """Key set and order follow the recorded real responses (see the reference, 7.1/7.2)."""
        data: dict[str, Any] = {"custom_domain_id": self.id, "domain": self.domain, "primary": self.primary}
        if not for_verify:
            data["is_default"] = self.is_default
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


# ---------------------------------------------------------------------- the q parameter

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
            raise query_error(f"Unsupported query: {q}", "q", v.QUERY_DESC["q"])
        tests.append(_term_test(_QUERYABLE[match.group("field")], match.group("value").strip('"').lower()))
    return lambda record: all(test(record) for test in tests)


# ---------------------------------------------------------------------- the area

_UNSET: Any = object()


class CustomDomains(Area):
    name = "custom_domains"
    scopes = ("read:custom_domains", "create:custom_domains", "update:custom_domains", "delete:custom_domains")
    snapshot_keys = ("custom_domains", "dns", "cname_api_keys_issued", "cname_api_keys")

    def reset(self) -> None:
        with self.lock:
            self._domains: dict[str, DomainRecord] = {}
            self._seq = 0
            self._dns: dict[str, dict[str, str]] = {}
            self.auto_dns = self.config.auto_dns

    def _find(self, domain_id: str, operation: str) -> DomainRecord:
        check_id(domain_id, operation)
        record = self._domains.get(domain_id)
        if record is None:
            raise ApiError(404, "Not Found", f"The custom domain {domain_id} does not exist",
                           "inexistent_custom_domain")
        return record

    # ------------------------------------------------------------------ API

    def create(self, body: Any) -> dict[str, Any]:
        with self.lock:
            data = v.require_object(body)
            v.check_additional(data, CREATE_PROPERTIES)
            v.check_required(data, ("domain", "type"))
            domain = check_domain(data["domain"])
            v.check_enum(data["type"], PROVISIONING_TYPES, "type", DESC["type"])
            if "verification_method" in data:
                v.check_enum(data["verification_method"], VERIFICATION_METHODS, "verification_method",
                             DESC["verification_method"])
            if "tls_policy" in data:
                v.check_enum(data["tls_policy"], TLS_POLICIES, "tls_policy", DESC["tls_policy"])
            if "custom_client_ip_header" in data:
                check_ip_header(data["custom_client_ip_header"])
            metadata = check_metadata(data["domain_metadata"]) if "domain_metadata" in data else None
            rp_id = data.get("relying_party_identifier")
            if "relying_party_identifier" in data:
                v.check_string(rp_id, "relying_party_identifier", DESC["relying_party_identifier"], max_len=255)
                v.check_hostname_format(str(rp_id), "relying_party_identifier", DESC["relying_party_identifier"])
            lowered = domain.lower()
            if any(existing.domain.lower() == lowered for existing in self._domains.values()):
                raise ApiError(409, "Conflict", "The specified custom domain already exists.",
                               "custom_domain_already_exists")
            domain_id = self.store.new_id("cd_", 16, self._domains)
            self._seq += 1
            self_managed = data["type"] == "self_managed_certs"
            record = DomainRecord(
                id=domain_id,
                domain=domain,
                type=data["type"],
                seq=self._seq,
                created_at=iso_ms(self.now()),
                record=str(uuid.uuid4()) if self_managed else edge_host(domain_id),
                ip_header=data.get("custom_client_ip_header"),
                # A null value in a create body cannot delete anything, so it is simply dropped.
                metadata={k: val for k, val in metadata.items() if val is not None} if metadata is not None else None,
                rp_id=rp_id,
            )
            self._domains[domain_id] = record
            return record.render()

    def get(self, domain_id: str) -> dict[str, Any]:
        with self.lock:
            return self._find(domain_id, "get").render()

    def list(self, query: Mapping[str, str] | None = None) -> list[dict[str, Any]] | dict[str, Any]:
        """Bare array without ``take``/``from``; ``{"custom_domains", "next"?}`` with them."""
        query = query or {}
        with self.lock:
            take = v.parse_take(query.get("take"))
            cursor_raw = query.get("from")
            v.check_max_length(cursor_raw, "from", 1000)
            v.check_max_length(query.get("q"), "q", 1000)
            v.check_max_length(query.get("fields"), "fields", 100)
            include = v.parse_bool(query.get("include_fields"), "include_fields", True)
            sort = query.get("sort")
            if sort is not None and sort != "domain:1":
                raise query_error(f"String does not match pattern ^domain:1$: {sort}", "sort", v.QUERY_DESC["sort"])
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

    def update(self, domain_id: str, body: Any) -> dict[str, Any]:
        with self.lock:
            check_id(domain_id, "update")
            data = v.require_object(body)
            v.check_additional(data, UPDATE_PROPERTIES)
            if "tls_policy" in data:
                v.check_enum(data["tls_policy"], TLS_POLICIES, "tls_policy", DESC["tls_policy_update"])
            if "custom_client_ip_header" in data:
                check_ip_header(data["custom_client_ip_header"])
            metadata = check_metadata(data["domain_metadata"]) if "domain_metadata" in data else None
            if "relying_party_identifier" in data:
                rp_id = data["relying_party_identifier"]
                v.check_string(rp_id, "relying_party_identifier", DESC["relying_party_identifier_update"],
                               max_len=255, nullable=True)
                if rp_id is not None:
                    v.check_hostname_format(rp_id, "relying_party_identifier",
                                            DESC["relying_party_identifier_update"])
            record = self._find(domain_id, "update")
            if metadata is not None:
                merged = dict(record.metadata or {})
                for key, value in metadata.items():
                    if value is None:
                        merged.pop(key, None)
                    else:
                        merged[key] = value
                if len(merged) > 10:
                    raise payload_error(f"Too many properties defined ({len(merged)}), maximum 10",
                                        "domain_metadata", DESC["domain_metadata"])
                record.metadata = merged
            if "custom_client_ip_header" in data:
                record.ip_header = data["custom_client_ip_header"]
            if "relying_party_identifier" in data:
                record.rp_id = data["relying_party_identifier"]
            return record.render()

    def delete(self, domain_id: str) -> None:
        """Idempotent, as the real API is: unknown well-formed ids also succeed."""
        with self.lock:
            check_id(domain_id, "delete")
            self._domains.pop(domain_id, None)

    def verify(self, domain_id: str) -> dict[str, Any]:
        with self.lock:
            record = self._find(domain_id, "verify")
            problem = None if self.auto_dns else self._dns_problem(record)
            now = self.now()
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
                    record.cname_key_sha256 = _digest(key)
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

    # ------------------------------------------------------------------ the edge's key

    def cname_api_key_issued(self, domain_id: str) -> bool:
        with self.lock:
            record = self._domains.get(domain_id)
            return bool(record and record.cname_key_sha256)

    def check_cname_api_key(self, domain_id: str, key: str) -> bool:
        """Whether ``key`` is the one handed out for this domain (edge-side check)."""
        with self.lock:
            record = self._domains.get(domain_id)
            if record is None or record.cname_key_sha256 is None:
                return False
            return hmac.compare_digest(_digest(key), record.cname_key_sha256)

    def domain_for_cname_api_key(self, key: str) -> dict[str, Any] | None:
        """The domain ``key`` was handed out for, rendered, or None (edge-side check).

        The key's digest is compared with every domain's, in constant time and without stopping
        at a match, so the time taken does not say which domain came close. A loaded snapshot can
        give two domains one key; the earlier-created one is then the match.
        """
        with self.lock:
            digest = _digest(key)
            matched: DomainRecord | None = None
            for record in sorted(self._domains.values(), key=lambda item: item.seq):
                if record.cname_key_sha256 is None:
                    continue
                if hmac.compare_digest(digest, record.cname_key_sha256) and matched is None:
                    matched = record
            return matched.render() if matched is not None else None

    def origin_owner(self, host: str) -> str | None:
        """The id of the domain whose origin host is ``host`` (lower case), or None.

        A domain without an origin yet counts as having the empty one (what a request without a
        ``Host`` header names). Should two domains share an origin (only a loaded snapshot can do
        that), the later-created one owns it.
        """
        with self.lock:
            owner: str | None = None
            for record in sorted(self._domains.values(), key=lambda item: item.seq):
                if (record.origin or "").lower() == host:
                    owner = record.id
            return owner

    # ------------------------------------------------------------------ test control

    def set_status(self, domain_id: str, status: str, verification_status: str | None = _UNSET,
                   error_msg: str | None = _UNSET) -> dict[str, Any]:
        """Force states the API can reach on its own over time (e.g. ``failed``)."""
        with self.lock:
            if status not in STATUSES:
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

    def publish_dns(self, name: str, record_type: str, value: str) -> dict[str, str]:
        with self.lock:
            kind = record_type.upper()
            if kind not in ("TXT", "CNAME"):
                raise ValueError("type must be TXT or CNAME")
            if not isinstance(value, str) or not value:
                raise ValueError("value must be a non-empty string")
            entry = {"type": kind, "value": value}
            self._dns[normalize_dns_name(name)] = entry
            return dict(entry)

    def unpublish_dns(self, name: str) -> bool:
        with self.lock:
            return self._dns.pop(normalize_dns_name(name), None) is not None

    def dns_records(self) -> dict[str, dict[str, str]]:
        with self.lock:
            return copy.deepcopy(self._dns)

    def publish_expected_dns(self, domain_id: str) -> dict[str, str]:
        """Publish exactly the record the domain's verification method asks for."""
        with self.lock:
            record = self._domains[domain_id]
            method = record.method()
            return self.publish_dns(method["domain"], method["name"], method["record"])

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            ordered = sorted(self._domains.values(), key=lambda record: record.seq)
            return {
                "custom_domains": [record.render() for record in ordered],
                "dns": copy.deepcopy(self._dns),
                "cname_api_keys_issued": {
                    record.id: True for record in ordered if record.cname_key_sha256 is not None
                },
            }

    def prepare_load(self, snapshot: Mapping[str, Any]) -> Callable[[], None]:
        items = snapshot.get("custom_domains", [])
        if not isinstance(items, list):
            raise ValueError("custom_domains must be a list")
        records = [_record_from_snapshot(item, seq) for seq, item in enumerate(items, start=1)]
        by_id = {record.id: record for record in records}
        if len(by_id) != len(records):
            raise ValueError("custom_domains has duplicate custom_domain_id values")
        if len({record.domain.lower() for record in records}) != len(records):
            raise ValueError("custom_domains has duplicate domain names")
        issued = snapshot.get("cname_api_keys_issued", {})
        keys = snapshot.get("cname_api_keys", {})
        for name, mapping in (("cname_api_keys_issued", issued), ("cname_api_keys", keys)):
            if not isinstance(mapping, dict):
                raise ValueError(f"{name} must be an object")
            strays = sorted(set(mapping) - set(by_id))
            if strays:
                raise ValueError(f"{name} names unknown custom domains {strays}")
        for domain_id, flag in issued.items():
            if flag is not True:
                raise ValueError(f"cname_api_keys_issued[{domain_id}] must be true")
            # Issued but not given back: the key exists yet matches nothing, as a lost one would.
            by_id[domain_id].cname_key_sha256 = _UNRECOVERABLE
        for domain_id, key in keys.items():
            if not isinstance(key, str) or not key:
                raise ValueError(f"cname_api_keys[{domain_id}] must be a non-empty string")
            by_id[domain_id].cname_key_sha256 = _digest(key)
        dns = snapshot.get("dns", {})
        if not isinstance(dns, dict):
            raise ValueError("dns must be an object")
        records_dns: dict[str, dict[str, str]] = {}
        for name, entry in dns.items():
            if not (isinstance(entry, dict) and set(entry) == {"type", "value"} and entry["type"] in ("TXT", "CNAME")
                    and isinstance(entry["value"], str) and entry["value"]):
                raise ValueError(f"dns[{name}] must be {{\"type\": \"TXT\"|\"CNAME\", \"value\": ...}}")
            records_dns[normalize_dns_name(name)] = dict(entry)

        def install() -> None:
            with self.lock:
                self._domains = by_id
                self._seq = len(records)
                self._dns = records_dns

        return install

    # ------------------------------------------------------------------ routes

    def _admin_publish(self, request: Request) -> tuple[int, Any]:
        try:
            return 200, self.publish_expected_dns(request.params["id"])
        except KeyError:
            return 404, {"error": "not found"}

    def _admin_force(self, request: Request) -> tuple[int, Any]:
        data = request.body_object()
        kwargs = {key: data[key] for key in ("verification_status", "error_msg") if key in data}
        try:
            return 200, self.set_status(request.params["id"], str(data.get("status")), **kwargs)
        except KeyError:
            return 404, {"error": "not found"}

    def _admin_dns(self, request: Request) -> tuple[int, Any]:
        name = request.params["name"]
        if request.method == "DELETE":
            return (200, {"deleted": True}) if self.unpublish_dns(name) else (404, {"error": "not found"})
        data = request.body_object()
        entry = self.publish_dns(name, str(data.get("type", "")), str(data.get("value") or ""))
        return 200, {normalize_dns_name(name): entry}

    def _admin_auto_dns(self, request: Request) -> tuple[int, Any]:
        self.auto_dns = bool(request.body_object().get("enabled"))
        return 200, {"enabled": self.auto_dns}

    routes = (
        api("GET", "/custom-domains", "read:custom_domains", lambda a, r: (200, a.list(r.query))),
        api("POST", "/custom-domains", "create:custom_domains", lambda a, r: (201, a.create(r.body()))),
        api("GET", "/custom-domains/{id}", "read:custom_domains", lambda a, r: (200, a.get(r.params["id"]))),
        api("PATCH", "/custom-domains/{id}", "update:custom_domains",
            lambda a, r: (200, a.update(r.params["id"], r.body()))),
        api("DELETE", "/custom-domains/{id}", "delete:custom_domains",
            lambda a, r: (204, a.delete(r.params["id"]))),
        # Verify is sent bodiless and draws on its own bucket as well as the management one.
        api("POST", "/custom-domains/{id}/verify", "create:custom_domains",
            lambda a, r: (200, a.verify(r.params["id"])), bucket="verify"),
        admin("GET", "/dns", lambda a, r: (200, a.dns_records())),
        admin("PUT", "/dns/{name}", lambda a, r: a._admin_dns(r)),
        admin("DELETE", "/dns/{name}", lambda a, r: a._admin_dns(r)),
        admin("PUT", "/auto-dns", lambda a, r: a._admin_auto_dns(r)),
        admin("PATCH", "/custom-domains/{id}", lambda a, r: a._admin_force(r)),
        admin("POST", "/custom-domains/{id}/publish-dns", lambda a, r: a._admin_publish(r)),
    )


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


# Stands where a digest would be for a key that was issued but whose plaintext a loaded
# snapshot did not carry; no key hashes to it.
_UNRECOVERABLE = "unrecoverable"


def _record_from_snapshot(item: Any, seq: int) -> DomainRecord:
    """A record that renders back to ``item`` exactly (``item`` is one GET-shaped domain)."""
    if not isinstance(item, dict):
        raise ValueError("each custom domain must be an object")
    try:
        domain_id, domain, type_, status = item["custom_domain_id"], item["domain"], item["type"], item["status"]
        verification = item["verification"]
        methods: Sequence[Any] = verification["methods"]
        method = methods[0]
        record_value = method["record"]
    except (KeyError, TypeError, IndexError) as exc:
        raise ValueError(f"custom domain {item.get('custom_domain_id', '?')} lacks {exc}") from None
    if not (isinstance(domain_id, str) and re.match(ID_PATTERN, domain_id)):
        raise ValueError(f"custom_domain_id {domain_id!r} does not match {ID_PATTERN}")
    if type_ not in PROVISIONING_TYPES:
        raise ValueError(f"custom domain {domain_id}: type must be one of {list(PROVISIONING_TYPES)}")
    if status not in STATUSES:
        raise ValueError(f"custom domain {domain_id}: status must be one of {list(STATUSES)}")
    if not isinstance(domain, str) or not v.is_hostname(domain):
        raise ValueError(f"custom domain {domain_id}: domain must be a host name")
    if not isinstance(item.get("created_at"), str):
        raise ValueError(f"custom domain {domain_id}: created_at must be a string")
    record = DomainRecord(
        id=domain_id,
        domain=domain,
        type=type_,
        seq=seq,
        created_at=item["created_at"],
        record=str(record_value),
        status=status,
        ip_header=item.get("custom_client_ip_header"),
        metadata=dict(item["domain_metadata"]) if isinstance(item.get("domain_metadata"), dict) else None,
        rp_id=item.get("relying_party_identifier"),
        origin=item.get("origin_domain_name"),
        verification_status=verification.get("status"),
        error_msg=verification.get("error_msg"),
        last_verified_at=verification.get("last_verified_at"),
        certificate=dict(item["certificate"]) if isinstance(item.get("certificate"), dict) else None,
        primary=bool(item.get("primary", False)),
        is_default=bool(item.get("is_default", False)),
        method_name=str(method.get("name")) if method.get("name") else None,
    )
    if record.render() != item:
        # The emulator can only reproduce states its own responses can express.
        raise ValueError(f"custom domain {domain_id} has fields the emulator cannot reproduce: "
                         f"{sorted(_differences(record.render(), item))}")
    return record


def _differences(rendered: Mapping[str, Any], item: Mapping[str, Any]) -> set[str]:
    return {key for key in set(rendered) | set(item) if rendered.get(key, _UNSET) != item.get(key, _UNSET)}
