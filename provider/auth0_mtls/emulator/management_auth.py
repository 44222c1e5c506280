"""Management API tokens: those ``POST /oauth/token`` issues to the management client (the
route itself belongs to :mod:`.authentication_api`, which answers every token request), and
bearer checks.

The management client (``--client-id``/``--client-secret``) is the machine-to-machine
application the provider authenticates as. It is configuration of the emulator, not one of
the application clients of ``/api/v2/clients``.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import secrets
from dataclasses import dataclass
from typing import Any, Collection, Iterable, Mapping
from urllib.parse import unquote

from .errors import (
    grant_type_not_allowed,
    insufficient_scope,
    invalid_token,
    missing_grant_type,
    no_audience,
    service_not_enabled,
    unauthorized,
)
from .router import Request, admin
from .store import Area


@dataclass
class _Token:
    scopes: frozenset[str]
    expires_at: float | None
    static: bool = False


class ManagementAuth(Area):
    name = "management_auth"

    def reset(self) -> None:
        with self.lock:
            self._tokens: dict[str, _Token] = {}
            self._granted: tuple[str, ...] = self.config.scopes
            if self.config.api_token:
                self._tokens[self.config.api_token] = _Token(frozenset(self.config.all_scopes), None, static=True)

    # ------------------------------------------------------------------ token endpoint

    def issue_token(
        self,
        params: Mapping[str, Any],
        accepted_audiences: Collection[str],
        basic_auth: tuple[str, str] | None = None,
    ) -> dict[str, Any]:
        """``POST /oauth/token`` (client credentials). ``basic_auth`` is client_secret_basic."""
        with self.lock:
            grant_type = params.get("grant_type")
            if not grant_type:
                raise missing_grant_type()
            client_id, client_secret = basic_auth or (params.get("client_id"), params.get("client_secret"))
            if not (
                isinstance(client_id, str)
                and isinstance(client_secret, str)
                and hmac.compare_digest(client_id.encode(), self.config.client_id.encode())
                and hmac.compare_digest(client_secret.encode(), self.config.client_secret.encode())
            ):
                raise unauthorized()
            if grant_type != "client_credentials":
                raise grant_type_not_allowed(grant_type)
            audience = params.get("audience")
            if not audience:
                raise no_audience()
            if audience not in accepted_audiences:
                raise service_not_enabled(audience)
            granted = narrow_scopes(list(self._granted), params.get("scope"))
            token = secrets.token_urlsafe(48)
            ttl = self.config.token_ttl
            self._tokens[token] = _Token(frozenset(granted), self.now() + ttl)
            return {"access_token": token, "expires_in": ttl, "scope": " ".join(granted), "token_type": "Bearer"}

    def authorize(self, authorization: str | None, scope: str | tuple[str, ...]) -> frozenset[str]:
        """Check a request's ``Authorization`` header against any of the scopes; raises 401/403
        ApiErrors. Returns the token's scopes, for checks that depend on the body."""
        wanted = (scope,) if isinstance(scope, str) else scope
        with self.lock:
            token = None
            if authorization:
                parts = authorization.strip().split(None, 1)
                if len(parts) == 2 and parts[0].lower() == "bearer":
                    token = parts[1].strip()
            record = self._tokens.get(token) if token else None
            if record is None:
                raise invalid_token()
            if record.expires_at is not None and self.now() >= record.expires_at:
                raise invalid_token("Expired token")
            if not any(item in record.scopes for item in wanted):
                raise insufficient_scope(",".join(wanted))
            return record.scopes

    # ------------------------------------------------------------------ test control

    def register_token(self, token: str, scopes: Iterable[str], ttl: float | None = None) -> None:
        with self.lock:
            expires = None if ttl is None else self.now() + ttl
            self._tokens[token] = _Token(frozenset(scopes), expires, static=ttl is None)

    def revoke_tokens(self, include_static: bool = False) -> int:
        with self.lock:
            doomed = [key for key, record in self._tokens.items() if include_static or not record.static]
            for key in doomed:
                del self._tokens[key]
            return len(doomed)

    def expire_tokens(self) -> int:
        with self.lock:
            count = 0
            now = self.now()
            for record in self._tokens.values():
                if not record.static:
                    record.expires_at = now - 1
                    count += 1
            return count

    def set_granted_scopes(self, scopes: Iterable[str]) -> None:
        with self.lock:
            self._granted = tuple(scopes)

    @property
    def granted_scopes(self) -> tuple[str, ...]:
        with self.lock:
            return self._granted

    # ------------------------------------------------------------------ routes

    def _set_scopes(self, request: Request) -> tuple[int, Any]:
        if request.method == "PUT":
            scopes = request.body_object().get("scopes")
            if not isinstance(scopes, list) or not all(isinstance(s, str) for s in scopes):
                raise ValueError("scopes must be a list of strings")
            self.set_granted_scopes(scopes)
        return 200, {"scopes": list(self.granted_scopes)}

    routes = (
        admin("POST", "/tokens/revoke",
              lambda area, r: (200, {"revoked": area.revoke_tokens(bool(r.body_object().get("include_static")))})),
        admin("POST", "/tokens/expire", lambda area, r: (200, {"expired": area.expire_tokens()})),
        admin("GET", "/scopes", lambda area, r: area._set_scopes(r)),
        admin("PUT", "/scopes", lambda area, r: area._set_scopes(r)),
    )


def narrow_scopes(granted: list[str], requested: Any) -> list[str]:
    """The granted scopes a token request's ``scope`` names, in granted order; all of them when it
    names none."""
    if isinstance(requested, str) and requested.strip():
        wanted = set(requested.split())
        return [scope for scope in granted if scope in wanted]
    return granted


def basic_credentials(header: str | None) -> tuple[str, str] | None:
    """``(client_id, client_secret)`` of a ``Basic`` Authorization header (client_secret_basic)."""
    if not header or not header.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:].strip()).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, sep, password = decoded.partition(":")
    return (unquote(user), unquote(password)) if sep else None
