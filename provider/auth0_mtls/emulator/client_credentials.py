"""A client's credential pool: ``/api/v2/clients/{client_id}/credentials``.

Creating a credential does not enable it; a client's ``client_authentication_methods``
(see :mod:`.clients`) references pool entries by id. Shapes and rules follow the recorded
real traffic in the reference (auth0-mtls-clients.md §1.3, §1.4, §1.6, §1.7).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from . import validation as v
from .certificates import CertificateError, parse_certificate, public_key_id
from .custom_domains import iso_ms
from .errors import ApiError, bad_request, not_found
from .router import api
from .store import Area

CREDENTIAL_TYPES = ("public_key", "cert_subject_dn", "x509_cert")
PUBLIC_KEY_ALGS = ("RS256", "RS384", "PS256")
CREATE_PROPERTIES = ("credential_type", "name", "subject_dn", "pem", "alg", "parse_expiry_from_cert", "expires_at",
                     "kid")
# "A client can have a maximum of 4 credentials." (reference §1.7)
POOL_LIMIT = 4
# The typed certificate schemas cap the PEM at 4096 characters (reference §1.3).
PEM_MAX = 4096

DESC = {
    "credential_type": "Credential type. Supported types: public_key, cert_subject_dn, x509_cert.",
    "name": "Friendly name for a credential.",
    "subject_dn": "Subject Distinguished Name. Mutually exclusive with `pem` property. Applies to "
                  "`cert_subject_dn` credential type.",
    "pem": "PEM-formatted public key (SPKI and PKCS1) or X509 certificate. Must be JSON escaped.",
    "alg": "Algorithm which will be used with the credential. Can be one of RS256, RS384, PS256. If not "
           "specified, RS256 will be used. Applies to `public_key` credential type.",
    "expires_at": "The ISO 8601 formatted date representing the expiration of the credential.",
}


def client_not_found() -> ApiError:
    # Recorded for GET /clients/{id}; the SPEC's wording for this path is "Client not found.".
    return not_found("The client does not exist", "inexistent_client")


@dataclass
class CredentialRecord:
    id: str
    credential_type: str
    name: str
    created_at: str
    updated_at: str
    seq: int = 0
    subject_dn: str | None = None
    thumbprint_sha256: str | None = None
    expires_at: str | None = None
    kid: str | None = None
    alg: str | None = None

    def render(self) -> dict[str, Any]:
        """Key order of the recorded 2025 responses; the PEM is never returned."""
        data: dict[str, Any] = {"id": self.id, "credential_type": self.credential_type, "name": self.name}
        if self.kid is not None:
            data["kid"] = self.kid
        if self.alg is not None:
            data["alg"] = self.alg
        if self.subject_dn is not None:
            data["subject_dn"] = self.subject_dn
        if self.thumbprint_sha256 is not None:
            data["thumbprint_sha256"] = self.thumbprint_sha256
        data["created_at"] = self.created_at
        data["updated_at"] = self.updated_at
        if self.expires_at is not None:
            data["expires_at"] = self.expires_at
        return data

    @classmethod
    def from_snapshot(cls, item: Any, seq: int) -> "CredentialRecord":
        if not isinstance(item, dict) or not all(isinstance(item.get(k), str) for k in
                                                 ("id", "credential_type", "created_at", "updated_at")):
            raise ValueError("each credential needs string id, credential_type, created_at, updated_at")
        if item["credential_type"] not in CREDENTIAL_TYPES:
            raise ValueError(f"credential {item['id']}: unknown credential_type")
        record = cls(id=item["id"], credential_type=item["credential_type"], name=str(item.get("name", "")),
                     created_at=item["created_at"], updated_at=item["updated_at"], seq=seq,
                     subject_dn=item.get("subject_dn"), thumbprint_sha256=item.get("thumbprint_sha256"),
                     expires_at=item.get("expires_at"), kid=item.get("kid"), alg=item.get("alg"))
        if record.render() != item:
            raise ValueError(f"credential {item['id']} has fields the emulator cannot reproduce")
        return record


class ClientCredentials(Area):
    name = "client_credentials"
    scopes = ("read:client_credentials", "create:client_credentials", "update:client_credentials",
              "delete:client_credentials")
    snapshot_keys = ("client_credentials",)

    def reset(self) -> None:
        with self.lock:
            self._pools: dict[str, dict[str, CredentialRecord]] = {}
            self._seq = 0

    # ------------------------------------------------------------------ used by the clients area

    def pool(self, client_id: str) -> dict[str, CredentialRecord]:
        return self._pools.setdefault(client_id, {})

    def drop_pool(self, client_id: str) -> None:
        self._pools.pop(client_id, None)

    def build(self, body: Any, taken: set[str]) -> CredentialRecord:
        """Validate a create body and build the record (not stored): ``POST …/credentials`` and
        inline credentials of ``POST /clients`` share it."""
        data = v.require_object(body)
        v.check_additional(data, CREATE_PROPERTIES)
        v.check_required(data, ("credential_type",))
        kind = data["credential_type"]
        v.check_enum(kind, CREDENTIAL_TYPES, "credential_type", DESC["credential_type"])
        name = data.get("name", "")
        v.check_string(name, "name", DESC["name"], max_len=128)
        pem = data.get("pem")
        if pem is not None:
            v.check_string(pem, "pem", DESC["pem"], min_len=1, max_len=PEM_MAX if kind != "public_key" else None)
        if "subject_dn" in data:
            v.check_string(data["subject_dn"], "subject_dn", DESC["subject_dn"], min_len=1, max_len=256)
            if kind != "cert_subject_dn":
                raise bad_request("subject_dn applies only to the cert_subject_dn credential type.", "invalid_body")
            if pem is not None:
                raise bad_request("subject_dn and pem are mutually exclusive.", "invalid_body")
        for key in ("alg", "parse_expiry_from_cert", "expires_at", "kid"):
            if key in data and kind != "public_key":
                raise bad_request(f"{key} applies only to the public_key credential type.", "invalid_body")
        now = iso_ms(self.now())
        self._seq += 1
        record = CredentialRecord(id=self.store.new_id("cred_", 22, taken), credential_type=kind, name=name,
                                  created_at=now, updated_at=now, seq=self._seq)
        if kind in ("x509_cert", "cert_subject_dn") and pem is None and "subject_dn" not in data:
            raise bad_request(f"pem is required for the {kind} credential type." if kind == "x509_cert"
                              else "One of pem or subject_dn is required for the cert_subject_dn credential type.",
                              "invalid_body")
        try:
            if kind == "x509_cert":
                facts = parse_certificate(str(pem))
                record.thumbprint_sha256, record.expires_at = facts.thumbprint_sha256, facts.expires_at
            elif kind == "cert_subject_dn":
                record.subject_dn = parse_certificate(str(pem)).subject_dn if pem is not None else data["subject_dn"]
            else:
                if pem is None:
                    raise bad_request("pem is required for the public_key credential type.", "invalid_body")
                alg = data.get("alg", "RS256")
                v.check_enum(alg, PUBLIC_KEY_ALGS, "alg", DESC["alg"])
                record.kid = data.get("kid") or public_key_id(str(pem))
                record.alg = alg
                if "expires_at" in data:
                    v.check_string(data["expires_at"], "expires_at", DESC["expires_at"], min_len=1)
                    record.expires_at = data["expires_at"]
        except CertificateError as exc:
            # Not established: Auth0's wording for an unparsable PEM. The reason is the parser's.
            raise bad_request(f"Invalid pem: {exc}", "invalid_body") from None
        return record

    # ------------------------------------------------------------------ API

    def _client_pool(self, client_id: str) -> dict[str, CredentialRecord]:
        if not self.store.area("clients").exists(client_id):
            raise client_not_found()
        return self.pool(client_id)

    def _find(self, client_id: str, credential_id: str) -> CredentialRecord:
        record = self._client_pool(client_id).get(credential_id)
        if record is None:
            # Not established: the wording; it follows the recorded "The client does not exist".
            raise not_found("The credential does not exist", "inexistent_credential")
        return record

    def create(self, client_id: str, body: Any) -> dict[str, Any]:
        with self.lock:
            pool = self._client_pool(client_id)
            record = self.build(body, self._all_ids())
            if len(pool) >= POOL_LIMIT:
                # Not established: the status of this error (the message is recorded); 400 chosen,
                # as for the other limits on this resource ("Array is too long").
                raise bad_request(f"A client can have a maximum of {POOL_LIMIT} credentials.", "invalid_body")
            pool[record.id] = record
            return record.render()

    def list(self, client_id: str) -> list[dict[str, Any]]:
        """A bare array even with ``include_totals=true`` (recorded)."""
        with self.lock:
            return [record.render() for record in sorted(self._client_pool(client_id).values(),
                                                         key=lambda r: r.seq)]

    def get(self, client_id: str, credential_id: str) -> dict[str, Any]:
        with self.lock:
            return self._find(client_id, credential_id).render()

    def update(self, client_id: str, credential_id: str, body: Any) -> dict[str, Any]:
        with self.lock:
            record = self._find(client_id, credential_id)
            data = v.require_object(body)
            v.check_additional(data, ("expires_at",))
            if "expires_at" in data:
                v.check_string(data["expires_at"], "expires_at", DESC["expires_at"], min_len=1, nullable=True)
                if record.credential_type != "public_key":
                    # Not established: a certificate's expiry is its notAfter, so changing it is refused.
                    raise bad_request("expires_at can only be changed on public_key credentials.", "invalid_body")
                record.expires_at = data["expires_at"]
                record.updated_at = iso_ms(self.now())
            return record.render()

    def delete(self, client_id: str, credential_id: str) -> None:
        with self.lock:
            pool = self._client_pool(client_id)
            if credential_id not in pool:
                # Not established: deleting an unknown credential. The SPEC lists no 404 for this
                # DELETE, as for custom domains and client grants whose real deletes are idempotent.
                return
            if credential_id in self.store.area("clients").referenced_credentials(client_id):
                raise ApiError(400, "Bad Request", "Cannot delete credential still associated with a client")
            del pool[credential_id]

    def _all_ids(self) -> set[str]:
        return {cred_id for pool in self._pools.values() for cred_id in pool}

    # ------------------------------------------------------------------ snapshot

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            return {"client_credentials": {
                client_id: [record.render() for record in sorted(pool.values(), key=lambda r: r.seq)]
                for client_id, pool in self._pools.items() if pool
            }}

    def prepare_load(self, snapshot: Mapping[str, Any]) -> Callable[[], None]:
        pools_in = snapshot.get("client_credentials", {})
        if not isinstance(pools_in, dict):
            raise ValueError("client_credentials must be an object of client_id: [credential, ...]")
        client_ids = {item.get("client_id") for item in snapshot.get("clients", []) if isinstance(item, dict)}
        pools: dict[str, dict[str, CredentialRecord]] = {}
        seq = 0
        for client_id, items in pools_in.items():
            if client_id not in client_ids:
                raise ValueError(f"client_credentials names an unknown client {client_id}")
            if not isinstance(items, list) or len(items) > POOL_LIMIT:
                raise ValueError(f"client_credentials[{client_id}] must be a list of at most {POOL_LIMIT}")
            pool: dict[str, CredentialRecord] = {}
            for item in items:
                seq += 1
                record = CredentialRecord.from_snapshot(item, seq)
                pool[record.id] = record
            pools[client_id] = pool

        def install() -> None:
            self._pools = copy.copy(pools)
            self._seq = seq

        return install

    # ------------------------------------------------------------------ routes

    routes = (
        api("POST", "/clients/{client_id}/credentials", "create:client_credentials",
            lambda a, r: (201, a.create(r.params["client_id"], r.body()))),
        api("GET", "/clients/{client_id}/credentials", "read:client_credentials",
            lambda a, r: (200, a.list(r.params["client_id"]))),
        api("GET", "/clients/{client_id}/credentials/{credential_id}", "read:client_credentials",
            lambda a, r: (200, a.get(r.params["client_id"], r.params["credential_id"]))),
        # Not established: the SPEC says 201 for this PATCH; real PATCHes of other resources
        # documented as 201 (resource servers) answer 200, so 200 is used.
        api("PATCH", "/clients/{client_id}/credentials/{credential_id}", "update:client_credentials",
            lambda a, r: (200, a.update(r.params["client_id"], r.params["credential_id"], r.body()))),
        api("DELETE", "/clients/{client_id}/credentials/{credential_id}", "delete:client_credentials",
            lambda a, r: (204, a.delete(r.params["client_id"], r.params["credential_id"]))),
    )
