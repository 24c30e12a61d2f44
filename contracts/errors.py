"""Typed errors that cross service boundaries.

A service raises one of these; Nameko serialises it, and the caller gets the
same class back (not a bare RemoteError) because each is registered with
`deserialize_to_instance`. The gateway turns any of them into the one JSON
error shape with the status given here.
"""

from nameko.exceptions import deserialize_to_instance


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


@deserialize_to_instance
class InvalidInput(CityHubError):
    status = 422
    code = "validation_error"


@deserialize_to_instance
class BadRequestBody(CityHubError):
    status = 400
    code = "bad_request"


@deserialize_to_instance
class NotFound(CityHubError):
    status = 404
    code = "not_found"


@deserialize_to_instance
class Forbidden(CityHubError):
    status = 403
    code = "forbidden"


@deserialize_to_instance
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


@deserialize_to_instance
class Conflict(CityHubError):
    status = 409
    code = "conflict"


@deserialize_to_instance
class Unauthorized(CityHubError):
    status = 401
    code = "unauthorized"


@deserialize_to_instance
class ServiceUnavailable(CityHubError):
    status = 503
    code = "service_unavailable"


@deserialize_to_instance
class UpstreamTimeout(CityHubError):
    status = 504
    code = "upstream_timeout"
