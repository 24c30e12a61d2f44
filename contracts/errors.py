"""Typed errors that cross service boundaries.

Plain Python, so that domain code raises them without knowing about Nameko. A
service raises one of these; the chassis registers every class in ERRORS with
Nameko (chassis/rpc.py), so the caller gets the same class back, not a bare
RemoteError. The gateway turns any of them into the one JSON error shape with
the status given here.
"""


class CityHubError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, field: str | None = None, code: str | None = None):
        self.message = message
        self.field = field or None
        self.code = code or type(self).code
        # Nameko carries exception args across as strings (None would arrive as
        # "None"), so the args are always strings; "" stands for "no field".
        super().__init__(message, self.field or "", self.code)

    def __str__(self):
        return self.message


class InvalidInput(CityHubError):
    status = 422
    code = "validation_error"


class BadRequestBody(CityHubError):
    status = 400
    code = "bad_request"


class InvalidHeader(CityHubError):
    """A request header out of the format the API documents; `field` names it."""

    status = 400
    code = "invalid_header"


class NotFound(CityHubError):
    status = 404
    code = "not_found"


class Forbidden(CityHubError):
    status = 403
    code = "forbidden"


class TooManyAttempts(CityHubError):
    """429; `retry_after` (whole seconds) becomes the Retry-After header."""

    status = 429
    code = "too_many_attempts"

    def __init__(self, message: str, field: str | None = None, code: str | None = None,
                 retry_after: int | str = 0):
        super().__init__(message, field, code)
        self.retry_after = int(retry_after)
        # Kept in args so that the value survives the trip across RPC.
        self.args = (*self.args, str(self.retry_after))


class Conflict(CityHubError):
    status = 409
    code = "conflict"


class PreconditionFailed(CityHubError):
    """What the caller believed is no longer so (GOV.UK Pay's refund guard)."""

    status = 412
    code = "precondition_failed"


class Unauthorized(CityHubError):
    status = 401
    code = "unauthorized"


class RequestTimeout(CityHubError):
    status = 408
    code = "request_timeout"


class ServiceUnavailable(CityHubError):
    status = 503
    code = "service_unavailable"


class UpstreamTimeout(CityHubError):
    status = 504
    code = "upstream_timeout"


# Every error that crosses RPC as itself.
ERRORS: tuple[type[CityHubError], ...] = (
    InvalidInput, BadRequestBody, InvalidHeader, NotFound, Forbidden, TooManyAttempts, Conflict,
    PreconditionFailed, Unauthorized, RequestTimeout, ServiceUnavailable, UpstreamTimeout,
)
