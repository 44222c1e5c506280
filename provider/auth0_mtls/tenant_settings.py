"""``TenantMtlsSettings``: the tenant's ``mtls.enable_endpoint_aliases`` setting.

A tenant setting cannot be created or deleted, only changed. This resource remembers what the
tenant had before it took over and, by default, puts that back on delete.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Optional

import pulumi
from pulumi.dynamic import CheckFailure, CheckResult, CreateResult, DiffResult, ReadResult, UpdateResult

from .provider_base import Auth0Provider, changed_keys, info, update_diff
from .validation import bool_failures, is_unknown

INPUTS = ("enable_endpoint_aliases", "restore_on_delete")
OUTPUTS = ("tenant", "previous_mtls")


def normalize_inputs(news: Mapping[str, Any]) -> dict[str, Any]:
    inputs = {key: news.get(key) for key in INPUTS}
    if inputs["restore_on_delete"] is None:
        inputs["restore_on_delete"] = True
    return inputs


def check_failures(inputs: Mapping[str, Any]) -> list[tuple[str, str]]:
    failures: list[tuple[str, str]] = []
    if not is_unknown(inputs["enable_endpoint_aliases"]):
        failures += bool_failures("enable_endpoint_aliases", inputs["enable_endpoint_aliases"], optional=False)
    if not is_unknown(inputs["restore_on_delete"]):
        failures += bool_failures("restore_on_delete", inputs["restore_on_delete"])
    return failures


def expand(inputs: Mapping[str, Any]) -> dict[str, Any]:
    return {"mtls": {"enable_endpoint_aliases": bool(inputs["enable_endpoint_aliases"])}}


def live_mtls(settings: Mapping[str, Any]) -> dict[str, Any] | None:
    """The ``mtls`` object as the tenant has it; ``None`` when absent (never set, or nulled)."""
    value = settings.get("mtls")
    return dict(value) if isinstance(value, Mapping) else None


def flatten(settings: Mapping[str, Any]) -> dict[str, Any]:
    mtls = live_mtls(settings) or {}
    # An absent mtls object behaves as false (Auth0's default).
    return {"enable_endpoint_aliases": bool(mtls.get("enable_endpoint_aliases", False))}


class TenantMtlsSettingsProvider(Auth0Provider):
    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        inputs = normalize_inputs(news)
        return CheckResult(inputs, [CheckFailure(prop, reason) for prop, reason in check_failures(inputs)])

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return update_diff(changed_keys(olds, news, INPUTS))

    def create(self, props: dict[str, Any]) -> CreateResult:
        inputs = normalize_inputs(props)
        client = self.client
        previous = live_mtls(client.get_tenant_settings(fields="mtls"))
        wanted = expand(inputs)
        # Already as declared (an object, not merely absent): the read is all it takes.
        settings = {"mtls": previous} if previous == wanted["mtls"] else client.update_tenant_settings(wanted)
        tenant = client.credentials.tenant
        info(f"tenant {tenant}: mtls.enable_endpoint_aliases set to {inputs['enable_endpoint_aliases']} "
             f"(was {'absent' if previous is None else previous.get('enable_endpoint_aliases')})")
        return CreateResult(tenant, {**inputs, **flatten(settings), "tenant": tenant, "previous_mtls": previous})

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        settings = self.client.get_tenant_settings(fields="mtls")
        outs = {**props, **flatten(settings)}
        return ReadResult(id_, outs, normalize_inputs(outs))

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        inputs = normalize_inputs(news)
        outs = {**olds, **inputs}
        if inputs["enable_endpoint_aliases"] != olds.get("enable_endpoint_aliases"):
            outs.update(flatten(self.client.update_tenant_settings(expand(inputs))))
        return UpdateResult(outs)

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        if not props.get("restore_on_delete", True):
            info(f"tenant {id_}: leaving mtls as it is (restore_on_delete is false)")
            return
        previous = props.get("previous_mtls")
        # {"mtls": null} removes the object, which is how "absent" is restored.
        self.client.update_tenant_settings({"mtls": previous})
        info(f"tenant {id_}: mtls restored to {'absent' if previous is None else previous}")


@dataclass
class TenantMtlsSettingsArgs:
    """Inputs of :class:`TenantMtlsSettings`."""

    enable_endpoint_aliases: pulumi.Input[bool]
    """Send mTLS clients to ``mtls.<custom domain>`` (advertised as ``mtls_endpoint_aliases``)."""
    restore_on_delete: Optional[pulumi.Input[bool]] = None
    """On delete, put back the ``mtls`` value the tenant had before (default true); false leaves it."""


class TenantMtlsSettings(pulumi.dynamic.Resource, module="auth0_mtls", name="TenantMtlsSettings"):
    """The tenant's mTLS endpoint-alias switch. One per tenant; its id is the tenant's host."""

    enable_endpoint_aliases: pulumi.Output[bool]
    restore_on_delete: pulumi.Output[bool]
    tenant: pulumi.Output[str]
    previous_mtls: pulumi.Output[Optional[dict[str, bool]]]
    """The ``mtls`` object before this resource changed it (``None``: absent); restored on delete."""

    def __init__(
        self,
        resource_name: str,
        args: Optional[TenantMtlsSettingsArgs] = None,
        opts: Optional[pulumi.ResourceOptions] = None,
        *,
        enable_endpoint_aliases: Optional[pulumi.Input[bool]] = None,
        restore_on_delete: Optional[pulumi.Input[bool]] = None,
    ) -> None:
        if args is None:
            args = TenantMtlsSettingsArgs(enable_endpoint_aliases=enable_endpoint_aliases,  # type: ignore[arg-type]
                                          restore_on_delete=restore_on_delete)
        props: dict[str, Any] = {key: getattr(args, key) for key in INPUTS}
        props.update({key: None for key in OUTPUTS})
        super().__init__(TenantMtlsSettingsProvider(), resource_name, props, opts)
