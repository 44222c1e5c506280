"""Client grants: ``/api/v2/client-grants``, which client may get tokens for which API.

Shapes follow the recorded real bodies (terraform-provider-auth0 ``TestAccClientGrant``):
``cgr_`` ids, idempotent deletes, ``{"total","start","limit","client_grants"}`` for
``include_totals`` lists, and ``scope`` dropped while ``allow_all_scopes`` is true.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from . import validation as v
from .errors import conflict, not_found
from .paging import checkpoint_page, offset_page
from .router import Request, api
from .store import Area

SUBJECT_TYPES = ("client", "user", "anonymous_user")
ORGANIZATION_USAGE = ("deny", "allow", "require")
CREATE_PROPERTIES = ("client_id", "audience", "default_for", "organization_usage", "allow_any_organization",
                     "scope", "subject_type", "authorization_details_types", "allow_all_scopes")
UPDATE_PROPERTIES = ("scope", "organization_usage", "allow_any_organization", "authorization_details_types",
                     "allow_all_scopes")
ORDER = ("id", "client_id", "audience", "scope", "organization_usage", "allow_any_organization", "subject_type",
         "authorization_details_types", "allow_all_scopes")
ID_RE = re.compile(r"^cgr_[A-Za-z0-9]{16}$")

DESC = {
    "client_id": "ID of the client.",
    "audience": "The audience (API identifier) of this client grant.",
    "scope": "Scopes allowed for this client grant.",
    "subject_type": "The type of application access the client grant allows.",
}


@dataclass
class GrantRecord:
    id: str
    seq: int
    document: dict[str, Any]

    def render(self) -> dict[str, Any]:
        data = {"id": self.id, **self.document}
        if data.get("allow_all_scopes") is True:
            # Recorded: while allow_all_scopes is true the response has no scope.
            data.pop("scope", None)
        out = {key: data[key] for key in ORDER if key in data}
        out.update({key: value for key, value in data.items() if key not in out})
        return out


class ClientGrants(Area):
    name = "client_grants"
    scopes = ("read:client_grants", "create:client_grants", "update:client_grants", "delete:client_grants")
    snapshot_keys = ("client_grants",)

    def reset(self) -> None:
        with self.lock:
            self._grants: dict[str, GrantRecord] = {}
            self._seq = 0

    # ------------------------------------------------------------------ used by other areas

    def drop_for_client(self, client_id: str) -> None:
        self._grants = {key: g for key, g in self._grants.items() if g.document["client_id"] != client_id}

    def drop_for_audience(self, audience: str) -> None:
        self._grants = {key: g for key, g in self._grants.items() if g.document["audience"] != audience}

    def _find(self, grant_id: str) -> GrantRecord:
        record = self._grants.get(grant_id)
        if record is None:
            raise not_found("The grant does not exist.", "inexistent_client_grant")
        return record

    @staticmethod
    def _check(data: dict[str, Any]) -> None:
        if "scope" in data:
            for item in v.check_array(data["scope"], "scope", DESC["scope"], unique=True):
                v.check_type(item, "string", "scope", DESC["scope"])
        if "organization_usage" in data:
            v.check_enum(data["organization_usage"], ORGANIZATION_USAGE, "organization_usage", None)
        for key in ("allow_any_organization", "allow_all_scopes"):
            if key in data:
                v.check_type(data[key], "boolean", key)
        if "authorization_details_types" in data:
            for item in v.check_array(data["authorization_details_types"], "authorization_details_types", None):
                v.check_type(item, "string", "authorization_details_types")

    # ------------------------------------------------------------------ API

    def create(self, body: Any, request: Request) -> dict[str, Any]:
        with self.lock:
            data = v.require_object(body)
            v.check_additional(data, CREATE_PROPERTIES)
            # Not established: grants for a group of clients (default_for) are not modelled; client_id is required.
            v.check_required(data, ("client_id", "audience"))
            v.check_string(data["client_id"], "client_id", DESC["client_id"], min_len=1)
            v.check_string(data["audience"], "audience", DESC["audience"], min_len=1, max_len=600)
            if "subject_type" in data:
                v.check_enum(data["subject_type"], SUBJECT_TYPES, "subject_type", DESC["subject_type"])
            self._check(data)
            if not self.store.area("clients").exists(data["client_id"]):
                # Wording as Auth0 answered deploy tools (auth0-deploy-cli #144); errorCode not established.
                raise not_found("Client not found", "inexistent_client")
            audience = data["audience"]
            if self.store.area("resource_servers").by_identifier(audience) is None and \
                    audience not in request.site.accepted_audiences:
                # Wording as reported by auth0-deploy-cli #59; errorCode not established.
                raise not_found(f"No resource with identifier {audience}", "inexistent_resource_server")
            subject = data.get("subject_type")
            for grant in self._grants.values():
                doc = grant.document
                if (doc["client_id"], doc["audience"], doc.get("subject_type")) == (data["client_id"], audience,
                                                                                    subject):
                    # Not established: the wording and errorCode of this 409 (one grant per client,
                    # audience and subject type, as terraform-provider-auth0 PR #1534 describes).
                    raise conflict("A client grant for this client, audience and subject type already exists.",
                                   "client_grant_conflict")
            document = {key: copy.deepcopy(data[key]) for key in ORDER if key in data}
            document.setdefault("scope", [])
            self._seq += 1
            record = GrantRecord(self.store.new_id("cgr_", 16, self._grants), self._seq, document)
            self._grants[record.id] = record
            return record.render()

    def list(self, query: dict[str, str]) -> Any:
        with self.lock:
            items = sorted(self._grants.values(), key=lambda record: record.seq)
            for key in ("audience", "client_id", "subject_type"):
                if key in query:
                    items = [record for record in items if record.document.get(key) == query[key]]
            if "take" in query or "from" in query:
                return checkpoint_page(items, query, "client_grants", lambda record: ("", record.seq),
                                       GrantRecord.render)
            return offset_page([record.render() for record in items], query, "client_grants",
                               ("total", "start", "limit"))

    def get(self, grant_id: str) -> dict[str, Any]:
        with self.lock:
            return self._find(grant_id).render()

    def update(self, grant_id: str, body: Any) -> dict[str, Any]:
        with self.lock:
            record = self._find(grant_id)
            data = v.require_object(body)
            v.check_additional(data, UPDATE_PROPERTIES)
            self._check(data)
            for key, value in data.items():
                record.document[key] = copy.deepcopy(value)
            return record.render()

    def delete(self, grant_id: str) -> None:
        """Idempotent (recorded: a second DELETE of the same grant answers 204)."""
        with self.lock:
            self._grants.pop(grant_id, None)

    # ------------------------------------------------------------------ snapshot

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            return {"client_grants": [record.render() for record in
                                      sorted(self._grants.values(), key=lambda r: r.seq)]}

    def prepare_load(self, snapshot: Mapping[str, Any]) -> Callable[[], None]:
        items = snapshot.get("client_grants", [])
        if not isinstance(items, list):
            raise ValueError("client_grants must be a list")
        grants: dict[str, GrantRecord] = {}
        for seq, item in enumerate(items, start=1):
            if not (isinstance(item, dict) and isinstance(item.get("id"), str) and ID_RE.match(item["id"])
                    and isinstance(item.get("client_id"), str) and isinstance(item.get("audience"), str)):
                raise ValueError("each client grant needs a cgr_ id, a client_id and an audience")
            grants[item["id"]] = GrantRecord(item["id"], seq, {k: copy.deepcopy(val) for k, val in item.items()
                                                               if k != "id"})
        if len(grants) != len(items):
            raise ValueError("client_grants has duplicate ids")

        def install() -> None:
            self._grants = grants
            self._seq = len(grants)

        return install

    routes = (
        api("POST", "/client-grants", "create:client_grants", lambda a, r: (201, a.create(r.body(), r))),
        api("GET", "/client-grants", "read:client_grants", lambda a, r: (200, a.list(r.query))),
        api("GET", "/client-grants/{id}", "read:client_grants", lambda a, r: (200, a.get(r.params["id"]))),
        api("PATCH", "/client-grants/{id}", "update:client_grants",
            lambda a, r: (200, a.update(r.params["id"], r.body()))),
        api("DELETE", "/client-grants/{id}", "delete:client_grants", lambda a, r: (204, a.delete(r.params["id"]))),
    )

