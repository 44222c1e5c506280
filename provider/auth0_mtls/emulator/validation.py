"""Request validation mirroring the Management API's OpenAPI schemas.

Auth0 validates bodies and query strings with a JSON-schema validator (z-schema) and
passes its wording through, framed as ``Payload validation error: '<detail>' on property
<name> (<description>).``; the details below use that validator's phrasing. Each area
passes the SPEC's description of the property it checks.
"""

from __future__ import annotations

import json
import re
from typing import Any, Mapping

from .errors import path_error, payload_error, query_error

# SPEC CreateCustomDomainRequestContent.domain.pattern, verbatim; also the hostname format check.
DOMAIN_PATTERN = (
    r"^(([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]{0,61}[a-zA-Z0-9])\.)*"
    r"([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]{0,61}[A-Za-z0-9])$"
)
_DOMAIN_RE = re.compile(DOMAIN_PATTERN)

# Descriptions of the list query parameters shared by the SPEC's list endpoints.
QUERY_DESC = {
    "take": "Number of results per page. Defaults to 50.",
    "from": "Optional Id from which to start selection.",
    "q": "Query in Lucene query string syntax.",
    "fields": (
        "Comma-separated list of fields to include or exclude (based on value provided for include_fields) "
        "in the result. Leave empty to retrieve all fields."
    ),
    "include_fields": "Whether specified fields are to be included (true) or excluded (false).",
    "include_totals": "Return results inside an object that contains the total result count (true) or as a "
                      "direct array of results (false, default).",
    "page": "Page index of the results to return. First page is 0.",
    "per_page": "Number of results per page.",
    "sort": "Field to sort by. Only domain:1 (ascending order by domain) is supported at this time.",
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


def check_path_pattern(value: str, pattern: str, prop: str, description: str | None) -> None:
    if not re.match(pattern, value):
        raise path_error(f"String does not match pattern {pattern}: {value}", prop, description)


def require_object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise payload_error(f"Expected type object but found type {json_type(body)}")
    return body


def check_additional(body: Mapping[str, Any], allowed: tuple[str, ...] | frozenset[str],
                     prop: str | None = None, description: str | None = None) -> None:
    extra = [key for key in body if key not in allowed]
    if extra:
        raise payload_error(f"Additional properties not allowed: {','.join(extra)}", prop, description)


def check_required(body: Mapping[str, Any], required: tuple[str, ...]) -> None:
    for name in required:
        if name not in body:
            raise payload_error(f"Missing required property: {name}")


def check_type(value: Any, expected: str, prop: str, description: str | None = None) -> None:
    """``expected`` is a JSON type name or a comma list such as ``"object,null"``."""
    kinds = expected.split(",")
    actual = json_type(value)
    if actual in kinds or (actual == "integer" and "number" in kinds):
        return
    raise payload_error(f"Expected type {expected} but found type {actual}", prop, description)


def check_string(
    value: Any, prop: str, description: str | None, *, min_len: int = 0, max_len: int | None = None,
    nullable: bool = False,
) -> None:
    if value is None and nullable:
        return
    if not isinstance(value, str):
        expected = "string,null" if nullable else "string"
        raise payload_error(f"Expected type {expected} but found type {json_type(value)}", prop, description)
    if len(value) < min_len:
        raise payload_error(f"String is too short ({len(value)} chars), minimum {min_len}", prop, description)
    if max_len is not None and len(value) > max_len:
        raise payload_error(f"String is too long ({len(value)} chars), maximum {max_len}", prop, description)


def check_enum(value: Any, allowed: tuple[str, ...], prop: str, description: str | None,
               nullable: bool = False) -> None:
    if value is None and nullable:
        return
    if not isinstance(value, str):
        expected = "string,null" if nullable else "string"
        raise payload_error(f"Expected type {expected} but found type {json_type(value)}", prop, description)
    if value not in allowed:
        raise payload_error(f"No enum match for: {json.dumps(value)}", prop, description)


def check_hostname_format(value: str, prop: str, description: str | None) -> None:
    if not is_hostname(value):
        raise payload_error(f"Object didn't pass validation for format hostname: {value}", prop, description)


def check_array(value: Any, prop: str, description: str | None, *, max_items: int | None = None,
                unique: bool = False) -> list[Any]:
    if not isinstance(value, list):
        raise payload_error(f"Expected type array but found type {json_type(value)}", prop, description)
    if max_items is not None and len(value) > max_items:
        raise payload_error(f"Array is too long ({len(value)}), maximum {max_items}", prop, description)
    if unique:
        seen: list[str] = []
        for index, item in enumerate(value):
            key = json.dumps(item, sort_keys=True)
            if key in seen:
                raise payload_error(f"Array items are not unique (indexes {seen.index(key)} and {index})", prop,
                                    description)
            seen.append(key)
    return value


def parse_take(raw: str | None) -> int | None:
    if raw is None:
        return None
    return parse_int(raw, "take", minimum=1, maximum=100)


def parse_int(raw: str | None, prop: str, *, minimum: int | None = None, maximum: int | None = None) -> int | None:
    if raw is None:
        return None
    description = QUERY_DESC.get(prop)
    try:
        number = int(raw)
    except ValueError:
        raise query_error("Expected type integer but found type string", prop, description) from None
    if minimum is not None and number < minimum:
        raise query_error(f"Value {number} is less than minimum {minimum}", prop, description)
    if maximum is not None and number > maximum:
        raise query_error(f"Value {number} is greater than maximum {maximum}", prop, description)
    return number


def parse_bool(raw: str | None, prop: str, default: bool) -> bool:
    if raw is None or raw == "":
        return default
    lowered = raw.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    raise query_error("Expected type boolean but found type string", prop, QUERY_DESC.get(prop))


def check_max_length(raw: str | None, prop: str, max_len: int) -> None:
    if raw is not None and len(raw) > max_len:
        raise query_error(f"String is too long ({len(raw)} chars), maximum {max_len}", prop, QUERY_DESC.get(prop))


def select_fields(document: Mapping[str, Any], fields: str | None, include: bool) -> dict[str, Any]:
    """Apply the ``fields``/``include_fields`` projection shared by Management API reads."""
    names = [name.strip() for name in (fields or "").split(",") if name.strip()]
    if not names:
        return dict(document)
    if include:
        return {key: value for key, value in document.items() if key in names}
    return {key: value for key, value in document.items() if key not in names}


__all__ = [
    "DOMAIN_PATTERN",
    "QUERY_DESC",
    "check_additional",
    "check_array",
    "check_enum",
    "check_hostname_format",
    "check_max_length",
    "check_path_pattern",
    "check_required",
    "check_string",
    "check_type",
    "is_hostname",
    "json_type",
    "parse_bool",
    "parse_int",
    "parse_take",
    "require_object",
    "select_fields",
]
