"""``TenantMtlsSettings``: the tenant's ``mtls.enable_endpoint_aliases`` setting.

A tenant setting cannot be created or deleted, only changed. This resource remembers what the
tenant had before it took over and, by default, puts that back on delete. When the tenant already
has the declared value at create, what it had before cannot be known (an earlier run may have set
it and been interrupted before recording anything); the run says so, and ``restore_to`` lets the
program declare what delete puts back instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Optional

import pulumi
from pulumi.dynamic import CheckFailure, CheckResult, CreateResult, DiffResult, ReadResult, UpdateResult

from .errors import ApiError
from .provider_base import Auth0Provider, changed_keys, info, may_have_applied, update_diff, warn
from .validation import bool_failures, enum_failures, is_unknown

# `tenant` is two things here, both kept: the input names the stack config namespace (as on every
# resource), while the output `tenant` has been the tenant's host (and the id) since 0.1. The
# namespace is recorded as `tenant_namespace`; nothing may read the namespace from `tenant` in the
# outputs, which is what diff, read, update and delete receive.
INPUTS = ("enable_endpoint_aliases", "restore_on_delete", "restore_to", "tenant")
OUTPUTS = ("tenant", "previous_mtls", "previous_mtls_captured", "tenant_host", "tenant_namespace")
WHAT = "the tenant's mtls setting (TenantMtlsSettings)"
# What delete puts back: the value found at create, no mtls object at all, or aliases switched off.
# Unset means "previous" (state written before restore_to existed has none).
RESTORE_TO = ("previous", "absent", "disabled")
RESTORE_VALUES: dict[str, dict[str, bool] | None] = {"absent": None, "disabled": {"enable_endpoint_aliases": False}}


def normalize_inputs(news: Mapping[str, Any]) -> dict[str, Any]:
    inputs = {key: news.get(key) for key in INPUTS}
    if inputs["restore_on_delete"] is None:
        inputs["restore_on_delete"] = True
    return inputs


def inputs_from_outputs(outs: Mapping[str, Any]) -> dict[str, Any]:
    """The inputs that match the state: what refresh records. The namespace comes from
    ``tenant_namespace``, never from the ``tenant`` output (the host)."""
    return normalize_inputs({**{key: outs.get(key) for key in INPUTS}, "tenant": outs.get("tenant_namespace")})


def outputs(inputs: Mapping[str, Any], host: str, **fields: Any) -> dict[str, Any]:
    """Outputs from inputs plus computed fields, with ``tenant`` the host and ``tenant_namespace``
    the namespace (``{**inputs, ...}`` alone would store the namespace under ``tenant``)."""
    outs = {key: value for key, value in inputs.items() if key != "tenant"}
    outs.update(fields)
    outs.update({"tenant": host, "tenant_host": host, "tenant_namespace": inputs.get("tenant")})
    return outs


def check_failures(inputs: Mapping[str, Any]) -> list[tuple[str, str]]:
    failures: list[tuple[str, str]] = []
    if not is_unknown(inputs["enable_endpoint_aliases"]):
        failures += bool_failures("enable_endpoint_aliases", inputs["enable_endpoint_aliases"], optional=False)
    if not is_unknown(inputs["restore_on_delete"]):
        failures += bool_failures("restore_on_delete", inputs["restore_on_delete"])
    if not is_unknown(inputs["restore_to"]):
        failures += enum_failures("restore_to", inputs["restore_to"], RESTORE_TO)
    return failures


def describe_mtls(value: Mapping[str, Any] | None) -> str:
    return "absent" if value is None else f"{dict(value)}"


def restore_target(props: Mapping[str, Any]) -> dict[str, Any] | None:
    """The ``mtls`` value delete sends (``None``: remove the object)."""
    restore_to = props.get("restore_to") or "previous"
    if restore_to in RESTORE_VALUES:
        return RESTORE_VALUES[restore_to]
    return props.get("previous_mtls")


def expand(inputs: Mapping[str, Any]) -> dict[str, Any]:
    return {"mtls": {"enable_endpoint_aliases": bool(inputs["enable_endpoint_aliases"])}}


def live_mtls(settings: Mapping[str, Any]) -> dict[str, Any] | None:
    """The ``mtls`` object as the tenant has it; ``None`` when absent (never set, or nulled)."""
    value = settings.get("mtls")
    return dict(value) if isinstance(value, Mapping) else None


def previous_captured(previous: Mapping[str, Any] | None, inputs: Mapping[str, Any]) -> bool:
    """Whether the value found at create tells what the tenant had before: not when it already was
    the declared one, which an interrupted earlier run may have set."""
    return previous != expand(inputs)["mtls"]


def computed_outputs(state: Mapping[str, Any]) -> dict[str, Any]:
    """The outputs in state that are not inputs, carried over by read and update. State written by
    0.1 has no ``previous_mtls_captured``; 0.1's create found the value before in the same way, so
    the same rule fills it in, and an old stack reaches the shape of a new one without an update."""
    computed = {key: value for key, value in state.items() if key not in INPUTS}
    if "previous_mtls_captured" not in computed:
        computed["previous_mtls_captured"] = previous_captured(state.get("previous_mtls"), state)
    return computed


def flatten(settings: Mapping[str, Any]) -> dict[str, Any]:
    mtls = live_mtls(settings) or {}
    # An absent mtls object behaves as false (Auth0's default).
    return {"enable_endpoint_aliases": bool(mtls.get("enable_endpoint_aliases", False))}


class TenantMtlsSettingsProvider(Auth0Provider):
    namespace_output = "tenant_namespace"

    def host_in(self, outs: Mapping[str, Any]) -> str | None:
        # State written by 0.1 has no tenant_host, but its `tenant` output is the host.
        return outs.get("tenant_host") or outs.get("tenant")

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        inputs = normalize_inputs(news)
        failures = check_failures(inputs) + self.tenant_failures(inputs)
        return CheckResult(inputs, [CheckFailure(prop, reason) for prop, reason in failures])

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        tenant = self.tenant_diff(olds, news, WHAT)
        if tenant == "replace":
            return DiffResult(changes=True, replaces=["tenant"], delete_before_replace=False)
        changed = changed_keys(olds, news, ("enable_endpoint_aliases", "restore_on_delete"))
        if (news.get("restore_to") or "previous") != (olds.get("restore_to") or "previous"):
            changed.append("restore_to")
        return update_diff(changed + (["tenant"] if tenant == "update" else []))

    def create(self, props: dict[str, Any]) -> CreateResult:
        inputs = normalize_inputs(props)
        client = self.client_for(inputs.get("tenant"))
        tenant = client.credentials.tenant
        previous = live_mtls(client.get_tenant_settings(fields="mtls"))
        wanted = expand(inputs)
        captured = previous_captured(previous, inputs)
        if captured:
            settings = self._patch(client, wanted, previous)
        else:
            # Already as declared (an object, not merely absent): the read is all it takes, and the
            # value from before cannot be told apart from one an interrupted earlier run set.
            settings = {"mtls": previous}
            warn(f"tenant {tenant}: mtls is already {describe_mtls(previous)}, as declared, so this run cannot tell "
                 "what the tenant had before: an earlier run of this program may have set it and been interrupted "
                 "before recording anything (a killed `pulumi up`, a lost response), or it was set outside Pulumi. "
                 f"On delete, restore_to=\"previous\" (the default) puts back {describe_mtls(previous)}; set "
                 "restore_to to \"absent\" or \"disabled\" to declare what delete puts back instead.")
        if captured:
            info(f"tenant {tenant}: mtls.enable_endpoint_aliases set to {inputs['enable_endpoint_aliases']} "
                 f"(was {'absent' if previous is None else previous.get('enable_endpoint_aliases')})")
        else:
            info(f"tenant {tenant}: mtls.enable_endpoint_aliases is already {inputs['enable_endpoint_aliases']}; "
                 "nothing was sent")
        return CreateResult(tenant, outputs(inputs, tenant, **flatten(settings), previous_mtls=previous,
                                            previous_mtls_captured=captured))

    @staticmethod
    def _patch(client: Any, wanted: dict[str, Any], previous: dict[str, Any] | None) -> dict[str, Any]:
        try:
            return client.update_tenant_settings(wanted)
        except ApiError as exc:
            if not may_have_applied(exc):
                raise
            # The outcome is unknown: the change may have gone through with every answer lost. Say
            # now what the tenant had, since a rerun will find the new value and cannot know it.
            raise exc.amended(message=(
                f"{exc.api_message}. The tenant's mtls was {describe_mtls(previous)} before this run; if the change "
                "went through anyway, the next run cannot tell that value apart from one set by hand, so set "
                "restore_to to declare what delete puts back")) from None

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        client = self.bound_client(props, WHAT)
        settings = client.get_tenant_settings(fields="mtls")
        outs = outputs(inputs_from_outputs(props), client.credentials.tenant,
                       **{**computed_outputs(props), **flatten(settings)})
        return ReadResult(id_, outs, inputs_from_outputs(outs))

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        inputs = normalize_inputs(news)
        client = self.bound_client(olds, WHAT, news=inputs)
        computed = computed_outputs(olds)
        if inputs["enable_endpoint_aliases"] != olds.get("enable_endpoint_aliases"):
            computed.update(flatten(client.update_tenant_settings(expand(inputs))))
        return UpdateResult(outputs(inputs, client.credentials.tenant, **computed))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        client = self.bound_client(props, WHAT)
        if not props.get("restore_on_delete", True):
            info(f"tenant {id_}: leaving mtls as it is (restore_on_delete is false)")
            return
        target = restore_target(props)
        if (props.get("restore_to") or "previous") == "previous" and props.get("previous_mtls_captured") is False:
            warn(f"tenant {id_}: restoring mtls to {describe_mtls(target)}, the value found when this resource was "
                 "created; what the tenant had before that was never known (an interrupted run, or a change "
                 "outside Pulumi). Set restore_to to \"absent\" or \"disabled\" before destroying to choose.")
        # {"mtls": null} removes the object, which is how "absent" is restored.
        client.update_tenant_settings({"mtls": target})
        info(f"tenant {id_}: mtls restored to {describe_mtls(target)}")


@dataclass
class TenantMtlsSettingsArgs:
    """Inputs of :class:`TenantMtlsSettings`."""

    enable_endpoint_aliases: pulumi.Input[bool]
    """Send mTLS clients to ``mtls.<custom domain>`` (advertised as ``mtls_endpoint_aliases``)."""
    restore_on_delete: Optional[pulumi.Input[bool]] = None
    """On delete, put back the ``mtls`` value the tenant had before (default true); false leaves it."""
    restore_to: Optional[pulumi.Input[str]] = None
    """What delete puts back: ``previous`` (default: the value found at create), ``absent`` (no
    ``mtls`` object) or ``disabled`` (``enable_endpoint_aliases: false``), whatever was captured."""
    tenant: Optional[pulumi.Input[str]] = None
    """The stack config namespace naming the tenant (default ``auth0``). Unlike the input, the
    ``tenant`` *output* is the tenant's host, as it has always been."""


class TenantMtlsSettings(pulumi.dynamic.Resource, module="auth0_mtls", name="TenantMtlsSettings"):
    """The tenant's mTLS endpoint-alias switch. One per tenant; its id is the tenant's host."""

    enable_endpoint_aliases: pulumi.Output[bool]
    restore_on_delete: pulumi.Output[bool]
    restore_to: pulumi.Output[Optional[str]]
    tenant: pulumi.Output[str]
    """The tenant's host (also the id). The ``tenant`` input, a config namespace, is
    ``tenant_namespace`` among the outputs."""
    tenant_host: pulumi.Output[str]
    tenant_namespace: pulumi.Output[Optional[str]]
    previous_mtls: pulumi.Output[Optional[dict[str, bool]]]
    """The ``mtls`` object before this resource changed it (``None``: absent); restored on delete."""
    previous_mtls_captured: pulumi.Output[Optional[bool]]
    """``false`` when the tenant already had the declared value at create, so ``previous_mtls`` is
    what was found then, not necessarily what the tenant had before this program."""

    def __init__(
        self,
        resource_name: str,
        args: Optional[TenantMtlsSettingsArgs] = None,
        opts: Optional[pulumi.ResourceOptions] = None,
        *,
        enable_endpoint_aliases: Optional[pulumi.Input[bool]] = None,
        restore_on_delete: Optional[pulumi.Input[bool]] = None,
        restore_to: Optional[pulumi.Input[str]] = None,
        tenant: Optional[pulumi.Input[str]] = None,
    ) -> None:
        if args is None:
            args = TenantMtlsSettingsArgs(enable_endpoint_aliases=enable_endpoint_aliases,  # type: ignore[arg-type]
                                          restore_on_delete=restore_on_delete, restore_to=restore_to, tenant=tenant)
        props: dict[str, Any] = {key: getattr(args, key) for key in INPUTS}
        # `tenant` is an input and an output: the input value (the namespace) must survive.
        props.update({key: None for key in OUTPUTS if key not in INPUTS})
        super().__init__(TenantMtlsSettingsProvider(), resource_name, props, opts)
