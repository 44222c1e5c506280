"""List pagination shared by the list endpoints: checkpoint cursors (``take``/``from``)."""

from __future__ import annotations

import base64
import json
from typing import Any, Callable

from .errors import query_error
from .validation import QUERY_DESC, parse_bool, parse_int, parse_take

# Real cursors are opaque iron-sealed strings ("Fe26.2*..."); ours only look alike.
CURSOR_PREFIX = "Fe26.2*emulator*"


def encode_cursor(key: list[Any]) -> str:
    raw = base64.urlsafe_b64encode(json.dumps(key, separators=(",", ":")).encode()).decode().rstrip("=")
    return CURSOR_PREFIX + raw


def decode_cursor(cursor: str) -> list[Any]:
    """The sort key a cursor was made from: ``[str, int]``; a 400 on anything else."""
    try:
        if not cursor.startswith(CURSOR_PREFIX):
            raise ValueError
        raw = cursor[len(CURSOR_PREFIX):]
        key = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
        if not (isinstance(key, list) and len(key) == 2 and isinstance(key[0], str) and isinstance(key[1], int)):
            raise ValueError
        return key
    except ValueError:
        raise query_error("Invalid checkpoint cursor", "from", QUERY_DESC["from"]) from None


def offset_page(items: list[Any], query: dict[str, str], key: str, totals_order: tuple[str, ...]) -> Any:
    """``page``/``per_page``/``include_totals`` lists: a bare array unless ``include_totals=true``.

    ``totals_order`` names the totals keys in the order the endpoint's recorded responses
    show them (``start``, ``limit``, ``length``, ``total``); the items come last.
    """
    page = parse_int(query.get("page"), "page", minimum=0) or 0
    per_page = parse_int(query.get("per_page"), "per_page", minimum=1, maximum=100) or 50
    include_totals = parse_bool(query.get("include_totals"), "include_totals", False)
    paged = "page" in query or "per_page" in query or include_totals
    window = items[page * per_page:(page + 1) * per_page] if paged else items
    if not include_totals:
        return window
    values = {"start": page * per_page, "limit": per_page, "length": len(window), "total": len(items)}
    return {**{name: values[name] for name in totals_order}, key: window}


def checkpoint_page(records: list[Any], query: dict[str, str], key: str,
                    sort_key: Callable[[Any], tuple[str, int]], render: Callable[[Any], Any]) -> dict[str, Any]:
    """``take``/``from`` lists: ``{key: [...], "next": cursor}`` (``next`` only when more remain)."""
    take = parse_take(query.get("take")) or 50
    cursor = query.get("from")
    if cursor:
        after = decode_cursor(cursor)
        records = [record for record in records if list(sort_key(record)) > after]
    page, rest = records[:take], records[take:]
    out: dict[str, Any] = {key: [render(record) for record in page]}
    if rest:
        out["next"] = encode_cursor(list(sort_key(page[-1])))
    return out
