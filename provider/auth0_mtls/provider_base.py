"""What the three dynamic providers share: credentials read at run time, the shared client,
progress messages, and the diff convention.

The provider classes live in this installed package, so dill pickles them *by reference*: the
``__provider`` string in state stays a few hundred bytes, holds no code and no credentials, and a new
package version runs the new code without showing a diff.
"""

from __future__ import annotations

import sys
import threading
from typing import TYPE_CHECKING, Any, Mapping

from pulumi.dynamic import ConfigureRequest, DiffResult, ResourceProvider

from . import credentials
from .validation import is_unknown

if TYPE_CHECKING:
    from .client import ManagementClient

_CONFIG_KEYS = (credentials.DOMAIN[0], credentials.CLIENT_ID[0], credentials.CLIENT_SECRET[0],
                credentials.API_TOKEN[0])
_print_lock = threading.Lock()


def info(message: str) -> None:
    """A progress line; the engine shows the provider's stderr as diagnostics of the run."""
    with _print_lock:
        print(f"auth0-mtls: {message}", file=sys.stderr, flush=True)


def warn(message: str) -> None:
    with _print_lock:
        print(f"auth0-mtls warning: {message}", file=sys.stderr, flush=True)


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


class Auth0Provider(ResourceProvider):
    """Base of the dynamic providers. Instances carry no state until ``configure`` runs in the
    provider process, so nothing secret is ever pickled."""

    # Nothing secret is captured in the pickle, so the blob need not be encrypted in state.
    serialize_as_secret_always = False

    def configure(self, req: ConfigureRequest) -> None:
        # Runs in the provider process only, after unpickling: kept in memory, never serialized.
        self._stack_config = {key: req.config.get(key) for key in _CONFIG_KEYS}

    @property
    def client(self) -> "ManagementClient":
        # Imported here: the program process and a preview (check/diff only) never need HTTP, and
        # loading requests costs every `pulumi preview` ~70 ms per process.
        from .client import shared_client

        config = getattr(self, "_stack_config", None)
        return shared_client(credentials.resolve(config))
