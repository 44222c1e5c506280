"""``CustomDomainVerification``: waits until Auth0 verifies a custom domain, and keeps the one-time
``cname_api_key`` that the first successful verification returns.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Mapping, Optional

import pulumi
from pulumi.dynamic import CheckFailure, CheckResult, CreateResult, DiffResult, ReadResult, UpdateResult

from .errors import ApiError, Auth0MtlsError
from .provider_base import Auth0Provider, changed_keys, info, update_diff, warn
from .validation import MIN_POLL_INTERVAL_SECONDS, custom_domain_id_failures, is_unknown, positive_number_failures

DEFAULT_TIMEOUT_SECONDS = 600
# Auth0 allows 5 verify calls per minute per tenant: one every 12 s never trips it.
DEFAULT_POLL_INTERVAL_SECONDS = 12
MAX_TIMEOUT_SECONDS = 3 * 24 * 3600  # Auth0 drops a pending verification after three days
# `tenant` names the stack config namespace of the tenant (unset: "auth0"); see provider_base.
INPUTS = ("custom_domain_id", "timeout_seconds", "poll_interval_seconds", "tenant")
OUTPUTS = ("domain", "status", "origin_domain_name", "cname_api_key", "cname_api_key_captured", "verified_at",
           "tenant_host")


class VerificationTimeout(Auth0MtlsError):
    """The domain did not verify in time; the message names the DNS record to publish."""


class CnameApiKeyLost(Auth0MtlsError):
    """Auth0 verified the domain but the response with the one-time key never arrived."""


# -- pure mappings ------------------------------------------------------------------------------

def normalize_inputs(news: Mapping[str, Any]) -> dict[str, Any]:
    inputs = {key: news.get(key) for key in INPUTS}
    if inputs["timeout_seconds"] is None:
        inputs["timeout_seconds"] = DEFAULT_TIMEOUT_SECONDS
    if inputs["poll_interval_seconds"] is None:
        inputs["poll_interval_seconds"] = DEFAULT_POLL_INTERVAL_SECONDS
    return inputs


def check_failures(inputs: Mapping[str, Any]) -> list[tuple[str, str]]:
    failures: list[tuple[str, str]] = []
    if not is_unknown(inputs["custom_domain_id"]):
        failures += custom_domain_id_failures(inputs["custom_domain_id"])
    if not is_unknown(inputs["timeout_seconds"]):
        failures += positive_number_failures("timeout_seconds", inputs["timeout_seconds"], maximum=MAX_TIMEOUT_SECONDS)
    if not is_unknown(inputs["poll_interval_seconds"]):
        failures += positive_number_failures(
            "poll_interval_seconds", inputs["poll_interval_seconds"], maximum=3600,
            minimum=MIN_POLL_INTERVAL_SECONDS, why_minimum=" (Auth0 allows 5 verify calls a minute)")
    return failures


def describe_record(obj: Mapping[str, Any]) -> str:
    """The DNS record Auth0 waits for, as a person would type it into a DNS console."""
    methods = (obj.get("verification") or {}).get("methods") or []
    if not methods:
        return "(Auth0 named no verification record)"
    method = methods[0]
    kind = str(method.get("name", "")).upper()
    name = method.get("domain") or (f"_cf-custom-hostname.{obj.get('domain')}" if kind == "TXT" else obj.get("domain"))
    return f'{kind} record {name} with value "{method.get("record")}"'


def timeout_message(obj: Mapping[str, Any], waited: float, attempts: int) -> str:
    error = (obj.get("verification") or {}).get("error_msg")
    text = (f"custom domain {obj.get('domain')} ({obj.get('custom_domain_id')}) is still {obj.get('status')} after "
            f"{waited:.0f}s and {attempts} verification attempt(s). Publish this DNS record and run `pulumi up` "
            f"again: {describe_record(obj)}.")
    if error:
        text += f" Auth0 says: {error}"
    return text


def flatten(obj: Mapping[str, Any], previous: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Outputs from a verify or GET response. The key is only ever taken from a verify response and
    otherwise carried over from state: a GET never returns it, and blanking it would lose it."""
    previous = previous or {}
    key = obj.get("cname_api_key") or previous.get("cname_api_key")
    return {
        "domain": obj.get("domain"),
        "status": obj.get("status"),
        "origin_domain_name": obj.get("origin_domain_name") or previous.get("origin_domain_name"),
        "cname_api_key": key,
        "cname_api_key_captured": bool(key),
        "verified_at": previous.get("verified_at"),
    }


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


# -- provider -----------------------------------------------------------------------------------

def describe(outs: Mapping[str, Any], custom_domain_id: str) -> str:
    domain = outs.get("domain")
    return f"the verification of custom domain {domain} ({custom_domain_id})" if domain else \
        f"the verification of custom domain {custom_domain_id}"


class CustomDomainVerificationProvider(Auth0Provider):
    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        inputs = normalize_inputs(news)
        failures = check_failures(inputs) + self.tenant_failures(inputs)
        return CheckResult(inputs, [CheckFailure(prop, reason) for prop, reason in failures])

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        tenant = self.tenant_diff(olds, news, describe(olds, id_))
        replaces = changed_keys(olds, news, ("custom_domain_id",)) + (["tenant"] if tenant == "replace" else [])
        if replaces:
            return DiffResult(changes=True, replaces=replaces, delete_before_replace=False)
        return update_diff(changed_keys(olds, news, ("timeout_seconds", "poll_interval_seconds"))
                           + (["tenant"] if tenant == "update" else []))

    def create(self, props: dict[str, Any]) -> CreateResult:
        inputs = normalize_inputs(props)
        domain_id = inputs["custom_domain_id"]
        timeout = float(inputs["timeout_seconds"])
        interval = float(inputs["poll_interval_seconds"])
        client = self.client_for(inputs.get("tenant"))
        started = time.monotonic()
        attempts = 0
        while True:
            attempts += 1
            obj, maybe_seen_before = client.verify_custom_domain(domain_id)
            status = obj.get("status")
            if status == "ready":
                break
            waited = time.monotonic() - started
            info(f"verifying {obj.get('domain')} ({domain_id}): attempt {attempts}, status {status}, "
                 f"{waited:.0f}s of {timeout:.0f}s; waiting for the {describe_record(obj)}")
            if waited + interval > timeout:
                raise VerificationTimeout(timeout_message(obj, waited, attempts))
            time.sleep(interval)

        key = obj.get("cname_api_key")
        self_managed = obj.get("type") == "self_managed_certs"
        if self_managed and not key:
            if maybe_seen_before:
                raise CnameApiKeyLost(
                    f"Auth0 verified {obj.get('domain')} ({domain_id}), but the response carrying its one-time "
                    "cname_api_key was lost in transit and Auth0 never returns it again. To get a new key, replace "
                    "the custom domain: `pulumi up --replace <urn of the CustomDomain>` deletes and recreates it "
                    "(publish its new TXT record, then this verification runs again).")
            warn(f"custom domain {obj.get('domain')} ({domain_id}) was already verified before this resource "
                 "existed: Auth0 returned its cname_api_key only at that first verification and it cannot be "
                 "recovered. If you do not have it, replace the CustomDomain to get a new one.")
        info(f"verified {obj.get('domain')} ({domain_id}) after {attempts} attempt(s)"
             + ("; cname_api_key captured (stored as a secret)" if key else ""))
        outs = flatten(obj)
        outs["verified_at"] = _now()
        return CreateResult(domain_id, {**inputs, **outs, **self.tenant_outputs(client, inputs)})

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        client = self.bound_client(props, describe(props, id_))
        try:
            obj = client.get_custom_domain(id_)
        except ApiError as exc:
            if exc.is_not_found:
                warn(f"custom domain {id_} no longer exists in Auth0 tenant {client.credentials.tenant}; its "
                     "verification is removed from state")
                return ReadResult(None, {})
            raise
        inputs = normalize_inputs(props)
        return ReadResult(id_, {**inputs, **flatten(obj, props), **self.tenant_outputs(client, inputs)}, inputs)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        inputs = normalize_inputs(news)
        client = self.bound_client(olds, describe(olds, id_), news=inputs)
        # Only the wait settings can change in place; they matter for the next create only.
        return UpdateResult({**olds, **inputs, **self.tenant_outputs(client, inputs)})

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        # A verification cannot be undone in Auth0; deleting the resource only forgets it. The
        # binding is still checked, so a repointed namespace is reported here too.
        client = self.bound_client(props, describe(props, id_))
        info(f"custom domain {props.get('domain')} ({id_}) stays verified in Auth0 tenant "
             f"{client.credentials.tenant}; the verification is removed from the stack only")


# -- the resource -------------------------------------------------------------------------------

@dataclass
class CustomDomainVerificationArgs:
    """Inputs of :class:`CustomDomainVerification`."""

    custom_domain_id: pulumi.Input[str]
    """The domain to verify: ``CustomDomain.custom_domain_id``. Changing it replaces the verification."""
    timeout_seconds: Optional[pulumi.Input[float]] = None
    """How long ``pulumi up`` waits for the DNS record to be seen (default 600)."""
    poll_interval_seconds: Optional[pulumi.Input[float]] = None
    """Seconds between verify calls (default 12: Auth0 allows 5 verify calls per minute; at least 1)."""
    tenant: Optional[pulumi.Input[str]] = None
    """The stack config namespace naming the domain's tenant (default ``auth0``); use the domain's."""


class CustomDomainVerification(pulumi.dynamic.Resource, module="auth0_mtls", name="CustomDomainVerification"):
    """Verifies a custom domain, waiting until Auth0 sees its DNS record.

    ``cname_api_key`` is a secret, returned by Auth0 exactly once; it is kept in state for good and a
    refresh never blanks it. Deleting this resource removes it from the stack only: a verification
    cannot be undone.
    """

    custom_domain_id: pulumi.Output[str]
    timeout_seconds: pulumi.Output[float]
    poll_interval_seconds: pulumi.Output[float]
    domain: pulumi.Output[str]
    status: pulumi.Output[str]
    """The domain's live status (``ready`` after create; refresh follows later changes)."""
    origin_domain_name: pulumi.Output[Optional[str]]
    """Host your reverse proxy forwards to, e.g. ``tenant-cd-….edge.tenants.us.auth0.com``."""
    cname_api_key: pulumi.Output[Optional[str]]
    """Secret. Your edge sends it as the ``cname-api-key`` header. ``None`` if the domain was verified
    before this resource existed."""
    cname_api_key_captured: pulumi.Output[bool]
    verified_at: pulumi.Output[str]
    tenant: pulumi.Output[Optional[str]]
    tenant_host: pulumi.Output[str]
    """The host of the tenant the domain lives in."""

    def __init__(
        self,
        resource_name: str,
        args: Optional[CustomDomainVerificationArgs] = None,
        opts: Optional[pulumi.ResourceOptions] = None,
        *,
        custom_domain_id: Optional[pulumi.Input[str]] = None,
        timeout_seconds: Optional[pulumi.Input[float]] = None,
        poll_interval_seconds: Optional[pulumi.Input[float]] = None,
        tenant: Optional[pulumi.Input[str]] = None,
    ) -> None:
        if args is None:
            args = CustomDomainVerificationArgs(custom_domain_id=custom_domain_id,  # type: ignore[arg-type]
                                                timeout_seconds=timeout_seconds,
                                                poll_interval_seconds=poll_interval_seconds, tenant=tenant)
        props: dict[str, Any] = {key: getattr(args, key) for key in INPUTS}
        props.update({key: None for key in OUTPUTS})
        secret = pulumi.ResourceOptions(additional_secret_outputs=["cname_api_key"])
        super().__init__(CustomDomainVerificationProvider(), resource_name, props,
                         pulumi.ResourceOptions.merge(opts, secret))
