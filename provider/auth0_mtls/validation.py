"""Pure input validation used by every ``check`` hook.

Each validator returns failures as ``(property, reason)`` pairs. Values that are unknown during a
preview (an output of a resource not yet created) are skipped: they are checked again at apply time,
when they are known.
"""

from __future__ import annotations

import ipaddress
import math
import re
from typing import Any, Iterable, Mapping

from pulumi.output import Unknown
from pulumi.runtime import rpc

Failure = tuple[str, str]

# How the engine marks a value not known until apply: check and diff receive `Unknown` objects, and
# the wire form is this magic string; both are handled.
UNKNOWN = rpc.UNKNOWN

TYPES = ("self_managed_certs", "auth0_managed_certs")
TLS_POLICIES = ("recommended",)
# The Management API's enum; "" clears the header.
CLIENT_IP_HEADERS = ("true-client-ip", "cf-connecting-ip", "x-forwarded-for", "x-azure-clientip", "")
METADATA_MAX_KEYS = 10
METADATA_MAX_VALUE = 255
# Auth0 documents no limit for domain_metadata keys. Its other metadata maps (client_metadata) allow
# field names up to 255 characters, the same bound as values: that is the bound used here, so an
# absurd key fails in the preview instead of as a 400 halfway through an apply.
METADATA_MAX_KEY = 255
# RFC 1035: 255 octets on the wire are 253 characters written out, without the trailing dot.
DOMAIN_MAX = 253
LABEL_MAX = 63
# Auth0 allows 5 verify calls a minute per tenant; polling faster than once a second only meets
# 429s (which the client then waits out anyway).
MIN_POLL_INTERVAL_SECONDS = 1
_LABEL = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?")
_HOST_LABEL = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")
_PORT = re.compile(r":[0-9]*$")
CUSTOM_DOMAIN_ID = re.compile(r"cd_[A-Za-z0-9]{1,64}")


def is_unknown(value: Any) -> bool:
    """True when the value, or anything inside it, is not known yet (preview)."""
    if isinstance(value, Unknown):
        return True
    if isinstance(value, str):
        return value == UNKNOWN
    if isinstance(value, Mapping):
        return any(is_unknown(k) or is_unknown(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(is_unknown(v) for v in value)
    return False


def _allowed(values: Iterable[str]) -> str:
    return ", ".join(repr(v) if v == "" else v for v in values)


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def ascii_lower(text: str) -> str:
    """``text`` in lower case if it is ASCII, else as written: ``str.lower()`` maps some non-ASCII
    letters to ASCII ones (KELVIN SIGN to "k"), which would silently make a name another host. Left
    as written, the host checks refuse it (with its punycode form as the hint)."""
    return text.lower() if text.isascii() else text


def normalize_host(value: str) -> str:
    """The canonical form of a host name as written by a user: no surrounding space, no root dot,
    lower case (ASCII only; see ``ascii_lower``)."""
    return ascii_lower(value.strip().rstrip("."))


def is_host_name(host: str) -> bool:
    """Whether ``host`` (already lower case) is a DNS host name of ASCII labels; a single label
    (``localhost``) counts."""
    return len(host) <= DOMAIN_MAX and all(_HOST_LABEL.fullmatch(label) for label in host.split("."))


def _punycode(name: str) -> str | None:
    try:
        return name.encode("idna").decode("ascii")
    except (UnicodeError, ValueError):
        return None


def host_name_problem(value: str, *, single_label: bool = False) -> str | None:
    """What is wrong with a DNS host name, or ``None``. ASCII only: the check runs before anything
    lower-cases the value, because ``str.lower()`` maps some non-ASCII letters to ASCII ones (the
    KELVIN SIGN to ``k``), which would silently name another host."""
    if not value.isascii():
        ascii_form = _punycode(value)
        example = f": {ascii_form}" if ascii_form and ascii_form.isascii() and ascii_form != value else ""
        return f"it contains non-ASCII characters; write the name in its ASCII (punycode, xn--) form{example}"
    name = value.lower()
    if len(name) > DOMAIN_MAX:
        return f"it is {len(name)} characters long; at most {DOMAIN_MAX} are allowed"
    bare = name[1:-1] if name.startswith("[") and name.endswith("]") else name
    try:
        ipaddress.ip_address(bare)
        return "it is an IP address; a host name (e.g. login.example.com) is needed"
    except ValueError:
        pass
    labels = name.split(".")
    if len(labels) < 2 and not single_label:
        return "it is not a fully qualified host name (e.g. login.example.com)"
    for label in labels:
        if len(label) > LABEL_MAX:
            return f"label {_show(label)} is {len(label)} characters long; at most {LABEL_MAX} are allowed"
        if not _LABEL.fullmatch(label):
            return ("each dot-separated label must be 1-63 letters, digits or hyphens, not starting or ending "
                    "with a hyphen")
    if labels[-1].isdigit():
        return "its last label is all digits, which no top-level domain is (an IP address is not allowed)"
    return None


def url_parts_problem(value: str) -> str | None:
    """What makes ``value`` a URL or ``host:port`` rather than a host name (a scheme, a port, a
    path), with the host name it holds as the example; ``None`` if it has none of them."""
    scheme = _SCHEME.match(value)
    rest = value[scheme.end():] if scheme else value
    host_port, sep, _path = rest.partition("/")
    host_port = host_port.split("?", 1)[0].split("#", 1)[0]
    port = _PORT.search(host_port) if host_port.count(":") == 1 else None
    parts = [what for what, found in (("a scheme (" + (scheme.group(0) if scheme else "") + ")", scheme),
                                      ("a port (" + (port.group(0) if port else "") + ")", port),
                                      ("a path", sep or rest != host_port)) if found]
    if not parts:
        return None
    host = (host_port[:port.start()] if port else host_port).rsplit("@", 1)[-1].rstrip(".").lower()
    example = host if host and host.isascii() and host_name_problem(host) is None else "login.example.com"
    listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + f" and {parts[-1]}"
    return f"it has {listed}; give just the host name, e.g. {example}"


def domain_failures(value: Any, prop: str = "domain") -> list[Failure]:
    if value is None or value == "":
        return [(prop, f"{prop} is required: a host name such as login.example.com")]
    if not isinstance(value, str):
        return [(prop, f"{prop} must be a string host name, got {type(value).__name__}")]
    problem = url_parts_problem(value)
    if problem:
        # A URL may carry user:password@ or a query: such a value is not repeated.
        shown = "" if any(mark in value for mark in "@?#") else f" {_show(value)}"
        return [(prop, f"{prop}{shown} is not a valid host name: {problem}")]
    problem = host_name_problem(value)
    if problem:
        return [(prop, f"{prop} {_show(value)} is not a valid host name: {problem}")]
    return []


def enum_failures(prop: str, value: Any, allowed: tuple[str, ...], *, optional: bool = True,
                  note: str = "") -> list[Failure]:
    if value is None and optional:
        return []
    if value not in allowed:
        extra = f" {note}" if note else ""
        return [(prop, f"{prop} {_show(value)} is not supported.{extra} Allowed values: {_allowed(allowed)}")]
    return []


def tls_policy_failures(value: Any) -> list[Failure]:
    note = "Auth0 no longer supports the 'compatible' policy." if value == "compatible" else ""
    return enum_failures("tls_policy", value, TLS_POLICIES, note=note)


def metadata_failures(value: Any, prop: str = "domain_metadata") -> list[Failure]:
    if value is None:
        return []
    if not isinstance(value, Mapping):
        return [(prop, f"{prop} must be a map of string keys to string values, got {type(value).__name__}")]
    failures: list[Failure] = []
    if len(value) > METADATA_MAX_KEYS:
        failures.append((prop, f"{prop} has {len(value)} keys; Auth0 allows at most {METADATA_MAX_KEYS}"))
    for key, item in value.items():
        if is_unknown(item):
            continue
        if not isinstance(key, str) or not key:
            failures.append((prop, f"{prop} keys must be non-empty strings"))
        elif len(key) > METADATA_MAX_KEY:
            failures.append((prop, f"{prop} key {_show(key)} is {len(key)} characters long; at most "
                                   f"{METADATA_MAX_KEY} are allowed"))
        elif not isinstance(item, str):
            failures.append((prop, f"{prop}[{key!r}] must be a string, got {type(item).__name__}"))
        elif len(item) > METADATA_MAX_VALUE:
            failures.append((prop, f"{prop}[{key!r}] is {len(item)} characters long; at most "
                                   f"{METADATA_MAX_VALUE} are allowed"))
    return failures


def bool_failures(prop: str, value: Any, *, optional: bool = True) -> list[Failure]:
    if value is None and optional:
        return []
    if not isinstance(value, bool):
        return [(prop, f"{prop} must be true or false, got {_show(value)}")]
    return []


def custom_domain_id_failures(value: Any, prop: str = "custom_domain_id") -> list[Failure]:
    if not isinstance(value, str) or not CUSTOM_DOMAIN_ID.fullmatch(value):
        return [(prop, f"{prop} must be a custom domain id: 'cd_' followed by letters and digits "
                       f"(use CustomDomain.custom_domain_id), got {_show(value)}")]
    return []


def positive_number_failures(prop: str, value: Any, *, maximum: float | None = None,
                             minimum: float | None = None, why_minimum: str = "") -> list[Failure]:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return [(prop, f"{prop} must be a number of seconds greater than 0, got {_show(value)}")]
    if not math.isfinite(value):
        # NaN passes every comparison below (and never equals itself, so it would show as a change
        # on every run); infinity would mean waiting for ever.
        return [(prop, f"{prop} must be a finite number of seconds, got {value!r}")]
    if value <= 0:
        return [(prop, f"{prop} must be greater than 0, got {_show(value)}")]
    if minimum is not None and value < minimum:
        return [(prop, f"{prop} must be at least {minimum:g}{why_minimum}, got {_show(value)}")]
    if maximum is not None and value > maximum:
        return [(prop, f"{prop} must be at most {maximum:g}, got {_show(value)}")]
    return []
