"""``ClientCertificateCredential``: one certificate in an application's credential pool
(``/api/v2/clients/{client_id}/credentials``).

Auth0 cannot change a credential, so every input change replaces it, the new one created before
the old one is deleted. Creating a credential does not enable it: ``ClientMtlsAuthentication``
attaches it to the client.

Layout: schema and pure mappings, then the provider hooks, then the ``Resource`` class.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Mapping, Optional

import pulumi
from pulumi.dynamic import CheckFailure, CheckResult, CreateResult, DiffResult, ReadResult, UpdateResult

from .certificates import (
    CertificateError,
    CertificateFacts,
    check_pem,
    normalize_dn,
    parse_certificate,
    parse_timestamp,
)
from .clients_api import ClientsApi, client_id_problem
from .errors import ApiError
from .provider_base import TENANT, Auth0Provider, changed_keys, info, warn
from .validation import UNKNOWN, is_unknown

# The certificate credential types and the client authentication method each one serves.
METHOD_BY_TYPE = {"x509_cert": "self_signed_tls_client_auth", "cert_subject_dn": "tls_client_auth"}
CREDENTIAL_TYPES = tuple(METHOD_BY_TYPE)
NAME_MAX = 128
SUBJECT_DN_MAX = 256
# `tenant` names the stack config namespace of the tenant (unset: "auth0"); see provider_base.
INPUTS = ("client_id", "credential_type", "pem", "subject_dn", "name", TENANT)
# Derived from the certificate by `check` (so previews show them) and then taken from Auth0's answer.
DERIVED = ("thumbprint_sha256", "expires_at")
OUTPUTS = (*DERIVED, "created_at", "tenant_host")
# A failure about `pem` names no property: the engine prints the value of a named property, and a
# private key pasted into `pem` must not reach the terminal. The message itself names `pem`.
PEM_FAILURE_PROPERTY = ""
REDACTED = "[not kept: pem held a private key]"
# A look-alike stamped this much before the moment this create's first POST left still counts as
# its copy. That moment is put on Auth0's clock (see `is_duplicate`), so the provider's own clock,
# which may be off by minutes, plays no part; what is left is the disagreement between the clocks
# of the Auth0 servers that stamped the two copies, plus millisecond rounding. Servers kept by NTP
# agree to well under a second; 5 seconds is a wide margin for that while a look-alike made
# elsewhere must still fall within seconds of this create, not minutes, to be taken for a copy.
CLOCK_SKEW = timedelta(seconds=5)


# -- pure mappings ------------------------------------------------------------------------------

def normalize_inputs(news: Mapping[str, Any]) -> dict[str, Any]:
    inputs = {key: news.get(key) for key in INPUTS}
    if inputs["name"] is None:
        inputs["name"] = ""
    dn = inputs["subject_dn"]
    if isinstance(dn, str) and not is_unknown(dn):
        inputs["subject_dn"] = normalize_dn(dn)
    return inputs


def check_inputs(news: Mapping[str, Any], olds: Mapping[str, Any] | None = None,
                 now: datetime | None = None) -> tuple[dict[str, Any], list[tuple[str, str]], list[str]]:
    """Checked inputs (with the certificate's derived values filled in), failures and warnings."""
    inputs = normalize_inputs(news)
    failures: list[tuple[str, str]] = []
    warnings: list[str] = []
    for key in DERIVED:
        inputs[key] = None

    client_id = inputs["client_id"]
    if not is_unknown(client_id):
        problem = client_id_problem(client_id)
        if problem:
            failures.append(("client_id", problem + " (the application's client id; it is created elsewhere)"))

    ctype = inputs["credential_type"]
    if not is_unknown(ctype) and ctype not in CREDENTIAL_TYPES:
        note = " public_key credentials serve private_key_jwt, not mTLS." if ctype == "public_key" else ""
        failures.append(("credential_type", f"credential_type {ctype!r:.60} is not supported.{note} Allowed values: "
                                            "x509_cert (a self-signed certificate, for self_signed_tls_client_auth), "
                                            "cert_subject_dn (a CA-signed certificate, for tls_client_auth)"))

    name = inputs["name"]
    if not is_unknown(name):
        if not isinstance(name, str):
            failures.append(("name", f"name must be a string, got {type(name).__name__}"))
        elif len(name) > NAME_MAX:
            failures.append(("name", f"name is {len(name)} characters long; Auth0 allows at most {NAME_MAX}"))

    pem, dn = inputs["pem"], inputs["subject_dn"]
    if dn is not None and not is_unknown(dn):
        if ctype == "x509_cert":
            failures.append(("subject_dn", "subject_dn applies only to credential_type cert_subject_dn; an x509_cert "
                                           "credential is matched by its certificate's thumbprint: give only pem"))
        elif not isinstance(dn, str) or not dn or "=" not in dn:
            failures.append(("subject_dn", "subject_dn must be a distinguished name, one RDN per line in certificate "
                                           "order, e.g. \"C=US\\nO=Example\\nCN=partner-a\""))
        elif len(dn) > SUBJECT_DN_MAX:
            failures.append(("subject_dn", f"subject_dn is {len(dn)} characters long; Auth0 allows at most "
                                           f"{SUBJECT_DN_MAX}"))
    if pem is not None and dn is not None:
        failures.append(("subject_dn", "give either pem or subject_dn, not both: Auth0 derives the subject DN "
                                       "from the certificate (a pem is the safer choice)"))
    elif pem is None and dn is None:
        needed = "pem" if ctype == "x509_cert" else "pem (or, for cert_subject_dn, subject_dn)"
        failures.append((PEM_FAILURE_PROPERTY, f"pem is required: {needed}, the client's public certificate"))

    if pem is not None:
        if is_unknown(pem):
            for key in DERIVED:
                inputs[key] = UNKNOWN
            if ctype != "cert_subject_dn" or dn is None:
                inputs["subject_dn"] = UNKNOWN
        else:
            old_pem = (olds or {}).get("pem")
            report = check_pem(pem, now=now, already_registered=_same_certificate(old_pem, pem))
            failures += [(PEM_FAILURE_PROPERTY, reason) for reason in report.failures]
            warnings += report.warnings
            if report.has_private_key:
                inputs["pem"] = REDACTED  # defence in depth: the key is in no value this hook returns
            if report.facts is not None:
                warnings += kind_warnings(ctype, report.facts)
                inputs["pem"] = report.facts.pem
                inputs["thumbprint_sha256"] = report.facts.thumbprint_sha256
                inputs["expires_at"] = report.facts.expires_at
                if dn is None:
                    inputs["subject_dn"] = report.facts.subject_dn
    return inputs, failures, warnings


def kind_warnings(ctype: Any, facts: CertificateFacts) -> list[str]:
    """A certificate of the other kind than its credential type serves. Auth0 accepts both, so this
    warns rather than refuses: which credentials Auth0 matches depends on the edge's
    ``client-certificate-ca-verified`` header (``SUCCESS``: cert_subject_dn only; ``FAILED…``:
    x509_cert only), and an edge that checks client certificates against a CA decides that from
    the certificate itself."""
    subject = facts.subject_dn.replace("\n", ", ")
    if ctype == "x509_cert" and not facts.self_signed:
        issuer = facts.issuer_dn.replace("\n", ", ")
        return [f"the certificate ({subject}) is issued by {issuer}, not self-signed, but credential_type x509_cert "
                "(method self_signed_tls_client_auth) is for self-signed certificates. Auth0 matches x509_cert "
                "credentials only when the edge forwards the certificate as not CA-verified "
                "(client-certificate-ca-verified: FAILED:…); an edge that trusts this issuer (e.g. nginx with "
                "client_ca_certificate) forwards SUCCESS, and then only cert_subject_dn credentials match, so this "
                "client could not authenticate through it. If the edge trusts the issuer, use credential_type "
                "cert_subject_dn with method tls_client_auth"]
    if ctype == "cert_subject_dn" and facts.self_signed:
        return [f"the certificate ({subject}) is self-signed, but credential_type cert_subject_dn (method "
                "tls_client_auth) is for CA-signed certificates. An edge forwards a self-signed certificate as not "
                "CA-verified (client-certificate-ca-verified: FAILED:…), and Auth0 then matches only x509_cert "
                "credentials, so this client could not authenticate through it (unless the edge trusts this very "
                "certificate as a CA). Use credential_type x509_cert with method self_signed_tls_client_auth"]
    return []


def _same_certificate(old_pem: Any, new_pem: Any) -> bool:
    if not isinstance(old_pem, str) or not isinstance(new_pem, str):
        return False
    try:
        return parse_certificate(old_pem).thumbprint_sha256 == parse_certificate(new_pem).thumbprint_sha256
    except CertificateError:
        return False


def identity_keys(news: Mapping[str, Any]) -> tuple[str, ...]:
    """The inputs that make a credential what it is. With a pem, the subject DN is derived from it
    (and Auth0's rendering may differ from ours), so only the pem counts."""
    source = "pem" if news.get("pem") is not None else "subject_dn"
    return ("client_id", "credential_type", source, "name")


def expand_create(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """The POST body, as the Terraform provider sends it: name, type, and pem or subject_dn."""
    body: dict[str, Any] = {"credential_type": inputs["credential_type"], "name": inputs["name"]}
    if inputs.get("pem") is not None:
        body["pem"] = inputs["pem"]
    else:
        body["subject_dn"] = inputs["subject_dn"]
    return body


def compare_with_auth0(obj: Mapping[str, Any], inputs: Mapping[str, Any]) -> list[str]:
    """Where Auth0's answer differs from what this package derived from the certificate."""
    notes = []
    live_thumbprint = obj.get("thumbprint_sha256")
    if live_thumbprint and inputs.get("thumbprint_sha256") and live_thumbprint != inputs["thumbprint_sha256"]:
        notes.append(f"Auth0 reports thumbprint_sha256 {live_thumbprint}, the certificate's is "
                     f"{inputs['thumbprint_sha256']}; tokens will carry Auth0's")
    live_dn = obj.get("subject_dn")
    if live_dn and inputs.get("subject_dn") and normalize_dn(live_dn) != normalize_dn(inputs["subject_dn"]):
        notes.append(f"Auth0 renders the subject DN as {live_dn!r}, this package as {inputs['subject_dn']!r}")
    live_expiry, local_expiry = parse_timestamp(obj.get("expires_at")), parse_timestamp(inputs.get("expires_at"))
    if live_expiry and local_expiry and live_expiry != local_expiry:
        notes.append(f"Auth0 reports expires_at {obj['expires_at']}, the certificate says {inputs['expires_at']}")
    return notes


def flatten(obj: Mapping[str, Any], inputs: Mapping[str, Any]) -> dict[str, Any]:
    """Outputs from a credential object (Auth0 never returns the pem: it is kept from the inputs).

    A declared ``subject_dn`` stays as declared, so a different rendering by Auth0 never shows as
    a change; one derived from a pem is Auth0's when Auth0 returns it."""
    declared_dn = inputs.get("pem") is None
    outs = {key: inputs.get(key) for key in INPUTS}
    outs.update({
        "credential_type": obj.get("credential_type", inputs.get("credential_type")),
        "name": obj.get("name", inputs.get("name")),
        "subject_dn": inputs.get("subject_dn") if declared_dn else (obj.get("subject_dn") or inputs.get("subject_dn")),
        "thumbprint_sha256": obj.get("thumbprint_sha256") or inputs.get("thumbprint_sha256"),
        "expires_at": obj.get("expires_at") or inputs.get("expires_at"),
        "created_at": obj.get("created_at"),
    })
    return outs


def inputs_from_outputs(outs: Mapping[str, Any]) -> dict[str, Any]:
    return {key: outs.get(key) for key in (*INPUTS, *DERIVED)}


def is_duplicate(candidate: Mapping[str, Any], kept: Mapping[str, Any], since_first_post: timedelta) -> bool:
    """Whether ``candidate`` may be a second copy of ``kept`` made by a retried create: it looks the
    same and Auth0 stamped it no earlier than when the first POST was sent.

    ``since_first_post`` is the time (measured on a monotonic clock) from sending the first POST to
    receiving the answer that gave ``kept``. Auth0 stamped ``kept`` before that answer left, so the
    first POST reached Auth0 no earlier than ``kept.created_at - since_first_post`` on Auth0's own
    clock: a bound that errs only towards keeping a copy, never towards deleting an older credential.

    A copy that looks the same and is that recent may still be someone else's, made in those
    seconds; if it is attached to the client, Auth0 refuses to delete it and it is kept (see
    ``_remove_duplicates``)."""
    if candidate.get("id") == kept.get("id"):
        return False
    for key in ("credential_type", "name"):
        if candidate.get(key) != kept.get(key):
            return False
    if kept.get("thumbprint_sha256"):
        if candidate.get("thumbprint_sha256") != kept.get("thumbprint_sha256"):
            return False
    elif normalize_dn(str(candidate.get("subject_dn") or "")) != normalize_dn(str(kept.get("subject_dn") or "")):
        return False
    made, ours = parse_timestamp(candidate.get("created_at")), parse_timestamp(kept.get("created_at"))
    return made is not None and ours is not None and made >= ours - since_first_post - CLOCK_SKEW


def describe(props: Mapping[str, Any], credential_id: str | None = None) -> str:
    """How messages name a credential."""
    which = f" ({credential_id})" if credential_id else ""
    return f"credential {props.get('name')!r}{which} of client {props.get('client_id')}"


# -- provider -----------------------------------------------------------------------------------

class ClientCertificateCredentialProvider(Auth0Provider):
    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        inputs, failures, warnings = check_inputs(news, olds)
        failures += self.tenant_failures(inputs)
        for text in warnings:
            warn(f"credential {inputs.get('name')!r}: {text}")
        return CheckResult(inputs, [CheckFailure(prop, reason) for prop, reason in failures])

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        tenant = self.tenant_diff(olds, news, describe(olds, id_))
        replaces = changed_keys(olds, news, identity_keys(news)) + ([TENANT] if tenant == "replace" else [])
        if replaces:
            # Nothing about a credential can change in place. Create the new one first, so a client
            # can be moved to it before the old one goes.
            return DiffResult(changes=True, replaces=replaces, delete_before_replace=False)
        # Another namespace naming the same tenant: recorded in state, nothing to tell Auth0.
        return DiffResult(changes=tenant == "update")

    def create(self, props: dict[str, Any]) -> CreateResult:
        inputs = {key: props.get(key) for key in (*INPUTS, *DERIVED)}
        client = self.client_for(inputs.get(TENANT))
        api = ClientsApi(client)
        client_id = str(inputs["client_id"])
        first_post = time.monotonic()
        try:
            obj, maybe_applied = api.create_credential(client_id, expand_create(inputs))
        except ApiError as exc:
            raise _with_advice(exc, inputs) from None
        if maybe_applied:
            self._remove_duplicates(api, client_id, obj, timedelta(seconds=time.monotonic() - first_post))
        for note in compare_with_auth0(obj, inputs):
            warn(f"credential {obj['id']} on client {client_id}: {note}")
        info(f"client {client_id}: created credential {obj['id']} ({inputs['credential_type']}, "
             f"{inputs['name']!r}); it is used once ClientMtlsAuthentication lists it")
        return CreateResult(obj["id"], {**flatten(obj, inputs), **self.tenant_outputs(client, inputs)})

    @staticmethod
    def _remove_duplicates(api: ClientsApi, client_id: str, kept: Mapping[str, Any],
                           since_first_post: timedelta) -> None:
        """The POST's first response was lost and the retry created the credential again: delete
        the copy nobody knows about, so the pool (4 at most) does not fill with orphans.

        A copy nobody knows about is attached to no slot (its id was never seen). Auth0 refuses to
        delete a credential a slot still lists, atomically, so that refusal is the attachment check:
        reading the client first would cost a call and could be stale by the time of the DELETE."""
        for candidate in api.list_credentials(client_id):
            if not is_duplicate(candidate, kept, since_first_post):
                continue
            try:
                api.delete_credential(client_id, candidate["id"])
            except ApiError as exc:
                if exc.status == 400 and "still associated" in exc.api_message:
                    info(f"client {client_id}: credential {candidate['id']} looks like {kept['id']} and was made "
                         "around the time of this create, but the client uses it, so it is someone else's; kept it")
                    continue
                raise
            info(f"client {client_id}: the create response was lost in transit and the retry made a second "
                 f"copy; deleted {candidate['id']} and kept {kept['id']}")

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        client = self.bound_client(props, describe(props, id_))
        try:
            obj = ClientsApi(client).get_credential(props["client_id"], id_)
        except ApiError as exc:
            if exc.is_not_found:
                warn(f"credential {id_} ({props.get('name')!r}) no longer exists on client {props.get('client_id')}; "
                     "removing it from state (the next up creates it again)")
                return ReadResult(None, {})
            raise
        outs = {**flatten(obj, props), **self.tenant_outputs(client, props)}
        return ReadResult(id_, outs, inputs_from_outputs(outs))

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        # Only a `tenant` namespace renamed on the same tenant gets here (every real change is a
        # replacement): the state records it, no call is made.
        inputs = {key: news.get(key) for key in INPUTS}
        client = self.bound_client(olds, describe(olds, id_), news=inputs)
        return UpdateResult({**olds, **inputs, **self.tenant_outputs(client, inputs)})

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        client_id = props["client_id"]
        client = self.bound_client(props, describe(props, id_))
        try:
            deleted = ClientsApi(client).delete_credential(client_id, id_)
        except ApiError as exc:
            if exc.status == 400 and "still associated" in exc.api_message:
                raise exc.amended(
                    message=f"credential {id_} ({props.get('name')!r}) is still attached to client {client_id}, "
                    "so Auth0 refuses to delete it",
                    hint="remove it from the client's authentication first: drop it from ClientMtlsAuthentication."
                    "credential_ids and run `pulumi up`, or, if it was attached outside this stack, detach it "
                    "there. auth0-mtls never detaches credentials it does not manage") from None
            raise
        if not deleted:
            info(f"credential {id_} on client {client_id} was already gone")


def _with_advice(exc: ApiError, inputs: Mapping[str, Any]) -> ApiError:
    if exc.status == 404:
        hint = (f"no application with client_id {inputs['client_id']} exists in this tenant; create it first "
                "(it is managed outside this resource)")
    elif exc.status == 400 and "maximum" in exc.api_message.lower():
        hint = ("a client holds at most 4 credentials, and a replacement creates the new one before deleting the "
                "old: delete an unused credential, or rotate in two steps (see the README)")
    else:
        return exc
    return exc.amended(hint=hint)


# -- the resource -------------------------------------------------------------------------------

# Program side: the credential type declared for each credential's id Output, so that
# ClientMtlsAuthentication can check at preview (when the ids are still unknown) that its method
# suits its credentials. Keyed by the Output's identity; the Output is kept alive alongside so the
# key is never reused. Never probe attributes of an Output (``Output.__getattr__`` lifts them).
_declared_types: dict[int, tuple[pulumi.Output[str], Any]] = {}


def declared_credential_type(value: Any) -> Any:
    """The ``credential_type`` declared for a ``credential_id`` Output of this program, else None."""
    entry = _declared_types.get(id(value))
    if entry is not None and entry[0] is value:
        return entry[1]
    return None


@dataclass
class ClientCertificateCredentialArgs:
    """Inputs of :class:`ClientCertificateCredential`."""

    client_id: pulumi.Input[str]
    """The application's client id (the application is created elsewhere)."""
    credential_type: pulumi.Input[str]
    """``x509_cert`` (a self-signed certificate, matched by thumbprint; method
    ``self_signed_tls_client_auth``) or ``cert_subject_dn`` (CA-signed, matched by subject DN;
    method ``tls_client_auth``)."""
    pem: Optional[pulumi.Input[str]] = None
    """The client's public certificate, PEM. Exactly one certificate and no private key."""
    subject_dn: Optional[pulumi.Input[str]] = None
    """``cert_subject_dn`` only, instead of ``pem``: one RDN per line in certificate order."""
    name: Optional[pulumi.Input[str]] = None
    """Shown in the Auth0 dashboard (at most 128 characters); defaults to the resource name."""
    tenant: Optional[pulumi.Input[str]] = None
    """The stack config namespace naming the tenant: ``auth0`` (default) reads ``auth0:domain`` and its
    credentials; ``auth0-eu`` reads ``auth0-eu:domain``, …. Moving to another tenant replaces the credential."""


class ClientCertificateCredential(pulumi.dynamic.Resource, module="auth0_mtls", name="ClientCertificateCredential"):
    """A certificate registered for an application. Every input change replaces it (new one first)."""

    client_id: pulumi.Output[str]
    credential_type: pulumi.Output[str]
    pem: pulumi.Output[Optional[str]]
    subject_dn: pulumi.Output[Optional[str]]
    """The certificate's subject as Auth0 matches it (``C=…\\n…\\nCN=…``)."""
    name: pulumi.Output[str]
    thumbprint_sha256: pulumi.Output[Optional[str]]
    """base64url SHA-256 of the certificate: the ``cnf.x5t#S256`` of tokens bound to it."""
    expires_at: pulumi.Output[Optional[str]]
    created_at: pulumi.Output[str]
    tenant: pulumi.Output[Optional[str]]
    tenant_host: pulumi.Output[str]
    """The host of the tenant the credential lives in; a namespace repointed elsewhere is refused."""

    def __init__(
        self,
        resource_name: str,
        args: Optional[ClientCertificateCredentialArgs] = None,
        opts: Optional[pulumi.ResourceOptions] = None,
        *,
        client_id: Optional[pulumi.Input[str]] = None,
        credential_type: Optional[pulumi.Input[str]] = None,
        pem: Optional[pulumi.Input[str]] = None,
        subject_dn: Optional[pulumi.Input[str]] = None,
        name: Optional[pulumi.Input[str]] = None,
        tenant: Optional[pulumi.Input[str]] = None,
    ) -> None:
        if args is None:
            args = ClientCertificateCredentialArgs(client_id=client_id,  # type: ignore[arg-type]
                                                   credential_type=credential_type,  # type: ignore[arg-type]
                                                   pem=pem, subject_dn=subject_dn, name=name, tenant=tenant)
        props: dict[str, Any] = {key: getattr(args, key) for key in INPUTS}
        if props["name"] is None:
            props["name"] = resource_name
        props.update({key: None for key in OUTPUTS})
        super().__init__(ClientCertificateCredentialProvider(), resource_name, props, opts)
        _declared_types[id(self.id)] = (self.id, args.credential_type)

    @property
    def credential_id(self) -> pulumi.Output[str]:
        """Auth0's id, ``cred_…``: the resource id, known during the preview of an update."""
        return self.id
