"""``ResourceServerProofOfPossession``: an API (resource server) requires proof-of-possession
(``proof_of_possession`` on ``/api/v2/resource-servers/{id}``), e.g. certificate-bound tokens.

The API itself is created elsewhere. This resource remembers the API's previous setting
(``null`` when it had none) and, by default, puts it back on delete. When the API already has the
declared setting at create, what it had before cannot be known (an earlier run may have set it and
been interrupted before recording anything): the run says so, and ``restore_to="none"`` lets the
program declare that delete removes the setting instead.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Mapping, Optional

import pulumi
from pulumi.dynamic import CheckFailure, CheckResult, CreateResult, DiffResult, ReadResult, UpdateResult

from .clients_api import ClientsApi, resource_server_id_problem
from .errors import ApiError
from .provider_base import TENANT, Auth0Provider, changed_keys, info, may_have_applied, update_diff, warn
from .validation import bool_failures, enum_failures, is_unknown

MECHANISMS = ("mtls", "dpop")
REQUIRED_FOR = ("all_clients", "public_clients")
# Auth0's default, and the only value valid with mTLS; mTLS responses omit it (recorded).
DEFAULT_REQUIRED_FOR = "all_clients"
# `tenant` names the stack config namespace of the tenant (unset: "auth0"); see provider_base.
INPUTS = ("resource_server_id", "mechanism", "required", "required_for", "restore_on_delete", "restore_to", TENANT)
OUTPUTS = ("identifier", "previous_proof_of_possession", "previous_proof_of_possession_captured", "tenant_host")
# What delete puts back: the setting found at create ("previous"; unset means the same, and state
# written before restore_to existed has none), or no setting at all ({"proof_of_possession": null}).
RESTORE_TO = ("previous", "none")
SETTINGS = ("mechanism", "required", "required_for")


# -- pure mappings ------------------------------------------------------------------------------

def normalize_inputs(news: Mapping[str, Any]) -> dict[str, Any]:
    inputs = {key: news.get(key) for key in INPUTS}
    if inputs["restore_on_delete"] is None:
        inputs["restore_on_delete"] = True
    return inputs


def check_failures(inputs: Mapping[str, Any]) -> list[tuple[str, str]]:
    failures: list[tuple[str, str]] = []
    if not is_unknown(inputs["resource_server_id"]):
        problem = resource_server_id_problem(inputs["resource_server_id"])
        if problem:
            failures.append(("resource_server_id", problem))
    mechanism = inputs["mechanism"]
    if not is_unknown(mechanism):
        failures += enum_failures("mechanism", mechanism, MECHANISMS, optional=False,
                                  note="mtls binds tokens to the client's certificate; dpop to a DPoP key.")
    if not is_unknown(inputs["required"]):
        if inputs["required"] is None:
            failures.append(("required", "required is required: true (every token for this API must be bound; "
                                         "others are not issued) or false (bound when the client proves "
                                         "possession, otherwise a plain token)"))
        else:
            failures += bool_failures("required", inputs["required"])
    required_for = inputs["required_for"]
    if not is_unknown(required_for):
        failures += enum_failures("required_for", required_for, REQUIRED_FOR)
        if mechanism == "mtls" and required_for not in (None, DEFAULT_REQUIRED_FOR):
            failures.append(("required_for", "with mechanism mtls only all_clients is valid (Auth0's documentation); "
                                             "leave required_for unset"))
    if not is_unknown(inputs["restore_on_delete"]):
        failures += bool_failures("restore_on_delete", inputs["restore_on_delete"])
    if not is_unknown(inputs["restore_to"]):
        failures += enum_failures("restore_to", inputs["restore_to"], RESTORE_TO,
                                  note="previous puts back the setting the API had when this resource was created; "
                                       "none removes it (proof_of_possession null).")
    return failures


def expand(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """The whole ``proof_of_possession`` object: a PATCH replaces it."""
    pop: dict[str, Any] = {"mechanism": inputs["mechanism"], "required": bool(inputs["required"])}
    if inputs.get("required_for") is not None:
        pop["required_for"] = inputs["required_for"]
    return {"proof_of_possession": pop}


def live_pop(resource_server: Mapping[str, Any]) -> dict[str, Any] | None:
    value = resource_server.get("proof_of_possession")
    return dict(value) if isinstance(value, Mapping) else None


def flatten(resource_server: Mapping[str, Any], inputs: Mapping[str, Any]) -> dict[str, Any]:
    """The live setting in the inputs' terms: ``mechanism`` None when the API has none;
    ``required_for`` tracked only when declared (an absent one is Auth0's default)."""
    pop = live_pop(resource_server) or {}
    outs = {key: inputs.get(key) for key in INPUTS}
    outs["mechanism"] = pop.get("mechanism")
    outs["required"] = bool(pop.get("required", False)) if pop else None
    if inputs.get("required_for") is not None:
        outs["required_for"] = pop.get("required_for", DEFAULT_REQUIRED_FOR) if pop else None
    outs["identifier"] = resource_server.get("identifier")
    return outs


def already_applied(resource_server: Mapping[str, Any], inputs: Mapping[str, Any]) -> bool:
    outs = flatten(resource_server, inputs)
    return not changed_keys(outs, inputs, SETTINGS)


def previous_captured(previous: Mapping[str, Any] | None, inputs: Mapping[str, Any]) -> bool:
    """Whether the setting found at create tells what the API had before: not when it already was
    the declared one, which an interrupted earlier run may have set."""
    return not already_applied({"proof_of_possession": previous}, inputs)


def captured_output(state: Mapping[str, Any]) -> bool:
    """``previous_proof_of_possession_captured`` as recorded; state written before it existed gets
    the rule create applies, from the recorded previous value and inputs, so refresh fills it in."""
    value = state.get("previous_proof_of_possession_captured")
    if isinstance(value, bool):
        return value
    return previous_captured(state.get("previous_proof_of_possession"), state)


def restore_to_of(props: Mapping[str, Any]) -> str:
    return "none" if props.get("restore_to") == "none" else "previous"


def restore_target(props: Mapping[str, Any]) -> dict[str, Any] | None:
    """The ``proof_of_possession`` delete sends (``None``: remove the setting)."""
    return None if restore_to_of(props) == "none" else props.get("previous_proof_of_possession")


def inputs_from_outputs(outs: Mapping[str, Any]) -> dict[str, Any]:
    return {key: outs.get(key) for key in INPUTS}


def same_api(olds: Mapping[str, Any], new_ref: Any, id_: str) -> bool:
    """Whether ``new_ref`` names the API this resource already manages: by id or by identifier."""
    return new_ref in {id_, olds.get("identifier"), olds.get("resource_server_id")} - {None}


# -- provider -----------------------------------------------------------------------------------

def describe(props: Mapping[str, Any], api_id: str | None = None) -> str:
    return f"the proof-of-possession setting of API {props.get('identifier') or props.get('resource_server_id')}" + (
        f" ({api_id})" if api_id else "")


class ResourceServerProofOfPossessionProvider(Auth0Provider):
    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        inputs = normalize_inputs(news)
        failures = check_failures(inputs) + self.tenant_failures(inputs)
        return CheckResult(inputs, [CheckFailure(prop, reason) for prop, reason in failures])

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        tenant = self.tenant_diff(olds, news, describe(olds, id_))
        ref = news.get("resource_server_id")
        other_api = is_unknown(ref) or not same_api(olds, ref, id_)
        if tenant == "replace":
            # An API in another tenant is another object: take it over first, then restore this one.
            return DiffResult(changes=True, replaces=[TENANT] + (["resource_server_id"] if other_api else []),
                              delete_before_replace=False)
        if other_api:
            # Another API (or one not known yet): restore the old one before taking over the new one,
            # so that if both name the same API the new resource remembers the real earlier value.
            return DiffResult(changes=True, replaces=["resource_server_id"], delete_before_replace=True)
        keys = changed_keys(olds, news, (*SETTINGS, "restore_on_delete"))
        if olds.get("required_for") is not None and news.get("required_for") is None:
            keys.append("required_for")
        if is_unknown(news.get("restore_to")) or restore_to_of(news) != restore_to_of(olds):
            keys.append("restore_to")  # unset and "previous" are the same (and older state has neither)
        return update_diff(keys + ([TENANT] if tenant == "update" else []))

    def create(self, props: dict[str, Any]) -> CreateResult:
        inputs = normalize_inputs(props)
        tenant_client = self.client_for(inputs.get(TENANT))
        api = ClientsApi(tenant_client)
        try:
            live = api.get_resource_server(inputs["resource_server_id"])
        except ApiError as exc:
            if exc.is_not_found:
                raise exc.amended(hint=f"no API with id or identifier {inputs['resource_server_id']!r} exists in "
                                  "this tenant; create it first (it is managed outside this resource)") from None
            raise
        api_id = live["id"]
        previous = live_pop(live)
        captured = previous_captured(previous, inputs)
        if captured:
            result = self._patch(api, api_id, expand(inputs), previous)
        else:
            # As declared already: the read is all it takes, and the setting from before cannot be
            # told apart from one an interrupted earlier run set.
            result = live
            on_delete = (f'restore_to="previous" (the default) puts back {_show(previous)}; set restore_to="none" to '
                         "remove the setting on delete instead" if restore_to_of(inputs) == "previous"
                         else "restore_to=\"none\" removes the setting")
            warn(f"API {live.get('identifier')} ({api_id}): proof_of_possession is already {_show(previous)}, as "
                 "declared, so this run cannot tell what the API had before: an earlier run of this program may have "
                 "set it and been interrupted before recording anything (a killed `pulumi up`, a lost response), or "
                 f"it was set outside Pulumi. On delete, {on_delete}.")
        info(f"API {live.get('identifier')} ({api_id}): "
             f"proof_of_possession {_show(expand(inputs)['proof_of_possession'])}"
             + (f" (was {_show(previous)})" if captured else ""))
        return CreateResult(api_id, {**flatten(result, inputs), "previous_proof_of_possession": previous,
                                     "previous_proof_of_possession_captured": captured,
                                     **self.tenant_outputs(tenant_client, inputs)})

    @staticmethod
    def _patch(api: ClientsApi, api_id: str, body: Mapping[str, Any],
               previous: Mapping[str, Any] | None) -> dict[str, Any]:
        try:
            return api.update_resource_server(api_id, body)
        except ApiError as exc:
            if not may_have_applied(exc):
                raise
            # The outcome is unknown: the change may have gone through with every answer lost. Say
            # now what the API had, since a rerun will find the new value and cannot know it.
            raise exc.amended(message=(
                f"{exc.api_message}. The API's proof_of_possession was {_show(previous)} before this run; if the "
                "change went through anyway, the next run cannot tell that value apart from one set by hand, so "
                "set restore_to to declare what delete puts back")) from None

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        tenant_client = self.bound_client(props, describe(props, id_))
        try:
            live = ClientsApi(tenant_client).get_resource_server(id_)
        except ApiError as exc:
            if exc.is_not_found:
                warn(f"API {props.get('identifier')} ({id_}) no longer exists; its proof-of-possession setting is "
                     "removed from state")
                return ReadResult(None, {})
            raise
        outs = {**props, **flatten(live, props), "previous_proof_of_possession_captured": captured_output(props),
                **self.tenant_outputs(tenant_client, props)}
        return ReadResult(id_, outs, inputs_from_outputs(outs))

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        inputs = normalize_inputs(news)
        tenant_client = self.bound_client(olds, describe(olds, id_), news=inputs)
        kept = {"previous_proof_of_possession": olds.get("previous_proof_of_possession"),
                "previous_proof_of_possession_captured": captured_output(olds),
                "identifier": olds.get("identifier"), **self.tenant_outputs(tenant_client, inputs)}
        settings_changed = changed_keys(olds, inputs, SETTINGS) or (
            olds.get("required_for") is not None and inputs.get("required_for") is None)
        if not settings_changed:
            return UpdateResult({**olds, **inputs, **kept})
        result = ClientsApi(tenant_client).update_resource_server(id_, expand(inputs))
        return UpdateResult({**flatten(result, inputs), **kept})

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        tenant_client = self.bound_client(props, describe(props, id_))
        if not props.get("restore_on_delete", True):
            info(f"API {props.get('identifier')} ({id_}): proof_of_possession left as it is "
                 "(restore_on_delete is false)")
            return
        previous = restore_target(props)
        if restore_to_of(props) == "previous" and not captured_output(props):
            warn(f"API {props.get('identifier')} ({id_}): restoring proof_of_possession to {_show(previous)}, the "
                 "value found when this resource was created; what the API had before that was never known (an "
                 "interrupted run, or a change outside Pulumi). Set restore_to=\"none\" before destroying to remove "
                 "the setting instead.")
        try:
            # {"proof_of_possession": null} removes the setting: how "none before" is restored.
            ClientsApi(tenant_client).update_resource_server(id_, {"proof_of_possession": previous})
        except ApiError as exc:
            if exc.is_not_found:
                info(f"API {id_} no longer exists; nothing to restore")
                return
            raise
        info(f"API {props.get('identifier')} ({id_}): proof_of_possession restored to {_show(previous)}")


def _show(pop: Mapping[str, Any] | None) -> str:
    return "unset (null)" if pop is None else json.dumps(pop, sort_keys=True)


# -- the resource -------------------------------------------------------------------------------

@dataclass
class ResourceServerProofOfPossessionArgs:
    """Inputs of :class:`ResourceServerProofOfPossession`."""

    resource_server_id: pulumi.Input[str]
    """The API's id, or its identifier (audience). The API is created elsewhere."""
    mechanism: pulumi.Input[str]
    """``mtls`` (tokens bound to the client certificate) or ``dpop``."""
    required: pulumi.Input[bool]
    """True: tokens for this API are issued only bound. False: bound when the client proves possession."""
    required_for: Optional[pulumi.Input[str]] = None
    """``all_clients`` (Auth0's default; the only value valid with mtls) or ``public_clients``. Unset: not managed."""
    restore_on_delete: Optional[pulumi.Input[bool]] = None
    """On delete, put back the API's earlier ``proof_of_possession`` (default true; ``null`` if it had none)."""
    tenant: Optional[pulumi.Input[str]] = None
    """The stack config namespace naming the tenant (default ``auth0``); see :class:`ClientCertificateCredential`."""
    restore_to: Optional[pulumi.Input[str]] = None
    """What delete puts back: ``previous`` (default: the setting found at create) or ``none`` (no
    setting: ``proof_of_possession`` null), whatever was captured."""


class ResourceServerProofOfPossession(pulumi.dynamic.Resource, module="auth0_mtls",
                                      name="ResourceServerProofOfPossession"):
    """An API's proof-of-possession requirement. Its id is the API's id."""

    resource_server_id: pulumi.Output[str]
    mechanism: pulumi.Output[Optional[str]]
    """The API's live mechanism as of the last create, update or refresh (None: no requirement)."""
    required: pulumi.Output[Optional[bool]]
    required_for: pulumi.Output[Optional[str]]
    restore_on_delete: pulumi.Output[bool]
    identifier: pulumi.Output[str]
    """The API's identifier (the ``audience`` clients ask tokens for)."""
    restore_to: pulumi.Output[Optional[str]]
    previous_proof_of_possession: pulumi.Output[Optional[dict[str, Any]]]
    previous_proof_of_possession_captured: pulumi.Output[Optional[bool]]
    """``false`` when the API already had the declared setting at create, so
    ``previous_proof_of_possession`` is what was found then, not what the API had before this program."""
    tenant: pulumi.Output[Optional[str]]
    tenant_host: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        args: Optional[ResourceServerProofOfPossessionArgs] = None,
        opts: Optional[pulumi.ResourceOptions] = None,
        *,
        resource_server_id: Optional[pulumi.Input[str]] = None,
        mechanism: Optional[pulumi.Input[str]] = None,
        required: Optional[pulumi.Input[bool]] = None,
        required_for: Optional[pulumi.Input[str]] = None,
        restore_on_delete: Optional[pulumi.Input[bool]] = None,
        tenant: Optional[pulumi.Input[str]] = None,
        restore_to: Optional[pulumi.Input[str]] = None,
    ) -> None:
        if args is None:
            args = ResourceServerProofOfPossessionArgs(
                resource_server_id=resource_server_id, mechanism=mechanism,  # type: ignore[arg-type]
                required=required, required_for=required_for,  # type: ignore[arg-type]
                restore_on_delete=restore_on_delete, tenant=tenant, restore_to=restore_to)
        props: dict[str, Any] = {key: getattr(args, key) for key in INPUTS}
        props.update({key: None for key in OUTPUTS})
        super().__init__(ResourceServerProofOfPossessionProvider(), resource_name, props, opts)

    @property
    def resource_server_canonical_id(self) -> pulumi.Output[str]:
        """The API's id (whichever form ``resource_server_id`` took): the resource id."""
        return self.id
