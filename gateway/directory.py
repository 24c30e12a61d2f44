"""Which partner each citizen belongs to, remembered by the gateway.

The mapping never changes once a citizen exists, so it is safe to keep in
memory: the inbox read then costs one RPC (to notify), not two. cachetools'
LRUCache bounds it, as it bounds the kept assertions (gateway/assertions.py).
"""

from cachetools import LRUCache
from nameko.extensions import DependencyProvider

MAX_ENTRIES = 200_000


class CitizenDirectory(DependencyProvider):
    def setup(self):
        self.owners: LRUCache = LRUCache(maxsize=MAX_ENTRIES)

    def get_dependency(self, worker_ctx):
        return self

    def remember(self, citizen_id: str, partner_id: str) -> None:
        self.owners[citizen_id] = partner_id

    def owner_of(self, citizen_id: str) -> str | None:
        return self.owners.get(citizen_id)
