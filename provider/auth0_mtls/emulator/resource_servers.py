"""APIs (resource servers): ``/api/v2/resource-servers``, with ``proof_of_possession``.

Shapes follow the recorded real bodies (terraform-provider-auth0 ``TestAccResourceServer``,
reference auth0-mtls-clients.md §2.2): defaults on create, 200 on PATCH (the SPEC says
201), and an ``mtls`` proof-of-possession echoed without ``required_for``.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from . import validation as v
from .errors import bad_request, conflict, not_found
from .paging import offset_page
from .router import api
from .store import HEX, Area

SIGNING_ALGS = ("HS256", "RS256", "RS512", "PS256")
TOKEN_DIALECTS = ("access_token", "access_token_authz", "rfc9068_profile", "rfc9068_profile_authz")
POP_MECHANISMS = ("mtls", "dpop")
POP_REQUIRED_FOR = ("public_clients", "all_clients")
ID_RE = re.compile(r"^[0-9a-f]{24}$")

_COMMON = (
    "name", "scopes", "signing_alg", "signing_secret", "allow_offline_access", "allow_online_access",
    "allow_online_access_with_ephemeral_sessions", "token_lifetime", "token_lifetime_for_web",
    "token_lifetime_for_anonymous_access_tokens", "token_dialect", "skip_consent_for_verifiable_first_party_clients",
    "enforce_policies", "access_token", "token_encryption", "consent_policy", "require_consent_non_repudiation",
    "authorization_details", "proof_of_possession", "subject_type_authorization", "authorization_policy",
)
CREATE_PROPERTIES = frozenset((*_COMMON, "identifier"))
UPDATE_PROPERTIES = frozenset(_COMMON)
BOOLEANS = ("allow_offline_access", "allow_online_access", "allow_online_access_with_ephemeral_sessions",
            "skip_consent_for_verifiable_first_party_clients", "enforce_policies", "require_consent_non_repudiation")
INTEGERS = ("token_lifetime", "token_lifetime_for_web", "token_lifetime_for_anonymous_access_tokens")
# Key order of the recorded bodies; others follow in the order set.
ORDER = (
    "id", "name", "identifier", "allow_offline_access", "skip_consent_for_verifiable_first_party_clients",
    "subject_type_authorization", "token_lifetime", "token_lifetime_for_web", "signing_alg", "signing_secret",
    "scopes", "enforce_policies", "token_dialect", "token_encryption", "consent_policy", "authorization_details",
    "proof_of_possession",
)

DESC = {
    "identifier": "Unique identifier for the API used as the audience parameter on authorization calls. Can not "
                  "be changed once set.",
    "name": "Friendly name for this resource server. Can not contain `<` or `>` characters.",
    "proof_of_possession": "Proof-of-Possession configuration for access tokens",
    "mechanism": "Intended mechanism for Proof-of-Possession",
    "required": "Whether the use of Proof-of-Possession is required for the resource server",
    "required_for": "Specifies which clients are required to use Proof-of-Possession",
}


def resource_server_not_found() -> Any:
    return not_found("The resource server does not exist", "inexistent_resource_server")


def check_proof_of_possession(value: Any) -> dict[str, Any] | None:
    """SPEC ResourceServerProofOfPossession; returns what a response shows, ``None`` to unset."""
    prop = "proof_of_possession"
    if value is None:
        return None
    v.check_type(value, "object,null", prop, DESC[prop])
    v.check_additional(value, ("mechanism", "required", "required_for"), prop, DESC[prop])
    v.check_required(value, ("mechanism", "required"))
    v.check_enum(value["mechanism"], POP_MECHANISMS, f"{prop}.mechanism", DESC["mechanism"])
    v.check_type(value["required"], "boolean", f"{prop}.required", DESC["required"])
    if "required_for" in value:
        v.check_enum(value["required_for"], POP_REQUIRED_FOR, f"{prop}.required_for", DESC["required_for"])
    if value["mechanism"] == "mtls":
        if value.get("required_for", "all_clients") != "all_clients":
            # DOC: "When using mTLS, only `all_clients` is valid." The wording is not established.
            raise bad_request("required_for must be all_clients when the proof-of-possession mechanism is mtls.",
                              "invalid_body")
        # Recorded: an mtls setting echoes without required_for.
        return {"mechanism": "mtls", "required": value["required"]}
    # Not established whether a dpop setting without required_for echoes the DOC's default; it does here.
    return {"mechanism": "dpop", "required": value["required"], "required_for": value.get("required_for",
                                                                                          "all_clients")}


@dataclass
class ResourceServerRecord:
    id: str
    seq: int
    document: dict[str, Any]

    @property
    def identifier(self) -> str:
        return str(self.document["identifier"])

    def render(self) -> dict[str, Any]:
        data = {"id": self.id, **self.document}
        out = {key: data[key] for key in ORDER if key in data}
        out.update({key: value for key, value in data.items() if key not in out})
        return out


class ResourceServers(Area):
    name = "resource_servers"
    scopes = ("read:resource_servers", "create:resource_servers", "update:resource_servers",
              "delete:resource_servers")
    snapshot_keys = ("resource_servers",)

    def reset(self) -> None:
        with self.lock:
            self._servers: dict[str, ResourceServerRecord] = {}
            self._seq = 0

    def by_identifier(self, identifier: str) -> ResourceServerRecord | None:
        return next((record for record in self._servers.values() if record.identifier == identifier), None)

    def _find(self, id_or_identifier: str) -> ResourceServerRecord:
        """By id, or by the (URL-encoded in the path) identifier, as the real API allows."""
        record = self._servers.get(id_or_identifier) or self.by_identifier(id_or_identifier)
        if record is None:
            raise resource_server_not_found()
        return record

    def _check(self, data: dict[str, Any], allowed: frozenset[str]) -> dict[str, Any]:
        v.check_additional(data, allowed)
        if "name" in data:
            v.check_string(data["name"], "name", DESC["name"], min_len=1, max_len=200)
        for key in BOOLEANS:
            if key in data:
                v.check_type(data[key], "boolean", key)
        for key in INTEGERS:
            if key in data:
                v.check_type(data[key], "integer", key)
        if "signing_alg" in data:
            v.check_enum(data["signing_alg"], SIGNING_ALGS, "signing_alg", None)
        if "token_dialect" in data:
            v.check_enum(data["token_dialect"], TOKEN_DIALECTS, "token_dialect", None)
        if "scopes" in data:
            for item in v.check_array(data["scopes"], "scopes", None):
                v.check_type(item, "object", "scopes")
                v.check_required(item, ("value",))
        changes = {key: copy.deepcopy(value) for key, value in data.items()}
        if "proof_of_possession" in data:
            changes["proof_of_possession"] = check_proof_of_possession(data["proof_of_possession"])
        return changes

    # ------------------------------------------------------------------ API

    def create(self, body: Any) -> dict[str, Any]:
        with self.lock:
            data = v.require_object(body)
            v.check_required(data, ("identifier",))
            v.check_string(data["identifier"], "identifier", DESC["identifier"], min_len=1, max_len=600)
            changes = self._check(data, CREATE_PROPERTIES)
            if self.by_identifier(data["identifier"]) is not None:
                # Not established: the wording and errorCode of this 409.
                raise conflict("A resource server with the same identifier already exists.",
                               "resource_server_conflict")
            document: dict[str, Any] = {
                "identifier": data["identifier"],
                "allow_offline_access": False,
                "skip_consent_for_verifiable_first_party_clients": False,
                "subject_type_authorization": {"client": {"policy": "require_client_grant"},
                                               "user": {"policy": "allow_all"}},
                "token_lifetime": 86400,
                "token_lifetime_for_web": 7200,
                "signing_alg": "RS256",
            }
            document.update(changes)
            if document.get("proof_of_possession", "") is None:
                del document["proof_of_possession"]
            self._seq += 1
            record = ResourceServerRecord(self.store.new_id("", 24, self._servers, HEX), self._seq, document)
            self._servers[record.id] = record
            return record.render()

    def get(self, id_or_identifier: str) -> dict[str, Any]:
        with self.lock:
            return self._find(id_or_identifier).render()

    def list(self, query: dict[str, str], identifiers: list[str]) -> Any:
        with self.lock:
            items = sorted(self._servers.values(), key=lambda record: record.seq)
            if identifiers:
                items = [record for record in items if record.identifier in identifiers]
            return offset_page([record.render() for record in items], query, "resource_servers",
                               ("start", "limit", "total"))

    def update(self, id_or_identifier: str, body: Any) -> dict[str, Any]:
        with self.lock:
            record = self._find(id_or_identifier)
            data = v.require_object(body)
            changes = self._check(data, UPDATE_PROPERTIES)
            for key, value in changes.items():
                if value is None:
                    # null unsets (DOC: {"proof_of_possession": null}).
                    record.document.pop(key, None)
                else:
                    record.document[key] = value
            return record.render()

    def delete(self, id_or_identifier: str) -> None:
        """Idempotent. Not established: whether the API's client grants go with it; they do here."""
        with self.lock:
            record = self._servers.get(id_or_identifier) or self.by_identifier(id_or_identifier)
            if record is None:
                return
            del self._servers[record.id]
            self.store.area("client_grants").drop_for_audience(record.identifier)

    # ------------------------------------------------------------------ snapshot

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            return {"resource_servers": [record.render() for record in
                                         sorted(self._servers.values(), key=lambda r: r.seq)]}

    def prepare_load(self, snapshot: Mapping[str, Any]) -> Callable[[], None]:
        items = snapshot.get("resource_servers", [])
        if not isinstance(items, list):
            raise ValueError("resource_servers must be a list")
        servers: dict[str, ResourceServerRecord] = {}
        for seq, item in enumerate(items, start=1):
            if not (isinstance(item, dict) and isinstance(item.get("id"), str) and ID_RE.match(item["id"])
                    and isinstance(item.get("identifier"), str)):
                raise ValueError("each resource server needs a 24-hex id and an identifier")
            document = {key: value for key, value in item.items() if key != "id"}
            servers[item["id"]] = ResourceServerRecord(item["id"], seq, copy.deepcopy(document))
        if len(servers) != len(items) or len({r.identifier for r in servers.values()}) != len(items):
            raise ValueError("resource_servers has duplicate ids or identifiers")

        def install() -> None:
            self._servers = servers
            self._seq = len(servers)

        return install

    routes = (
        api("POST", "/resource-servers", "create:resource_servers", lambda a, r: (201, a.create(r.body()))),
        api("GET", "/resource-servers", "read:resource_servers",
            lambda a, r: (200, a.list(r.query, r.query_list("identifiers")))),
        api("GET", "/resource-servers/{id}", "read:resource_servers", lambda a, r: (200, a.get(r.params["id"]))),
        # The SPEC says 201; the recorded real PATCH answers 200.
        api("PATCH", "/resource-servers/{id}", "update:resource_servers",
            lambda a, r: (200, a.update(r.params["id"], r.body()))),
        api("DELETE", "/resource-servers/{id}", "delete:resource_servers",
            lambda a, r: (204, a.delete(r.params["id"]))),
    )
