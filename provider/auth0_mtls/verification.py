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

from .errors import ApiError, Auth0MtlsError, DeadlineReached
from .provider_base import Auth0Provider, changed_keys, info, may_have_applied, update_diff, warn
from .retry import check_engine, deadline, pause
from .validation import (
    MIN_POLL_INTERVAL_SECONDS,
    bool_failures,
    custom_domain_id_failures,
    is_unknown,
    positive_number_failures,
)

DEFAULT_TIMEOUT_SECONDS = 600
# Auth0 allows 5 verify calls per minute per tenant: one every 12 s never trips it.
DEFAULT_POLL_INTERVAL_SECONDS = 12
MAX_TIMEOUT_SECONDS = 3 * 24 * 3600  # Auth0 drops a pending verification after three days
# How long a timed-out verification may spend asking for the record its message names.
RECORD_LOOKUP_SECONDS = 5
# `tenant` names the stack config namespace of the tenant (unset: "auth0"); see provider_base.
INPUTS = ("custom_domain_id", "timeout_seconds", "poll_interval_seconds", "require_cname_api_key", "tenant")
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
    if not is_unknown(inputs["require_cname_api_key"]):
        failures += bool_failures("require_cname_api_key", inputs["require_cname_api_key"])
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


def key_after_verify(previous_key: str | None, obj: Mapping[str, Any]) -> tuple[str | None, bool]:
    """The key to keep after a verify response, and whether it replaces a different one in state.
    A re-verification does not return the key (Auth0 gives it once); should one ever come, it is
    the one the edge must send from then on."""
    new = obj.get("cname_api_key")
    if new and previous_key and new != previous_key:
        return new, True
    return new or previous_key, False


def flatten(obj: Mapping[str, Any], previous: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Outputs from a verify or GET response. The key is only ever taken from a verify response and
    otherwise carried over from state: a GET never returns it, and blanking it would lose it."""
    previous = previous or {}
    key, _ = key_after_verify(previous.get("cname_api_key"), obj)
    return {
        "domain": obj.get("domain"),
        "status": obj.get("status"),
        "origin_domain_name": obj.get("origin_domain_name") or previous.get("origin_domain_name"),
        "cname_api_key": key,
        "cname_api_key_captured": bool(key),
        "verified_at": previous.get("verified_at"),
    }


def needs_verification(outs: Mapping[str, Any]) -> bool:
    """A refresh found the domain no longer ready (back to pending_verification, or failed)."""
    status = outs.get("status")
    return status is not None and status != "ready"


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


RECOVERY = ("To get a new key, re-create the custom domain: set the resource option delete_before_replace=True on the "
            "CustomDomain (Auth0 refuses two domains with one name, so the old one must go first), then run `pulumi up "
            "--replace <urn of the CustomDomain>`; publish its new TXT record, and this verification runs again.")


def key_unknown_message(obj: Mapping[str, Any], domain_id: str) -> str:
    return (f"custom domain {obj.get('domain')} ({domain_id}) was already verified when this run started: by an "
            "earlier run of this program that was interrupted before it could record the result (a killed `pulumi "
            "up`, or every answer lost in transit), or outside it (the dashboard, another tool or stack). Auth0 "
            "returned its one-time cname_api_key only at that first verification, and it cannot be recovered. If your "
            f"edge does not have it: {RECOVERY} Set require_cname_api_key=True to make this an error.")


def key_required_message(obj: Mapping[str, Any], domain_id: str, why: str) -> str:
    return (f"require_cname_api_key is set, but there is no cname_api_key for custom domain {obj.get('domain')} "
            f"({domain_id}): {why} {RECOVERY}")


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
        if needs_verification(olds):
            # Refresh recorded the domain as no longer verified: the update verifies it again. No
            # input differs, so the engine could not find this change itself; it is stated.
            return DiffResult(changes=True)
        changed = changed_keys(olds, news, ("timeout_seconds", "poll_interval_seconds"))
        if bool(news.get("require_cname_api_key")) != bool(olds.get("require_cname_api_key")):
            changed.append("require_cname_api_key")  # unset and false are the same (and 0.1 state has neither)
        return update_diff(changed + (["tenant"] if tenant == "update" else []))

    def _verify(self, client: Any, domain_id: str, inputs: Mapping[str, Any]) -> tuple[dict[str, Any], int, bool]:
        """Call verify until the domain is ready, within one deadline that also bounds the client's
        rate-limit waits. Returns the last response, the attempts, and whether an earlier attempt
        of the last call may have succeeded unseen."""
        timeout = float(inputs["timeout_seconds"])
        interval = float(inputs["poll_interval_seconds"])
        started = time.monotonic()
        attempts = 0
        obj: dict[str, Any] = {"custom_domain_id": domain_id}
        while True:
            attempts += 1
            check_engine()
            try:
                with deadline(started + timeout):
                    obj, maybe_seen_before = client.verify_custom_domain(domain_id)
            except DeadlineReached as exc:
                why = ("Auth0 was rate limiting verify calls (429; it allows 5 a minute per tenant)"
                       if exc.status == 429 else "the verify call kept failing")
                obj, record = self._record_to_publish(client, domain_id, obj)
                raise VerificationTimeout(
                    f"custom domain {obj.get('domain') or domain_id} was not verified within timeout_seconds="
                    f"{timeout:g}: {why}, and {exc.api_message}. {record} Run `pulumi up` again later, or raise "
                    "timeout_seconds.") from None
            except ApiError as exc:
                if not may_have_applied(exc):
                    raise
                # The outcome is unknown: Auth0 may have verified the domain, with the one-time key in
                # an answer that never arrived.
                raise exc.amended(message=(
                    f"{exc.api_message}. If Auth0 verified the domain meanwhile, its one-time cname_api_key was in "
                    "an answer that was lost; the next run reports whether the key was captured")) from None
            status = obj.get("status")
            if status == "ready":
                return obj, attempts, maybe_seen_before
            waited = time.monotonic() - started
            info(f"verifying {obj.get('domain')} ({domain_id}): attempt {attempts}, status {status}, "
                 f"{waited:.0f}s of {timeout:.0f}s; waiting for the {describe_record(obj)}")
            if waited + interval > timeout:
                raise VerificationTimeout(timeout_message(obj, waited, attempts))
            pause(interval)

    @staticmethod
    def _record_to_publish(client: Any, domain_id: str, obj: dict[str, Any]) -> tuple[dict[str, Any], str]:
        """The DNS record for a timeout message, as every timeout names it. When no verify call was
        answered (rate limited from the first one), one GET of the domain, not a verify call, asks
        for it, briefly: this is already past the deadline."""
        if not (obj.get("verification") or {}).get("methods"):
            try:
                with deadline(time.monotonic() + RECORD_LOOKUP_SECONDS):
                    obj = client.get_custom_domain(domain_id)
            except Auth0MtlsError:
                return obj, ("The DNS record to publish is in the CustomDomain's verification_record_type, "
                             "verification_record_name and verification_record_value outputs.")
        text = f"Publish this DNS record if it is not published yet: {describe_record(obj)}."
        error = (obj.get("verification") or {}).get("error_msg")
        return obj, text + (f" Auth0 says: {error}." if error else "")

    def create(self, props: dict[str, Any]) -> CreateResult:
        inputs = normalize_inputs(props)
        domain_id = inputs["custom_domain_id"]
        client = self.client_for(inputs.get("tenant"))
        obj, attempts, maybe_seen_before = self._verify(client, domain_id, inputs)
        key = obj.get("cname_api_key")
        self_managed = obj.get("type") == "self_managed_certs"
        if self_managed and not key:
            if maybe_seen_before:
                raise CnameApiKeyLost(
                    f"Auth0 verified {obj.get('domain')} ({domain_id}), but the response carrying its one-time "
                    "cname_api_key was lost in transit and Auth0 never returns it again. " + RECOVERY)
            if inputs.get("require_cname_api_key"):
                raise CnameApiKeyLost(key_required_message(
                    obj, domain_id, "it was verified before this run, by an interrupted earlier run of this program "
                                    "or outside it, and Auth0 returns the key only at the first verification."))
            warn(key_unknown_message(obj, domain_id))
        elif not self_managed and inputs.get("require_cname_api_key"):
            raise CnameApiKeyLost(key_required_message(
                obj, domain_id, f"it uses {obj.get('type')}; only self_managed_certs domains have one. Drop "
                                "require_cname_api_key, or use a self-managed domain."))
        info(f"verified {obj.get('domain')} ({domain_id}) after {attempts} attempt(s)"
             + ("; cname_api_key captured (stored as a secret)" if key else ""))
        outs = flatten(obj)
        outs["verified_at"] = _now()
        return CreateResult(domain_id, {**inputs, **outs, **self.tenant_outputs(client, inputs)})

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        client = self.bound_client(props, describe(props, id_))
        try:
            obj = client.read_custom_domain(id_)
        except ApiError as exc:
            if exc.is_not_found:
                warn(f"custom domain {id_} no longer exists in Auth0 tenant {client.credentials.tenant}; its "
                     "verification is removed from state")
                return ReadResult(None, {})
            raise
        inputs = normalize_inputs(props)
        if needs_verification(obj):
            warn(f"custom domain {obj.get('domain')} ({id_}) is {obj.get('status')} again: the next `pulumi up` "
                 "verifies it again (the cname_api_key in state is kept)")
        return ReadResult(id_, {**inputs, **flatten(obj, props), **self.tenant_outputs(client, inputs)}, inputs)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        inputs = normalize_inputs(news)
        client = self.bound_client(olds, describe(olds, id_), news=inputs)
        outs = {**olds, **inputs, **self.tenant_outputs(client, inputs)}
        if needs_verification(olds):
            obj, attempts, _ = self._verify(client, id_, inputs)
            key, replaced = key_after_verify(olds.get("cname_api_key"), obj)
            if replaced:
                warn(f"Auth0 returned a new cname_api_key for {obj.get('domain')} ({id_}) when verifying it again; it "
                     "replaces the one in state. Update your edge's cname-api-key header with the new value "
                     "(`pulumi stack output --show-secrets`).")
            outs.update(flatten(obj, olds))
            outs["verified_at"] = _now()
            info(f"verified {obj.get('domain')} ({id_}) again after {attempts} attempt(s)"
                 + ("; the cname_api_key in state is kept" if key and not replaced else ""))
        if inputs.get("require_cname_api_key") and not outs.get("cname_api_key"):
            raise CnameApiKeyLost(key_required_message(
                outs, id_, "this verification never captured it (see the warning of the run that created it)."))
        return UpdateResult(outs)

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        # A verification cannot be undone in Auth0; deleting the resource only forgets it. The
        # binding is still checked, so a repointed namespace is reported here too.
        client = self.bound_client(props, describe(props, id_))
        info(f"{describe(props, id_)} is removed from the stack only: a verification cannot be undone in Auth0 "
             f"tenant {client.credentials.tenant}. Whether the domain itself stays is up to its CustomDomain resource")


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
    require_cname_api_key: Optional[pulumi.Input[bool]] = None
    """Fail the run when the one-time ``cname_api_key`` cannot be had (the domain was verified by an
    interrupted earlier run or outside this program), instead of warning (default false)."""
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
    require_cname_api_key: pulumi.Output[Optional[bool]]
    domain: pulumi.Output[str]
    status: pulumi.Output[str]
    """The domain's live status (``ready`` after create; refresh follows later changes)."""
    origin_domain_name: pulumi.Output[Optional[str]]
    """Host your reverse proxy forwards to, e.g. ``tenant-cd-….edge.tenants.us.auth0.com``."""
    cname_api_key: pulumi.Output[Optional[str]]
    """Secret. Your edge sends it as the ``cname-api-key`` header. ``None`` if the domain was already
    verified when this resource was created (by an interrupted earlier run, or outside the program)."""
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
        require_cname_api_key: Optional[pulumi.Input[bool]] = None,
        tenant: Optional[pulumi.Input[str]] = None,
    ) -> None:
        if args is None:
            args = CustomDomainVerificationArgs(custom_domain_id=custom_domain_id,  # type: ignore[arg-type]
                                                timeout_seconds=timeout_seconds,
                                                poll_interval_seconds=poll_interval_seconds,
                                                require_cname_api_key=require_cname_api_key, tenant=tenant)
        props: dict[str, Any] = {key: getattr(args, key) for key in INPUTS}
        props.update({key: None for key in OUTPUTS})
        secret = pulumi.ResourceOptions(additional_secret_outputs=["cname_api_key"])
        super().__init__(CustomDomainVerificationProvider(), resource_name, props,
                         pulumi.ResourceOptions.merge(opts, secret))
