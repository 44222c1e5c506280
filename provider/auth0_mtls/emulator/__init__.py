"""Stateful local emulator of the Auth0 Management API subset used for tenant mTLS setup.

Areas (one module each, registered in :mod:`.areas`): custom domains, tenant settings,
management tokens, application clients and their credentials, resource servers, client
grants.

Start it in-process (``with Emulator() as emu: ...``) or as a process
(``python -m auth0_mtls.emulator --port 0``). Behaviour follows the recorded real
responses collected in the project's API reference. The ``/__emulator/*`` endpoints
(listed in :mod:`.admin`) and the ``EmulatorState`` methods control DNS, faults, rate
limits and tokens, and expose the call log.
"""

from .app import Emulator
from .errors import ApiError, OAuthError
from .faults import FaultRule
from .ratelimit import DEFAULT_VERIFY_RATE, RateLimitConfig
from .state import ALL_SCOPES, EmulatorState

__all__ = [
    "ALL_SCOPES",
    "ApiError",
    "DEFAULT_VERIFY_RATE",
    "Emulator",
    "EmulatorState",
    "FaultRule",
    "OAuthError",
    "RateLimitConfig",
]
