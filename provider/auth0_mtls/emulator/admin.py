"""``/__emulator/*``: test control of the emulator as a whole (no auth, not rate limited, not logged).

Areas add their own admin routes next to their API routes; the whole surface is:

GET  /state                      snapshot: custom_domains, dns, cname_api_keys_issued, tenant_settings, clients,
                                 client_secrets, client_credentials ({client_id: [...]}), resource_servers,
                                 client_grants
PUT  /state                      load a snapshot of that shape (+ optional "cname_api_keys": {id: key});
                                 missing keys load as empty; tokens, faults, limits and the call log stay
POST /reset                      back to the start state (also forgets issued tokens)
GET|DELETE /calls                call log / clear it
GET|POST|DELETE /faults          list / add (201 {"id", ...}) / clear; DELETE /faults/{id} removes one
GET|PUT /rate-limits             {"management": {rate, per_seconds, burst} | null, "verify": ... | null}
GET /config                      base_url, audience, client_id, auto_dns
GET /dns; PUT|DELETE /dns/{name} published records; PUT body {"type": "TXT"|"CNAME", "value": ...}
PUT /auto-dns                    {"enabled": bool}: verification succeeds without DNS
PATCH /custom-domains/{id}       force {"status", "verification_status"?, "error_msg"?}
POST /custom-domains/{id}/publish-dns   publish the record the domain's verification expects
GET|PUT /tenant-settings         read / replace the whole settings document
POST /tokens/revoke              forget issued tokens (body {"include_static": true} also drops --api-token)
POST /tokens/expire              issued tokens answer "Expired token" from now on
GET|PUT /scopes                  scopes granted to tokens issued from now on ({"scopes": [...]})
GET /tokens/issued               application tokens issued by POST /oauth/token, oldest first: client, audience,
                                 custom domain, authentication method, cnf thumbprint (never the token)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .ratelimit import RateLimitConfig
from .router import Request, admin

if TYPE_CHECKING:
    from .state import EmulatorState

NOT_FOUND = (404, {"error": "not found"})


def _rate_limits(state: "EmulatorState", request: Request) -> tuple[int, Any]:
    if request.method == "PUT":
        data = request.body_object()
        unknown = set(data) - {"management", "verify"}
        if unknown:
            raise ValueError(f"unknown keys: {sorted(unknown)}")
        kwargs: dict[str, Any] = {}
        for name in ("management", "verify"):
            if name in data:
                kwargs[name] = RateLimitConfig.from_json(data[name]) if data[name] is not None else None
        state.set_rate_limits(**kwargs)
    return 200, state.rate_limits()


def _config(state: "EmulatorState", request: Request) -> tuple[int, Any]:
    return 200, {
        "base_url": request.site.base_url,
        "audience": request.site.audience,
        "client_id": state.client_id,
        "auto_dns": state.auto_dns,
    }


def _reset(state: "EmulatorState", request: Request) -> tuple[int, Any]:
    state.reset()
    return 200, {"reset": True}


def _clear_calls(state: "EmulatorState", request: Request) -> tuple[int, Any]:
    state.clear_calls()
    return 200, {"cleared": True}


def _clear_faults(state: "EmulatorState", request: Request) -> tuple[int, Any]:
    state.clear_faults()
    return 200, {"cleared": True}


def _remove_fault(state: "EmulatorState", request: Request) -> tuple[int, Any]:
    return (200, {"deleted": True}) if state.remove_fault(request.params["id"]) else NOT_FOUND


ROUTES = (
    admin("GET", "/state", lambda state, r: (200, state.snapshot())),
    admin("PUT", "/state", lambda state, r: (200, state.load(r.body()))),
    admin("POST", "/reset", _reset),
    admin("GET", "/calls", lambda state, r: (200, state.calls())),
    admin("DELETE", "/calls", _clear_calls),
    admin("GET", "/faults", lambda state, r: (200, state.faults())),
    admin("POST", "/faults", lambda state, r: (201, state.add_fault(r.body_object()))),
    admin("DELETE", "/faults", _clear_faults),
    admin("DELETE", "/faults/{id}", _remove_fault),
    admin("GET", "/rate-limits", _rate_limits),
    admin("PUT", "/rate-limits", _rate_limits),
    admin("GET", "/config", _config),
)
