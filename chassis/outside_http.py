"""JSON over HTTP to outside systems (registry, SMS gateway, face provider).

One place decides what "the outside system did not answer" means, so each
adapter only names its system. Errors carry the status or the error type and
never the request, which usually holds personal data.
"""

import json
import urllib.error
import urllib.request

import urllib3


class NoAnswer(Exception):
    """The system did not answer, or answered with an error `status`. `body` is an
    error answer's JSON, for adapters whose systems explain a refusal there."""

    def __init__(self, status: int | None = None, reason: str = "", body: dict | None = None):
        super().__init__(status, reason)
        self.status = status
        self.reason = reason
        self.body = body or {}

    @property
    def is_refusal(self) -> bool:
        """A 4xx: the system answered and said no (a 5xx or silence says nothing)."""
        return self.status is not None and 400 <= self.status < 500

    def describe(self, system: str) -> str:
        if self.status is not None:
            return f"the {system} answered {self.status}"
        return f"no answer from the {system}: {self.reason}"


def call_json(method: str, url: str, body: dict | None = None, timeout: float = 3.0) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as exc:
        raise NoAnswer(status=exc.code, body=_error_body(exc)) from None
    except (OSError, ValueError) as exc:
        raise NoAnswer(reason=type(exc).__name__) from None


def _error_body(error: urllib.error.HTTPError) -> dict:
    try:
        body = json.loads(error.read())
    except (OSError, ValueError):
        return {}
    return body if isinstance(body, dict) else {}


class JsonClient:
    """JSON over HTTP to one outside system, on kept-alive connections.

    `call_json` opens a connection per call, which is fine for a registry asked a
    few times a minute; systems asked several times per payment (the provider, the
    agencies) would spend more on connecting than on asking. Same answers and the
    same NoAnswer as `call_json`.
    """

    def __init__(self, base_url: str, timeout: float = 3.0, connections: int = 20):
        self.base_url = base_url.rstrip("/")
        self.pool = urllib3.PoolManager(
            num_pools=4, maxsize=connections, block=False, retries=False,
            timeout=urllib3.Timeout(connect=min(timeout, 3.0), read=timeout))

    def call(self, method: str, path: str, body: dict | None = None) -> dict:
        return json.loads(self.text(method, path, body))

    def text(self, method: str, path: str, body: dict | None = None) -> str:
        data = json.dumps(body).encode() if body is not None else None
        try:
            response = self.pool.request(method, f"{self.base_url}/{path.lstrip('/')}", body=data,
                                         headers={"Content-Type": "application/json"},
                                         redirect=False)
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise NoAnswer(reason=type(exc).__name__) from None
        if response.status >= 400:
            try:
                error = json.loads(response.data)
            except ValueError:
                error = {}
            raise NoAnswer(status=response.status,
                           body=error if isinstance(error, dict) else {})
        return response.data.decode()
