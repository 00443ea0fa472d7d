"""OCPI status codes (the `status_code` of the response envelope), per version.

2.1.1 defines 1000, 2000-2003 and 3000-3003; 2.2.1 and 2.3.0 add 2004 and the hub codes 4000-4003.
"""

from enum import IntEnum


class StatusCode(IntEnum):
    SUCCESS = 1000
    CLIENT_ERROR = 2000
    INVALID_OR_MISSING_PARAMETERS = 2001
    NOT_ENOUGH_INFORMATION = 2002
    UNKNOWN_LOCATION = 2003
    UNKNOWN_TOKEN = 2004
    SERVER_ERROR = 3000
    UNABLE_TO_USE_CLIENT_API = 3001
    UNSUPPORTED_VERSION = 3002
    NO_MATCHING_ENDPOINTS = 3003
    HUB_ERROR = 4000
    UNKNOWN_RECEIVER = 4001
    FORWARDING_TIMEOUT = 4002
    RECEIVER_NOT_CONNECTED = 4003


STATUS_CODES_BY_VERSION: dict[str, frozenset[StatusCode]] = {
    "2.1.1": frozenset(code for code in StatusCode if code < 4000 and code != StatusCode.UNKNOWN_TOKEN),
    "2.2.1": frozenset(StatusCode),
    "2.3.0": frozenset(StatusCode),
}

# Module-level aliases, the names users of the seed library know.
GENERIC_SUCCESS_CODE = StatusCode.SUCCESS
GENERIC_CLIENT_ERROR = StatusCode.CLIENT_ERROR
CLIENT_ERROR_INVALID_OR_MISSING_PARAMETERS = StatusCode.INVALID_OR_MISSING_PARAMETERS
CLIENT_ERROR_NOT_ENOUGH_INFORMATION = StatusCode.NOT_ENOUGH_INFORMATION
CLIENT_ERROR_UNKNOWN_LOCATION = StatusCode.UNKNOWN_LOCATION
CLIENT_ERROR_UNKNOWN_TOKEN = StatusCode.UNKNOWN_TOKEN
GENERIC_SERVER_ERROR = StatusCode.SERVER_ERROR
SERVER_UNABLE_TO_USE_CLIENT_API = StatusCode.UNABLE_TO_USE_CLIENT_API
SERVER_UNSUPPORTED_VERSION = StatusCode.UNSUPPORTED_VERSION
SERVER_NO_MATCHING_ENDPOINTS = StatusCode.NO_MATCHING_ENDPOINTS
HUB_GENERIC_ERROR = StatusCode.HUB_ERROR
HUB_UNKNOWN_RECEIVER = StatusCode.UNKNOWN_RECEIVER
HUB_REQUEST_TIMEOUT = StatusCode.FORWARDING_TIMEOUT
HUB_CONNECTION_PROBLEM = StatusCode.RECEIVER_NOT_CONNECTED


def is_defined(code: int, version: str) -> bool:
    """Whether `code` is a standard code of `version` (custom x9xx ranges count for 2.2.1 and 2.3.0)."""
    if version != "2.1.1" and (code // 100) % 10 == 9 and 1000 <= code < 5000:
        return True
    try:
        return StatusCode(code) in STATUS_CODES_BY_VERSION[version]
    except (ValueError, KeyError):
        return False
