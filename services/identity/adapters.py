"""Identity's outside systems, each behind a small Protocol.

The population registry answers whether a name and an ID number belong
together; the face provider runs face-and-liveness sessions on the citizen's
phone. Production points `CITYHUB_REGISTRY_URL` and `CITYHUB_FACE_URL` at the
real services; in development they are the sandboxes in sandboxes/, over the
same HTTP.
"""

from enum import StrEnum
from typing import NamedTuple, Protocol

from chassis.outside_http import NoAnswer, call_json


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
        try:
            answer = call_json("POST", self.url, {"name": name, "id_number": id_number},
                               self.timeout)
            return RegistryAnswer(answer["result"])
        except NoAnswer as exc:
            raise RegistryUnavailable(exc.describe("registry")) from None
        except (KeyError, ValueError):
            raise RegistryUnavailable("the registry's answer could not be read") from None


class FaceSession(NamedTuple):
    session_id: str
    complete_url: str


class FaceResult(NamedTuple):
    outcome: str  # "pass" | "no_match" | "spoof"
    match_score: float
    risk_score: float


class FaceUnavailable(Exception):
    """The face provider did not give an answer."""


class FaceProvider(Protocol):
    def start(self) -> FaceSession: ...

    def result(self, session_id: str) -> FaceResult | None: ...


class HttpFaceProvider:
    def __init__(self, base_url: str, timeout: float = 3.0):
        self.url = base_url.rstrip("/") + "/v1/face/sessions"
        self.timeout = timeout

    def _call(self, method: str, url: str, body: dict | None = None) -> dict:
        try:
            return call_json(method, url, body, self.timeout)
        except NoAnswer as exc:
            raise FaceUnavailable(exc.describe("face provider")) from None

    def start(self) -> FaceSession:
        answer = self._call("POST", self.url, {})
        return FaceSession(answer["session_id"], answer["complete_url"])

    def result(self, session_id: str) -> FaceResult | None:
        answer = self._call("GET", f"{self.url}/{session_id}")
        if answer["status"] != "completed":
            return None
        return FaceResult(answer["outcome"], answer["match_score"], answer["risk_score"])
