"""``ClientMtlsAuthentication``: an application authenticates with its certificate.

One PATCH of ``/api/v2/clients/{client_id}`` sets ``client_authentication_methods`` to the method
with the full list of credential ids, ``token_endpoint_auth_method: null`` (Auth0 wants the two
mutually exclusive), and ``require_proof_of_possession`` when declared. The client's settings from
before are remembered and, by default, put back on delete. The engine deletes this resource before
the credentials it lists (it depends on their ids), so they are detached before they are deleted.

When the client already is as declared at create, what it had before cannot be known (an earlier
run may have attached it and been interrupted before recording anything): the run says so,
``previous_settings_captured`` is false, and ``restore_to`` lets the program declare the method
delete puts back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Optional, Sequence

import pulumi
from pulumi.dynamic import CheckFailure, CheckResult, CreateResult, DiffResult, ReadResult, UpdateResult

from .client_credential import CREDENTIAL_TYPES, METHOD_BY_TYPE, declared_credential_type
from .clients_api import ClientsApi, client_id_problem, credential_id_problem
from .errors import ApiError
from .provider_base import TENANT, Auth0Provider, changed_keys, info, may_have_applied, update_diff, warn
from .validation import bool_failures, enum_failures, is_unknown

TYPE_BY_METHOD = {method: ctype for ctype, method in METHOD_BY_TYPE.items()}
METHODS = tuple(TYPE_BY_METHOD)
# Auth0 caps a slot at 2 ids ("Array is too long (3), maximum 2"): one, or two while rotating.
MAX_CREDENTIALS = 2
# `tenant` names the stack config namespace of the tenant (unset: "auth0"); see provider_base.
INPUTS = ("client_id", "method", "credential_ids", "credential_types", "require_proof_of_possession",
          "restore_on_delete", "restore_to", TENANT)
OUTPUTS = ("app_type", "previous_settings", "previous_settings_captured", "tenant_host")
# What delete puts back: the settings found at create ("previous"; unset means the same, and state
# written before restore_to existed has none), or a secret method named here (the values Auth0
# takes for token_endpoint_auth_method on update).
RESTORE_METHODS = ("client_secret_post", "client_secret_basic", "none")
RESTORE_TO = ("previous", *RESTORE_METHODS)
# What the Terraform provider restores when a client's earlier method cannot be known.
DEFAULT_METHOD_BY_APP_TYPE = {"native": "none", "spa": "none", "regular_web": "client_secret_post",
                              "non_interactive": "client_secret_post"}
FALLBACK_METHOD = "client_secret_basic"


# -- pure mappings ------------------------------------------------------------------------------

def normalize_inputs(news: Mapping[str, Any]) -> dict[str, Any]:
    inputs = {key: news.get(key) for key in INPUTS}
    if inputs["restore_on_delete"] is None:
        inputs["restore_on_delete"] = True
    ids = inputs["credential_ids"]
    types = inputs["credential_types"]
    if isinstance(ids, (list, tuple)):
        inputs["credential_ids"] = list(ids)
        known = list(types) if isinstance(types, (list, tuple)) else []
        inputs["credential_types"] = (known + [None] * len(ids))[:len(ids)]
    else:
        inputs["credential_types"] = None
    return inputs


def check_failures(inputs: Mapping[str, Any]) -> list[tuple[str, str]]:
    failures: list[tuple[str, str]] = []
    client_id = inputs["client_id"]
    if not is_unknown(client_id):
        problem = client_id_problem(client_id)
        if problem:
            failures.append(("client_id", problem))
    method = inputs["method"]
    if not is_unknown(method) and method not in METHODS:
        failures.append(("method", f"method {method!r:.60} is not supported. Allowed values: "
                                   "self_signed_tls_client_auth (x509_cert credentials), "
                                   "tls_client_auth (cert_subject_dn credentials)"))
    ids = inputs["credential_ids"]
    if isinstance(ids, list):
        if not ids:
            failures.append(("credential_ids", "credential_ids is empty: list the id of at least one "
                                               "ClientCertificateCredential (two while rotating)"))
        elif len(ids) > MAX_CREDENTIALS:
            failures.append(("credential_ids", f"credential_ids lists {len(ids)} credentials; Auth0 allows at most "
                                               f"{MAX_CREDENTIALS} ids in an authentication method's slot (one, or "
                                               "two while rotating; the client's credential pool itself holds up "
                                               "to 4)"))
        for index, value in enumerate(ids):
            if is_unknown(value):
                continue
            problem = credential_id_problem(value, f"credential_ids[{index}]")
            if problem:
                failures.append(("credential_ids", problem))
        known = [value for value in ids if isinstance(value, str) and not is_unknown(value)]
        if len(set(known)) != len(known):
            failures.append(("credential_ids", "credential_ids lists the same credential twice"))
        failures += _type_failures(method, inputs["credential_types"] or [])
    elif ids is None:
        failures.append(("credential_ids", "credential_ids is required: the ids of the client's "
                                           "ClientCertificateCredential resources, e.g. [cred.credential_id]"))
    elif not is_unknown(ids):
        failures.append(("credential_ids",
                         f"credential_ids must be a list of credential ids, got {type(ids).__name__}"))
    for key in ("require_proof_of_possession", "restore_on_delete"):
        if not is_unknown(inputs[key]):
            failures += bool_failures(key, inputs[key])
    if not is_unknown(inputs["restore_to"]):
        failures += enum_failures("restore_to", inputs["restore_to"], RESTORE_TO,
                                  note="previous puts back what the client had when this resource was created; a "
                                       "token_endpoint_auth_method puts the client back on that method.")
    return failures


def _type_failures(method: Any, types: Sequence[Any]) -> list[tuple[str, str]]:
    """Method vs credential type, for the credentials this program declares (known at preview)."""
    if is_unknown(method) or method not in METHODS:
        return []
    wanted = TYPE_BY_METHOD[method]
    failures = []
    for index, ctype in enumerate(types):
        if ctype is None or is_unknown(ctype) or ctype not in CREDENTIAL_TYPES or ctype == wanted:
            continue
        failures.append(("credential_ids", (
            f"credential_ids[{index}] is a {ctype} credential, but method {method} authenticates with {wanted} "
            f"credentials. Use method {METHOD_BY_TYPE[ctype]} for {ctype} credentials, or credentials of "
            f"credential_type {wanted}")))
    return failures


def slot_ids(methods: Any) -> set[str]:
    out: set[str] = set()
    if isinstance(methods, Mapping):
        for slot in methods.values():
            for item in (slot or {}).get("credentials") or []:
                if isinstance(item, Mapping) and item.get("id"):
                    out.add(str(item["id"]))
    return out


def ids_only(methods: Any) -> dict[str, Any] | None:
    """``client_authentication_methods`` as a PATCH accepts it: slot entries reduced to ``{id}``
    (a POST /clients response carries whole credential objects in them)."""
    if not isinstance(methods, Mapping) or not methods:
        return None
    return {name: {**{k: v for k, v in (slot or {}).items() if k != "credentials"},
                   "credentials": [{"id": item["id"]} for item in (slot or {}).get("credentials") or []
                                   if isinstance(item, Mapping) and item.get("id")]}
            for name, slot in methods.items()}


def live_settings(client: Mapping[str, Any]) -> dict[str, Any]:
    """The method and ids a client authenticates with, and its PoP flag (absent = false)."""
    methods = client.get("client_authentication_methods")
    method, ids = None, []
    if isinstance(methods, Mapping) and methods:
        method = next(iter(methods))  # Auth0 allows exactly one key
        ids = [str(item["id"]) for item in (methods[method] or {}).get("credentials") or []
               if isinstance(item, Mapping) and item.get("id")]
    return {"method": method, "credential_ids": ids,
            "require_proof_of_possession": bool(client.get("require_proof_of_possession", False))}


def previous_settings(client: Mapping[str, Any]) -> dict[str, Any]:
    """What to put back on delete. While a client has ``client_authentication_methods`` Auth0 omits
    ``token_endpoint_auth_method`` from its responses: then the methods are what is remembered."""
    return {
        "token_endpoint_auth_method": client.get("token_endpoint_auth_method"),
        "client_authentication_methods": ids_only(client.get("client_authentication_methods")),
        "require_proof_of_possession": bool(client.get("require_proof_of_possession", False)),
    }


def expand(inputs: Mapping[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {
        "client_authentication_methods": {
            inputs["method"]: {"credentials": [{"id": cred_id} for cred_id in inputs["credential_ids"]]}},
        # Auth0 takes the two as mutually exclusive and wants the old method nulled in the same call.
        "token_endpoint_auth_method": None,
    }
    if inputs.get("require_proof_of_possession") is not None:
        body["require_proof_of_possession"] = bool(inputs["require_proof_of_possession"])
    return body


def already_applied(live: Mapping[str, Any], inputs: Mapping[str, Any]) -> bool:
    state = live_settings(live)
    if state["method"] != inputs["method"] or sorted(state["credential_ids"]) != sorted(inputs["credential_ids"]):
        return False
    wanted_pop = inputs.get("require_proof_of_possession")
    return wanted_pop is None or state["require_proof_of_possession"] == bool(wanted_pop)


def previous_captured(previous: Mapping[str, Any] | None, inputs: Mapping[str, Any]) -> bool:
    """Whether the settings found at create tell what the client had before: not when it already was
    as declared, which an interrupted earlier run may have made it."""
    previous = previous or {}
    found = {"client_authentication_methods": previous.get("client_authentication_methods"),
             "require_proof_of_possession": previous.get("require_proof_of_possession", False)}
    return not already_applied(found, inputs)


def captured_output(state: Mapping[str, Any]) -> bool:
    """``previous_settings_captured`` as recorded; state written before it existed gets the rule
    create applies, from the recorded previous settings and inputs, so refresh fills it in."""
    value = state.get("previous_settings_captured")
    if isinstance(value, bool):
        return value
    return previous_captured(state.get("previous_settings"), state)


def restore_to_of(props: Mapping[str, Any]) -> str:
    value = props.get("restore_to")
    return value if value in RESTORE_METHODS else "previous"


def default_method(app_type: Any) -> str:
    return DEFAULT_METHOD_BY_APP_TYPE.get(str(app_type), FALLBACK_METHOD)


def restore_body(previous: Mapping[str, Any] | None, app_type: Any, own_ids: Sequence[str],
                 pop_managed: bool, restore_to: str = "previous", captured: bool = True) -> tuple[dict[str, Any], str]:
    """The PATCH that puts a client back as it was, and how it was decided (for the log).

    Never both ``client_authentication_methods`` and ``token_endpoint_auth_method`` null: Auth0
    refuses that. Earlier methods that name this resource's own credentials are not restored: the
    engine deletes those credentials next, and Auth0 would refuse while they are attached.
    ``restore_to`` naming a method puts the client on it, whatever was found at create. A
    ``require_proof_of_possession`` this resource managed goes back to the value found at create
    when that value is known (``captured``), otherwise to false, Auth0's default: the value found
    was this resource's own."""
    previous = previous or {}
    methods = ids_only(previous.get("client_authentication_methods"))
    body: dict[str, Any]
    if restore_to in RESTORE_METHODS:
        body = {"client_authentication_methods": None, "token_endpoint_auth_method": restore_to}
        how = f"token_endpoint_auth_method {restore_to} (restore_to)"
    elif methods and not (slot_ids(methods) & set(own_ids)):
        body = {"client_authentication_methods": methods, "token_endpoint_auth_method": None}
        how = f"its earlier client_authentication_methods ({', '.join(methods)})"
    elif previous.get("token_endpoint_auth_method"):
        body = {"client_authentication_methods": None,
                "token_endpoint_auth_method": previous["token_endpoint_auth_method"]}
        how = f"token_endpoint_auth_method {previous['token_endpoint_auth_method']}"
    else:
        fallback = default_method(app_type)
        body = {"client_authentication_methods": None, "token_endpoint_auth_method": fallback}
        how = (f"token_endpoint_auth_method {fallback}, the default for app_type {app_type} (the method it had "
               "before could not be known)")
    if pop_managed:
        pop = bool(previous.get("require_proof_of_possession", False)) if captured else False
        body["require_proof_of_possession"] = pop
        if not captured:
            how += ", require_proof_of_possession false (the value before could not be known)"
    return body, how


def flatten(client: Mapping[str, Any], inputs: Mapping[str, Any]) -> dict[str, Any]:
    """Outputs from a client body. ``require_proof_of_possession`` is tracked only when declared.
    Auth0 drops ``token_endpoint_auth_method`` and ``client_secret`` from a client's responses
    while mTLS is attached: that is not drift, and neither is read."""
    live = live_settings(client)
    outs = {key: inputs.get(key) for key in INPUTS}
    outs["method"] = live["method"]
    outs["credential_ids"] = live["credential_ids"]
    # normalize_inputs pads credential_types to one entry per id, and state keeps them in step.
    declared_types = dict(zip(inputs.get("credential_ids") or [], inputs.get("credential_types") or [], strict=True))
    outs["credential_types"] = [declared_types.get(cred_id) for cred_id in live["credential_ids"]]
    if inputs.get("require_proof_of_possession") is not None:
        outs["require_proof_of_possession"] = live["require_proof_of_possession"]
    return outs


def inputs_from_outputs(outs: Mapping[str, Any]) -> dict[str, Any]:
    return {key: outs.get(key) for key in INPUTS}


def changed(olds: Mapping[str, Any], news: Mapping[str, Any]) -> list[str]:
    keys = changed_keys(olds, news, ("method", "restore_on_delete"))
    if is_unknown(news.get("restore_to")) or restore_to_of(news) != restore_to_of(olds):
        keys.append("restore_to")  # unset and "previous" are the same (and older state has neither)
    ids = news.get("credential_ids")
    if is_unknown(ids) or sorted(ids or []) != sorted(olds.get("credential_ids") or []):
        keys.append("credential_ids")
    pop_new, pop_old = news.get("require_proof_of_possession"), olds.get("require_proof_of_possession")
    if is_unknown(pop_new) or pop_new != pop_old:
        # Declared → undeclared counts too: the client's earlier value is put back.
        keys.append("require_proof_of_possession")
    return keys


# -- provider -----------------------------------------------------------------------------------

def describe(client_id: Any) -> str:
    return f"the mTLS authentication of client {client_id}"


class ClientMtlsAuthenticationProvider(Auth0Provider):
    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        inputs = normalize_inputs(news)
        failures = check_failures(inputs) + self.tenant_failures(inputs)
        return CheckResult(inputs, [CheckFailure(prop, reason) for prop, reason in failures])

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        tenant = self.tenant_diff(olds, news, describe(id_))
        replaces = changed_keys(olds, news, ("client_id",)) + ([TENANT] if tenant == "replace" else [])
        if replaces:
            return DiffResult(changes=True, replaces=replaces, delete_before_replace=False)
        return update_diff(changed(olds, news) + ([TENANT] if tenant == "update" else []))

    def create(self, props: dict[str, Any]) -> CreateResult:
        inputs = normalize_inputs(props)
        client_id = inputs["client_id"]
        tenant_client = self.client_for(inputs.get(TENANT))
        api = ClientsApi(tenant_client)
        try:
            live = api.get_client(client_id)
        except ApiError as exc:
            raise _with_advice(exc, inputs, {}) from None
        previous = previous_settings(live)
        captured = previous_captured(previous, inputs)
        if captured:
            result = self._patch(api, client_id, expand(inputs), inputs, live, previous)
        else:
            # As declared already: the read is all it takes, and the settings from before cannot be
            # told apart from ones an interrupted earlier run set.
            result = live
            warn(_unknown_previous_message(client_id, inputs, live.get("app_type")))
        info(f"client {client_id}: authenticates with {inputs['method']} using {', '.join(inputs['credential_ids'])}"
             + (_was(previous) if captured else ""))
        outs = {**flatten(result, inputs), "app_type": live.get("app_type"), "previous_settings": previous,
                "previous_settings_captured": captured, **self.tenant_outputs(tenant_client, inputs)}
        return CreateResult(client_id, outs)

    @staticmethod
    def _patch(api: ClientsApi, client_id: str, body: Mapping[str, Any], inputs: Mapping[str, Any],
               live: Mapping[str, Any], previous: Mapping[str, Any] | None = None) -> dict[str, Any]:
        try:
            return api.update_client(client_id, body)
        except ApiError as exc:
            advised = _with_advice(exc, inputs, live)
            if previous is None or not may_have_applied(exc):
                raise advised from None
            # The outcome is unknown: the change may have gone through with every answer lost. Say
            # now what the client had, since a rerun will find it as declared and cannot know it.
            raise advised.amended(message=(
                f"{advised.api_message}. Client {client_id} had {describe_settings(previous)} before this run; if "
                "the change went through anyway, the next run cannot tell those settings apart from ones set by "
                "hand, so set restore_to to the method delete should put back")) from None

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        tenant_client = self.bound_client(props, describe(id_))
        try:
            live = ClientsApi(tenant_client).get_client(id_)
        except ApiError as exc:
            if exc.is_not_found:
                warn(f"client {id_} no longer exists; its mTLS authentication is removed from state")
                return ReadResult(None, {})
            raise
        outs = {**props, **flatten(live, props), "previous_settings_captured": captured_output(props),
                **self.tenant_outputs(tenant_client, props)}
        return ReadResult(id_, outs, inputs_from_outputs(outs))

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        inputs = normalize_inputs(news)
        tenant_client = self.bound_client(olds, describe(id_), news=inputs)
        kept = {"app_type": olds.get("app_type"), "previous_settings": olds.get("previous_settings"),
                "previous_settings_captured": captured_output(olds), **self.tenant_outputs(tenant_client, inputs)}
        if not [key for key in changed(olds, inputs) if key not in ("restore_on_delete", "restore_to")]:
            # only what delete does, or the namespace's name: nothing to tell Auth0
            return UpdateResult({**olds, **inputs, **kept})
        body = expand(inputs)
        if inputs["require_proof_of_possession"] is None and olds.get("require_proof_of_possession") is not None:
            # No longer managed: put back the value from before (false when it was never known).
            body["require_proof_of_possession"] = kept["previous_settings_captured"] and bool(
                (olds.get("previous_settings") or {}).get("require_proof_of_possession", False))
        result = self._patch(ClientsApi(tenant_client), id_, body, inputs, {})
        return UpdateResult({**flatten(result, inputs), **kept})

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        tenant_client = self.bound_client(props, describe(id_))
        if not props.get("restore_on_delete", True):
            info(f"client {id_}: left authenticating with {props.get('method')} (restore_on_delete is false); its "
                 "credentials cannot be deleted while attached")
            return
        api = ClientsApi(tenant_client)
        own_ids = list(props.get("credential_ids") or [])
        pop_managed = props.get("require_proof_of_possession") is not None
        restore_to, captured = restore_to_of(props), captured_output(props)
        body, how = restore_body(props.get("previous_settings"), props.get("app_type"), own_ids, pop_managed,
                                 restore_to, captured)
        if restore_to == "previous" and not captured:
            warn(f"client {id_}: restoring {how}; what the client had before this resource was never known (an "
                 "interrupted run, or a change outside Pulumi). Set restore_to to client_secret_post, "
                 "client_secret_basic or none before destroying to choose the method.")
        try:
            api.update_client(id_, body)
        except ApiError as exc:
            if exc.is_not_found:
                info(f"client {id_} no longer exists; nothing to restore")
                return
            if exc.status != 400 or body.get("client_authentication_methods") is None:
                raise
            # The earlier methods name credentials that are gone: fall back to a plain method.
            body, how = restore_body({**(props.get("previous_settings") or {}), "client_authentication_methods": None},
                                     props.get("app_type"), own_ids, pop_managed, restore_to, captured)
            warn(f"client {id_}: its earlier client_authentication_methods could not be restored "
                 f"({exc.api_message}); restoring {how} instead")
            api.update_client(id_, body)
        info(f"client {id_}: mTLS authentication removed; restored {how}")


def describe_settings(previous: Mapping[str, Any]) -> str:
    """The settings found at create, in the words a PATCH would use to put them back."""
    methods = previous.get("client_authentication_methods")
    how = (f"client_authentication_methods {', '.join(methods)}" if methods else
           f"token_endpoint_auth_method {previous.get('token_endpoint_auth_method') or '(none recorded)'}")
    return f"{how}, require_proof_of_possession {str(bool(previous.get('require_proof_of_possession'))).lower()}"


def _unknown_previous_message(client_id: str, inputs: Mapping[str, Any], app_type: Any) -> str:
    pop = inputs.get("require_proof_of_possession") is not None
    body, how = restore_body(None, app_type, inputs["credential_ids"], pop, restore_to_of(inputs), captured=False)
    found = f"{inputs['method']} with {', '.join(inputs['credential_ids'])}" + (
        f" and require_proof_of_possession {str(bool(inputs['require_proof_of_possession'])).lower()}" if pop else "")
    if restore_to_of(inputs) == "previous":
        choice = ("set restore_to to client_secret_post, client_secret_basic or none to declare the method delete "
                  "puts back instead")
        on_delete = f'On delete, restore_to="previous" (the default) puts back {how}; {choice}.'
    else:
        on_delete = f"On delete, restore_to puts back {how}."
    return (f"client {client_id} already authenticates with {found}, as declared, so this run cannot tell what the "
            "client had before: an earlier run of this program may have set it and been interrupted before recording "
            "anything (a killed `pulumi up`, a lost response), or it was set outside Pulumi. " + on_delete)


def _was(previous: Mapping[str, Any]) -> str:
    if previous.get("client_authentication_methods"):
        return f" (was {', '.join(previous['client_authentication_methods'])})"
    if previous.get("token_endpoint_auth_method"):
        return f" (was {previous['token_endpoint_auth_method']})"
    return ""


def _with_advice(exc: ApiError, inputs: Mapping[str, Any], live: Mapping[str, Any]) -> ApiError:
    hints = []
    if exc.status == 404 and exc.method == "GET":
        hints.append(f"no application with client_id {inputs.get('client_id')} exists in this tenant; create it "
                     "first (it is managed outside this resource)")
    if exc.status == 400:
        unchecked = [cred_id for cred_id, ctype in zip(inputs.get("credential_ids") or [],
                                                       inputs.get("credential_types") or [], strict=True)
                     if ctype is None]
        if unchecked:
            needed = TYPE_BY_METHOD.get(str(inputs.get("method")), "?")
            hints.append(f"the preview could not check the type of {', '.join(unchecked)} (an id created outside this "
                         "program, or not passed as a ClientCertificateCredential's credential_id Output "
                         f"itself): method {inputs.get('method')} needs existing {needed} credentials of this client")
        alg = (live.get("jwt_configuration") or {}).get("alg")
        if alg and alg != "RS256":
            hints.append(f"the client signs with {alg}; Auth0 documents jwt_configuration.alg RS256 as required for "
                         "client_authentication_methods")
    if not hints:
        return exc
    return exc.amended(hint="; ".join(hints if not exc.hint else [exc.hint, *hints]))


# -- the resource -------------------------------------------------------------------------------

def credential_types_for(credential_ids: Any) -> Any:
    """The declared credential type of each listed id (None for ids from outside this program)."""
    if not isinstance(credential_ids, (list, tuple)):
        return None
    return [declared_credential_type(value) for value in credential_ids]


@dataclass
class ClientMtlsAuthenticationArgs:
    """Inputs of :class:`ClientMtlsAuthentication`."""

    client_id: pulumi.Input[str]
    """The application's client id. Changing it replaces this resource."""
    method: pulumi.Input[str]
    """``self_signed_tls_client_auth`` (``x509_cert`` credentials) or ``tls_client_auth`` (``cert_subject_dn``)."""
    credential_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    """One credential id, or two while rotating: ``[cred.credential_id]``."""
    require_proof_of_possession: Optional[pulumi.Input[bool]] = None
    """True: the client's access tokens are bound to its certificate. Unset: not managed."""
    restore_on_delete: Optional[pulumi.Input[bool]] = None
    """On delete, put back the client's earlier authentication (default true)."""
    tenant: Optional[pulumi.Input[str]] = None
    """The stack config namespace naming the tenant (default ``auth0``); see :class:`ClientCertificateCredential`."""
    restore_to: Optional[pulumi.Input[str]] = None
    """What delete puts back: ``previous`` (default: the settings found at create) or a
    ``token_endpoint_auth_method`` (``client_secret_post``, ``client_secret_basic``, ``none``),
    whatever was captured. Set it when ``previous_settings_captured`` is false."""


class ClientMtlsAuthentication(pulumi.dynamic.Resource, module="auth0_mtls", name="ClientMtlsAuthentication"):
    """An application's mTLS client authentication. One per client; its id is the client id."""

    client_id: pulumi.Output[str]
    method: pulumi.Output[Optional[str]]
    """The method the client uses, as of the last create, update or refresh."""
    credential_ids: pulumi.Output[list[str]]
    credential_types: pulumi.Output[Optional[list[Optional[str]]]]
    """Filled in by the program from the credentials it declares, so a preview can check them."""
    require_proof_of_possession: pulumi.Output[Optional[bool]]
    restore_on_delete: pulumi.Output[bool]
    app_type: pulumi.Output[Optional[str]]
    restore_to: pulumi.Output[Optional[str]]
    previous_settings: pulumi.Output[dict[str, Any]]
    """``token_endpoint_auth_method``, ``client_authentication_methods`` and
    ``require_proof_of_possession`` from before this resource; restored on delete."""
    previous_settings_captured: pulumi.Output[Optional[bool]]
    """``false`` when the client already was as declared at create, so ``previous_settings`` is what
    was found then (this resource's own method), not what the client had before this program."""
    tenant: pulumi.Output[Optional[str]]
    tenant_host: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        args: Optional[ClientMtlsAuthenticationArgs] = None,
        opts: Optional[pulumi.ResourceOptions] = None,
        *,
        client_id: Optional[pulumi.Input[str]] = None,
        method: Optional[pulumi.Input[str]] = None,
        credential_ids: Optional[pulumi.Input[Sequence[pulumi.Input[str]]]] = None,
        require_proof_of_possession: Optional[pulumi.Input[bool]] = None,
        restore_on_delete: Optional[pulumi.Input[bool]] = None,
        tenant: Optional[pulumi.Input[str]] = None,
        restore_to: Optional[pulumi.Input[str]] = None,
    ) -> None:
        if args is None:
            args = ClientMtlsAuthenticationArgs(client_id=client_id, method=method,  # type: ignore[arg-type]
                                                credential_ids=credential_ids,  # type: ignore[arg-type]
                                                require_proof_of_possession=require_proof_of_possession,
                                                restore_on_delete=restore_on_delete, tenant=tenant,
                                                restore_to=restore_to)
        props: dict[str, Any] = {key: getattr(args, key) for key in INPUTS if key != "credential_types"}
        if isinstance(props["credential_ids"], tuple):
            props["credential_ids"] = list(props["credential_ids"])
        props["credential_types"] = credential_types_for(args.credential_ids)
        props.update({key: None for key in OUTPUTS})
        super().__init__(ClientMtlsAuthenticationProvider(), resource_name, props, opts)
