"""``MtlsDiscoveryCheck``: waits until a custom domain's discovery document, as served through its
edge, advertises the mTLS token endpoint.

This is not a Management API call. It is an HTTPS GET of ``https://<domain>/.well-known/openid-
configuration``, the document mTLS clients read to find ``mtls_endpoint_aliases.token_endpoint``:
so it passes only once DNS (or ``connect_to``), the edge's certificate, its ``cname-api-key`` and
the tenant's endpoint aliases all work together. It needs no Auth0 credentials, makes no call in a
preview, and a refresh reads the document again: if the alias is gone, the next preview shows the
check as an update, and the next ``pulumi up`` waits for it again (and fails, saying what is
missing, if it does not come back).

Layout: the input schema and pure functions first (unit-tested on their own), then the HTTPS
fetch, the provider hooks, and the ``Resource`` users write in their programs.
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import os
import re
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from typing import Any, Hashable, Mapping, Optional

import pulumi
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)

from . import watchdog
from .certificates import private_key_label
from .credentials import PEM_CERTIFICATE
from .errors import Auth0MtlsError
from .provider_base import ShortTracebacks, info, update_diff, warn
from .retry import RetryBudgetExhausted, check_engine, deadline, pause
from .validation import (
    DOMAIN_MAX,
    Failure,
    _show,
    ascii_lower,
    bool_failures,
    domain_failures,
    host_name_problem,
    is_host_name,
    is_unknown,
    normalize_host,
    positive_number_failures,
)

DISCOVERY_PATH = "/.well-known/openid-configuration"
DEFAULT_TIMEOUT_SECONDS = 300
MAX_TIMEOUT_SECONDS = 6 * 3600
# One request never waits longer than this, so a silent edge cannot use up the whole timeout at once.
ATTEMPT_TIMEOUT_SECONDS = 10
# ... and never shorter than this, so the last attempt, made at the timeout, gets an answer.
MIN_ATTEMPT_TIMEOUT_SECONDS = 1.0
# Seconds between attempts: 1, 2, 4, 8, then every 10.
FIRST_DELAY_SECONDS = 1.0
MAX_DELAY_SECONDS = 10.0
MAX_DOCUMENT_BYTES = 1024 * 1024
# A failure about `ca_bundle` names no property: the engine prints the value of a named property,
# and a bundle made with `cat ca.pem ca.key` holds a private key. The message itself names ca_bundle.
CA_BUNDLE_FAILURE_PROPERTY = ""
REDACTED_CA_BUNDLE = "[not kept: ca_bundle held a private key]"

INPUTS = ("domain", "connect_to", "ca_bundle", "timeout_seconds", "require_bound_tokens")
OUTPUTS = ("issuer", "token_endpoint", "mtls_token_endpoint", "tls_client_certificate_bound_access_tokens")
# Inputs whose change means the document must be checked again (a new domain replaces the check).
RECHECK = ("connect_to", "ca_bundle", "require_bound_tokens")

# Contexts kept per process (see tls_context); a handful of bundles at most in a real program.
MAX_CACHED_CONTEXTS = 16
_contexts: dict[Hashable, ssl.SSLContext] = {}
_contexts_lock = threading.Lock()
_CONNECT_TO = re.compile(r"(?:\[(?P<v6>[^\]]+)\]|(?P<host>[^:\[\]]+)):(?P<port>[0-9]{1,5})")


class DiscoveryCheckFailed(Auth0MtlsError):
    """The discovery document did not advertise the mTLS token endpoint in time; the message says
    what was missing and where it looked."""


# -- pure functions -----------------------------------------------------------------------------

def normalize_inputs(news: Mapping[str, Any]) -> dict[str, Any]:
    inputs = {key: news.get(key) for key in INPUTS}
    domain = inputs["domain"]
    if isinstance(domain, str) and not is_unknown(domain):
        inputs["domain"] = normalize_host(domain)
    for key in ("connect_to", "ca_bundle"):
        if inputs[key] == "":
            inputs[key] = None
    connect_to = inputs["connect_to"]
    if isinstance(connect_to, str) and not is_unknown(connect_to):
        # Like the domain, but keeping a dot, which would be followed by a port here.
        inputs["connect_to"] = ascii_lower(connect_to.strip())
    if inputs["timeout_seconds"] is None:
        inputs["timeout_seconds"] = DEFAULT_TIMEOUT_SECONDS
    if inputs["require_bound_tokens"] is None:
        inputs["require_bound_tokens"] = False
    return inputs


def parse_connect_to(value: str) -> tuple[str, int] | None:
    """``(host, port)`` of ``host:port``, ``[v6]:port``; ``None`` if it is not one."""
    match = _CONNECT_TO.fullmatch(value)
    if match is None:
        return None
    port = int(match.group("port"))
    if not 1 <= port <= 65535:
        return None
    if match.group("v6") is not None:
        try:
            address = ipaddress.IPv6Address(match.group("v6"))
        except ValueError:
            return None
        # A zone id (fe80::1%eth0) is any text; it names an interface of one machine anyway.
        return None if address.scope_id else (str(address), port)
    host = ascii_lower(match.group("host"))
    try:
        return str(ipaddress.IPv4Address(host)), port
    except ValueError:
        pass
    # The host as written, root dot included, is held to 253 characters (as it always was here).
    if len(host) > DOMAIN_MAX or not is_host_name(host.rstrip(".")):
        return None
    return host.rstrip("."), port


def connect_to_failures(value: Any) -> list[Failure]:
    if value is None:
        return []
    parsed = parse_connect_to(value) if isinstance(value, str) else None
    if parsed is None:
        reason = ("connect_to must be the edge's address as host:port, like curl's --connect-to target (e.g. "
                  f"203.0.113.10:443, edge.example.net:8443, [2001:db8::1]:443); got {_show(value)}")
        if isinstance(value, str) and not value.isascii():
            # The words CustomDomain uses for such a domain, with the host's punycode form.
            host = value.rpartition(":")[0].strip("[]")
            reason += f"; its host is not a valid host name: {host_name_problem(host)}"
        return [("connect_to", reason)]
    return []


def _load_error(exc: Exception) -> str:
    """Why OpenSSL refused a bundle, without the bundle: its messages name no value, but a filename
    or the text must not ride along in an exception's string form."""
    if isinstance(exc, OSError) and exc.strerror:
        return str(exc.strerror)
    return type(exc).__name__


def ca_bundle_failures(value: Any) -> list[Failure]:
    """``ca_bundle`` is PEM text holding CA certificates, or the path of such a file; both must load.

    The failures name no property and never quote the value (see ``CA_BUNDLE_FAILURE_PROPERTY``).
    A private key anywhere in the text is refused, the way ``ClientCertificateCredential.pem`` and
    ``auth0:caBundle`` refuse one: OpenSSL would skip it and pass the check, and the text would then
    be kept in the state as an input."""
    prop = CA_BUNDLE_FAILURE_PROPERTY
    if value is None:
        return []
    if not isinstance(value, str):
        return [(prop, f"ca_bundle must be PEM text or the path of a PEM file, got {type(value).__name__}")]
    label = private_key_label(value)
    if label:
        return [(prop, f"ca_bundle contains a private key ({label}). Pass only the CA certificate(s) that sign the "
                       f"edge's certificate ({PEM_CERTIFICATE}); a private key must never be kept in Pulumi state. "
                       "The value is not shown here.")]
    try:
        tls_context(value)
    except FileNotFoundError:
        return [(prop, f"ca_bundle is neither PEM text (it has no '{PEM_CERTIFICATE}' line) nor the path of an "
                       "existing file (a relative path is read from the program's directory). The value is not "
                       "shown here.")]
    except (OSError, ssl.SSLError, ValueError) as exc:
        what = "PEM text" if PEM_CERTIFICATE in value else "file it names"
        return [(prop, f"ca_bundle: the {what} does not hold usable CA certificates ({_load_error(exc)})")]
    return []


def check_failures(inputs: Mapping[str, Any]) -> list[Failure]:
    failures: list[Failure] = []
    if not is_unknown(inputs.get("domain")):
        failures += domain_failures(inputs.get("domain"))
    if not is_unknown(inputs.get("connect_to")):
        failures += connect_to_failures(inputs.get("connect_to"))
    if not is_unknown(inputs.get("ca_bundle")):
        failures += ca_bundle_failures(inputs.get("ca_bundle"))
    if not is_unknown(inputs.get("timeout_seconds")):
        failures += positive_number_failures("timeout_seconds", inputs.get("timeout_seconds"),
                                             maximum=MAX_TIMEOUT_SECONDS)
    if not is_unknown(inputs.get("require_bound_tokens")):
        failures += bool_failures("require_bound_tokens", inputs.get("require_bound_tokens"))
    return failures


def discovery_url(domain: str) -> str:
    return f"https://{domain}{DISCOVERY_PATH}"


def expected_mtls_token_endpoint(domain: str) -> str:
    return f"https://mtls.{domain}/oauth/token"


def problems(document: Mapping[str, Any], domain: str, require_bound_tokens: bool) -> list[str]:
    """What keeps ``document`` from advertising the mTLS token endpoint of ``domain``; empty if nothing."""
    found: list[str] = []
    issuer = document.get("issuer")
    expected_issuer = f"https://{domain}/"
    if issuer != expected_issuer:
        found.append(f"issuer is {_show(issuer)}, expected {expected_issuer!r} (this is not the custom domain's "
                     "document: is the edge forwarding to the right Auth0 origin?)")
    aliases = document.get("mtls_endpoint_aliases")
    alias = aliases.get("token_endpoint") if isinstance(aliases, Mapping) else None
    expected = expected_mtls_token_endpoint(domain)
    if alias is None:
        found.append(f"mtls_endpoint_aliases.token_endpoint is missing (expected {expected}): the tenant's mTLS "
                     "endpoint aliases are off")
    elif alias != expected:
        found.append(f"mtls_endpoint_aliases.token_endpoint is {_show(alias)}, expected {expected!r}")
    if require_bound_tokens and document.get("tls_client_certificate_bound_access_tokens") is not True:
        found.append("tls_client_certificate_bound_access_tokens is not true")
    return found


def flatten(document: Mapping[str, Any] | None) -> dict[str, Any]:
    """Outputs from a document (``None``: none could be read)."""
    document = document or {}
    aliases = document.get("mtls_endpoint_aliases")
    return {
        "issuer": _string(document.get("issuer")),
        "token_endpoint": _string(document.get("token_endpoint")),
        "mtls_token_endpoint": _string(aliases.get("token_endpoint")) if isinstance(aliases, Mapping) else None,
        "tls_client_certificate_bound_access_tokens": document.get("tls_client_certificate_bound_access_tokens")
        is True,
    }


def _string(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def satisfied(outs: Mapping[str, Any], inputs: Mapping[str, Any]) -> bool:
    """Whether recorded outputs (as of the last create, update or refresh) still pass the check."""
    domain = inputs.get("domain")
    if not isinstance(domain, str) or is_unknown(domain):
        return True  # unknown until apply: nothing to compare yet
    if outs.get("issuer") != f"https://{domain}/":
        return False
    if outs.get("mtls_token_endpoint") != expected_mtls_token_endpoint(domain):
        return False
    return not (inputs.get("require_bound_tokens") is True
                and outs.get("tls_client_certificate_bound_access_tokens") is not True)


def describe_target(inputs: Mapping[str, Any]) -> str:
    text = discovery_url(inputs["domain"])
    return f"{text} (connecting to {inputs['connect_to']})" if inputs.get("connect_to") else text


def advice(issues: list[str], inputs: Mapping[str, Any]) -> str:
    text = " ".join(issues)
    hints = []
    if "endpoint aliases are off" in text:
        hints.append("turn on the tenant's mTLS endpoint aliases (TenantMtlsSettings enable_endpoint_aliases=True)")
    if "not trusted" in text:
        hints.append("pass ca_bundle if the edge's certificate comes from a private CA")
    if "does not name" in text:
        hints.append(f"give the edge a certificate for {inputs['domain']} and mtls.{inputs['domain']}")
    if "could not connect" in text or "no answer" in text:
        hints.append(f"check that the edge listens at {inputs['connect_to']}" if inputs.get("connect_to")
                     else f"check that DNS for {inputs['domain']} points at the edge (or pass connect_to)")
    if any(sign in text for sign in ("answered HTTP", "the answer is", "issuer is", "the document is larger")):
        hints.append("check that the edge forwards /.well-known/ to the domain's Auth0 origin with its "
                     "cname-api-key")
    return ("; ".join(hints) + ".") if hints else ""


def timeout_message(inputs: Mapping[str, Any], issues: list[str], waited: float, attempts: int) -> str:
    text = (f"{describe_target(inputs)} does not advertise the mTLS token endpoint after {waited:.0f}s and "
            f"{attempts} attempt(s): {'; '.join(issues)}.")
    hint = advice(issues, inputs)
    return f"{text} To fix: {hint}" if hint else text


# -- the HTTPS request --------------------------------------------------------------------------

def tls_context(ca_bundle: str | None) -> ssl.SSLContext:
    """The system's trust store, or only ``ca_bundle`` (PEM text or a file) when given.

    One context per bundle per process: building one costs some 16 ms (the system store), and
    ``check``, every attempt of the wait and every refresh read would otherwise each build their own.
    A file is keyed by its path, change time and size, so an edited file is read again."""
    cafile: str | None = None
    key: Hashable = ca_bundle
    if ca_bundle is not None and PEM_CERTIFICATE not in ca_bundle:
        cafile = os.path.abspath(ca_bundle)
        if not os.path.isfile(cafile):
            raise FileNotFoundError(ca_bundle)
        status = os.stat(cafile)
        key = (cafile, status.st_mtime_ns, status.st_size)
    with _contexts_lock:
        context = _contexts.get(key)
        if context is None:
            # With neither cafile nor cadata, the system's store.
            context = ssl.create_default_context(cafile=cafile, cadata=None if cafile else ca_bundle)
            if len(_contexts) >= MAX_CACHED_CONTEXTS:  # only a program editing its bundle over and over
                _contexts.clear()
            _contexts[key] = context
        return context


class _EdgeConnection(http.client.HTTPSConnection):
    """HTTPS to ``https://<domain>/`` whose TCP connection goes to ``address`` (curl's --connect-to):
    SNI, certificate name check and ``Host`` are the domain's."""

    def __init__(self, domain: str, address: tuple[str, int], context: ssl.SSLContext, timeout: float) -> None:
        super().__init__(domain, 443, timeout=timeout, context=context)
        self._address = address
        self._tls = context

    def connect(self) -> None:
        sock = socket.create_connection(self._address, self.timeout)
        try:
            self.sock = self._tls.wrap_socket(sock, server_hostname=self.host)
        except BaseException:
            sock.close()
            raise


@dataclass(frozen=True)
class Fetched:
    document: dict[str, Any] | None
    error: str | None
    """Why no document could be read (connection, TLS, HTTP status, not JSON)."""

    def problems(self, domain: str, require_bound_tokens: bool) -> list[str]:
        if self.document is None:
            return [self.error or "no document"]
        return problems(self.document, domain, require_bound_tokens)


def fetch(inputs: Mapping[str, Any], timeout: float) -> Fetched:
    """One GET of the discovery document; never raises for network or server trouble."""
    domain = inputs["domain"]
    connect_to = inputs.get("connect_to")
    address = parse_connect_to(connect_to) if connect_to else (domain, 443)
    assert address is not None
    where = f"{address[0]}:{address[1]}" if connect_to else f"{domain}:443"
    connection = _EdgeConnection(domain, address, tls_context(inputs.get("ca_bundle")), timeout)
    try:
        connection.request("GET", DISCOVERY_PATH, headers={"Accept": "application/json",
                                                           "User-Agent": "auth0-mtls discovery check"})
        response = connection.getresponse()
        body = response.read(MAX_DOCUMENT_BYTES + 1)
        status = response.status
    except ssl.SSLCertVerificationError as exc:
        if "mismatch" in str(exc.verify_message).lower():
            return Fetched(None, f"the edge's certificate does not name {domain} ({exc.verify_message})")
        return Fetched(None, f"the edge's certificate is not trusted for {domain}: {exc.verify_message}")
    except ssl.SSLError as exc:
        return Fetched(None, f"no answer: the TLS handshake with {where} failed ({exc.reason or exc})")
    except (TimeoutError, socket.timeout):
        return Fetched(None, f"no answer from {where} within {timeout:.0f}s")
    except OSError as exc:
        return Fetched(None, f"could not connect to {where}: {exc.strerror or exc}")
    except http.client.HTTPException as exc:
        return Fetched(None, f"no answer: {where} broke off the HTTP exchange ({type(exc).__name__})")
    finally:
        connection.close()
    if status != 200:
        snippet = re.sub(r"[^\x20-\x7e]", "?", body[:200].decode("utf-8", "replace"))
        return Fetched(None, f"{where} answered HTTP {status}: {snippet}")
    if len(body) > MAX_DOCUMENT_BYTES:
        return Fetched(None, f"the document is larger than {MAX_DOCUMENT_BYTES} bytes")
    try:
        document = json.loads(body)
    except ValueError:
        return Fetched(None, "the answer is not JSON")
    if not isinstance(document, dict):
        return Fetched(None, "the answer is not a JSON object")
    return Fetched(document, None)


def wait_until_advertised(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """Outputs once the document passes; raises DiscoveryCheckFailed after ``timeout_seconds``.

    Waits go through ``retry.pause`` under the check's deadline, like a verification's: a provider
    whose engine is gone (a second Ctrl-C, a killed CLI) stops within a slice of its wait instead of
    checking on for nobody until the timeout."""
    timeout = float(inputs["timeout_seconds"])
    started = time.monotonic()
    delay = FIRST_DELAY_SECONDS
    attempts = 0
    # The last wait ends at the timeout and one more attempt follows it: the operation ends by then.
    with deadline(started + timeout + MIN_ATTEMPT_TIMEOUT_SECONDS):
        while True:
            attempts += 1
            check_engine()
            remaining = timeout - (time.monotonic() - started)
            fetched = fetch(inputs, max(MIN_ATTEMPT_TIMEOUT_SECONDS, min(ATTEMPT_TIMEOUT_SECONDS, remaining)))
            issues = fetched.problems(inputs["domain"], bool(inputs["require_bound_tokens"]))
            waited = time.monotonic() - started
            if not issues:
                info(f"{describe_target(inputs)} advertises the mTLS token endpoint "
                     f"{expected_mtls_token_endpoint(inputs['domain'])} (attempt {attempts}, {waited:.0f}s)")
                return flatten(fetched.document)
            remaining = timeout - waited
            if remaining <= 0:
                raise DiscoveryCheckFailed(timeout_message(inputs, issues, waited, attempts))
            info(f"checking {describe_target(inputs)}: attempt {attempts}, {waited:.0f}s of {timeout:.0f}s: "
                 f"{issues[0]}")
            try:
                pause(min(delay, timeout - (time.monotonic() - started)))
            except RetryBudgetExhausted:  # not expected: the wait ends at the timeout, before the deadline
                raise DiscoveryCheckFailed(timeout_message(inputs, issues, time.monotonic() - started,
                                                           attempts)) from None
            delay = min(delay * 2, MAX_DELAY_SECONDS)


# -- provider -----------------------------------------------------------------------------------

class MtlsDiscoveryCheckProvider(ShortTracebacks, ResourceProvider):
    """Needs no Auth0 credentials: it only reads a public document through the edge."""

    serialize_as_secret_always = False

    def configure(self, req: ConfigureRequest) -> None:
        # Not an Auth0Provider, so it starts the watchdog itself: a program with only discovery
        # checks must not leave its provider process idling after a killed CLI either.
        watchdog.watch_engine()

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        inputs = normalize_inputs(news)
        failures = check_failures(inputs)
        bundle = inputs.get("ca_bundle")
        if isinstance(bundle, str) and private_key_label(bundle):
            inputs["ca_bundle"] = REDACTED_CA_BUNDLE  # defence in depth: the key is in no value this hook returns
        return CheckResult(inputs, [CheckFailure(prop, reason) for prop, reason in failures])

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        new_domain = news.get("domain")
        if is_unknown(new_domain) or new_domain != olds.get("domain"):
            # The id is the document's URL; a check of another domain is another check.
            return DiffResult(changes=True, replaces=["domain"], delete_before_replace=False)
        changed = [key for key in (*RECHECK, "timeout_seconds")
                   if is_unknown(news.get(key)) or news.get(key) != olds.get(key)]
        if changed:
            return update_diff(changed)
        # Nothing in the program changed, but the last refresh saw the document lose the alias.
        return DiffResult(changes=not satisfied(olds, news))

    def create(self, props: dict[str, Any]) -> CreateResult:
        inputs = normalize_inputs(props)
        return CreateResult(discovery_url(inputs["domain"]), {**inputs, **wait_until_advertised(inputs)})

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        inputs = normalize_inputs(props)
        fetched = fetch(inputs, float(ATTEMPT_TIMEOUT_SECONDS))
        issues = fetched.problems(inputs["domain"], bool(inputs["require_bound_tokens"]))
        if issues:
            warn(f"{describe_target(inputs)} no longer advertises the mTLS token endpoint: {'; '.join(issues)}. "
                 "The next `pulumi up` checks it again.")
        return ReadResult(id_, {**inputs, **flatten(fetched.document)}, inputs)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        inputs = normalize_inputs(news)
        recheck = any(inputs.get(key) != olds.get(key) for key in RECHECK) or not satisfied(olds, inputs)
        if not recheck:  # only the timeout changed: it matters for the next wait only
            return UpdateResult({**olds, **inputs})
        return UpdateResult({**inputs, **wait_until_advertised(inputs)})

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        # A check holds nothing in Auth0 or at the edge.
        return None


# -- the resource -------------------------------------------------------------------------------

@dataclass
class MtlsDiscoveryCheckArgs:
    """Inputs of :class:`MtlsDiscoveryCheck`."""

    domain: pulumi.Input[str]
    """The custom domain, e.g. ``login.example.com``: its document is read from
    ``https://<domain>/.well-known/openid-configuration``. Changing it replaces the check."""
    connect_to: Optional[pulumi.Input[str]] = None
    """``host:port`` of the edge to connect to instead of the domain's DNS address, like curl's
    ``--connect-to`` (SNI, certificate check and ``Host`` stay the domain's). Use it to check a new
    edge before DNS points at it."""
    ca_bundle: Optional[pulumi.Input[str]] = None
    """CA certificates that sign the edge's certificate, as PEM text or the path of a PEM file; when
    given, only they are trusted. Unset: the system's trust store."""
    timeout_seconds: Optional[pulumi.Input[float]] = None
    """How long ``pulumi up`` waits for the document to advertise the endpoint (default 300)."""
    require_bound_tokens: Optional[pulumi.Input[bool]] = None
    """Also require ``tls_client_certificate_bound_access_tokens: true`` (default false)."""


class MtlsDiscoveryCheck(pulumi.dynamic.Resource, module="auth0_mtls", name="MtlsDiscoveryCheck"):
    """Waits until the custom domain's discovery document, read through its edge, advertises
    ``mtls_endpoint_aliases.token_endpoint = https://mtls.<domain>/oauth/token``.

    Makes no call in a preview and needs no Auth0 credentials. A refresh reads the document again;
    a lost alias then shows as an update in the next preview, and ``pulumi up`` waits for it again.
    """

    domain: pulumi.Output[str]
    connect_to: pulumi.Output[Optional[str]]
    ca_bundle: pulumi.Output[Optional[str]]
    timeout_seconds: pulumi.Output[float]
    require_bound_tokens: pulumi.Output[bool]
    issuer: pulumi.Output[Optional[str]]
    """The document's ``issuer``: ``https://<domain>/``."""
    token_endpoint: pulumi.Output[Optional[str]]
    """Where clients without a certificate get tokens: ``https://<domain>/oauth/token``."""
    mtls_token_endpoint: pulumi.Output[Optional[str]]
    """Where mTLS clients get tokens: ``https://mtls.<domain>/oauth/token``."""
    tls_client_certificate_bound_access_tokens: pulumi.Output[bool]

    def __init__(
        self,
        resource_name: str,
        args: Optional[MtlsDiscoveryCheckArgs] = None,
        opts: Optional[pulumi.ResourceOptions] = None,
        *,
        domain: Optional[pulumi.Input[str]] = None,
        connect_to: Optional[pulumi.Input[str]] = None,
        ca_bundle: Optional[pulumi.Input[str]] = None,
        timeout_seconds: Optional[pulumi.Input[float]] = None,
        require_bound_tokens: Optional[pulumi.Input[bool]] = None,
    ) -> None:
        if args is None:
            args = MtlsDiscoveryCheckArgs(domain=domain, connect_to=connect_to,  # type: ignore[arg-type]
                                          ca_bundle=ca_bundle, timeout_seconds=timeout_seconds,
                                          require_bound_tokens=require_bound_tokens)
        props: dict[str, Any] = {key: getattr(args, key) for key in INPUTS}
        props.update({key: None for key in OUTPUTS})
        super().__init__(MtlsDiscoveryCheckProvider(), resource_name, props, opts)
