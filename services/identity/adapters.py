"""Identity's outside systems, each behind a small Protocol.

The population registry answers whether a name and an ID number belong
together. Production points `CITYHUB_REGISTRY_URL` at the real service; in
development it is the sandbox in sandboxes/registry.py, over the same HTTP.
"""

import json
import urllib.error
import urllib.request
from enum import StrEnum
from typing import NamedTuple, Protocol

from nameko.extensions import DependencyProvider


class RegistryAnswer(StrEnum):
    MATCH = "match"
    MISMATCH = "mismatch"
    NOT_FOUND = "not_found"


class RegistryUnavailable(Exception):
    """The registry did not give an answer (down, slow, or spoke nonsense)."""


class Registry(Protocol):
    def check(self, name: str, id_number: str) -> RegistryAnswer: ...


class HttpRegistry:
    def __init__(self, base_url: str, timeout: float = 3.0):
        self.url = base_url.rstrip("/") + "/v1/identity-checks"
        self.timeout = timeout

    def check(self, name: str, id_number: str) -> RegistryAnswer:
        body = json.dumps({"name": name, "id_number": id_number}).encode()
        request = urllib.request.Request(self.url, data=body, method="POST",
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return RegistryAnswer(json.loads(response.read())["result"])
        except urllib.error.HTTPError as exc:
            # Only the status: the request carried personal data.
            raise RegistryUnavailable(f"the registry answered {exc.code}") from None
        except (OSError, ValueError, KeyError) as exc:
            raise RegistryUnavailable(f"no answer from the registry: "
                                      f"{type(exc).__name__}") from None


class RegistryProvider(DependencyProvider):
    def setup(self):
        from chassis.db import settings_of

        self.registry = HttpRegistry(settings_of(self.container).registry_url)

    def get_dependency(self, worker_ctx):
        return self.registry


class FaceSession(NamedTuple):
    session_id: str
    complete_url: str


class FaceResult(NamedTuple):
    outcome: str  # "pass" | "no_match" | "spoof"
    match_score: float
    risk_score: float


class FaceProvider(Protocol):
    def start(self) -> FaceSession: ...

    def result(self, session_id: str) -> FaceResult | None: ...


class HttpFaceProvider:
    """Face and liveness over HTTP; FaceUnavailable when the provider gives no answer."""

    def __init__(self, base_url: str, timeout: float = 3.0):
        self.url = base_url.rstrip("/") + "/v1/face/sessions"
        self.timeout = timeout

    def _call(self, method: str, url: str, body: dict | None = None) -> dict:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(url, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            raise FaceUnavailable(f"the face provider answered {exc.code}") from None
        except (OSError, ValueError) as exc:
            raise FaceUnavailable(f"no answer from the face provider: "
                                  f"{type(exc).__name__}") from None

    def start(self) -> FaceSession:
        answer = self._call("POST", self.url, {})
        return FaceSession(answer["session_id"], answer["complete_url"])

    def result(self, session_id: str) -> FaceResult | None:
        answer = self._call("GET", f"{self.url}/{session_id}")
        if answer["status"] != "completed":
            return None
        return FaceResult(answer["outcome"], answer["match_score"], answer["risk_score"])


class FaceUnavailable(Exception):
    pass


class FaceProviderDependency(DependencyProvider):
    def setup(self):
        from chassis.db import settings_of

        self.provider = HttpFaceProvider(settings_of(self.container).face_url)

    def get_dependency(self, worker_ctx):
        return self.provider
