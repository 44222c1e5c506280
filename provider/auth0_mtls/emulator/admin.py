"""``/__emulator/*``: test-control endpoints (no auth, not rate limited, not logged).

GET  /state                      snapshot: custom_domains, tenant_settings, dns, cname_api_keys_issued
POST /reset                      back to the start state (also forgets issued tokens)
GET|DELETE /calls                call log / clear it
GET|POST|DELETE /faults          list / add (201 {"id", ...}) / clear; DELETE /faults/{id} removes one
GET|PUT /rate-limits             {"management": {rate, per_seconds, burst} | null, "verify": ... | null}
GET /dns; PUT|DELETE /dns/{name} published records; PUT body {"type": "TXT"|"CNAME", "value": ...}
GET|PUT /tenant-settings         read / replace the whole settings document
POST /tokens/revoke              forget issued tokens (body {"include_static": true} also drops --api-token)
POST /tokens/expire              issued tokens answer "Expired token" from now on
GET|PUT /scopes                  scopes granted to tokens issued from now on ({"scopes": [...]})
PUT /auto-dns                    {"enabled": bool}: verification succeeds without DNS
PATCH /custom-domains/{id}       force {"status", "verification_status"?, "error_msg"?}
POST /custom-domains/{id}/publish-dns   publish the record the domain's verification expects
GET /config                      base_url, audience, client_id, auto_dns
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from .ratelimit import RateLimitConfig

if TYPE_CHECKING:
    from .server import Emulator


def handle_admin(emulator: "Emulator", method: str, sub: str, body: Any) -> tuple[int, Any]:
    """Route ``/__emulator<sub>``; returns (status, JSON body). ValueError/KeyError/TypeError mean 400."""
    state = emulator.state
    data = body if isinstance(body, dict) else {}
    dns_match = re.fullmatch(r"/dns/(?P<name>[^/]+)", sub)
    domain_match = re.fullmatch(r"/custom-domains/(?P<id>[^/]+)(?P<action>/publish-dns)?", sub)
    fault_match = re.fullmatch(r"/faults/(?P<id>[^/]+)", sub)

    if (method, sub) == ("GET", "/state"):
        return 200, state.snapshot()
    if (method, sub) == ("POST", "/reset"):
        state.reset()
        return 200, {"reset": True}
    if sub == "/calls" and method in ("GET", "DELETE"):
        if method == "DELETE":
            state.clear_calls()
            return 200, {"cleared": True}
        return 200, state.calls()
    if sub == "/faults":
        if method == "GET":
            return 200, state.faults()
        if method == "POST":
            return 201, state.add_fault(data)
        if method == "DELETE":
            state.clear_faults()
            return 200, {"cleared": True}
    if fault_match and method == "DELETE":
        return (200, {"deleted": True}) if state.remove_fault(fault_match["id"]) else _missing()
    if sub == "/rate-limits":
        if method == "PUT":
            kwargs: dict[str, Any] = {}
            for name in ("management", "verify"):
                if name in data:
                    kwargs[name] = RateLimitConfig.from_json(data[name]) if data[name] is not None else None
            unknown = set(data) - {"management", "verify"}
            if unknown:
                raise ValueError(f"unknown keys: {sorted(unknown)}")
            state.set_rate_limits(**kwargs)
            return 200, state.rate_limits()
        if method == "GET":
            return 200, state.rate_limits()
    if sub == "/dns" and method == "GET":
        return 200, state.dns_records()
    if dns_match:
        name = unquote(dns_match["name"])
        if method == "PUT":
            return 200, {name.lower().rstrip("."): state.publish_dns(name, str(data.get("type", "")),
                                                                     str(data.get("value") or ""))}
        if method == "DELETE":
            return (200, {"deleted": True}) if state.unpublish_dns(name) else _missing()
    if sub == "/tenant-settings":
        if method == "PUT":
            if not isinstance(body, dict):
                raise ValueError("tenant settings must be a JSON object")
            state.replace_tenant_settings(body)
            return 200, state.get_tenant_settings()
        if method == "GET":
            return 200, state.get_tenant_settings()
    if (method, sub) == ("POST", "/tokens/revoke"):
        return 200, {"revoked": state.revoke_tokens(bool(data.get("include_static", False)))}
    if (method, sub) == ("POST", "/tokens/expire"):
        return 200, {"expired": state.expire_tokens()}
    if sub == "/scopes":
        if method == "PUT":
            scopes = data.get("scopes")
            if not isinstance(scopes, list) or not all(isinstance(s, str) for s in scopes):
                raise ValueError("scopes must be a list of strings")
            state.set_granted_scopes(scopes)
        if method in ("PUT", "GET"):
            return 200, {"scopes": list(state.granted_scopes)}
    if (method, sub) == ("PUT", "/auto-dns"):
        state.auto_dns = bool(data.get("enabled"))
        return 200, {"enabled": state.auto_dns}
    if domain_match:
        domain_id = domain_match["id"]
        if domain_match["action"] and method == "POST":
            try:
                return 200, state.publish_expected_dns(domain_id)
            except KeyError:
                return _missing()
        if not domain_match["action"] and method == "PATCH":
            kwargs = {key: data[key] for key in ("verification_status", "error_msg") if key in data}
            try:
                return 200, state.set_domain_status(domain_id, str(data.get("status")), **kwargs)
            except KeyError:
                return _missing()
    if (method, sub) == ("GET", "/config"):
        return 200, {
            "base_url": emulator.base_url,
            "audience": emulator.audience,
            "client_id": state.client_id,
            "auto_dns": state.auto_dns,
        }
    return _missing()


def _missing() -> tuple[int, Any]:
    return 404, {"error": "not found"}
