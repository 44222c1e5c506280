"""Request validation mirroring the Management API's OpenAPI schemas.

Auth0 validates bodies and query strings with a JSON-schema validator (z-schema) and
passes its wording through, framed as ``Payload validation error: '<detail>' on property
<name> (<description>).``; the details below use that validator's phrasing and the
descriptions are the SPEC's.
"""

from __future__ import annotations

import json
import re
from typing import Any, Mapping

from .errors import path_error, payload_error, query_error

# SPEC CreateCustomDomainRequestContent.domain.pattern, verbatim.
DOMAIN_PATTERN = (
    r"^(([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]{0,61}[a-zA-Z0-9])\.)*"
    r"([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]{0,61}[A-Za-z0-9])$"
)
_DOMAIN_RE = re.compile(DOMAIN_PATTERN)

# The SPEC gives the id parameter no pattern; the emulator rejects anything that could
# not be one of its own ids (cd_ + alphanumerics) so that clients' 400 paths are reachable.
ID_PATTERN = r"^cd_[A-Za-z0-9]{1,64}$"
_ID_RE = re.compile(ID_PATTERN)

PROVISIONING_TYPES = ("auth0_managed_certs", "self_managed_certs")
TLS_POLICIES = ("recommended",)
VERIFICATION_METHODS = ("txt",)
IP_HEADERS = ("true-client-ip", "cf-connecting-ip", "x-forwarded-for", "x-azure-clientip", "")

DESC = {
    "domain": "Domain name.",
    "type": "Custom domain provisioning type. Must be `auth0_managed_certs` or `self_managed_certs`.",
    "verification_method": "Custom domain verification method. Must be `txt`.",
    "tls_policy": "Custom domain TLS policy. Must be `recommended`, includes TLS 1.2.",
    "tls_policy_update": "recommended includes TLS 1.2",
    "custom_client_ip_header": "The HTTP header to fetch the client's IP address",
    "domain_metadata": (
        "Domain metadata associated with the custom domain, in the form of an object with string values "
        "(max 255 chars). Maximum of 10 domain metadata properties allowed."
    ),
    "relying_party_identifier": (
        "Relying Party ID (rpId) to be used for Passkeys on this custom domain. "
        "If not provided, the full domain will be used."
    ),
    "relying_party_identifier_update": (
        "Relying Party ID (rpId) to be used for Passkeys on this custom domain. "
        "Set to null to remove the rpId and fall back to using the full domain."
    ),
    "take": "Number of results per page. Defaults to 50.",
    "from": "Optional Id from which to start selection.",
    "q": "Query in Lucene query string syntax.",
    "fields": (
        "Comma-separated list of fields to include or exclude (based on value provided for include_fields) "
        "in the result. Leave empty to retrieve all fields."
    ),
    "include_fields": "Whether specified fields are to be included (true) or excluded (false).",
    "sort": "Field to sort by. Only domain:1 (ascending order by domain) is supported at this time.",
    "mtls": "mTLS configuration.",
    "enable_endpoint_aliases": "If true, enables mTLS endpoint aliases",
}

ID_DESC = {
    "get": "ID of the custom domain to retrieve.",
    "delete": "ID of the custom domain to delete.",
    "update": "The id of the custom domain to update",
    "verify": "ID of the custom domain to verify.",
}


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def is_hostname(value: str) -> bool:
    return 1 <= len(value) <= 255 and _DOMAIN_RE.match(value) is not None


def check_id(domain_id: str, operation: str) -> None:
    if not _ID_RE.match(domain_id):
        raise path_error(f"String does not match pattern {ID_PATTERN}: {domain_id}", "id", ID_DESC[operation])


def require_object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise payload_error(f"Expected type object but found type {json_type(body)}")
    return body


def check_additional(body: Mapping[str, Any], allowed: tuple[str, ...], prop: str | None = None) -> None:
    extra = [key for key in body if key not in allowed]
    if extra:
        raise payload_error(
            f"Additional properties not allowed: {','.join(extra)}", prop, DESC.get(prop or "", None)
        )


def check_string(
    value: Any, prop: str, desc_key: str, *, min_len: int = 0, max_len: int | None = None, nullable: bool = False
) -> None:
    description = DESC[desc_key]
    if value is None and nullable:
        return
    if not isinstance(value, str):
        expected = "string,null" if nullable else "string"
        raise payload_error(f"Expected type {expected} but found type {json_type(value)}", prop, description)
    if len(value) < min_len:
        raise payload_error(f"String is too short ({len(value)} chars), minimum {min_len}", prop, description)
    if max_len is not None and len(value) > max_len:
        raise payload_error(f"String is too long ({len(value)} chars), maximum {max_len}", prop, description)


def check_enum(value: Any, allowed: tuple[str, ...], prop: str, desc_key: str) -> None:
    if not isinstance(value, str):
        raise payload_error(f"Expected type string but found type {json_type(value)}", prop, DESC[desc_key])
    if value not in allowed:
        raise payload_error(f"No enum match for: {json.dumps(value)}", prop, DESC[desc_key])


def check_ip_header(value: Any) -> None:
    if value is None or (isinstance(value, str) and value in IP_HEADERS):
        return
    raise payload_error(
        "Data does not match any schemas from 'oneOf'", "custom_client_ip_header", DESC["custom_client_ip_header"]
    )


def check_hostname_format(value: str, prop: str, desc_key: str) -> None:
    if not is_hostname(value):
        raise payload_error(f"Object didn't pass validation for format hostname: {value}", prop, DESC[desc_key])


def check_metadata(value: Any) -> dict[str, str | None]:
    if not isinstance(value, dict):
        raise payload_error(
            f"Expected type object but found type {json_type(value)}", "domain_metadata", DESC["domain_metadata"]
        )
    if len(value) > 10:
        raise payload_error(
            f"Too many properties defined ({len(value)}), maximum 10", "domain_metadata", DESC["domain_metadata"]
        )
    for key, item in value.items():
        prop = f"domain_metadata.{key}"
        if item is not None and not isinstance(item, str):
            raise payload_error(f"Expected type string,null but found type {json_type(item)}", prop)
        if isinstance(item, str) and len(item) > 255:
            raise payload_error(f"String is too long ({len(item)} chars), maximum 255", prop)
    return dict(value)


def check_domain(value: Any) -> str:
    check_string(value, "domain", "domain", min_len=3, max_len=255)
    if not _DOMAIN_RE.match(value):
        raise payload_error(f"String does not match pattern {DOMAIN_PATTERN}: {value}", "domain", DESC["domain"])
    return str(value)


def parse_take(raw: str | None) -> int | None:
    if raw is None:
        return None
    try:
        take = int(raw)
    except ValueError:
        raise query_error("Expected type integer but found type string", "take", DESC["take"]) from None
    if take < 1:
        raise query_error(f"Value {take} is less than minimum 1", "take", DESC["take"])
    if take > 100:
        raise query_error(f"Value {take} is greater than maximum 100", "take", DESC["take"])
    return take


def parse_bool(raw: str | None, prop: str, default: bool) -> bool:
    if raw is None or raw == "":
        return default
    lowered = raw.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    raise query_error("Expected type boolean but found type string", prop, DESC[prop])


def check_max_length(raw: str | None, prop: str, max_len: int) -> None:
    if raw is not None and len(raw) > max_len:
        raise query_error(f"String is too long ({len(raw)} chars), maximum {max_len}", prop, DESC[prop])


def select_fields(document: Mapping[str, Any], fields: str | None, include: bool) -> dict[str, Any]:
    """Apply the ``fields``/``include_fields`` projection shared by Management API reads."""
    names = [name.strip() for name in (fields or "").split(",") if name.strip()]
    if not names:
        return dict(document)
    if include:
        return {key: value for key, value in document.items() if key in names}
    return {key: value for key, value in document.items() if key not in names}


def validate_mtls(value: Any) -> None:
    if value is None:
        return
    if not isinstance(value, dict):
        raise payload_error(f"Expected type object,null but found type {json_type(value)}", "mtls", DESC["mtls"])
    extra = [key for key in value if key != "enable_endpoint_aliases"]
    if extra:
        raise payload_error(f"Additional properties not allowed: {','.join(extra)}", "mtls", DESC["mtls"])
    if "enable_endpoint_aliases" in value and not isinstance(value["enable_endpoint_aliases"], bool):
        raise payload_error(
            f"Expected type boolean but found type {json_type(value['enable_endpoint_aliases'])}",
            "mtls.enable_endpoint_aliases",
            DESC["enable_endpoint_aliases"],
        )


__all__ = [
    "DOMAIN_PATTERN",
    "ID_PATTERN",
    "IP_HEADERS",
    "PROVISIONING_TYPES",
    "check_additional",
    "check_domain",
    "check_enum",
    "check_hostname_format",
    "check_id",
    "check_ip_header",
    "check_max_length",
    "check_metadata",
    "check_string",
    "is_hostname",
    "json_type",
    "parse_bool",
    "parse_take",
    "require_object",
    "select_fields",
    "validate_mtls",
]
