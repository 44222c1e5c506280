"""Reads the ``__provider`` values that stacks keep in state, without unpickling them.

The engine stores, for every dynamic resource, the dill pickle of its provider (base64) in the
resource's inputs and outputs; ``refresh`` and ``destroy`` unpickle the one in state, so every
``module.Class`` it names must stay importable for as long as such a stack may exist.
"""

from __future__ import annotations

import base64
import json
import pickletools
from pathlib import Path
from typing import Any, Iterator

FIXTURES = Path(__file__).resolve().parent / "fixtures"
PROVIDER_KEY = "__provider"

# Opcodes that push a string which a following STACK_GLOBAL may take as a module or a name.
_STRING_OPS = {"SHORT_BINUNICODE", "BINUNICODE", "BINUNICODE8", "UNICODE", "SHORT_BINSTRING", "BINSTRING", "STRING"}
_MEMO_PUT = {"MEMOIZE", "PUT", "BINPUT", "LONG_BINPUT"}
_MEMO_GET = {"GET", "BINGET", "LONG_BINGET"}


def global_names(pickle_bytes: bytes) -> list[str]:
    """Every ``module.qualname`` a pickle loads by reference (GLOBAL, INST and STACK_GLOBAL).

    Only the strings on top of the stack are tracked, which is all STACK_GLOBAL consumes; memo
    references are followed, since pickle protocol 4 memoizes the module name and reuses it.
    """
    names: list[str] = []
    recent: list[Any] = []  # the last values pushed that could be strings
    memo: dict[int, Any] = {}
    for opcode, arg, _pos in pickletools.genops(pickle_bytes):
        name = opcode.name
        if name in ("GLOBAL", "INST"):
            module, qualname = str(arg).split(" ", 1)
            names.append(f"{module}.{qualname}")
            recent.append(None)
        elif name == "STACK_GLOBAL":
            module, qualname = recent[-2], recent[-1]
            if not (isinstance(module, str) and isinstance(qualname, str)):
                raise ValueError("STACK_GLOBAL whose operands are not plain strings")
            names.append(f"{module}.{qualname}")
            recent[-2:] = [None]
        elif name in _STRING_OPS:
            recent.append(arg if isinstance(arg, str) else arg.decode("latin-1"))
        elif name in _MEMO_PUT:
            memo[len(memo) if name == "MEMOIZE" else int(arg)] = recent[-1] if recent else None
        elif name in _MEMO_GET:
            recent.append(memo.get(int(arg)))
        else:
            recent.append(None)
    return names


def provider_values(stack_export: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """``(urn, base64 pickle)`` for every ``__provider`` in a ``pulumi stack export`` document,
    pending operations included (their inputs are what an interrupted create would resume with)."""
    deployment = stack_export["deployment"]
    states = list(deployment.get("resources") or [])
    states += [op["resource"] for op in deployment.get("pending_operations") or []]
    for state in states:
        for section in ("inputs", "outputs"):
            value = (state.get(section) or {}).get(PROVIDER_KEY)
            if value is None:
                continue
            if isinstance(value, dict):  # a secret: the engine encrypts __provider unless told not to
                raise ValueError(f"{state['urn']}: __provider is stored as a secret; this fixture cannot be read "
                                 "without its passphrase (auth0-mtls providers set serialize_as_secret_always=False)")
            yield state["urn"], value


def fixture_dirs() -> list[Path]:
    """Every recorded release, oldest first by name (``v0.1.0``, ``v0.2.0``, ...)."""
    return sorted((p for p in FIXTURES.iterdir() if (p / "stack.json").is_file()), key=lambda p: p.name)


def names_in_fixture(directory: Path) -> dict[str, set[str]]:
    """``{module.Class: {urn, ...}}`` for one fixture directory."""
    export = json.loads((directory / "stack.json").read_text())
    found: dict[str, set[str]] = {}
    for urn, value in provider_values(export):
        for name in global_names(base64.b64decode(value)):
            found.setdefault(name, set()).add(urn)
    return found
