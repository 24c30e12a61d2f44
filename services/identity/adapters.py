"""Identity's outside systems, each behind a small Protocol.

The population registry answers whether a name and an ID number belong
together. Production points `CITYHUB_REGISTRY_URL` at the real service; in
development it is the sandbox in sandboxes/registry.py, over the same HTTP.
"""

import json
import urllib.error
import urllib.request
from enum import StrEnum
from typing import Protocol

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
