"""``CustomDomain``: ``/api/v2/custom-domains`` as a Pulumi resource.

Layout: the input schema and pure ``expand_*``/``flatten`` mappings first (unit-tested on their
own), then the provider hooks, then the ``Resource`` users write in their programs.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Mapping, Optional

import pulumi
from pulumi.dynamic import CheckFailure, CheckResult, CreateResult, DiffResult, ReadResult, UpdateResult

from .errors import ApiError
from .provider_base import Auth0Provider, changed_keys, info, update_diff, warn
from .validation import (
    CLIENT_IP_HEADERS,
    TYPES,
    bool_failures,
    domain_failures,
    enum_failures,
    is_unknown,
    metadata_failures,
    normalize_host,
    tls_policy_failures,
)

if TYPE_CHECKING:
    from .client import ManagementClient

DEFAULT_TYPE = "self_managed_certs"
# Sent to the API; None in the inputs means "not managed by this program".
UPDATABLE = ("tls_policy", "custom_client_ip_header", "domain_metadata")
REPLACING = ("domain", "type")
# `tenant` names the stack config namespace of the tenant (unset: "auth0"); see provider_base.
INPUTS = ("domain", "type", *UPDATABLE, "adopt_existing", "tenant")
# custom_domain_id is in the state's outputs too, but the program reads it through the resource id
# (see CustomDomain.custom_domain_id).
OUTPUTS = (
    "status", "primary", "origin_domain_name",
    "verification_record_name", "verification_record_type", "verification_record_value", "tenant_host",
)


# -- pure mappings ------------------------------------------------------------------------------

def normalize_inputs(news: Mapping[str, Any]) -> dict[str, Any]:
    """Defaults and canonical forms, so equal intent always compares equal."""
    inputs = {key: news.get(key) for key in INPUTS}
    domain = inputs["domain"]
    if isinstance(domain, str) and not is_unknown(domain):
        inputs["domain"] = normalize_host(domain)
    if inputs["type"] is None:
        inputs["type"] = DEFAULT_TYPE
    if inputs["adopt_existing"] is None:
        inputs["adopt_existing"] = False
    return inputs


def check_failures(inputs: Mapping[str, Any]) -> list[tuple[str, str]]:
    failures: list[tuple[str, str]] = []
    if not is_unknown(inputs.get("domain")):
        failures += domain_failures(inputs.get("domain"))
    if not is_unknown(inputs.get("type")):
        failures += enum_failures("type", inputs.get("type"), TYPES, optional=False)
    if not is_unknown(inputs.get("tls_policy")):
        failures += tls_policy_failures(inputs.get("tls_policy"))
    if not is_unknown(inputs.get("custom_client_ip_header")):
        failures += enum_failures("custom_client_ip_header", inputs.get("custom_client_ip_header"), CLIENT_IP_HEADERS,
                                  note="Use \"\" to clear it.")
    metadata = inputs.get("domain_metadata")
    if isinstance(metadata, Mapping) or not is_unknown(metadata):  # a map may hold unknown values
        failures += metadata_failures(metadata)
    if not is_unknown(inputs.get("adopt_existing")):
        failures += bool_failures("adopt_existing", inputs.get("adopt_existing"))
    return failures


def expand_create(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """The POST body: required fields plus whichever optional ones the program declares."""
    body: dict[str, Any] = {"domain": inputs["domain"], "type": inputs["type"]}
    for key in UPDATABLE:
        value = inputs.get(key)
        if value is not None and value != {}:
            body[key] = value
    return body


def metadata_patch(live: Mapping[str, Any] | None, wanted: Mapping[str, Any]) -> dict[str, Any] | None:
    """Auth0 merges metadata on PATCH, so removed keys must be sent as null to be deleted."""
    live = dict(live or {})
    patch: dict[str, Any] = {key: value for key, value in wanted.items() if live.get(key) != value}
    patch.update({key: None for key in live if key not in wanted})
    return patch or None


def expand_update(olds: Mapping[str, Any], news: Mapping[str, Any]) -> dict[str, Any]:
    """The PATCH body: only the managed fields that differ from the live (old output) values."""
    body: dict[str, Any] = {}
    for key in ("tls_policy", "custom_client_ip_header"):
        if news.get(key) is not None and news.get(key) != olds.get(key):
            body[key] = news[key]
    if news.get("domain_metadata") is not None:
        patch = metadata_patch(olds.get("domain_metadata"), news["domain_metadata"])
        if patch:
            body["domain_metadata"] = patch
    return body


def _verification_method(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    methods = (obj.get("verification") or {}).get("methods") or []
    return methods[0] if methods else {}


def flatten(obj: Mapping[str, Any], inputs: Mapping[str, Any]) -> dict[str, Any]:
    """Outputs from an API object. Optional fields the program does not declare stay ``None``, so
    they are neither diffed nor reverted; declared ones carry the live value, so drift shows."""
    method = _verification_method(obj)
    record_type = method.get("name")
    outs: dict[str, Any] = {
        "custom_domain_id": obj["custom_domain_id"],
        "domain": str(obj["domain"]).lower(),
        "type": obj["type"],
        "status": obj.get("status"),
        "primary": bool(obj.get("primary", False)),
        "origin_domain_name": obj.get("origin_domain_name"),
        # Auth0 switched from "txt" to "TXT" in 2025; DNS providers want upper case.
        "verification_record_type": str(record_type).upper() if record_type else None,
        "verification_record_name": method.get("domain") or (
            f"_cf-custom-hostname.{obj['domain']}" if str(record_type).upper() == "TXT" else obj["domain"]),
        "verification_record_value": method.get("record"),
        "adopt_existing": bool(inputs.get("adopt_existing", False)),
    }
    # Self-managed domains' responses omit tls_policy: keep the declared value rather than read a
    # missing field as drift on every preview.
    declared_policy = inputs.get("tls_policy")
    outs["tls_policy"] = obj.get("tls_policy", declared_policy) if declared_policy is not None else None
    declared_header = inputs.get("custom_client_ip_header")
    if declared_header is None:
        outs["custom_client_ip_header"] = None
    else:
        live = obj.get("custom_client_ip_header")
        outs["custom_client_ip_header"] = "" if live is None else live  # null and "" both mean "no header"
    if inputs.get("domain_metadata") is None:
        outs["domain_metadata"] = None
    else:
        outs["domain_metadata"] = dict(obj.get("domain_metadata") or {})
    return outs


def inputs_from_outputs(outs: Mapping[str, Any]) -> dict[str, Any]:
    """The inputs that would produce the live object: what refresh records, so the next preview
    shows the program reverting drift."""
    return {key: outs.get(key) for key in INPUTS}


# -- provider -----------------------------------------------------------------------------------

def describe(domain: Any, custom_domain_id: str | None = None) -> str:
    return f"custom domain {domain} ({custom_domain_id})" if custom_domain_id else f"custom domain {domain}"


def conflict_advice(domain: str) -> str:
    """What to do when the domain to create exists already: the three ways that happens."""
    return (f"if an earlier `pulumi up` was interrupted while creating {domain} (its next runs warn about pending "
            "operations), this is the domain it made: run `pulumi refresh --clear-pending-creates`, set "
            "adopt_existing=True on this CustomDomain and run `pulumi up`. If this is `pulumi up --replace` of it, "
            "Auth0 refuses two domains with one name: set the resource option delete_before_replace=True and run it "
            "again. "
            "Otherwise, if no other stack manages it, set adopt_existing=True to manage it with this program (two "
            "stacks managing one domain revert each other, and destroying either deletes it), or delete it first")


# Domains this provider process adopted (adopt_existing), by tenant host. The engine runs one
# provider process per command, so deleting one of them in the same process is a replacement that
# adopted the very domain it replaces (same name, replacement created first, as `pulumi up
# --replace` does): deleting it would delete the new resource's domain too.
_adopted_ids: set[tuple[str, str]] = set()
_adopted_lock = threading.Lock()


def _adopted(host: str, custom_domain_id: str) -> None:
    with _adopted_lock:
        _adopted_ids.add((host, custom_domain_id))


def _adopted_in_this_run(host: str, custom_domain_id: str) -> bool:
    with _adopted_lock:
        return (host, custom_domain_id) in _adopted_ids


class CustomDomainProvider(Auth0Provider):
    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        inputs = normalize_inputs(news)
        failures = check_failures(inputs) + self.tenant_failures(inputs)
        return CheckResult(inputs, [CheckFailure(prop, reason) for prop, reason in failures])

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        tenant = self.tenant_diff(olds, news, describe(olds.get("domain"), id_))
        replaces = changed_keys(olds, news, REPLACING) + (["tenant"] if tenant == "replace" else [])
        if replaces:
            # Auth0 refuses two domains with one name in a tenant: when only the type changes, the old
            # one must go first. A new name, or another tenant, can have the new one created first.
            same_name = not is_unknown(news.get("domain")) and news.get("domain") == olds.get("domain")
            return DiffResult(changes=True, replaces=replaces, delete_before_replace=same_name and tenant != "replace")
        return update_diff(changed_keys(olds, news, UPDATABLE + ("adopt_existing",))
                           + (["tenant"] if tenant == "update" else []))

    def create(self, props: dict[str, Any]) -> CreateResult:
        inputs = normalize_inputs(props)
        client = self.client_for(inputs.get("tenant"))
        existing = client.find_custom_domain(inputs["domain"]) if inputs["adopt_existing"] else None
        if existing is None:
            try:
                obj = client.create_custom_domain(expand_create(inputs))
                return CreateResult(obj["custom_domain_id"],
                                    {**flatten(obj, inputs), **self.tenant_outputs(client, inputs)})
            except ApiError as exc:
                existing = self._existing_after_conflict(client, exc, inputs)
        result = self._adopt(client, existing, inputs)
        if inputs["adopt_existing"]:
            _adopted(client.credentials.tenant, str(result.id))
        return result

    def _existing_after_conflict(self, client: "ManagementClient", exc: ApiError,
                                 inputs: Mapping[str, Any]) -> dict[str, Any]:
        """A 409 on create: the domain this call made (its response was lost and the retry met it),
        one the program may adopt, or someone else's, which is an error with advice."""
        if not exc.is_conflict:
            raise exc
        existing = client.find_custom_domain(inputs["domain"])
        if existing is None:
            raise exc
        if exc.after_retry:
            info(f"custom domain {inputs['domain']}: the create response was lost in transit; found the domain "
                 f"it made as {existing['custom_domain_id']} and kept it")
        elif not inputs["adopt_existing"]:
            raise exc.amended(message=f"custom domain {inputs['domain']} already exists in the tenant as "
                              f"{existing['custom_domain_id']} (status {existing.get('status')})",
                              hint=conflict_advice(inputs["domain"])) from None
        return existing

    def _adopt(self, client: "ManagementClient", existing: dict[str, Any], inputs: Mapping[str, Any]) -> CreateResult:
        if existing["type"] != inputs["type"]:
            raise ValueError(
                f"adopt_existing: custom domain {inputs['domain']} ({existing['custom_domain_id']}) exists with "
                f"type {existing['type']}, but the program declares type {inputs['type']}; a domain's type cannot "
                f"change. Declare type=\"{existing['type']}\", or delete the domain to recreate it.")
        if inputs["adopt_existing"]:
            info(f"custom domain {inputs['domain']}: adopting existing {existing['custom_domain_id']} "
                 f"(status {existing.get('status')})")
            if existing.get("status") == "ready" and inputs["type"] == "self_managed_certs":
                warn(f"custom domain {inputs['domain']} was verified before this program managed it: its "
                     "cname_api_key was returned once, at that verification, and cannot be recovered through the API")
        return self._converge(client, existing, inputs)

    def _converge(self, client: "ManagementClient", live: dict[str, Any], inputs: Mapping[str, Any]) -> CreateResult:
        current = flatten(live, inputs)
        body = expand_update(current, inputs)
        if body:
            live = client.update_custom_domain(live["custom_domain_id"], body)
        return CreateResult(live["custom_domain_id"], {**flatten(live, inputs), **self.tenant_outputs(client, inputs)})

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        client = self.bound_client(props, describe(props.get("domain"), id_))
        try:
            obj = client.read_custom_domain(id_)
        except ApiError as exc:
            if exc.is_not_found:
                warn(f"custom domain {props.get('domain')} ({id_}) no longer exists in Auth0 tenant "
                     f"{client.credentials.tenant}; removing it from state")
                return ReadResult(None, {})
            raise
        outs = {**flatten(obj, props), **self.tenant_outputs(client, props)}
        return ReadResult(id_, outs, inputs_from_outputs(outs))

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        inputs = normalize_inputs(news)
        client = self.bound_client(olds, describe(olds.get("domain"), id_), news=inputs)
        body = expand_update(olds, inputs)
        if not body:  # only adopt_existing or the namespace's name changed: nothing to tell Auth0
            return UpdateResult({**olds, "adopt_existing": inputs["adopt_existing"],
                                 **self.tenant_outputs(client, inputs)})
        obj = client.update_custom_domain(id_, body)
        return UpdateResult({**flatten(obj, inputs), **self.tenant_outputs(client, inputs)})

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        client = self.bound_client(props, describe(props.get("domain"), id_))
        if _adopted_in_this_run(client.credentials.tenant, id_):
            warn(f"{describe(props.get('domain'), id_)}: its replacement took over this same domain in this run "
                 "(adopt_existing=True), so it is kept, not deleted, and nothing was re-created. To re-create a "
                 "domain under the same name, set the resource option delete_before_replace=True on the CustomDomain "
                 "and run `pulumi up --replace` again: Auth0 refuses two domains with one name, so the old one "
                 "must go first.")
            return
        client.delete_custom_domain(id_)


# -- the resource -------------------------------------------------------------------------------

@dataclass
class CustomDomainArgs:
    """Inputs of :class:`CustomDomain`; field names are the Management API's."""

    domain: pulumi.Input[str]
    """Host name users will sign in at, e.g. ``login.example.com``. Changing it replaces the domain."""
    type: Optional[pulumi.Input[str]] = None
    """``self_managed_certs`` (default; required for mTLS) or ``auth0_managed_certs``. Changing it replaces
    the domain (deleting the old one first, since the name stays the same)."""
    tls_policy: Optional[pulumi.Input[str]] = None
    """``recommended`` (the only policy Auth0 still accepts). Unset: not managed."""
    custom_client_ip_header: Optional[pulumi.Input[str]] = None
    """Header carrying the end user's IP from your edge: ``true-client-ip``, ``cf-connecting-ip``,
    ``x-forwarded-for``, ``x-azure-clientip``, or ``""`` to clear it. Unset: not managed."""
    domain_metadata: Optional[pulumi.Input[Mapping[str, pulumi.Input[str]]]] = None
    """Up to 10 string key/values (values up to 255 characters). Keys removed here are removed in Auth0."""
    adopt_existing: Optional[pulumi.Input[bool]] = None
    """Take over a domain of this name that already exists in the tenant instead of failing (Pulumi
    cannot import dynamic resources). Its ``type`` must match."""
    tenant: Optional[pulumi.Input[str]] = None
    """The stack config namespace naming the tenant: ``auth0`` (default) reads ``auth0:domain`` and
    its credentials, ``auth0-eu`` reads ``auth0-eu:domain``… Changing it to a namespace on another
    tenant replaces the domain (created there, then deleted here)."""


class CustomDomain(pulumi.dynamic.Resource, module="auth0_mtls", name="CustomDomain"):
    """An Auth0 custom domain. Publish the record named by ``verification_record_*`` in DNS, then
    verify it with :class:`CustomDomainVerification`."""

    domain: pulumi.Output[str]
    type: pulumi.Output[str]
    tls_policy: pulumi.Output[Optional[str]]
    custom_client_ip_header: pulumi.Output[Optional[str]]
    domain_metadata: pulumi.Output[Optional[dict[str, str]]]
    adopt_existing: pulumi.Output[bool]
    tenant: pulumi.Output[Optional[str]]
    """The ``tenant`` input (``None``: the default namespace, ``auth0``)."""
    tenant_host: pulumi.Output[str]
    """The host of the tenant the domain lives in; a namespace repointed elsewhere is refused."""
    status: pulumi.Output[str]
    """``pending_verification``, ``ready`` or ``failed``, as of the last create, update or refresh."""
    primary: pulumi.Output[bool]
    origin_domain_name: pulumi.Output[Optional[str]]
    """Where your edge proxies traffic to; known once the domain is verified (refresh to see it here)."""
    verification_record_name: pulumi.Output[str]
    """DNS name of the verification record, e.g. ``_cf-custom-hostname.login.example.com``."""
    verification_record_type: pulumi.Output[str]
    """``TXT`` (self-managed) or ``CNAME`` (Auth0-managed), always upper case."""
    verification_record_value: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        args: Optional[CustomDomainArgs] = None,
        opts: Optional[pulumi.ResourceOptions] = None,
        *,
        domain: Optional[pulumi.Input[str]] = None,
        type: Optional[pulumi.Input[str]] = None,  # noqa: A002 - the API's field name
        tls_policy: Optional[pulumi.Input[str]] = None,
        custom_client_ip_header: Optional[pulumi.Input[str]] = None,
        domain_metadata: Optional[pulumi.Input[Mapping[str, pulumi.Input[str]]]] = None,
        adopt_existing: Optional[pulumi.Input[bool]] = None,
        tenant: Optional[pulumi.Input[str]] = None,
    ) -> None:
        if args is None:
            args = CustomDomainArgs(domain=domain, type=type, tls_policy=tls_policy,  # type: ignore[arg-type]
                                    custom_client_ip_header=custom_client_ip_header,
                                    domain_metadata=domain_metadata, adopt_existing=adopt_existing,
                                    tenant=tenant)
        props: dict[str, Any] = {key: getattr(args, key) for key in INPUTS}
        props.update({key: None for key in OUTPUTS})
        super().__init__(CustomDomainProvider(), resource_name, props, opts)

    @property
    def custom_domain_id(self) -> pulumi.Output[str]:
        """Auth0's id, ``cd_…``. It is the resource id, which the engine knows during a preview of
        an in-place update: resources built from it (a verification) then rightly preview as
        unchanged instead of as a replacement."""
        return self.id
