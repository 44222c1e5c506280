"""Where the Management API credentials come from, resolved at run time in the provider process.

A tenant is named by a stack config namespace: ``auth0`` (the default, the keys of the official
Pulumi Auth0 provider, so existing stacks work) or any other, e.g. ``auth0-eu:domain``. The default
namespace falls back to the ``AUTH0_*`` environment variables; other namespaces never do, so a
second tenant with a missing key fails instead of silently reaching the first tenant. Nothing here
is ever stored on a pickled object, and nothing here touches the network: ``check`` validates the
config with it during a preview.

Which certificate authorities a tenant's TLS certificate must chain to is part of the same
resolution (``ca_bundle``), per namespace: ``<namespace>:caBundle`` first, then the environment
(``REQUESTS_CA_BUNDLE``, ``CURL_CA_BUNDLE``, ``SSL_CERT_FILE``, for every namespace: it describes this
machine's network, not a tenant's identity), then the bundle requests ships with (certifi). The
stack config wins because it is the more specific: a stack can trust a test tenant's private CA on a
machine whose environment names the system bundle.
"""

from __future__ import annotations

import base64
import ipaddress
import os
import re
import stat
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Mapping, Protocol
from urllib.parse import urlsplit

from .certificates import private_key_label
from .errors import CaBundleError, ConfigurationError
from .validation import host_name_problem

DEFAULT_NAMESPACE = "auth0"
# (stack config key, environment variable) of the default namespace
DOMAIN = ("auth0:domain", "AUTH0_DOMAIN")
CLIENT_ID = ("auth0:clientId", "AUTH0_CLIENT_ID")
CLIENT_SECRET = ("auth0:clientSecret", "AUTH0_CLIENT_SECRET")
API_TOKEN = ("auth0:apiToken", "AUTH0_API_TOKEN")
_SETTINGS = {"domain": DOMAIN, "clientId": CLIENT_ID, "clientSecret": CLIENT_SECRET, "apiToken": API_TOKEN}
CA_BUNDLE = "caBundle"  # the stack config key (in any namespace) naming the CA bundle to trust
# The environment variables that name a CA bundle, in the order they are honoured (requests' own
# order, then OpenSSL's). An empty value counts as unset: it never turns verification off.
CA_BUNDLE_ENVIRONMENT = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE")
DEFAULT_CA_SOURCE = "the default CA bundle"
PEM_CERTIFICATE = "-----BEGIN CERTIFICATE-----"
# A CA bundle is small (a system's full bundle is about 200 KiB): a larger file is not one, and is
# refused before it is read.
CA_BUNDLE_MAX_BYTES = 1024 * 1024
# The names OpenSSL looks certificates up by in a directory: <subject hash>.<n> (.r<n> for CRLs).
_HASHED_NAME = re.compile(r"[0-9a-f]{8}\.r?[0-9]+")
# Key material pasted without its armour: one run of the base64 alphabet, long enough to hold a
# secret (32 bytes encode to 44 characters). A path made only of letters, digits and "/" that long
# is rare, and then merely loses its quote.
_BASE64_RUN = re.compile(r"[A-Za-z0-9+/]{40,}={0,2}")
# Pulumi config namespaces are project-name-like: no colon, no spaces.
NAMESPACE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")

MISSING_HELP = (
    "Auth0 credentials are missing. Set them in the stack config: "
    "`pulumi config set auth0:domain <tenant>.auth0.com`, then either "
    "`pulumi config set auth0:clientId <id>` and `pulumi config set --secret auth0:clientSecret <secret>`, "
    "or `pulumi config set --secret auth0:apiToken <token>`; "
    "or in the environment: AUTH0_DOMAIN with AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET, or AUTH0_API_TOKEN."
)


def missing_help(namespace: str) -> str:
    if namespace == DEFAULT_NAMESPACE:
        return MISSING_HELP
    ns = namespace
    return (f"Auth0 credentials for the tenant named {ns!r} are missing. Set them in the stack config: "
            f"`pulumi config set {ns}:domain <tenant>.auth0.com`, then either `pulumi config set {ns}:clientId <id>` "
            f"and `pulumi config set --secret {ns}:clientSecret <secret>`, or `pulumi config set --secret "
            f"{ns}:apiToken <token>`. (The AUTH0_* environment variables apply to the default namespace "
            f"'{DEFAULT_NAMESPACE}' only, so that a second tenant never borrows the first one's credentials.)")


class ConfigSource(Protocol):
    """``pulumi.dynamic.Config``, or any mapping of namespaced keys."""

    def get(self, key: str) -> Any: ...


@dataclass(frozen=True)
class Credentials:
    """How to reach one tenant. Secrets are excluded from ``repr`` so they never reach a log line."""

    base_url: str  # e.g. https://tenant.eu.auth0.com, no trailing slash
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    api_token: str | None = field(default=None, repr=False)
    namespace: str = DEFAULT_NAMESPACE  # the stack config namespace they were read from
    domain_source: str = DOMAIN[0]  # where the domain came from, for messages (or AUTH0_DOMAIN)
    # The CAs the tenant's certificate must chain to: an absolute path (file or directory) or PEM
    # text; None is the default bundle. Not a secret, but long: kept out of repr.
    ca_bundle: str | None = field(default=None, repr=False)
    ca_source: str = DEFAULT_CA_SOURCE  # where it came from: a config key, a variable, or the default

    def key(self, name: str) -> str:
        """The stack config key of one setting of this tenant, e.g. ``auth0-eu:clientSecret``."""
        return f"{self.namespace}:{name}"

    @property
    def trust(self) -> str:
        """The CA bundle in words, for messages: where it came from and which file (never PEM text)."""
        if self.ca_bundle is None:
            return f"{DEFAULT_CA_SOURCE} (certifi's)"
        what = "PEM text" if "-----BEGIN" in self.ca_bundle else self.ca_bundle
        return f"the CA bundle from {self.ca_source} ({what})"

    @property
    def audience(self) -> str:
        return f"{self.base_url}/api/v2/"

    @property
    def tenant(self) -> str:
        """The tenant's host (and port, if not the default), used to name per-tenant singletons and
        recorded in state as ``tenant_host``."""
        return urlsplit(self.base_url).netloc


def same_host(a: str | None, b: str | None) -> bool:
    """Whether two recorded tenant hosts name the same tenant (state written by 0.1 kept the case
    and an explicit :443 as configured)."""
    def canonical(host: str) -> str:
        host = host.strip().lower()
        return host[:-4] if host.endswith(":443") else host

    return a is not None and b is not None and canonical(a) == canonical(b)


def _lookup(config: ConfigSource | None, environ: Mapping[str, str], namespace: str,
            name: str) -> tuple[str | None, str]:
    """The value of one setting and where it came from (config key or environment variable)."""
    key = f"{namespace}:{name}"
    value = config.get(key) if config is not None else None
    if value not in (None, "") or namespace != DEFAULT_NAMESPACE:
        return (None if value in (None, "") else str(value).strip()), key
    env_name = _SETTINGS[name][1]
    value = environ.get(env_name)
    return (None if value in (None, "") else str(value).strip()), env_name


def _ca_bundle_lookup(config: ConfigSource | None, environ: Mapping[str, str],
                      namespace: str) -> tuple[str | None, str]:
    """The CA bundle one tenant's connections trust, and where that came from."""
    key = f"{namespace}:{CA_BUNDLE}"
    value = config.get(key) if config is not None else None
    if value not in (None, "") and str(value).strip():
        return str(value).strip(), key
    for name in CA_BUNDLE_ENVIRONMENT:
        value = environ.get(name)
        if value and value.strip():
            return value.strip(), name
    return None, DEFAULT_CA_SOURCE


def how_to_set_ca_bundle(namespace: str = DEFAULT_NAMESPACE) -> str:
    return (f"`pulumi config set {namespace}:{CA_BUNDLE} /path/to/ca.pem` (a PEM file, a directory of "
            "hashed certificates, or the PEM text itself), or REQUESTS_CA_BUNDLE/SSL_CERT_FILE in the environment")


def _looks_like_path(value: str) -> bool:
    """Whether a bundle value that is not PEM text may be quoted in a message. Anything unlike a
    path (whitespace, more than a file name's 255 characters, no "/", "." or "~", a bare base64 run)
    may be a key body pasted without its armour, possibly set as a secret, so it is never echoed."""
    return (len(value) <= 255 and not any(char.isspace() for char in value)
            and any(char in value for char in "/.~") and not _BASE64_RUN.fullmatch(value))


def check_ca_bundle(value: str, source: str, namespace: str = DEFAULT_NAMESPACE) -> str:
    """The bundle as the provider will read it, or CaBundleError. A relative path is made
    absolute against the working directory, which in the provider process is the Pulumi program's.

    A preview refuses, with no network, what the first call would: a file or text with no
    certificate, a certificate block that is not one whole DER certificate in base64, or a private
    key. (OpenSSL parses the certificates when the first connection needs them, once per process.)
    A file is read only if it is a regular file of at most
    ``CA_BUNDLE_MAX_BYTES``; a directory must hold the hashed names OpenSSL looks certificates up by.
    Each bundle is checked once per process (a file again when it changes). Messages name the file,
    never its content, and PEM text is never echoed: not even text that does not start with its
    armour, such as ``openssl pkcs12 -nodes`` output, whose "Bag Attributes" lines come first."""
    if "-----BEGIN" in value:
        problem = _text_problem(value)
        if problem:
            raise CaBundleError(f"{source} {problem}: {how_to_set_ca_bundle(namespace)}", source)
        return value
    path = os.path.abspath(os.path.expanduser(value))
    shown = _looks_like_path(value)
    named = f"{source} names {value!r}" if shown else f"the value named by {source} (not shown)"
    try:
        status = os.stat(path)
    except FileNotFoundError:
        missing = (f"{named}, which does not exist" if shown
                   else f"{named} is neither PEM text nor an existing path")
        raise CaBundleError(f"{missing}; it must name the CA bundle the tenant's certificate chains to: "
                            f"{how_to_set_ca_bundle(namespace)}", source) from None
    except OSError as exc:
        unreadable = (f"{named}, which this process cannot read" if shown
                      else f"{named} is neither PEM text nor an existing path")
        raise CaBundleError(f"{unreadable} ({exc.strerror})", source) from None
    if stat.S_ISDIR(status.st_mode):
        problem = _directory_problem(path)
        if problem:
            directory = f"{source} names the directory {value!r}" if shown else f"{named}, a directory"
            raise CaBundleError(f"{directory}, {problem}", source)
        return path
    if not stat.S_ISREG(status.st_mode):
        raise CaBundleError(f"{named}, which is not a regular file (nor a directory); give a PEM file: "
                            f"{how_to_set_ca_bundle(namespace)}", source)
    if status.st_size > CA_BUNDLE_MAX_BYTES:
        raise CaBundleError(f"{named}, which is larger than 1 MiB ({status.st_size} bytes): not a CA bundle (a "
                            f"system's full bundle is about 200 KiB); give the CA certificate(s) the tenant's "
                            f"certificate chains to: {how_to_set_ca_bundle(namespace)}", source)
    problem = _file_problem(path, status.st_dev, status.st_ino, status.st_mtime_ns, status.st_size)
    if problem:
        raise CaBundleError(f"{named}, which {problem}: {how_to_set_ca_bundle(namespace)}", source)
    return path


def _private_key_problem(label: str, where: str) -> str:
    return (f"holds a private key ({label}); it takes CA certificates only: remove the key from {where}, and treat "
            "that key as exposed. The content is not shown here. To trust another bundle instead")


@lru_cache(maxsize=16)
def _text_problem(text: str) -> str | None:
    """What is wrong with PEM text given as the bundle, or None; the words follow its source."""
    label = private_key_label(text)
    if label:
        return _private_key_problem(label, "it")
    if PEM_CERTIFICATE not in text:
        return f"holds PEM text without a certificate ({PEM_CERTIFICATE}); give the CA certificate(s)"
    if not _certificates_are_well_formed(text):
        # The words of the error the first connection would raise (transport.tls_context).
        return "(its PEM text) could not be read as CA certificates (a certificate block is not one whole DER " \
               "certificate in base64); give a PEM bundle"
    return None


@lru_cache(maxsize=16)
def _file_problem(path: str, device: int, inode: int, mtime_ns: int, size: int) -> str | None:
    """What is wrong with a regular file given as the bundle, or None. The identity and change time
    key the cache: a file edited between two checks is read again."""
    try:
        with open(path, "rb") as file:
            data = file.read(CA_BUNDLE_MAX_BYTES + 1)
    except OSError as exc:
        return f"this process cannot read ({exc.strerror})"
    if len(data) > CA_BUNDLE_MAX_BYTES:
        return "is larger than 1 MiB: not a CA bundle; give the CA certificate(s)"
    text = data.decode("latin-1")  # every byte maps to one character: the armour search sees the file as is
    label = private_key_label(text)
    if label:
        return _private_key_problem(label, "the file")
    if PEM_CERTIFICATE not in text:
        if data[:1] == b"\x30":  # an ASN.1 SEQUENCE: DER, not PEM
            return ("holds DER, not PEM; convert it (`openssl x509 -inform der -in ca.der -out ca.pem`) and give "
                    "the PEM file")
        return "holds no CA certificate (no PEM certificate block); give a PEM bundle"
    if not _certificates_are_well_formed(text):
        return ("holds no CA certificate OpenSSL can read (a certificate block is not one whole DER certificate in "
                "base64); give a PEM bundle")
    return None


_CERTIFICATE_BLOCK = re.compile(r"-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----", re.S)


def _certificates_are_well_formed(text: str) -> bool:
    """Whether every certificate block is base64 of exactly one DER SEQUENCE: what a copy-paste or
    a truncated download breaks. OpenSSL parses the certificates themselves when the first
    connection needs them, once per process (``transport.tls_context``); doing that here as well
    would load a bundle twice in every process that calls Auth0 (16 ms each for one of certifi's
    size), where this check takes well under a millisecond."""
    blocks = _CERTIFICATE_BLOCK.findall(text)
    if not blocks:
        return False
    for body in blocks:
        try:
            der = base64.b64decode("".join(body.split()), validate=True)
        except ValueError:  # binascii.Error
            return False
        if len(der) < 2 or der[0] != 0x30:
            return False
        if der[1] < 0x80:
            header, length = 2, der[1]
        else:
            size = der[1] & 0x7F
            if not 1 <= size <= 4 or len(der) < 2 + size:
                return False
            header, length = 2 + size, int.from_bytes(der[2:2 + size], "big")
        if header + length != len(der):
            return False
    return True


def _directory_problem(path: str) -> str | None:
    """What is wrong with a directory given as the bundle, or None. OpenSSL finds a certificate in
    it only by the hash of the issuer's name (``1a2b3c4d.0``), when a connection needs one: a
    directory without such names can verify nothing. The files themselves are read then, not here."""
    try:
        names = os.listdir(path)
    except OSError as exc:
        return f"which this process cannot read ({exc.strerror})"
    if not any(_HASHED_NAME.fullmatch(name) for name in names):
        return (f"which holds no certificate under a hashed name (such as 1a2b3c4d.0), the only names OpenSSL looks "
                f"certificates up by: run `openssl rehash {path}`, or give a PEM file of the CA certificate(s)")
    return None


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def normalize_base_url(domain: str, source: str = DOMAIN[0]) -> str:
    """Turn ``Tenant.auth0.com`` or ``https://tenant.auth0.com:443/`` into ``https://tenant.auth0.com``.

    The host is lower-cased (the token's audience is built from it, and Auth0 compares audiences
    exactly), the default port dropped, and anything that is not a plain host refused: credentials
    in the URL, a path, spaces, a port out of range, non-ASCII names. Plain ``http://`` is refused
    except on loopback addresses, where the local emulator runs: a Management API token must never
    cross a network in clear text. Messages name ``source`` (the config key or environment variable)
    and never repeat a user name or password found in the value.
    """
    raw = (domain or "").strip()
    if not raw:
        raise ConfigurationError(f"{source} is missing: set it to your tenant's host, e.g. tenant.eu.auth0.com")
    scheme_sep = raw.find("://")
    if "@" in raw:  # no host name holds one; whatever precedes it may be a password
        raise ConfigurationError(
            f"{source} must not contain a user name or password (user:password@); give just the tenant host, "
            f"e.g. tenant.eu.auth0.com, and put the credentials in {source.rsplit(':', 1)[0]}:clientId/clientSecret "
            "or apiToken")
    if any(ch.isspace() for ch in raw):
        raise ConfigurationError(f"{source} {raw!r} contains a space; give just the tenant host, e.g. "
                                 "tenant.eu.auth0.com")
    if not raw.isascii():
        # Checked before anything lower-cases the value: str.lower() turns some non-ASCII letters
        # into ASCII ones (KELVIN SIGN into "k"), silently naming another host.
        raise ConfigurationError(f"{source} {raw!r} contains non-ASCII characters; use the host's ASCII "
                                 "(punycode, xn--…) form")
    if scheme_sep < 0:
        raw = "https://" + raw
    parts = urlsplit(raw)
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http"):
        raise ConfigurationError(f"{source} {domain!r} must be a host name or an https:// URL")
    if parts.path not in ("", "/") or parts.query or parts.fragment or raw.endswith(("?", "#")):
        # The value itself is not repeated: a query string is where people paste tokens.
        raise ConfigurationError(
            f"{source} must be just the tenant host (e.g. tenant.eu.auth0.com), without a path or query")
    try:
        port = parts.port
    except ValueError:
        port = -1
    if port is not None and not 1 <= port <= 65535:
        raise ConfigurationError(f"{source} {domain!r} has an invalid port; a port is a number from 1 to 65535")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise ConfigurationError(f"{source} {domain!r} has no host name; e.g. tenant.eu.auth0.com")
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        ip = None
        problem = host_name_problem(host, single_label=host == "localhost")
        if problem:
            raise ConfigurationError(f"{source} {domain!r} is not a valid host name: {problem}") from None
    if scheme == "http" and not _is_loopback(host):
        raise ConfigurationError(
            f"{source} {domain!r} uses plain http://; only https:// is allowed "
            "(http:// is accepted for loopback addresses such as the local emulator)"
        )
    netloc = f"[{host}]" if ip is not None and ip.version == 6 else host
    if port is not None and port != {"https": 443, "http": 80}[scheme]:
        netloc += f":{port}"
    return f"{scheme}://{netloc}"


def resolve(config: ConfigSource | None = None, environ: Mapping[str, str] | None = None,
            namespace: str = DEFAULT_NAMESPACE) -> Credentials:
    """Resolve one tenant's credentials from stack config (namespaced keys such as ``auth0:domain``)
    or, for the default namespace only, the environment. Raises ``ConfigurationError``."""
    if not isinstance(namespace, str) or not NAMESPACE.fullmatch(namespace):
        raise ConfigurationError(f"{namespace!r} is not a stack config namespace (letters, digits, '_', '.', '-')")
    env = os.environ if environ is None else environ
    domain, domain_source = _lookup(config, env, namespace, "domain")
    client_id, _ = _lookup(config, env, namespace, "clientId")
    client_secret, _ = _lookup(config, env, namespace, "clientSecret")
    api_token, _ = _lookup(config, env, namespace, "apiToken")
    if not domain or not (api_token or (client_id and client_secret)):
        missing = []
        if not domain:
            missing.append(f"{namespace}:domain")
        if not api_token and not (client_id and client_secret):
            if client_id and not client_secret:
                missing.append(f"{namespace}:clientSecret")
            elif client_secret and not client_id:
                missing.append(f"{namespace}:clientId")
            else:
                missing.append(f"{namespace}:clientId/{namespace}:clientSecret or {namespace}:apiToken")
        raise ConfigurationError(f"{missing_help(namespace)} (missing: {', '.join(missing)})")
    ca_bundle, ca_source = _ca_bundle_lookup(config, env, namespace)
    return Credentials(
        base_url=normalize_base_url(domain, domain_source),
        client_id=client_id,
        client_secret=client_secret,
        api_token=api_token,
        namespace=namespace,
        domain_source=domain_source,
        ca_bundle=None if ca_bundle is None else check_ca_bundle(ca_bundle, ca_source, namespace),
        ca_source=ca_source,
    )
