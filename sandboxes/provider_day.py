"""The payment provider sandbox on a bad day (PUT /v1/provider/behaviour; see
sandboxes/provider.py): its API failing or slow, and its notifications lost,
duplicated, reordered, delayed, held while it is down, and retried on its schedule
until the hub answers exactly `success`. The draws are seeded, so a test's bad day
is the same every time."""

import random
import threading
import time
import urllib.parse
import urllib.request

from chassis.provider_signatures import sign

# Alipay retries a notification 4 min, 10 min, 10 min, 1 h, 2 h, 6 h and 15 h after
# the first attempt until it hears `success`.
ALIPAY_RETRY_SECONDS = [240, 600, 600, 3600, 7200, 21600, 54000]


class BadDay:
    def __init__(self):
        self.configure({})

    def configure(self, behaviour: dict) -> None:
        """A new day: in place, so that notifications held by an outage see it end."""
        self.behaviour = behaviour
        self.draws = random.Random(behaviour.get("seed"))
        self.counts = {"notifications": 0, "dropped": 0, "duplicated": 0, "attempts": 0,
                       "api_failed": 0, "api_slowed": 0}

    def fails(self) -> bool:
        """Whether this API call fails (503); a slow one answers late, after sleeping."""
        if self.behaviour.get("down") or self._draw("fail_rate"):
            self.counts["api_failed"] += 1
            return True
        if self._draw("timeout_rate"):
            self.counts["api_slowed"] += 1
            time.sleep(float(self.behaviour.get("timeout_seconds", 10)))
        return False

    def notify(self, url: str, params: dict, key) -> None:
        """Sign and send a notification, as the provider would on this day."""
        self.counts["notifications"] += 1
        if self._draw("drop_rate"):
            self.counts["dropped"] += 1
            return
        copies = 1
        if self._draw("duplicate_rate"):
            self.counts["duplicated"] += 1
            copies = 2
        signed = dict(params, sign_type="RSA2")
        signed["sign"] = sign(signed, key)
        for _ in range(copies):
            delay = (float(self.behaviour.get("delay_ms", 0))
                     + self.draws.random() * float(self.behaviour.get("reorder_ms", 0))) / 1000
            threading.Thread(target=self._deliver, args=(url, signed, delay),
                             daemon=True).start()

    def _draw(self, rate: str) -> bool:
        return self.draws.random() < float(self.behaviour.get(rate, 0))

    def _deliver(self, url: str, params: dict, delay: float) -> None:
        """The first attempt, then the retry schedule, until the answer is `success`."""
        waits = [delay, *self.behaviour.get("retry_seconds", ALIPAY_RETRY_SECONDS)]
        body = urllib.parse.urlencode(params).encode()
        for wait in waits:
            time.sleep(wait)
            while self.behaviour.get("down"):
                time.sleep(0.5)  # an outage holds notifications; they go once it ends
            self.counts["attempts"] += 1
            request = urllib.request.Request(url, data=body, method="POST", headers={
                "Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    if response.read().strip() == b"success":
                        return
            except OSError:
                continue
