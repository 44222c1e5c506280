"""What every API area shares: one lock, one clock, id generation, and the area base class.

An area (custom domains, tenant settings, ...) keeps its records in memory and takes
:attr:`Store.lock` in each public method, so every API call is atomic with respect to all
others, across areas too (a client grant can check that its client exists without a race).
"""

from __future__ import annotations

import secrets
import string
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Collection, Mapping

from .ratelimit import RateLimitConfig

if TYPE_CHECKING:
    from .router import Route

ALPHANUMERIC = string.ascii_letters + string.digits
HEX = "0123456789abcdef"


@dataclass
class Config:
    """Constructor settings of an emulated tenant; a reset returns to these."""

    client_id: str
    client_secret: str
    auto_dns: bool
    verify_rate: RateLimitConfig | None
    management_rate: RateLimitConfig | None
    token_ttl: int
    scopes: tuple[str, ...]
    api_token: str | None
    tenant_settings: dict[str, Any] | None
    clock: Callable[[], float] = field(default=time.time)
    # Every scope a route of a registered area needs: what a static --api-token holds.
    all_scopes: tuple[str, ...] = ()


class Store:
    """The lock, clock and sibling areas every area of one tenant shares."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.lock = threading.RLock()
        self.clock = clock
        self.areas: dict[str, Area] = {}

    def now(self) -> float:
        return self.clock()

    def area(self, name: str) -> Any:
        """A sibling area by name, for checks that span areas (e.g. a grant's client must exist)."""
        return self.areas[name]

    @staticmethod
    def new_id(prefix: str, length: int, taken: Collection[str], alphabet: str = ALPHANUMERIC) -> str:
        """``prefix`` + ``length`` random characters, not already in ``taken``."""
        while True:
            candidate = prefix + "".join(secrets.choice(alphabet) for _ in range(length))
            if candidate not in taken:
                return candidate


class Area:
    """One Management/Authentication API area: its records, its routes, its part of a snapshot.

    Subclasses set :attr:`name`, :attr:`scopes` (the scopes its routes need, in the order
    tokens list them) and :attr:`routes`; they implement :meth:`reset`, and, if they hold
    tenant data, :meth:`snapshot`, :attr:`snapshot_keys` and :meth:`prepare_load`.
    """

    name: ClassVar[str]
    scopes: ClassVar[tuple[str, ...]] = ()
    routes: ClassVar[tuple["Route", ...]] = ()
    # Top-level snapshot keys this area reads in :meth:`prepare_load` (those it writes, and
    # any extra inputs such as plaintext keys that a snapshot never shows).
    snapshot_keys: ClassVar[tuple[str, ...]] = ()

    def __init__(self, store: Store, config: Config) -> None:
        self.store = store
        self.config = config
        self.reset()

    @property
    def lock(self) -> threading.RLock:
        return self.store.lock

    def now(self) -> float:
        return self.store.now()

    def reset(self) -> None:
        """Back to the start state of a fresh tenant."""

    def snapshot(self) -> dict[str, Any]:
        """This area's part of ``GET /__emulator/state`` (top-level keys it owns)."""
        return {}

    def prepare_load(self, snapshot: Mapping[str, Any]) -> Callable[[], None]:
        """Check this area's part of a snapshot and return the function that installs it.

        Raises ValueError on a malformed snapshot before anything changes, so that a
        tenant-wide load either replaces every area or none. A key the snapshot lacks
        means "empty" (the area's start state). Areas without tenant data (tokens) keep
        what they hold.
        """
        return lambda: None
