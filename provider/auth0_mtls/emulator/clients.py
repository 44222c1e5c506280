"""Application clients: ``/api/v2/clients``, with certificate authentication and PoP settings.

These are the tenant's applications. The management client the provider authenticates
as (``--client-id``/``--client-secret``, :mod:`.management_auth`) is not one of them.

Recorded behaviour reproduced (reference auth0-mtls-clients.md §1.5, §1.6, §2.1, §2.4):
while a method is attached, responses carry ``client_authentication_methods`` and drop
``token_endpoint_auth_method`` and ``client_secret``; both come back after the revert.
"""

from __future__ import annotations

import copy
import secrets
import string
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from . import validation as v
from .client_credentials import CredentialRecord, client_not_found
from .errors import bad_request, insufficient_scope, payload_error
from .paging import offset_page
from .router import api
from .store import Area
from .tenant_keys import signing_keys_document

APP_TYPES = (
    "native", "spa", "regular_web", "non_interactive", "resource_server", "express_configuration", "rms", "box",
    "cloudbees", "concur", "dropbox", "mscrm", "echosign", "egnyte", "newrelic", "office365", "salesforce",
    "sentry", "sharepoint", "slack", "springcm", "zendesk", "zoom", "sso_integration", "oag",
)
TOKEN_ENDPOINT_AUTH_METHODS = ("none", "client_secret_post", "client_secret_basic")
COMPLIANCE_LEVELS = ("none", "fapi1_adv_pkj_par", "fapi1_adv_mtls_par", "fapi2_sp_pkj_mtls", "fapi2_sp_mtls_mtls")
JWT_ALGS = ("HS256", "RS256", "PS256")
# Credential type each method takes (reference §1.1).
METHOD_CREDENTIAL_TYPES = {
    "tls_client_auth": "cert_subject_dn",
    "self_signed_tls_client_auth": "x509_cert",
    "private_key_jwt": "public_key",
}
# "Array is too long (3), maximum 2" (reference §1.7); not stated for the mTLS slots, treated the same.
SLOT_LIMIT = 2
SECRET_ALPHABET = string.ascii_letters + string.digits + "-_"

# Properties of CreateClientRequestContent / UpdateClientRequestContent (as generated into the
# official SDK); the ones below the first line are stored as sent, without further checks.
_COMMON = (
    "name", "description", "logo_uri", "callbacks", "oidc_logout", "oidc_backchannel_logout", "session_transfer",
    "allowed_origins", "web_origins", "client_aliases", "allowed_clients", "allowed_logout_urls", "grant_types",
    "token_endpoint_auth_method", "is_token_endpoint_ip_header_trusted", "app_type", "is_first_party",
    "oidc_conformant", "jwt_configuration", "encryption_key", "sso", "cross_origin_authentication",
    "cross_origin_loc", "sso_disabled", "custom_login_page_on", "custom_login_page", "custom_login_page_preview",
    "form_template", "addons", "client_metadata", "mobile", "initiate_login_uri", "native_social_login",
    "fedcm_login", "refresh_token", "default_organization", "organization_usage", "organization_require_behavior",
    "organization_discovery_methods", "client_authentication_methods", "require_pushed_authorization_requests",
    "require_proof_of_possession", "signed_request_object", "token_vault_privileged_access", "compliance_level",
    "skip_non_verifiable_callback_uri_confirmation_prompt", "token_exchange", "par_request_expiry", "token_quota",
    "identity_assertion_authorization_grant", "anonymous_sessions", "enforce_anon_session_transfer_network_binding",
    "third_party_security_mode", "redirection_policy", "express_configuration", "b2b_integration_configuration",
    "my_organization_configuration", "async_approval_notification_channels", "oidc_support",
)
CREATE_PROPERTIES = frozenset((*_COMMON, "resource_server_identifier"))
UPDATE_PROPERTIES = frozenset((*_COMMON, "client_secret"))
BOOLEANS = ("is_token_endpoint_ip_header_trusted", "is_first_party", "oidc_conformant", "sso", "sso_disabled",
            "cross_origin_authentication", "custom_login_page_on", "require_pushed_authorization_requests",
            "require_proof_of_possession")
STRING_ARRAYS = ("callbacks", "allowed_origins", "web_origins", "client_aliases", "allowed_clients",
                 "allowed_logout_urls", "grant_types")
# Objects a PATCH merges into the stored one (TF's {"jwt_configuration":{"alg":"RS256"}} keeps the rest).
MERGED_OBJECTS = ("jwt_configuration", "refresh_token")

# Key order of the recorded real client bodies; other properties follow in the order set.
ORDER = (
    "name", "description", "client_id", "client_secret", "app_type", "logo_uri", "is_first_party",
    "is_token_endpoint_ip_header_trusted", "oidc_conformant", "callbacks", "allowed_origins", "web_origins",
    "client_aliases", "allowed_clients", "allowed_logout_urls", "jwt_configuration", "signing_keys", "sso",
    "sso_disabled", "cross_origin_authentication", "grant_types", "custom_login_page_on",
    "token_endpoint_auth_method", "refresh_token", "client_authentication_methods",
    "require_pushed_authorization_requests", "require_proof_of_possession", "compliance_level",
)
JWT_ORDER = ("secret_encoded", "scopes", "alg", "lifetime_in_seconds")

DESC = {
    "name": "Name of this client (min length: 1 character, does not allow `<` or `>`).",
    "description": "Free text description of this client (max length: 140 characters).",
    "app_type": "The type of application this client represents",
    "token_endpoint_auth_method": "Defines the requested authentication method for the token endpoint. Can be "
                                  "`none` (public client without a client secret), `client_secret_post` (client "
                                  "uses HTTP POST parameters), or `client_secret_basic` (client uses HTTP Basic).",
    "compliance_level": "Defines the compliance level for this client, which may restrict it's capabilities",
    "require_proof_of_possession": "Makes the use of Proof-of-Possession mandatory for this client",
    "client_authentication_methods": "Defines client authentication methods.",
}

_ABSENT: Any = object()


def _default_refresh_token(app_type: str | None) -> dict[str, Any]:
    # The two recorded variants: a non_interactive client, and a client created without app_type.
    long_lived = app_type == "non_interactive"
    return {"rotation_type": "non-rotating", "expiration_type": "non-expiring", "leeway": 0,
            "token_lifetime": 31557600 if long_lived else 2592000, "infinite_token_lifetime": True,
            "infinite_idle_token_lifetime": True, "idle_token_lifetime": 2592000 if long_lived else 1296000}


def _ordered(document: Mapping[str, Any], order: tuple[str, ...]) -> dict[str, Any]:
    out = {key: document[key] for key in order if key in document}
    out.update({key: value for key, value in document.items() if key not in out})
    return out


@dataclass
class ClientRecord:
    client_id: str
    secret: str
    seq: int
    # Every stored property except the four the class renders itself.
    document: dict[str, Any]
    auth_method: Any = _ABSENT  # token_endpoint_auth_method: a value, None (null) or _ABSENT (never set)
    # client_authentication_methods: {method: [credential ids]} or None.
    methods: dict[str, list[str]] | None = None
    # Inline credentials of a create, shown in full in the create response only (recorded, §1.10.5).
    inline: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def render(self) -> dict[str, Any]:
        data = dict(self.document)
        data["client_id"] = self.client_id
        if self.methods is None:
            data["client_secret"] = self.secret
            if self.auth_method is not _ABSENT and self.auth_method is not None:
                data["token_endpoint_auth_method"] = self.auth_method
        else:
            data["client_authentication_methods"] = {
                method: {"credentials": self.inline.get(method) or [{"id": cred_id} for cred_id in ids]}
                for method, ids in self.methods.items()
            }
        return _ordered(data, ORDER)

    def credential_ids(self) -> set[str]:
        return {cred_id for ids in (self.methods or {}).values() for cred_id in ids}


class Clients(Area):
    name = "clients"
    scopes = ("read:clients", "create:clients", "update:clients", "delete:clients")
    snapshot_keys = ("clients", "client_secrets")

    def reset(self) -> None:
        with self.lock:
            self._clients: dict[str, ClientRecord] = {}
            self._seq = 0

    @property
    def _credentials(self) -> Any:
        return self.store.area("client_credentials")

    # ------------------------------------------------------------------ used by other areas

    def exists(self, client_id: str) -> bool:
        return client_id in self._clients

    def referenced_credentials(self, client_id: str) -> set[str]:
        record = self._clients.get(client_id)
        return record.credential_ids() if record else set()

    def _find(self, client_id: str) -> ClientRecord:
        record = self._clients.get(client_id)
        if record is None:
            raise client_not_found()
        return record

    # ------------------------------------------------------------------ validation

    def _check_properties(self, data: dict[str, Any], allowed: frozenset[str]) -> None:
        v.check_additional(data, allowed)
        if "name" in data:
            v.check_string(data["name"], "name", DESC["name"], min_len=1)
        if "description" in data:
            v.check_string(data["description"], "description", DESC["description"], max_len=140)
        if "app_type" in data:
            v.check_enum(data["app_type"], APP_TYPES, "app_type", DESC["app_type"])
        if "token_endpoint_auth_method" in data:
            v.check_enum(data["token_endpoint_auth_method"], TOKEN_ENDPOINT_AUTH_METHODS,
                         "token_endpoint_auth_method", DESC["token_endpoint_auth_method"], nullable=True)
        if "compliance_level" in data:
            v.check_enum(data["compliance_level"], COMPLIANCE_LEVELS, "compliance_level", DESC["compliance_level"],
                         nullable=True)
        for key in BOOLEANS:
            if key in data:
                v.check_type(data[key], "boolean", key, DESC.get(key))
        for key in STRING_ARRAYS:
            if key in data:
                for item in v.check_array(data[key], key, None, unique=key == "grant_types"):
                    v.check_type(item, "string", key)
        if "jwt_configuration" in data:
            jwt = data["jwt_configuration"]
            v.check_type(jwt, "object", "jwt_configuration")
            if "alg" in jwt:
                v.check_enum(jwt["alg"], JWT_ALGS, "jwt_configuration.alg", None)
        if "client_secret" in data:
            v.check_string(data["client_secret"], "client_secret", None, min_len=1)

    def _check_methods(self, value: Any, *, inline: bool) -> dict[str, list[Any]] | None:
        """``client_authentication_methods``: null, or exactly one method with 1–2 credentials."""
        prop = "client_authentication_methods"
        if value is None:
            return None
        v.check_type(value, "object,null", prop, DESC[prop])
        if len(value) < 1:
            raise payload_error("Too few properties defined (0), minimum 1", prop, DESC[prop])
        if len(value) > 1:
            raise payload_error(f"Too many properties defined ({len(value)}), maximum 1", prop, DESC[prop])
        v.check_additional(value, tuple(METHOD_CREDENTIAL_TYPES), prop, DESC[prop])
        (method, slot), = value.items()
        v.check_type(slot, "object", f"{prop}.{method}")
        v.check_additional(slot, ("credentials",), f"{prop}.{method}")
        v.check_required(slot, ("credentials",))
        items = v.check_array(slot["credentials"], f"{prop}.{method}.credentials", None, max_items=SLOT_LIMIT)
        if not items:
            # Not established: whether an empty slot is refused; it would leave the client no way in.
            raise payload_error("Array is too short (0), minimum 1", f"{prop}.{method}.credentials")
        for index, item in enumerate(items):
            where = f"{prop}.{method}.credentials[{index}]"
            v.check_type(item, "object", where)
            if not inline:
                # PATCH takes ids only (SPEC CredentialId, additionalProperties false).
                v.check_additional(item, ("id",), where)
                v.check_required(item, ("id",))
                v.check_string(item["id"], f"{where}.id", "Credential ID", min_len=1)
        return {method: list(items)}

    @staticmethod
    def _check_exclusive(auth_method: Any, methods: Any, touched: bool) -> None:
        """SPEC: the two properties are mutually exclusive; Auth0 also refuses leaving both unset
        (deploy-cli and TF notes, reference §1.5). Checked on the result of a write that
        touched either property."""
        if not touched:
            return
        method_set = auth_method is not _ABSENT and auth_method is not None
        if method_set and methods:
            raise bad_request("The client_authentication_methods and token_endpoint_auth_method properties are "
                              "mutually exclusive.", "invalid_body")
        if not method_set and not methods:
            # Not established: the wording of this refusal.
            raise bad_request("A client must have either token_endpoint_auth_method or "
                              "client_authentication_methods.", "invalid_body")

    def _resolve(self, client_id: str, methods: dict[str, list[Any]]) -> dict[str, list[str]]:
        """Ids of a PATCH slot must be in this client's pool, of the method's credential type."""
        pool = self._credentials.pool(client_id)
        (method, items), = methods.items()
        ids = [item["id"] for item in items]
        if len(set(ids)) != len(ids):
            raise payload_error("Array items are not unique", f"client_authentication_methods.{method}.credentials")
        missing = [cred_id for cred_id in ids if cred_id not in pool]
        if missing:
            # Recorded only in part ("One or more of the credentials … do not exist").
            raise bad_request(f"One or more of the credentials do not exist: {', '.join(missing)}", "invalid_body")
        _check_types(method, [pool[cred_id] for cred_id in ids])
        return {method: ids}

    # ------------------------------------------------------------------ API

    def create(self, body: Any, token_scopes: frozenset[str]) -> dict[str, Any]:
        with self.lock:
            data = v.require_object(body)
            self._check_properties(data, CREATE_PROPERTIES)
            v.check_required(data, ("name",))
            methods = self._check_methods(data.get("client_authentication_methods"), inline=True)
            if "client_authentication_methods" in data and "create:client_credentials" not in token_scopes:
                raise insufficient_scope("create:client_credentials")
            auth_method = data.get("token_endpoint_auth_method", _ABSENT)
            self._check_exclusive(auth_method, methods, "token_endpoint_auth_method" in data or methods is not None)
            client_id = self.store.new_id("", 32, self._clients)
            built: list[CredentialRecord] = []
            if methods:
                (method, items), = methods.items()
                taken = set(self._credentials._all_ids())
                for item in items:
                    record = self._credentials.build(item, taken)
                    taken.add(record.id)
                    built.append(record)
                _check_types(method, built)
            document = self._new_document(data)
            self._seq += 1
            client = ClientRecord(client_id, "".join(secrets.choice(SECRET_ALPHABET) for _ in range(64)),
                                  self._seq, document, auth_method)
            if methods:
                (method, _), = methods.items()
                pool = self._credentials.pool(client_id)
                for record in built:
                    pool[record.id] = record
                client.methods = {method: [record.id for record in built]}
                client.inline = {method: [record.render() for record in built]}
            self._clients[client_id] = client
            rendered = client.render()
            client.inline = {}
            return rendered

    def _new_document(self, data: dict[str, Any]) -> dict[str, Any]:
        given = {key: copy.deepcopy(value) for key, value in data.items()
                 if key not in ("token_endpoint_auth_method", "client_authentication_methods")}
        jwt = {"secret_encoded": False, "lifetime_in_seconds": 36000, **given.pop("jwt_configuration", {})}
        defaults: dict[str, Any] = {
            "is_first_party": True,
            "is_token_endpoint_ip_header_trusted": False,
            "oidc_conformant": False,
            "jwt_configuration": _ordered(jwt, JWT_ORDER),
            "signing_keys": signing_keys_document(),
            "sso_disabled": False,
            "cross_origin_authentication": False,
            "grant_types": ["authorization_code", "implicit", "refresh_token", "client_credentials"],
            "custom_login_page_on": True,
            "refresh_token": _default_refresh_token(data.get("app_type")),
        }
        document = {**defaults, **given}
        for key in ("compliance_level",):
            if document.get(key, _ABSENT) is None:
                del document[key]
        return document

    def get(self, client_id: str, query: Mapping[str, str] | None = None) -> dict[str, Any]:
        with self.lock:
            return self._project(self._find(client_id).render(), query or {})

    @staticmethod
    def _project(rendered: dict[str, Any], query: Mapping[str, str]) -> dict[str, Any]:
        include = v.parse_bool(query.get("include_fields"), "include_fields", True)
        projected = v.select_fields(rendered, query.get("fields"), include)
        if query.get("fields") and include and "signing_keys" in rendered:
            # Recorded: ?fields=client_id&include_fields=true also returns signing_keys.
            projected["signing_keys"] = rendered["signing_keys"]
        return projected

    def list(self, query: dict[str, str]) -> Any:
        with self.lock:
            items = sorted(self._clients.values(), key=lambda record: record.seq)
            app_types = [t for t in (query.get("app_type") or "").split(",") if t]
            if app_types:
                items = [record for record in items if record.document.get("app_type") in app_types]
            if "is_first_party" in query:
                wanted = v.parse_bool(query["is_first_party"], "is_first_party", True)
                items = [record for record in items if record.document.get("is_first_party") == wanted]
            rendered = [self._project(record.render(), query) for record in items]
            return offset_page(rendered, query, "clients", ("start", "limit", "length", "total"))

    def update(self, client_id: str, body: Any, token_scopes: frozenset[str]) -> dict[str, Any]:
        with self.lock:
            client = self._find(client_id)
            data = v.require_object(body)
            self._check_properties(data, UPDATE_PROPERTIES)
            touched_methods = "client_authentication_methods" in data
            if touched_methods and "update:client_credentials" not in token_scopes:
                # "To configure client_authentication_methods, the update:client_credentials scope is required"
                raise insufficient_scope("update:client_credentials")
            requested = self._check_methods(data.get("client_authentication_methods"), inline=False)
            methods = client.methods
            if touched_methods:
                methods = self._resolve(client_id, requested) if requested else None
            auth_method = data.get("token_endpoint_auth_method", client.auth_method)
            self._check_exclusive(auth_method, methods, touched_methods or "token_endpoint_auth_method" in data)
            for key, value in data.items():
                if key in ("token_endpoint_auth_method", "client_authentication_methods"):
                    continue
                if key == "client_secret":
                    client.secret = value
                elif key in MERGED_OBJECTS and isinstance(value, dict):
                    merged = {**client.document.get(key, {}), **copy.deepcopy(value)}
                    client.document[key] = _ordered(merged, JWT_ORDER) if key == "jwt_configuration" else merged
                elif value is None and key in ("compliance_level",):
                    client.document.pop(key, None)
                else:
                    client.document[key] = copy.deepcopy(value)
            client.methods = methods
            client.auth_method = auth_method
            return client.render()

    def delete(self, client_id: str) -> None:
        """Idempotent. Not established: Auth0's answer for an unknown id (the SPEC lists no 404),
        and whether the client's grants go with it; both its credential pool and its grants do here."""
        with self.lock:
            if self._clients.pop(client_id, None) is None:
                return
            self._credentials.drop_pool(client_id)
            self.store.area("client_grants").drop_for_client(client_id)

    def secret_of(self, client_id: str) -> str | None:
        with self.lock:
            record = self._clients.get(client_id)
            return record.secret if record else None

    # ------------------------------------------------------------------ snapshot

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            ordered = sorted(self._clients.values(), key=lambda record: record.seq)
            # Secrets are listed apart because bodies hide them while a method is attached.
            return {"clients": [record.render() for record in ordered],
                    "client_secrets": {record.client_id: record.secret for record in ordered}}

    def prepare_load(self, snapshot: Mapping[str, Any]) -> Callable[[], None]:
        items = snapshot.get("clients", [])
        secrets_in = snapshot.get("client_secrets", {})
        if not isinstance(items, list) or not isinstance(secrets_in, dict):
            raise ValueError("clients must be a list and client_secrets an object")
        clients: dict[str, ClientRecord] = {}
        for seq, item in enumerate(items, start=1):
            if not isinstance(item, dict) or not isinstance(item.get("client_id"), str):
                raise ValueError("each client must be an object with a client_id")
            document = dict(item)
            client_id = document.pop("client_id")
            shown = document.pop("client_secret", None)
            secret = secrets_in.get(client_id, shown)
            if not isinstance(secret, str) or (shown is not None and shown != secret):
                raise ValueError(f"client {client_id}: client_secret missing or inconsistent with client_secrets")
            auth_method = document.pop("token_endpoint_auth_method", _ABSENT)
            slots = document.pop("client_authentication_methods", None)
            methods = None
            if slots is not None:
                try:
                    methods = {method: [entry["id"] for entry in slot["credentials"]] for method, slot in slots.items()}
                except (AttributeError, KeyError, TypeError):
                    raise ValueError(f"client {client_id}: malformed client_authentication_methods") from None
                auth_method = None
            clients[client_id] = ClientRecord(client_id, secret, seq, document, auth_method, methods)
        if len(clients) != len(items):
            raise ValueError("clients has duplicate client_id values")
        pools = snapshot.get("client_credentials", {})
        for client_id, record in clients.items():
            known = {item.get("id") for item in pools.get(client_id, []) if isinstance(item, dict)}
            if record.credential_ids() - known:
                raise ValueError(f"client {client_id} references credentials not in its pool")

        def install() -> None:
            self._clients = clients
            self._seq = len(clients)

        return install

    # ------------------------------------------------------------------ routes

    routes = (
        api("POST", "/clients", "create:clients", lambda a, r: (201, a.create(r.body(), r.scopes))),
        api("GET", "/clients", ("read:clients", "read:client_keys"), lambda a, r: (200, a.list(r.query))),
        api("GET", "/clients/{id}", ("read:clients", "read:client_keys"),
            lambda a, r: (200, a.get(r.params["id"], r.query))),
        api("PATCH", "/clients/{id}",
            ("update:clients", "update:client_keys", "update:client_credentials",
             "update:client_token_vault_privileged_access"),
            lambda a, r: (200, a.update(r.params["id"], r.body(), r.scopes))),
        api("DELETE", "/clients/{id}", "delete:clients", lambda a, r: (204, a.delete(r.params["id"]))),
    )


def _check_types(method: str, records: list[CredentialRecord]) -> None:
    """Not established: whether Auth0 refuses a credential whose type does not match the
    method (tls_client_auth ← cert_subject_dn, self_signed_tls_client_auth ← x509_cert). It is
    refused here, since the token endpoint could never match such a credential."""
    wanted = METHOD_CREDENTIAL_TYPES[method]
    for record in records:
        if record.credential_type != wanted:
            raise bad_request(f"Credential {record.id} of type {record.credential_type} cannot be used for "
                              f"{method}; it takes {wanted} credentials.", "invalid_body")
