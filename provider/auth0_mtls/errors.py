"""The exceptions the package raises. Messages never carry a token, secret or ``cname_api_key``."""

from __future__ import annotations


class Auth0MtlsError(Exception):
    """Base class of every error raised by auth0-mtls."""


class ConfigurationError(Auth0MtlsError):
    """Credentials or connection settings are missing or unusable."""


class UnsafeInputError(Auth0MtlsError):
    """A value would have reached an unexpected URL path; refused before any request."""


class ApiError(Auth0MtlsError):
    """The Management API answered with an error, or could not be reached after all retries.

    ``status`` is ``None`` when no response arrived at all (connection failures).
    """

    def __init__(
        self,
        method: str,
        path: str,
        status: int | None,
        message: str,
        error_code: str | None = None,
        hint: str | None = None,
        after_retry: bool = False,
        host: str | None = None,
    ) -> None:
        self.method = method
        # The tenant's host: with several tenants in one program, which one answered matters.
        self.host = host
        self.path = path
        self.status = status
        self.error_code = error_code
        self.api_message = message
        self.hint = hint
        # True when an earlier attempt of this call may have reached Auth0 (its response was lost or
        # was a gateway error), e.g. a 409 on a create retry can mean "your first attempt worked".
        self.after_retry = after_retry
        super().__init__(self._render())

    def _render(self) -> str:
        status = str(self.status) if self.status is not None else "no response"
        code = f" {self.error_code}" if self.error_code else ""
        where = f" at {self.host}" if self.host else ""
        text = f"Auth0 Management API{where} {self.method} {self.path} failed: {status}{code}: {self.api_message}"
        if self.hint:
            text += f" ({self.hint})"
        return text

    def amended(self, *, message: str | None = None, hint: str | None = None) -> ApiError:
        """The same error with a new message and/or hint: the call, status, code, ``after_retry``
        and host stay as they were (a rebuilt error must still say which tenant answered)."""
        return ApiError(self.method, self.path, self.status, message or self.api_message, self.error_code,
                        hint or self.hint, self.after_retry, self.host)

    @property
    def is_not_found(self) -> bool:
        return self.status == 404

    @property
    def is_conflict(self) -> bool:
        return self.status == 409


class RateLimitError(ApiError):
    """Auth0 kept answering 429 for longer than the configured retry budget."""


class CaBundleError(ConfigurationError):
    """The CA bundle a tenant's connections would trust is unusable. ``source`` is where it was
    named: a stack config key (``auth0-eu:caBundle``) or an environment variable."""

    def __init__(self, message: str, source: str) -> None:
        super().__init__(message)
        self.source = source

    @property
    def from_stack_config(self) -> bool:
        return ":" in self.source  # config keys are namespaced; variable names have no colon


class TenantMismatch(ConfigurationError):
    """A resource's stack config namespace now points at another tenant than the one it lives in;
    refused before any call, so neither tenant is touched."""


class DeadlineReached(ApiError):
    """Waiting out a rate limit or a retry would pass the operation's deadline (e.g. a
    verification's ``timeout_seconds``)."""


class Interrupted(Auth0MtlsError):
    """The Pulumi engine that started this provider process is gone (a second Ctrl-C, a killed
    CLI): the operation stops instead of calling Auth0 for nobody."""
