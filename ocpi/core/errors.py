"""Exceptions that carry their own answer: HTTP status, OCPI status code and a message.

The server turns each into an enveloped response; the client raises them for a partner's error answers.
"""

from __future__ import annotations

from ocpi.core.status import StatusCode


class OcpiError(Exception):
    """An error with its OCPI status code and HTTP status: raised, it answers the request with the OCPI
    envelope; from a client, what a partner answered."""

    http_status: int = 200
    status_code: int = StatusCode.CLIENT_ERROR

    def __init__(self, message: str = "", *, http_status: int | None = None, status_code: int | None = None):
        super().__init__(message)
        self.message = message
        self.data: object = None
        """A partner's error answer may still carry `data` (a REJECTED CommandResponse with 2003)."""
        if http_status is not None:
            self.http_status = http_status
        if status_code is not None:
            self.status_code = status_code

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, http={self.http_status}, ocpi={self.status_code})"


class ClientError(OcpiError):
    """2xxx: the request was understood but cannot be honoured. HTTP 200 unless the spec says otherwise."""


class InvalidParameters(ClientError):
    status_code = StatusCode.INVALID_OR_MISSING_PARAMETERS


class NotEnoughInformation(ClientError):
    status_code = StatusCode.NOT_ENOUGH_INFORMATION


class UnknownLocation(ClientError):
    status_code = StatusCode.UNKNOWN_LOCATION


class UnknownToken(ClientError):
    http_status = 404
    status_code = StatusCode.UNKNOWN_TOKEN


class NotFound(ClientError):
    """GET of an object that does not exist: HTTP 404 (spec), OCPI 2003 (our choice: the spec fixes no code)."""

    http_status = 404
    status_code = StatusCode.UNKNOWN_LOCATION


class MalformedRequest(ClientError):
    """The body is not valid JSON (or not UTF-8, or absurdly nested): HTTP 400."""

    http_status = 400
    status_code = StatusCode.CLIENT_ERROR


class PayloadTooLarge(ClientError):
    http_status = 413


class AuthenticationError(ClientError):
    """Missing or unknown token, or token A outside versions/credentials: HTTP 401."""

    http_status = 401


class MethodNotAllowed(ClientError):
    """Credentials POST when registered, PUT/DELETE when not: HTTP 405."""

    http_status = 405


class ServerError(OcpiError):
    http_status = 200
    status_code = StatusCode.SERVER_ERROR


class UnableToUseClientApi(ServerError):
    status_code = StatusCode.UNABLE_TO_USE_CLIENT_API


class UnsupportedVersion(ServerError):
    status_code = StatusCode.UNSUPPORTED_VERSION


class NoMatchingEndpoints(ServerError):
    status_code = StatusCode.NO_MATCHING_ENDPOINTS


class HubError(OcpiError):
    status_code = StatusCode.HUB_ERROR
