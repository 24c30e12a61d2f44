"""A sandbox's bad day, as a test sets it with `PUT …/behaviour`: which of its parties
are down (`"down": true` or a list of them) and how often a call fails at random
(`fail_rate`, drawn from `seed` so that a run can be repeated), with whatever else a
sandbox reads from it (`duplicate_decisions`…). `{}` is a good day again."""

import json
import random


class Mood:
    def __init__(self):
        self.asked: dict = {}
        self.draws = random.Random()

    def put(self, body: bytes) -> bool:
        """Take the mood a test sent; False if it is not a JSON object."""
        asked = json.loads(body or b"{}")
        if not isinstance(asked, dict):
            return False
        self.asked, self.draws = asked, random.Random(asked.get("seed"))
        return True

    def get(self, key: str, default=None):
        return self.asked.get(key, default)

    def is_down(self, party: str) -> bool:
        down = self.asked.get("down")
        if down is True or (isinstance(down, list) and party in down):
            return True
        return self.draws.random() < float(self.asked.get("fail_rate", 0))
