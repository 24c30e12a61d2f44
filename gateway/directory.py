"""Which partner each citizen belongs to, remembered by the gateway.

The mapping never changes once a citizen exists, so it is safe to keep in
memory: the inbox read then costs one RPC (to notify), not two.
"""

from collections import OrderedDict

from nameko.extensions import DependencyProvider

MAX_ENTRIES = 200_000


class CitizenDirectory(DependencyProvider):
    def setup(self):
        self.owners: OrderedDict[str, str] = OrderedDict()

    def get_dependency(self, worker_ctx):
        return self

    def remember(self, citizen_id: str, partner_id: str) -> None:
        self.owners[citizen_id] = partner_id
        self.owners.move_to_end(citizen_id)
        if len(self.owners) > MAX_ENTRIES:
            self.owners.popitem(last=False)

    def owner_of(self, citizen_id: str) -> str | None:
        return self.owners.get(citizen_id)
