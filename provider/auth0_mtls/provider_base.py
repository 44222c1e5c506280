"""What the dynamic providers share: credentials read at run time, one client per tenant, the
binding of each resource to the tenant it lives in, progress messages, and the diff convention.

The provider classes live in this installed package, so dill pickles them *by reference*: the
``__provider`` string in state stays a few hundred bytes, holds no code and no credentials, and a new
package version runs the new code without showing a diff.

Tenants. Every resource takes an optional ``tenant`` input naming a stack config namespace
(``auth0`` when unset) and records the host it was created in as its ``tenant_host`` output. Before
any call, ``read``/``update``/``delete`` compare that host with where the namespace points now and
refuse on a mismatch (the config was repointed: acting would touch the wrong tenant). ``diff`` makes
the same comparison without a call during a preview, and turns a change of the ``tenant`` input to a
namespace on another host into a replacement. A resource opts in with a few lines
(``CustomDomainProvider`` is the worked example):

- inputs gain ``tenant`` (``None`` when unset), outputs ``tenant_host``;
- ``check``: ``failures += self.tenant_failures(inputs)``;
- ``diff``: ``self.tenant_diff(olds, news, what)`` → ``"replace"`` (add ``"tenant"`` to ``replaces``),
  ``"update"`` (add it to the changed keys) or ``None``;
- ``create``: ``client = self.client_for(inputs.get("tenant"))``, outputs ``+= self.tenant_outputs(client, inputs)``;
- ``read``/``delete``: ``client = self.bound_client(props, what)``; ``update``:
  ``self.bound_client(olds, what, news=inputs)``; ``read`` and ``update`` add ``tenant_outputs`` too.
"""

from __future__ import annotations

import functools
import sys
import threading
from types import FunctionType
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Mapping

from pulumi.dynamic import ConfigureRequest, DiffResult, ResourceProvider

from . import credentials, watchdog
from .credentials import DEFAULT_NAMESPACE, NAMESPACE, Credentials, same_host
from .errors import ApiError, Auth0MtlsError, CaBundleError, ConfigurationError, TenantMismatch
from .validation import Failure, _show, is_unknown

if TYPE_CHECKING:
    from .client import ManagementClient

TENANT = "tenant"  # the input: a stack config namespace; unset means DEFAULT_NAMESPACE
TENANT_HOST = "tenant_host"  # the output: the tenant's host (and port) the resource lives in
_print_lock = threading.Lock()


def info(message: str) -> None:
    """A progress line; the engine shows the provider's stderr as diagnostics of the run."""
    with _print_lock:
        print(f"auth0-mtls: {message}", file=sys.stderr, flush=True)


def warn(message: str) -> None:
    with _print_lock:
        print(f"auth0-mtls warning: {message}", file=sys.stderr, flush=True)


def may_have_applied(exc: ApiError) -> bool:
    """Whether a failed write may have gone through anyway: no answer arrived, or a server error
    (a 4xx is Auth0 refusing the request, so nothing changed)."""
    return exc.status is None or exc.status >= 500


def changed_keys(olds: Mapping[str, Any], news: Mapping[str, Any], keys: tuple[str, ...]) -> list[str]:
    """Keys whose new value is unknown or differs from the old one; ``None`` in ``news`` means
    "not managed" and never counts as a change."""
    out = []
    for key in keys:
        new = news.get(key)
        if new is None:
            continue
        if is_unknown(new) or new != olds.get(key):
            out.append(key)
    return out


def update_diff(changed: list[str]) -> DiffResult:
    """The result for a change that updates in place.

    Python dynamic providers cannot return changed keys. Answering DIFF_UNKNOWN for a real update
    lets the engine compute them from old and new inputs, so `pulumi preview --diff`/`--json` name
    the properties; the decision (update vs none vs replace) stays ours.
    """
    if not changed:
        return DiffResult(changes=False)
    return DiffResult(changes=None)


def namespace_failures(value: Any) -> list[Failure]:
    """The ``tenant`` input's own shape (whether the namespace is configured is checked apart)."""
    if value is None or is_unknown(value):
        return []
    if not isinstance(value, str) or not NAMESPACE.fullmatch(value):
        return [(TENANT, f"tenant must name a stack config namespace, such as 'auth0' (the default) or 'auth0-eu' "
                         f"(letters, digits, '_', '.', '-'; no ':'), got {_show(value)}")]
    return []


def mismatch_message(what: str, namespace: str, recorded: str, configured: str) -> str:
    """Why a resource bound to one tenant refuses to act when its namespace points at another."""
    return (f"{what} lives in the Auth0 tenant {recorded}, but stack config {namespace}:domain now points at "
            f"{configured}. Refusing to act on the wrong tenant: nothing was changed on {recorded} or {configured}. "
            f"If the change is a mistake, set {namespace}:domain back to {recorded}. To move the resource to "
            f"{configured} on purpose, keep {namespace}:domain at {recorded}, configure {configured} under another "
            f"namespace (`pulumi config set <name>:domain {configured}` and its clientId/clientSecret or apiToken) "
            f"and set the resource's `tenant` input to <name>: the preview then shows a replacement. To forget the "
            f"resource without touching either tenant: `pulumi state delete <urn>`.")


def recorded_config_note(exc: ConfigurationError, news: Mapping[str, Any] | None) -> str:
    """For a CA bundle named in stack config and found unusable by ``read`` or ``delete``
    (``news`` is None): a plain `pulumi refresh` or `pulumi destroy` configures the provider from
    the config recorded by the last update, so fixing the key alone changes nothing there. An
    update runs the program and has the current config; a variable applies at once."""
    if news is not None or not isinstance(exc, CaBundleError) or not exc.from_stack_config:
        return ""
    return (f". If {exc.source} is already fixed in stack config: plain `pulumi refresh` and `pulumi destroy` "
            "use the stack config recorded by the last update; run `pulumi refresh --run-program` or "
            "`pulumi destroy --run-program` to use the current one (or `pulumi up` first)")


HOOKS = ("check", "diff", "create", "read", "update", "delete")


def short_traceback(hook: Callable[..., Any]) -> Callable[..., Any]:
    """A hook whose own errors reach the engine with their traceback cut at the hook.

    The SDK's wrapper prints ``traceback.format_exc()`` for any exception a hook raises. An
    ``Auth0MtlsError``'s message says what failed and what to do (a network cause is put into it
    in words), so the frames inside the package, and any exception chained to it, only push the
    message down the terminal: the output keeps the SDK's two frames and this one. Any other
    exception is a bug, and keeps its whole traceback for the report."""

    @functools.wraps(hook)
    def provider_hook(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return hook(self, *args, **kwargs)
        except Auth0MtlsError as error:
            raise error.with_traceback(None) from None

    return provider_hook


class ShortTracebacks:
    """Mixed into a provider class, wraps each hook a subclass defines with ``short_traceback``.
    The class keeps its module and name, so a pickled provider still names it by reference."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name in HOOKS:
            hook = cls.__dict__.get(name)
            if isinstance(hook, FunctionType):
                setattr(cls, name, short_traceback(hook))


class Auth0Provider(ShortTracebacks, ResourceProvider):
    """Base of the dynamic providers. Instances carry no state until ``configure`` runs in the
    provider process, so nothing secret is ever pickled."""

    # Nothing secret is captured in the pickle, so the blob need not be encrypted in state.
    serialize_as_secret_always = False
    # The output that records the `tenant` input. TenantMtlsSettings keeps the namespace elsewhere:
    # its `tenant` output has been the tenant's host since 0.1, and outputs are never re-meant.
    namespace_output: ClassVar[str] = TENANT

    def configure(self, req: ConfigureRequest) -> None:
        # Runs in the provider process only, after unpickling: the whole stack config (every
        # namespace, secrets decrypted) stays in memory and is never serialized.
        self._config = req.config
        # Only now is this known to be a provider process the engine started: from here on, if the
        # engine vanishes, the process ends instead of idling until killed.
        watchdog.watch_engine()

    # -- credentials and clients ----------------------------------------------------------------

    def credentials(self, namespace: str | None = None) -> Credentials:
        """The credentials of the tenant a namespace names; no network. Raises ConfigurationError."""
        return credentials.resolve(getattr(self, "_config", None), namespace=namespace or DEFAULT_NAMESPACE)

    def client_for(self, namespace: str | None = None) -> "ManagementClient":
        # Imported here: the program process and a preview (check/diff only) never need HTTP, and
        # loading requests costs every `pulumi preview` ~70 ms per process.
        from .client import shared_client

        return shared_client(self.credentials(namespace))

    # -- the tenant binding ---------------------------------------------------------------------

    def namespace_in(self, outs: Mapping[str, Any]) -> str:
        """The namespace a resource's state was written under."""
        return outs.get(self.namespace_output) or DEFAULT_NAMESPACE

    def host_in(self, outs: Mapping[str, Any]) -> str | None:
        """The host recorded in state; ``None`` for state written before resources were bound to a
        tenant (0.1), which is then taken to live where its namespace points now, and recorded so
        by the next refresh or update."""
        return outs.get(TENANT_HOST)

    def tenant_failures(self, inputs: Mapping[str, Any]) -> list[Failure]:
        """For ``check``: the ``tenant`` input names a namespace whose config is complete and valid,
        so a preview fails early, naming the config key, without any call.

        A config problem is attached to ``tenant`` only when the program set it: the engine prints
        the named property's value (``property tenant value {<nil>} has a problem``), which points
        at an input nobody wrote when the default namespace is the one missing a key. The message
        itself names the config key either way."""
        value = inputs.get(TENANT)
        failures = namespace_failures(value)
        if failures or is_unknown(value):
            return failures
        try:
            self.credentials(value)
        except ConfigurationError as exc:
            return [(TENANT if value is not None else "", str(exc))]
        return []

    def tenant_outputs(self, client: "ManagementClient", inputs: Mapping[str, Any]) -> dict[str, Any]:
        """The outputs that bind a resource to its tenant: the namespace it was declared with and
        the host its client talks to."""
        return {self.namespace_output: inputs.get(TENANT), TENANT_HOST: client.credentials.tenant}

    def tenant_diff(self, olds: Mapping[str, Any], news: Mapping[str, Any], what: str) -> str | None:
        """For ``diff`` (no call): ``"replace"`` when the ``tenant`` input now names a namespace on
        another host (a deliberate move), ``"update"`` when it names another namespace on the same
        host, ``None`` when nothing changed. Raises TenantMismatch when the same namespace now points
        at another host."""
        value = news.get(TENANT)
        if is_unknown(value):
            return "replace"
        old_ns, new_ns = self.namespace_in(olds), value or DEFAULT_NAMESPACE
        recorded = self.host_in(olds)
        if recorded is None:
            if new_ns == old_ns:
                return None
            try:
                recorded = self.credentials(old_ns).tenant
            except ConfigurationError:
                return "replace"
        configured = self.credentials(new_ns).tenant
        if same_host(recorded, configured):
            return None if new_ns == old_ns else "update"
        if new_ns == old_ns:
            raise TenantMismatch(mismatch_message(what, old_ns, recorded, configured))
        return "replace"

    def bound_client(self, outs: Mapping[str, Any], what: str,
                     news: Mapping[str, Any] | None = None) -> "ManagementClient":
        """For ``read``/``update``/``delete``: the client of the tenant the resource lives in, from
        the namespace in state (or in ``news`` for an update), refusing before any call when that
        namespace now points at another host."""
        from .client import shared_client

        namespace = (news.get(TENANT) or DEFAULT_NAMESPACE) if news is not None else self.namespace_in(outs)
        recorded = self.host_in(outs)
        try:
            creds = self.credentials(namespace)
        except ConfigurationError as exc:
            where = f" in the Auth0 tenant {recorded}" if recorded else ""
            raise ConfigurationError(f"{what} lives{where} under stack config namespace {namespace!r}, "
                                     f"which cannot be used: {exc}{recorded_config_note(exc, news)}") from None
        if recorded is not None and not same_host(recorded, creds.tenant):
            raise TenantMismatch(mismatch_message(what, namespace, recorded, creds.tenant))
        try:
            return shared_client(creds)  # loads the CA bundle
        except CaBundleError as exc:
            note = recorded_config_note(exc, news)
            if not note:
                raise
            raise CaBundleError(f"{exc}{note}", exc.source) from None
