"""Management API calls for applications (clients), their credentials and APIs (resource
servers), over ``ManagementClient.request``/``send``: the one place their paths are built, so an
id can never reach another endpoint, and the place client secrets are dropped from responses.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Mapping
from urllib.parse import quote

from .errors import ApiError, UnsafeInputError
from .validation import _show

if TYPE_CHECKING:
    from .client import ManagementClient

# Auth0 makes 32-character alphanumeric client ids; imported or older ones may hold '_', '-' or
# '.'. The leading character keeps '.' and '..' (path traversal once decoded) out.
CLIENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")
CREDENTIAL_ID = re.compile(r"cred_[A-Za-z0-9]{1,64}")
# An API is addressed by its id or by its identifier (audience, often a URL). Any printable text
# goes into the path fully percent-encoded; control characters and bare dot segments are refused.
RESOURCE_SERVER_MAX = 600
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

# What this package reads of a client: never `client_secret`, which then never even reaches the
# process (and asking for it would need read:client_keys).
CLIENT_FIELDS = ("client_id", "name", "app_type", "token_endpoint_auth_method", "client_authentication_methods",
                 "require_proof_of_possession", "jwt_configuration")
# Never kept from any response, whatever it was asked for.
_SECRET_FIELDS = ("client_secret", "signing_secret")


def client_id_problem(value: Any, prop: str = "client_id") -> str | None:
    if not isinstance(value, str) or not CLIENT_ID.fullmatch(value):
        return (f"{prop} must be an Auth0 client id (letters and digits, as shown in the application's settings), "
                f"got {_show(value)}")
    return None


def credential_id_problem(value: Any, prop: str = "credential_id") -> str | None:
    if not isinstance(value, str) or not CREDENTIAL_ID.fullmatch(value):
        return (f"{prop} must be a credential id: 'cred_' followed by letters and digits "
                f"(use ClientCertificateCredential.credential_id), got {_show(value)}")
    return None


def resource_server_id_problem(value: Any, prop: str = "resource_server_id") -> str | None:
    if not isinstance(value, str) or not value.strip():
        return f"{prop} is required: the API's id or its identifier (audience), e.g. https://api.example.com/payments"
    if len(value) > RESOURCE_SERVER_MAX:
        return f"{prop} is {len(value)} characters long; at most {RESOURCE_SERVER_MAX} are allowed"
    if _CONTROL.search(value):
        return f"{prop} contains control characters (line breaks, tabs, ...); an API id or identifier has none"
    if value.strip(".") == "" or value != value.strip():
        return f"{prop} {value!r:.80} is not an API id or identifier"
    return None


def _checked(problem: str | None) -> None:
    if problem:
        raise UnsafeInputError(problem)


def client_path(client_id: str, suffix: str = "") -> str:
    _checked(client_id_problem(client_id))
    return f"/api/v2/clients/{quote(client_id, safe='')}{suffix}"


def credentials_path(client_id: str) -> str:
    return client_path(client_id, "/credentials")


def credential_path(client_id: str, credential_id: str) -> str:
    _checked(credential_id_problem(credential_id))
    return client_path(client_id, f"/credentials/{quote(credential_id, safe='')}")


def resource_server_path(resource_server_id: str) -> str:
    _checked(resource_server_id_problem(resource_server_id))
    # safe='' encodes '/', '?', '#', '%' and ':' as well: an identifier URL stays one path segment.
    return f"/api/v2/resource-servers/{quote(resource_server_id, safe='')}"


def without_secrets(obj: Any) -> Any:
    if isinstance(obj, Mapping):
        return {key: value for key, value in obj.items() if key not in _SECRET_FIELDS}
    return obj


class ClientsApi:
    """The calls the client, credential and API resources make. Thread-safe like the client it wraps."""

    def __init__(self, client: "ManagementClient") -> None:
        self.client = client

    # -- clients --------------------------------------------------------------------------------

    def get_client(self, client_id: str) -> dict[str, Any]:
        params = {"fields": ",".join(CLIENT_FIELDS), "include_fields": "true"}
        return without_secrets(self.client.request("GET", client_path(client_id), params=params))

    def update_client(self, client_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
        # PATCH cannot be narrowed with `fields`: a client using a secret gets it back here, and it
        # is dropped before anything else sees the body.
        return without_secrets(self.client.request("PATCH", client_path(client_id), json=dict(body)))

    # -- credentials ----------------------------------------------------------------------------

    def create_credential(self, client_id: str, body: Mapping[str, Any]) -> tuple[dict[str, Any], bool]:
        """The new credential, and whether an earlier attempt of this POST may have created one too
        (its response was lost and the retry made another)."""
        obj, maybe_applied = self.client.send("POST", credentials_path(client_id), json=dict(body), ok=(200, 201))
        return obj, maybe_applied

    def get_credential(self, client_id: str, credential_id: str) -> dict[str, Any]:
        return self.client.request("GET", credential_path(client_id, credential_id))

    def list_credentials(self, client_id: str) -> list[dict[str, Any]]:
        # A bare array, even when totals are asked for (recorded); one page holds the pool (at most 4).
        page = self.client.request("GET", credentials_path(client_id), params={"per_page": 50})
        if isinstance(page, Mapping):
            page = page.get("credentials", [])
        return list(page or [])

    def delete_credential(self, client_id: str, credential_id: str) -> bool:
        """True if it was deleted now, False if it was already gone (the goal is met either way)."""
        try:
            self.client.request("DELETE", credential_path(client_id, credential_id), ok=(200, 204))
        except ApiError as exc:
            if exc.is_not_found:
                return False
            raise
        return True

    # -- resource servers -----------------------------------------------------------------------

    def get_resource_server(self, resource_server_id: str) -> dict[str, Any]:
        return without_secrets(self.client.request("GET", resource_server_path(resource_server_id)))

    def update_resource_server(self, resource_server_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
        # Auth0 answers 200 (recorded); the specification says 201.
        return without_secrets(self.client.request("PATCH", resource_server_path(resource_server_id),
                                                   json=dict(body), ok=(200, 201)))
