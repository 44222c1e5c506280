"""The customer edge as an nginx configuration, rendered from the stack's outputs.

    from auth0_mtls import edge
    config = edge.nginx_config(
        domain=domain.domain,
        origin=verified.origin_domain_name,             # a host name means https://<host>
        cname_api_key=verified.cname_api_key,
        server_certificate="/etc/nginx/tls/login.pem",  # must name login.example.com AND mtls.login.example.com
        server_private_key="/etc/nginx/tls/login.key",
        client_ca_certificate="/etc/nginx/tls/client-ca.pem")   # optional: for tls_client_auth

The result is one file for nginx's ``http`` context (``/etc/nginx/conf.d/<domain>.conf``) with two
servers: ``<domain>`` proxies every path to Auth0's origin, and ``mtls.<domain>`` asks for a client
certificate and forwards only ``/oauth/token``, ``/oauth/par`` and ``/userinfo``, adding the headers
Auth0 reads (``client-certificate``, ``client-certificate-ca-verified``, ``cname-api-key`` and the
client IP). Headers of those names sent by a client are always dropped or replaced.

Every value that reaches nginx syntax is validated first (see :func:`check_failures`), so no input
can add configuration. The text holds the ``cname_api_key``: :func:`nginx_config` returns it as a
Pulumi secret, and the file on the edge should be readable by root only.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from dataclasses import dataclass
from typing import Any, Optional, Sequence, Union
from urllib.parse import urlsplit

import pulumi

from .certificates import private_key_label
from .errors import Auth0MtlsError
from .validation import CLIENT_IP_HEADERS, Failure, _show, domain_failures, is_host_name, normalize_host

# Debian, Ubuntu and Alpine keep the system's trusted CAs here; RHEL-like systems use
# /etc/pki/tls/certs/ca-bundle.crt (pass it as origin_ca_certificate).
DEFAULT_ORIGIN_CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"
MTLS_PATHS = ("/oauth/token", "/oauth/par", "/userinfo")
# Auth0 reads at most this many bytes of the URL-encoded client-certificate header.
MAX_CLIENT_CERTIFICATE_HEADER = 4096
# Intermediate CAs nginx follows: on the client side (tls_client_auth chains) and towards the origin
# (nginx's default of 1 is too short for some public chains).
VERIFY_DEPTH = 4
CLIENT_CERTIFICATE_HEADERS = ("client-certificate", "client-certificate-ca-verified")
# Every header Auth0 may read a client IP from; the edge sets one or two and drops the others.
IP_HEADERS = ("x-forwarded-for", *(h for h in CLIENT_IP_HEADERS if h and h != "x-forwarded-for"))
MAX_KEY_LENGTH = 1024

_KEY = re.compile(r"[A-Za-z0-9._~+/=-]+")
# Absolute paths of ordinary characters: nothing nginx would read as syntax (; { } # quotes,
# whitespace), as a variable ($) or as an escape (\).
_PATH = re.compile(r"/[A-Za-z0-9._/@+=,:~-]*")
_PATH_CHARS = "letters, digits and . _ / @ + = , : ~ -"
_PRINTABLE = re.compile(r"[\x21-\x7e]+")

ListenInput = Union[str, int, Sequence[Union[str, int]]]


class EdgeConfigError(Auth0MtlsError, ValueError):
    """An argument of the edge configuration is unusable; the message names each one. It never
    contains the ``cname_api_key``."""

    def __init__(self, failures: Sequence[Failure]) -> None:
        self.failures = list(failures)
        super().__init__("cannot render the nginx edge configuration: "
                         + "; ".join(reason for _prop, reason in self.failures))


@dataclass(frozen=True)
class _Origin:
    scheme: str
    host: str
    """As written in a URL: IPv6 addresses in brackets."""
    port: Optional[int]

    @property
    def authority(self) -> str:
        """``host[:port]``: the proxy_pass target and the Host header."""
        return self.host if self.port is None else f"{self.host}:{self.port}"

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.authority}"


# -- validation ---------------------------------------------------------------------------------

def _ip_address(text: str) -> Optional[Union[ipaddress.IPv4Address, ipaddress.IPv6Address]]:
    """An IP address without an IPv6 zone id (``fe80::1%eth0``): Python accepts any text as a zone,
    which would carry arbitrary characters into nginx syntax."""
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.scope_id is not None:
        return None
    return address


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    address = _ip_address(host.strip("[]"))
    return address is not None and address.is_loopback


def _parse_origin(value: Any) -> tuple[Optional[_Origin], list[Failure]]:
    prop = "origin"
    if not isinstance(value, str) or not value:
        return None, [(prop, "origin is required: Auth0's origin for the domain, e.g. https://<origin_domain_name> "
                             "(CustomDomainVerification.origin_domain_name)")]
    # A user:password@ or a query string is where people put credentials and tokens: such a value
    # is never repeated.
    shown = "" if any(mark in value for mark in "@?#") else f" {_show(value)}"
    if not _PRINTABLE.fullmatch(value):
        return None, [(prop, f"origin{shown} must not contain whitespace or control characters")]
    text = value if "://" in value else f"https://{value}"
    bad = (prop, f"origin{shown} must be a URL of the form https://host[:port] (a bare host name means "
                 "https), with no user, path, query or fragment")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        return None, [bad]
    scheme = parts.scheme.lower()
    hostname = parts.hostname or ""
    if scheme not in ("http", "https") or "@" in parts.netloc or parts.path not in ("", "/") \
            or parts.query or parts.fragment or "?" in text or "#" in text or not hostname:
        return None, [bad]
    address = _ip_address(hostname)
    if address is not None:
        host = f"[{address.compressed}]" if address.version == 6 else address.compressed
    elif is_host_name(hostname):
        host = hostname
    else:
        return None, [(prop, f"origin host {_show(hostname)} is not a valid host name or IP address")]
    if port == 0:
        return None, [(prop, f"origin port must be between 1 and 65535, got {port}")]
    if scheme == "http" and not _is_loopback(host):
        return None, [(prop, f"origin {_show(value)} uses plain http to a host that is not loopback: the edge would "
                             "send the cname-api-key and client certificates unencrypted. Use https (plain http is "
                             "accepted only for 127.0.0.0/8, ::1 and localhost, e.g. a local emulator)")]
    default_port = 443 if scheme == "https" else 80
    return _Origin(scheme, host, None if port in (None, default_port) else port), []


def _key_failures(value: Any) -> list[Failure]:
    prop = "cname_api_key"
    if value is None or value == "":
        return [(prop, "cname_api_key is required: Auth0 accepts no traffic from the edge without it "
                       "(CustomDomainVerification.cname_api_key). It is None for an auth0_managed_certs domain, "
                       "which has no customer edge: this edge needs a self_managed_certs domain. For a "
                       "self_managed_certs domain it is None when the domain was verified before that resource "
                       "existed, and then only replacing the custom domain yields a new key)")]
    if not isinstance(value, str):
        return [(prop, f"cname_api_key must be a string, got {type(value).__name__}")]
    # The value itself never goes into a message: it is a secret.
    if len(value) > MAX_KEY_LENGTH:
        return [(prop, f"cname_api_key is {len(value)} characters long; at most {MAX_KEY_LENGTH} are accepted "
                       "(value not shown: it is a secret)")]
    if not _KEY.fullmatch(value):
        return [(prop, "cname_api_key may contain only letters, digits and . _ ~ + / = - "
                       "(value not shown: it is a secret)")]
    return []


def _path_failures(prop: str, value: Any, *, optional: bool = False) -> list[Failure]:
    if value is None and optional:
        return []
    if value == "" and optional:
        return [(prop, f"{prop} is empty; it is optional: omit it (None) to trust no client CA, or give the "
                       "absolute path of a PEM file on the edge host")]
    if not isinstance(value, str) or not value:
        return [(prop, f"{prop} is required: the absolute path of a PEM file on the edge host")]
    if "-----BEGIN" in value:
        # The file's text instead of its path: never repeated, since it may be the edge's private key.
        label = private_key_label(value)
        what = f"a private key ({label})" if label else "PEM text"
        return [(prop, f"{prop} holds {what}, not a path: give the absolute path of the PEM file on the edge host, "
                       "which nginx reads itself (the value is not shown here)")]
    if not value.startswith("/"):
        return [(prop, f"{prop} {_show(value)} must be an absolute path on the edge host (nginx would read a "
                       "relative one from its own prefix)")]
    if not _PATH.fullmatch(value):
        return [(prop, f"{prop} {_show(value)} may contain only {_PATH_CHARS}: other characters (such as ; {{ }} "
                       "quotes, $, # or whitespace) would be nginx syntax")]
    return []


def _listen_values(value: Any) -> list[Any]:
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        return [value]
    if isinstance(value, Sequence) and value:
        return list(value)
    return [value]


def _listen_key(text: str) -> str:
    """The address and port a valid ``listen`` value binds, as nginx compares them: ``443``,
    ``*:443`` and ``0.0.0.0:443`` are one, IPv6 addresses compare in their compressed form and
    ports without leading zeros. (A host name is resolved by nginx; it is compared as written.)"""
    address, sep, port = text.rpartition(":")
    if not sep or address in ("*", "0.0.0.0"):
        address = "*"
    elif address.startswith("["):
        parsed = _ip_address(address[1:-1])
        address = f"[{parsed.compressed}]" if parsed is not None else address
    return f"{address.lower()}:{int(port)}"


def _listen_failures(value: Any) -> list[Failure]:
    prop = "listen"
    failures: list[Failure] = []
    seen: dict[str, Any] = {}
    for item in _listen_values(value):
        text = str(item) if isinstance(item, int) and not isinstance(item, bool) else item
        reason = f"listen {_show(item)} must be a port (443) or address:port (127.0.0.1:8443, [::]:443, *:443)"
        if not isinstance(text, str) or not _PRINTABLE.fullmatch(text):
            failures.append((prop, reason))
            continue
        address, sep, port = text.rpartition(":")
        if not port.isdigit() or not 1 <= int(port) <= 65535 or (sep and not address):
            failures.append((prop, reason))
            continue
        if sep and address != "*":
            if address.startswith("[") and address.endswith("]"):
                parsed = _ip_address(address[1:-1])
                ok = parsed is not None and parsed.version == 6
            else:
                parsed = _ip_address(address)
                ok = parsed.version == 4 if parsed is not None else is_host_name(address.lower())
            if not ok:
                failures.append((prop, reason))
                continue
        key = _listen_key(text)
        if key in seen:
            failures.append((prop, f"listen lists {_show(seen[key])} and {_show(item)}, the same address and port "
                                   f"({key}); nginx refuses a duplicate listen: list each address:port once"))
        else:
            seen[key] = item
    return failures


def _ip_header(value: Any) -> Optional[str]:
    return value.lower() if isinstance(value, str) else value


def check_failures(
    *,
    domain: Any,
    origin: Any,
    cname_api_key: Any,
    server_certificate: Any,
    server_private_key: Any,
    client_ca_certificate: Any = None,
    client_ip_header: Any = None,
    listen: Any = "443",
    origin_ca_certificate: Any = DEFAULT_ORIGIN_CA_BUNDLE,
) -> list[Failure]:
    """Every problem with the arguments, as ``(argument, reason)`` pairs; empty when they are usable."""
    failures: list[Failure] = []
    name = normalize_host(domain) if isinstance(domain, str) else domain
    failures += domain_failures(name, "domain")
    if not failures and len(f"mtls.{name}") > 253:
        failures.append(("domain", f"domain is too long to have the mtls. subdomain ({len(name)} characters)"))
    origin_parsed, origin_failures = _parse_origin(origin)
    failures += origin_failures
    if origin_parsed is not None and isinstance(name, str) and origin_parsed.host in (name, f"mtls.{name}"):
        failures.append(("origin", f"origin {_show(origin)} is the custom domain itself: the edge would proxy to "
                                   "itself. Use the domain's origin_domain_name"))
    failures += _key_failures(cname_api_key)
    failures += _path_failures("server_certificate", server_certificate)
    failures += _path_failures("server_private_key", server_private_key)
    failures += _path_failures("client_ca_certificate", client_ca_certificate, optional=True)
    if origin_parsed is None or origin_parsed.scheme == "https":
        failures += _path_failures("origin_ca_certificate", origin_ca_certificate)
    header = _ip_header(client_ip_header)
    if header is not None and header not in CLIENT_IP_HEADERS:
        failures.append(("client_ip_header",
                         f"client_ip_header {_show(client_ip_header)} is not a header Auth0 reads the client IP "
                         "from; use the custom domain's custom_client_ip_header: "
                         + ", ".join(h for h in CLIENT_IP_HEADERS if h) + ", or None/\"\" for X-Forwarded-For"))
    failures += _listen_failures(listen)
    return failures


# -- rendering ----------------------------------------------------------------------------------

def _q(text: str) -> str:
    """A double-quoted nginx string. Callers pass only validated values (no quote, backslash, $)."""
    return f'"{text}"'


def _variable_prefix(domain: str) -> str:
    """Unique per domain, so several rendered files can share one nginx ``http`` context, and short:
    nginx refuses variable names longer than its hash buckets (about 50 characters by default)."""
    return "auth0_mtls_" + hashlib.sha256(domain.encode()).hexdigest()[:8]


def _json_error(error: str, description: str) -> str:
    """A body for nginx's ``return``, in single quotes; descriptions are fixed text, validated
    names and nginx variables only."""
    return "'{\"error\":\"%s\",\"error_description\":\"%s\"}'" % (error, description)


def render_nginx_config(
    *,
    domain: str,
    origin: str,
    cname_api_key: str,
    server_certificate: str,
    server_private_key: str,
    client_ca_certificate: Optional[str] = None,
    client_ip_header: Optional[str] = None,
    listen: ListenInput = "443",
    origin_ca_certificate: str = DEFAULT_ORIGIN_CA_BUNDLE,
) -> str:
    """The nginx configuration of the customer edge, for nginx's ``http`` context.

    ``domain``: the custom domain (``login.example.com``). Its mTLS host is ``mtls.<domain>``.

    ``origin``: Auth0's origin for the domain: ``https://<origin_domain_name>`` or just the host name.
    Requests go there with SNI and ``Host`` set to that host, over TLS 1.2+, and the origin's
    certificate is verified against ``origin_ca_certificate`` (the system CA bundle by default;
    give a private CA's file for a test origin). ``http://`` is accepted only for loopback.

    ``cname_api_key``: the verification's secret key, sent as ``cname-api-key``.

    ``server_certificate`` / ``server_private_key``: absolute paths of the edge's certificate (leaf
    first, then intermediates) and key on the edge host. The certificate **must name both
    ``<domain>`` and ``mtls.<domain>``**: a wildcard for the parent (``*.example.com``) does not cover
    ``mtls.login.example.com``. nginx reads the files when it starts; this function does not.

    ``client_ca_certificate``: optional CA bundle for ``tls_client_auth`` clients. Client
    certificates that chain to it are forwarded with ``client-certificate-ca-verified: SUCCESS``;
    all others (self-signed, other issuers) with ``FAILED:<reason>``, so one edge serves
    ``tls_client_auth`` and ``self_signed_tls_client_auth`` clients. Without it every certificate
    is forwarded as ``FAILED:…``. nginx itself refuses some certificates (expired, not yet valid, a
    key usage not for clients): the edge then answers ``401 {"error":"invalid_client"}`` and forwards
    nothing. So does a certificate whose encoded header would exceed the 4096 bytes Auth0 reads.
    A request without a certificate is forwarded without certificate headers.

    ``client_ip_header``: the custom domain's ``custom_client_ip_header``. ``X-Forwarded-For`` is
    always set to the one address nginx sees (``$remote_addr``); a named header carries the same.

    ``listen``: ``443``, ``address:port``, or a list of them (e.g. ``["443", "[::]:443"]``).

    Raises :class:`EdgeConfigError` naming every unusable argument; its message never contains the
    key.
    """
    failures = check_failures(domain=domain, origin=origin, cname_api_key=cname_api_key,
                              server_certificate=server_certificate, server_private_key=server_private_key,
                              client_ca_certificate=client_ca_certificate, client_ip_header=client_ip_header,
                              listen=listen, origin_ca_certificate=origin_ca_certificate)
    if failures:
        raise EdgeConfigError(failures)
    name = normalize_host(domain)
    mtls_name = f"mtls.{name}"
    parsed, _ = _parse_origin(origin)
    assert parsed is not None
    ip_header = _ip_header(client_ip_header) or "x-forwarded-for"
    prefix = _variable_prefix(name)
    listens = [str(item) for item in _listen_values(listen)]

    def server_tls() -> list[str]:
        return [*(f"    listen {item} ssl;" for item in listens),
                f"    ssl_certificate     {_q(server_certificate)};",
                f"    ssl_certificate_key {_q(server_private_key)};",
                "    ssl_protocols       TLSv1.2 TLSv1.3;"]

    def proxy_settings(certificate: str, verified: str) -> list[str]:
        lines = [
            "    # Every location inherits these. nginx inherits proxy_set_header only into levels that",
            "    # set none, so a location must never add its own.",
            "    proxy_http_version 1.1;",
            '    proxy_set_header Connection "";',
            f"    proxy_set_header Host {_q(parsed.authority)};",
            f"    proxy_set_header cname-api-key {_q(cname_api_key)};",
            "    # A header set here replaces every client-sent header of that name, whatever its case;",
            '    # an empty value drops it. Names with "_" cover nginx set to accept underscores.',
        ]
        for header in IP_HEADERS:
            value = "$remote_addr" if header in ("x-forwarded-for", ip_header) else '""'
            lines.append(f"    proxy_set_header {header} {value};")
        lines.append(f"    proxy_set_header client-certificate {certificate};")
        lines.append(f"    proxy_set_header client-certificate-ca-verified {verified};")
        for header in ("cname-api-key", *CLIENT_CERTIFICATE_HEADERS, *IP_HEADERS):
            lines.append(f'    proxy_set_header {header.replace("-", "_")} "";')
        if parsed.scheme == "https":
            lines += [
                "    proxy_ssl_server_name on;",
                f"    proxy_ssl_name {_q(parsed.host)};",
                "    proxy_ssl_protocols TLSv1.2 TLSv1.3;",
                "    proxy_ssl_verify on;",
                f"    proxy_ssl_verify_depth {VERIFY_DEPTH};",
                f"    proxy_ssl_trusted_certificate {_q(origin_ca_certificate)};",
            ]
        return lines

    rejected = "@certificate_rejected"  # named locations belong to their server
    no_store = "        add_header Cache-Control no-store always;"
    forwarded = ", ".join(MTLS_PATHS)
    lines = [
        f"# nginx edge for the Auth0 custom domain {name}, rendered by auth0_mtls.edge.",
        "# A file for nginx's http context (e.g. /etc/nginx/conf.d/). It holds the domain's",
        "# cname-api-key: keep it readable by root only.",
        "",
        "# Certificate headers for Auth0, from nginx's verification of the client certificate:",
        '# "SUCCESS" or "FAILED:<reason>", and the URL-encoded leaf certificate. Without a',
        "# certificate (NONE) both are empty, and an empty header is not sent.",
        f"map $ssl_client_verify ${prefix}_verified {{",
        "    default $ssl_client_verify;",
        '    NONE    "";',
        "}",
        f"map $ssl_client_verify ${prefix}_cert {{",
        "    default $ssl_client_escaped_cert;",
        '    NONE    "";',
        "}",
        f"map $ssl_client_escaped_cert ${prefix}_cert_too_big {{",
        "    default 0;",
        f'    "~^.{{{MAX_CLIENT_CERTIFICATE_HEADER + 1}}}" 1;',
        "}",
        "",
        f"# {name}: everything goes to Auth0; no client certificate is asked for or forwarded.",
        "server {",
        *server_tls(),
        f"    server_name {name};",
        "",
        *proxy_settings('""', '""'),
        "",
        "    location / {",
        f"        proxy_pass {parsed.url};",
        "    }",
        "}",
        "",
        f"# {mtls_name}: only {forwarded}, with the client certificate.",
        "server {",
        *server_tls(),
        f"    server_name {mtls_name};",
        "",
        "    # Ask for a certificate but do not require one. With optional_no_ca nginx still verifies it",
        "    # (against ssl_trusted_certificate when set) and records the result in $ssl_client_verify;",
        "    # it tolerates self-signed certificates and unknown issuers, and refuses others (expired,",
        "    # not yet valid, wrong purpose) with error 495, answered below as an OAuth error.",
        "    ssl_verify_client optional_no_ca;",
        f"    ssl_verify_depth {VERIFY_DEPTH};",
    ]
    if client_ca_certificate is not None:
        lines += [
            "    # Trusted, not advertised (ssl_client_certificate would list the CA in the handshake,",
            "    # and some clients then withhold certificates of other issuers, e.g. self-signed ones).",
            f"    ssl_trusted_certificate {_q(client_ca_certificate)};",
        ]
    lines += [
        "    default_type application/json;",
        f"    error_page 495 = {rejected};",
        "",
        *proxy_settings(f"${prefix}_cert", f"${prefix}_verified"),
    ]
    too_large = _json_error("invalid_client", f"the client certificate is larger than the "
                                              f"{MAX_CLIENT_CERTIFICATE_HEADER} bytes Auth0 accepts")
    for path in MTLS_PATHS:
        lines += [
            "",
            f"    location = {path} {{",
            f"        if (${prefix}_cert_too_big) {{",
            "            add_header Cache-Control no-store always;",
            f"            return 401 {too_large};",
            "        }",
            "        # The URI is given, so Auth0 gets exactly this path (plus the query string).",
            f"        proxy_pass {parsed.url}{path};",
            "    }",
        ]
    lines += [
        "",
        "    location / {",
        no_store,
        f"        return 404 {_json_error('not_found', f'{mtls_name} serves only {forwarded}')};",
        "    }",
        "",
        f"    location {rejected} {{",
        no_store,
        "        return 401 "
        f"{_json_error('invalid_client', 'the client certificate was refused: $ssl_client_verify')};",
        "    }",
        "}",
        "",
    ]
    return "\n".join(lines)


def nginx_config(
    *,
    domain: pulumi.Input[str],
    # Optional in their types because the stack's outputs are (origin_domain_name is known once the
    # domain is verified, cname_api_key only if it was captured); a None is refused with the reason.
    origin: pulumi.Input[Optional[str]],
    cname_api_key: pulumi.Input[Optional[str]],
    server_certificate: pulumi.Input[str],
    server_private_key: pulumi.Input[str],
    client_ca_certificate: Optional[pulumi.Input[Optional[str]]] = None,
    client_ip_header: Optional[pulumi.Input[Optional[str]]] = None,
    listen: pulumi.Input[Any] = "443",
    origin_ca_certificate: pulumi.Input[str] = DEFAULT_ORIGIN_CA_BUNDLE,
) -> pulumi.Output[str]:
    """:func:`render_nginx_config` on Pulumi inputs (e.g. ``verified.cname_api_key``). The result is
    always a secret, since the text holds the key; it is unknown during a preview while an input is."""
    resolved = pulumi.Output.all(
        domain=domain, origin=origin, cname_api_key=cname_api_key, server_certificate=server_certificate,
        server_private_key=server_private_key, client_ca_certificate=client_ca_certificate,
        client_ip_header=client_ip_header, listen=listen, origin_ca_certificate=origin_ca_certificate)
    return pulumi.Output.secret(resolved.apply(lambda args: render_nginx_config(**args)))
