"""The Authentication API: ``POST /oauth/token`` for application clients, the discovery document
and the JWKS, on the tenant's own address and on each custom domain's origin.

Two ways in:

- **The tenant's canonical address** (the emulator's URL, no ``cname-api-key``). The management
  client's token requests are answered exactly as :mod:`.management_auth` always has; application
  clients may use their secret here (``client_secret_post``/``client_secret_basic``), never a
  certificate.
- **A custom domain's origin**, reached through the customer edge. Auth0's edge hosts are
  ``<tenant>-cd-<id>.edge.tenants.<region>.auth0.com``; the edge sends ``Host`` = that origin host
  and the domain's ``cname-api-key``. In tests the origin is the emulator's own loopback URL, so the
  custom domain is identified by its key (each key belongs to one domain; the digests are compared
  in constant time, every domain's), and a ``Host`` that names a known origin must name this
  domain's. A request that carries the key, any ``client-certificate*`` header, or a ``Host``
  under Auth0's edge suffix is an edge request, and so is every request to a listener marked as
  the custom domain's origin (``Emulator(origin_port=…)``, ``--origin-port``): without a valid key
  it is refused, so a client that bypasses the edge gets neither a token nor a document there,
  and cannot present a certificate by header anywhere.

Behind the edge, the two hosts (``<domain>`` and ``mtls.<domain>``) reach the same origin and
cannot be told apart by ``Host``: a request "came through ``mtls.<domain>``" when it carries a
``client-certificate`` header, which the edge sets only there (and drops from clients everywhere).
That certificate authenticates ``tls_client_auth`` clients (``client-certificate-ca-verified:
SUCCESS``; subject DN matched against a ``cert_subject_dn`` credential) and
``self_signed_tls_client_auth`` clients (``FAILED`` or ``FAILED:<reason>``; SHA-256 thumbprint
matched against an ``x509_cert`` credential), and binds the token (``cnf.x5t#S256``) when the
client or the API asks for proof of possession (reference auth0-mtls-clients.md §2, §3).

Access tokens are RS256 JWTs signed with the tenant's key (:mod:`.tenant_keys`), published at
``/.well-known/jwks.json``. Every choice where Auth0's behaviour is not established is marked
"Not established" beside the code.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
from dataclasses import dataclass
from typing import Any, Mapping
from urllib.parse import unquote

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

from .certificates import subject_dn, thumbprint_sha256
from .custom_domains import EDGE_SUFFIX
from .errors import (
    OAuthError,
    grant_type_not_allowed,
    missing_grant_type,
    no_audience,
    service_not_enabled,
    unauthorized,
)
from .management_auth import basic_credentials, narrow_scopes
from .router import Reply, Request, admin, auth
from .store import Area
from .tenant_keys import signing_key

CERTIFICATE_HEADER = "client-certificate"
VERIFIED_HEADER = "client-certificate-ca-verified"
KEY_HEADER = "cname-api-key"
# Headers only an edge sends. The underscore spellings are not read, but they mark a request as
# one that tried to look like an edge request.
EDGE_HEADERS = (KEY_HEADER, CERTIFICATE_HEADER, VERIFIED_HEADER,
                *(name.replace("-", "_") for name in (KEY_HEADER, CERTIFICATE_HEADER, VERIFIED_HEADER)))
# "The certificate … limited to 4096 bytes" (reference §3.2).
MAX_CERTIFICATE_HEADER = 4096
# The client authentication methods a certificate satisfies (their credential types: clients.py).
MTLS_AUTH_METHODS = ("tls_client_auth", "self_signed_tls_client_auth")
GRANT_TYPE = "client_credentials"
DEFAULT_TOKEN_LIFETIME = 86400
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
GRANT_HELP = "https://auth0.com/docs/api/v2#!/Client_Grants/post_client_grants"


def via_edge(request: Request) -> bool:
    """Whether the request claims to come through a customer edge (and so must prove it). On a
    listener that stands for a custom domain's origin every request does: Auth0's origin for a
    self-managed domain has no canonical-address behaviour to fall back to."""
    if request.site.custom_domain_origin or any(name in request.headers for name in EDGE_HEADERS):
        return True
    return host_of(request).endswith("." + EDGE_SUFFIX)


def host_of(request: Request) -> str:
    """The ``Host`` header's host part, lower case (``[::1]:443`` → ``[::1]``)."""
    host = (request.headers.get("Host") or "").strip().lower()
    if host.startswith("["):
        return host.split("]", 1)[0] + "]"
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _int_bytes(value: int) -> bytes:
    return value.to_bytes(max(1, math.ceil(value.bit_length() / 8)), "big")


@dataclass(frozen=True)
class Presented:
    """The client certificate an edge forwarded, as the origin reads it."""

    thumbprint: str
    """base64url SHA-256 of the DER: the ``cnf.x5t#S256`` of a token bound to it."""
    subject_dn: str
    ca_verified: bool
    verification: str
    """The header as sent: ``SUCCESS``, ``FAILED`` or ``FAILED:<reason>``."""


@dataclass(frozen=True)
class Caller:
    """Where a token request came from: a custom domain (through its edge) or the canonical address."""

    domain: str | None
    custom_domain_id: str | None
    certificate: Presented | None

    def issuer(self, request: Request) -> str:
        return f"https://{self.domain}/" if self.domain else request.site.base_url + "/"

    @property
    def mtls_token_endpoint(self) -> str:
        return f"https://mtls.{self.domain}/oauth/token" if self.domain else "https://mtls.<custom domain>/oauth/token"


def invalid_client(description: str) -> OAuthError:
    # RFC 8705 §2: a missing or non-matching certificate is "invalid_client" (RFC 6749 §5.2).
    return OAuthError(401, "invalid_client", description)


def _show(value: str, limit: int = 60) -> str:
    return repr(value if len(value) <= limit else value[:limit] + "…")


class AuthenticationApi(Area):
    name = "authentication"

    def reset(self) -> None:
        with self.lock:
            self._issued: list[dict[str, Any]] = []

    # ------------------------------------------------------------------ where a request came from

    def _caller(self, request: Request) -> Caller:
        """The custom domain an edge request is for, and the certificate it carries; raises
        OAuthError when it is not a genuine edge request."""
        if not via_edge(request):
            return Caller(None, None, None)
        key = request.headers.get(KEY_HEADER) or ""
        domains = self.store.area("custom_domains")
        # Compared with every domain's key digest in constant time (see domain_for_cname_api_key).
        matched = domains.domain_for_cname_api_key(key)
        if matched is None:
            # Not established: Auth0's status and body for a missing or wrong cname-api-key (its
            # docs only name the symptom "Invalid API key"). 403 access_denied chosen.
            reason = "missing" if not key else "not the key of any custom domain of this tenant"
            raise OAuthError(403, "access_denied", f"Invalid API key: the {KEY_HEADER} header is {reason}. "
                                                   "Requests must reach Auth0 through the custom domain's edge.")
        owner = domains.origin_owner(host_of(request))
        if owner is not None and owner != matched["custom_domain_id"]:
            raise OAuthError(403, "access_denied", f"The Host header names the origin of another custom domain "
                                                   f"than the one the {KEY_HEADER} belongs to.")
        return Caller(str(matched["domain"]), str(matched["custom_domain_id"]), self._certificate(request))

    def _certificate(self, request: Request) -> Presented | None:
        raw = request.headers.get(CERTIFICATE_HEADER)
        if not raw:
            # Without a certificate nginx sends neither header (its NONE maps to nothing); a stray
            # verification header alone means nothing.
            return None
        if len(raw.encode()) > MAX_CERTIFICATE_HEADER:
            raise invalid_client(f"The {CERTIFICATE_HEADER} header is larger than the {MAX_CERTIFICATE_HEADER} "
                                 "bytes Auth0 accepts.")
        verification = (request.headers.get(VERIFIED_HEADER) or "").strip()
        if verification == "SUCCESS":
            ca_verified = True
        elif verification == "FAILED" or verification.startswith("FAILED:"):
            # Not established: whether Auth0 wants a bare FAILED or accepts FAILED:<reason>, which is
            # what nginx's $ssl_client_verify (and so the rendered edge) forwards. Both are accepted.
            ca_verified = False
        else:
            raise invalid_client(f"The {VERIFIED_HEADER} header must be SUCCESS or FAILED[:reason] when a client "
                                 f"certificate is forwarded; got {_show(verification) if verification else 'none'}.")
        pem = unquote(raw)
        if pem.count("-----BEGIN CERTIFICATE-----") != 1:
            raise invalid_client(f"The {CERTIFICATE_HEADER} header must be one URL-encoded PEM certificate.")
        try:
            cert = x509.load_pem_x509_certificate(pem.strip().encode())
        except ValueError:
            raise invalid_client(f"The {CERTIFICATE_HEADER} header is not a readable PEM certificate.") from None
        now = self.now()
        # Not established: whether Auth0 re-checks the forwarded certificate's validity (the edge
        # refuses expired ones before they get here). It is checked here too.
        if not cert.not_valid_before_utc.timestamp() <= now <= cert.not_valid_after_utc.timestamp():
            raise invalid_client("The client certificate is expired or not yet valid.")
        return Presented(thumbprint_sha256(cert.public_bytes(serialization.Encoding.DER)), subject_dn(cert.subject),
                         ca_verified, verification)

    # ------------------------------------------------------------------ POST /oauth/token

    def token(self, request: Request) -> Reply:
        caller = self._caller(request)
        params = request.body_object()
        basic = basic_credentials(request.headers.get("Authorization"))
        client_id = basic[0] if basic else params.get("client_id")
        clients = self.store.area("clients")
        with self.lock:
            if not (isinstance(client_id, str) and clients.exists(client_id)):
                # The management client (and any unknown id) is answered as it always was.
                return self._management_token(request, params, basic)
            return self._application_token(request, caller, params, basic, client_id)

    def _management_token(self, request: Request, params: Mapping[str, Any],
                          basic: tuple[str, str] | None) -> Reply:
        result = self.store.area("management_auth").issue_token(params, request.site.accepted_audiences, basic)
        # Tokens must never be cached by intermediaries (RFC 6749 §5.1).
        return Reply(200, result, dict(NO_STORE))

    def _application_token(self, request: Request, caller: Caller, params: Mapping[str, Any],
                           basic: tuple[str, str] | None, client_id: str) -> Reply:
        grant_type = params.get("grant_type")
        if not grant_type:
            raise missing_grant_type()
        client = self.store.area("clients").get(client_id)
        method = self._authenticate(caller, client, params, basic)
        if grant_type != GRANT_TYPE or GRANT_TYPE not in client.get("grant_types", []) or method == "none":
            raise grant_type_not_allowed(grant_type)
        audience = params.get("audience")
        if not audience or not isinstance(audience, str):
            raise no_audience()
        management = audience in request.site.accepted_audiences
        api_record = self.store.area("resource_servers").by_identifier(audience)
        api = api_record.render() if api_record is not None else None
        if api is None and not management:
            raise service_not_enabled(audience)
        grants = [grant for grant in self.store.area("client_grants").list({"client_id": client_id,
                                                                             "audience": audience})
                  if grant.get("subject_type") in (None, "client")]
        if not grants:
            raise OAuthError(403, "access_denied",
                             f'Client is not authorized to access "{audience}". You need to create a "client-grant" '
                             f"associated to this API. See: {GRANT_HELP}")
        scopes = self._scopes(grants[0], api, params.get("scope"))
        bound = self._binding(caller, client, api, audience)
        now = int(self.now())
        lifetime = int(api.get("token_lifetime", DEFAULT_TOKEN_LIFETIME)) if api else self.config.token_ttl
        claims: dict[str, Any] = {
            "iss": caller.issuer(request),
            "sub": f"{client_id}@clients",
            "aud": audience,
            "iat": now,
            "exp": now + lifetime,
            "scope": " ".join(scopes),
            "gty": "client-credentials",
            "azp": client_id,
        }
        if bound is not None:
            claims["cnf"] = {"x5t#S256": bound}
        token = sign_jwt(claims)
        if management:
            # So that the token also works as a bearer on this emulator's Management API.
            self.store.area("management_auth").register_token(token, scopes, lifetime)
        # Not established: the token_type Auth0 returns for a certificate-bound token. Its docs say
        # it "sets the token_type to DPoP" (no recorded response confirms it); RFC 8705 keeps Bearer.
        # The docs are followed.
        token_type = "DPoP" if bound is not None else "Bearer"
        self._issued.append({"client_id": client_id, "audience": audience, "custom_domain_id": caller.custom_domain_id,
                             "authentication": method, "cnf_x5t_s256": bound, "token_type": token_type,
                             "iat": now, "exp": now + lifetime})
        body = {"access_token": token, "scope": " ".join(scopes), "expires_in": lifetime, "token_type": token_type}
        return Reply(200, body, dict(NO_STORE))

    def _authenticate(self, caller: Caller, client: Mapping[str, Any], params: Mapping[str, Any],
                      basic: tuple[str, str] | None) -> str:
        """The method the client authenticated with; raises the OAuth error otherwise."""
        secret = basic[1] if basic else params.get("client_secret")
        slots = client.get("client_authentication_methods")
        if slots:
            (method, slot), = slots.items()
            if method not in MTLS_AUTH_METHODS:
                raise invalid_client(f"{method} client assertions are not emulated.")
            if secret is not None:
                raise invalid_client(f"This client authenticates with {method}; a client secret is not accepted.")
            return self._certificate_auth(caller, client, method, [item["id"] for item in slot["credentials"]])
        method = client.get("token_endpoint_auth_method", "client_secret_post")
        if method == "none":
            return "none"
        expected = self.store.area("clients").secret_of(client["client_id"]) or ""
        if not (isinstance(secret, str) and hmac.compare_digest(secret.encode(), expected.encode())):
            # As the recorded answer to a wrong secret on the management client.
            raise unauthorized()
        # Not established: whether Auth0 refuses client_secret_basic from a client_secret_post client
        # (and the reverse); either is accepted.
        return "client_secret_basic" if basic else "client_secret_post"

    def _certificate_auth(self, caller: Caller, client: Mapping[str, Any], method: str, ids: list[str]) -> str:
        certificate = caller.certificate
        if certificate is None:
            if caller.domain is None:
                raise invalid_client(f"This client authenticates with {method}, which needs a custom domain's mTLS "
                                     f"endpoint ({caller.mtls_token_endpoint}); this request reached the tenant's "
                                     "canonical address.")
            raise invalid_client(f"No client certificate was presented: this client authenticates with {method}; "
                                 f"request the token at {caller.mtls_token_endpoint} with its certificate.")
        if method == "tls_client_auth" and not certificate.ca_verified:
            raise invalid_client(f"This client authenticates with tls_client_auth, but the edge did not verify the "
                                 f"certificate against its client CA ({VERIFIED_HEADER}: {certificate.verification}).")
        if method == "self_signed_tls_client_auth" and certificate.ca_verified:
            # Not established: Auth0's docs say the header tells it which method and credentials
            # apply; a CA-verified certificate is therefore not matched against x509_cert credentials.
            raise invalid_client(f"This client authenticates with self_signed_tls_client_auth, but the edge "
                                 f"reported a CA-verified certificate ({VERIFIED_HEADER}: SUCCESS).")
        pool = self.store.area("client_credentials")
        credentials = [pool.get(client["client_id"], cred_id) for cred_id in ids]
        if method == "tls_client_auth":
            matched = any(hmac.compare_digest(item.get("subject_dn", "").encode(), certificate.subject_dn.encode())
                          for item in credentials)
            what = "subject DN matches none of the client's cert_subject_dn credentials"
        else:
            matched = any(hmac.compare_digest(item.get("thumbprint_sha256", "").encode(),
                                              certificate.thumbprint.encode()) for item in credentials)
            what = "SHA-256 thumbprint matches none of the client's x509_cert credentials"
        if not matched:
            raise invalid_client(f"The client certificate's {what}.")
        return method

    @staticmethod
    def _scopes(grant: Mapping[str, Any], api: Mapping[str, Any] | None, requested: Any) -> list[str]:
        if grant.get("allow_all_scopes") and api is not None:
            granted = [str(item.get("value")) for item in api.get("scopes", []) if isinstance(item, dict)]
        else:
            granted = [str(item) for item in grant.get("scope", [])]
        return narrow_scopes(granted, requested)

    @staticmethod
    def _binding(caller: Caller, client: Mapping[str, Any], api: Mapping[str, Any] | None,
                 audience: str) -> str | None:
        """The certificate thumbprint the token is bound to, if any (reference §2.1, §2.2)."""
        pop: Mapping[str, Any] = (api or {}).get("proof_of_possession") or {}
        client_requires = client.get("require_proof_of_possession") is True
        api_mtls = pop.get("mechanism") == "mtls"
        api_requires = pop.get("required") is True
        if api_requires and not api_mtls:
            raise OAuthError(400, "invalid_request", f"The API {audience} requires DPoP proofs, which this emulator "
                                                     "does not implement.")
        if client_requires and not pop:
            # Docs: a client that requires PoP gets no token for an API without a PoP policy. The
            # error Auth0 returns is not established.
            raise OAuthError(400, "invalid_request",
                             f"This client requires proof of possession, but the API {audience} has no "
                             "proof_of_possession policy: no token is issued. Set the API's proof_of_possession "
                             "(mechanism mtls).")
        if (client_requires or api_requires) and caller.certificate is None:
            # Not established: the error when PoP is required and no certificate arrives.
            who = "This client requires" if client_requires else f"The API {audience} requires"
            raise OAuthError(400, "invalid_request",
                             f"{who} certificate-bound tokens: request the token at {caller.mtls_token_endpoint} "
                             "with the client certificate.")
        if caller.certificate is not None and (client_requires or api_mtls):
            # Not established whether a secret-authenticated client that presents a certificate gets a
            # bound token; docs say binding works with any client authentication over mTLS. It does
            # here whenever the client or the API asks for mTLS proof of possession.
            return caller.certificate.thumbprint
        return None

    # ------------------------------------------------------------------ discovery and keys

    def discovery(self, request: Request) -> Reply:
        caller = self._caller(request)
        base = f"https://{caller.domain}" if caller.domain else request.site.base_url
        settings = self.store.area("tenant_settings").get()
        aliases = bool((settings.get("mtls") or {}).get("enable_endpoint_aliases")) and caller.domain is not None
        return Reply(200, discovery_document(base, caller.issuer(request), caller.domain if aliases else None))

    def jwks(self, request: Request) -> Reply:
        self._caller(request)
        return Reply(200, jwks_document())

    # ------------------------------------------------------------------ test control

    def issued(self) -> list[dict[str, Any]]:
        """What each issued application token said (never the token itself), oldest first."""
        with self.lock:
            return [dict(item) for item in self._issued]

    routes = (
        # Every token request, edge or not: application clients may use their secret on the
        # canonical address, and the management client's requests are passed on unchanged.
        auth("POST", "/oauth/token", lambda a, r: a.token(r)),
        auth("GET", "/.well-known/openid-configuration", lambda a, r: a.discovery(r)),
        auth("GET", "/.well-known/jwks.json", lambda a, r: a.jwks(r)),
        admin("GET", "/tokens/issued", lambda a, r: (200, a.issued())),
    )


# ---------------------------------------------------------------------- documents and signatures

def key_id() -> str:
    """RFC 7638 thumbprint of the signing key (Auth0's kids are opaque strings; any stable one will do)."""
    jwk = _public_jwk()
    canonical = json.dumps({"e": jwk["e"], "kty": "RSA", "n": jwk["n"]}, separators=(",", ":"), sort_keys=True)
    return b64url(hashlib.sha256(canonical.encode()).digest())


def _public_jwk() -> dict[str, str]:
    key, _ = signing_key()
    numbers = key.public_key().public_numbers()
    return {"kty": "RSA", "n": b64url(_int_bytes(numbers.n)), "e": b64url(_int_bytes(numbers.e))}


def jwks_document() -> dict[str, Any]:
    """Auth0's JWKS entry shape: kty, use, n, e, kid, x5t, x5c, alg."""
    _, cert = signing_key()
    der = cert.public_bytes(serialization.Encoding.DER)
    jwk = _public_jwk()
    return {"keys": [{"kty": "RSA", "use": "sig", "n": jwk["n"], "e": jwk["e"], "kid": key_id(),
                      "x5t": b64url(hashlib.sha1(der).digest()),  # noqa: S324 - x5t is SHA-1 by definition
                      "x5c": [base64.b64encode(der).decode()], "alg": "RS256"}]}


def sign_jwt(claims: Mapping[str, Any]) -> str:
    key, _ = signing_key()
    header = {"alg": "RS256", "typ": "JWT", "kid": key_id()}
    signing_input = ".".join(b64url(json.dumps(part, separators=(",", ":")).encode()) for part in (header, claims))
    signature = key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input}.{b64url(signature)}"


def discovery_document(base: str, issuer: str, mtls_domain: str | None) -> dict[str, Any]:
    """The OpenID configuration. The key set follows Auth0's tenants; the mTLS keys appear only while
    the tenant's endpoint aliases are on, and only on a custom domain (reference §4: only
    ``token_endpoint`` is confirmed as aliased, so only it is)."""
    methods = ["client_secret_basic", "client_secret_post", "private_key_jwt"]
    if mtls_domain:
        methods += list(MTLS_AUTH_METHODS)
    document: dict[str, Any] = {
        "issuer": issuer,
        "authorization_endpoint": f"{base}/authorize",
        "token_endpoint": f"{base}/oauth/token",
        "device_authorization_endpoint": f"{base}/oauth/device/code",
        "userinfo_endpoint": f"{base}/userinfo",
        "mfa_challenge_endpoint": f"{base}/mfa/challenge",
        "jwks_uri": f"{base}/.well-known/jwks.json",
        "registration_endpoint": f"{base}/oidc/register",
        "revocation_endpoint": f"{base}/oauth/revoke",
        "scopes_supported": ["openid", "profile", "offline_access", "name", "given_name", "family_name", "nickname",
                             "email", "email_verified", "picture", "created_at", "identities", "phone", "address"],
        "response_types_supported": ["code", "token", "id_token", "code token", "code id_token", "token id_token",
                                     "code token id_token"],
        "code_challenge_methods_supported": ["S256", "plain"],
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["public"],
        "token_endpoint_auth_methods_supported": methods,
        "id_token_signing_alg_values_supported": ["HS256", "RS256", "PS256"],
        "token_endpoint_auth_signing_alg_values_supported": ["RS256", "RS384", "PS256"],
        "request_uri_parameter_supported": False,
        "request_parameter_supported": False,
        "end_session_endpoint": f"{base}/oidc/logout",
        "pushed_authorization_request_endpoint": f"{base}/oauth/par",
    }
    if mtls_domain:
        document["mtls_endpoint_aliases"] = {"token_endpoint": f"https://mtls.{mtls_domain}/oauth/token"}
        document["tls_client_certificate_bound_access_tokens"] = True
    return document


__all__: list[str] = ["AuthenticationApi", "discovery_document", "jwks_document", "sign_jwt", "via_edge"]
