"""Error types raised by the state model and rendered verbatim by the HTTP layer."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A Management API error: ``{"statusCode", "error", "message", "errorCode"}``."""

    def __init__(
        self,
        status: int,
        error: str,
        message: str,
        error_code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {error}: {message}")
        self.status = status
        self.error = error
        self.message = message
        self.error_code = error_code
        # Rate-limit errors must carry the bucket's headers to the wire.
        self.headers: dict[str, str] = dict(headers or {})

    def body(self) -> dict[str, Any]:
        data: dict[str, Any] = {"statusCode": self.status, "error": self.error, "message": self.message}
        if self.error_code is not None:
            data["errorCode"] = self.error_code
        return data


class OAuthError(Exception):
    """An Authentication API error: ``{"error", "error_description"}``."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(f"{status} {error}: {description}")
        self.status = status
        self.error = error
        self.description = description

    def body(self) -> dict[str, Any]:
        return {"error": self.error, "error_description": self.description}


def bad_request(message: str, error_code: str) -> ApiError:
    return ApiError(400, "Bad Request", message, error_code)


def payload_error(detail: str, prop: str | None = None, description: str | None = None) -> ApiError:
    """Auth0 forwards its JSON-schema validator's wording in this frame."""
    return bad_request(_frame("Payload", detail, prop, description), "invalid_body")


def query_error(detail: str, prop: str | None = None, description: str | None = None) -> ApiError:
    return bad_request(_frame("Query", detail, prop, description), "invalid_query_string")


def path_error(detail: str, prop: str | None = None, description: str | None = None) -> ApiError:
    return bad_request(_frame("Path", detail, prop, description), "invalid_uri")


def _frame(kind: str, detail: str, prop: str | None, description: str | None) -> str:
    text = f"{kind} validation error: '{detail}'"
    if prop:
        text += f" on property {prop}"
        if description:
            text += f" ({description.rstrip('.')})"
    return text + "."


def not_found_route() -> ApiError:
    # hapi, which fronts the Management API, answers unknown method+path pairs this way.
    return ApiError(404, "Not Found", "Not Found")


def invalid_token(message: str = "Invalid token") -> ApiError:
    return ApiError(401, "Unauthorized", message, "invalid_token")


def insufficient_scope(scope: str) -> ApiError:
    return ApiError(403, "Forbidden", f"Insufficient scope, expected any of: {scope}", "insufficient_scope")


# The token endpoint's recorded answers, shared by the management client and application clients.

def missing_grant_type() -> OAuthError:
    return OAuthError(400, "invalid_request", "Missing required parameter: grant_type")


def unauthorized() -> OAuthError:
    # A wrong client id or secret.
    return OAuthError(401, "access_denied", "Unauthorized")


def grant_type_not_allowed(grant_type: Any) -> OAuthError:
    return OAuthError(403, "unauthorized_client", f"Grant type '{grant_type}' not allowed for the client.")


def no_audience() -> OAuthError:
    return OAuthError(403, "access_denied",
                      "No audience parameter was provided, and no default audience has been configured")


def service_not_enabled(audience: Any) -> OAuthError:
    return OAuthError(403, "access_denied", f"Service not enabled within domain: {audience}")


def too_many_requests(headers: dict[str, str]) -> ApiError:
    return ApiError(429, "Too Many Requests", "Global limit has been reached", "too_many_requests", headers)


def not_found(message: str, error_code: str) -> ApiError:
    return ApiError(404, "Not Found", message, error_code)


def conflict(message: str, error_code: str) -> ApiError:
    return ApiError(409, "Conflict", message, error_code)
