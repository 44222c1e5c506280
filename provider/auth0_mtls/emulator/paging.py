"""List pagination shared by the list endpoints: checkpoint cursors (``take``/``from``)."""

from __future__ import annotations

import base64
import json
from typing import Any

from .errors import query_error
from .validation import QUERY_DESC

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
