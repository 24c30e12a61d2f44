"""The assurance levels the catalogue sets, carried by the gateway on every call it
makes for a citizen to payments and appointments.

Levels are policy, and the catalogue (matters' data, `services/matters/catalogue.yaml`)
is where policy is edited: a fee's level, and the level every hold or waitlist at a
kind of institution needs. The gateway asks matters for them (`levels`), keeps them for
CITYHUB_CATALOGUE_LEVELS_SECONDS, and passes them with the citizen's assertion; the
service picks the one that applies (the bill's fee, the slot's institution) and refuses
a citizen below it. The service still verifies the assertion itself, and falls back on
its own table when none is passed (matters has never answered since the gateway started).
"""

import logging
import time

from nameko.extensions import DependencyProvider

from chassis.settings import settings_of

log = logging.getLogger(__name__)


class CatalogueLevels(DependencyProvider):
    def setup(self):
        self.keep_seconds = settings_of(self.container).catalogue_levels_seconds
        self.levels: dict | None = None
        self.fresh_until = 0.0

    def get_dependency(self, worker_ctx):
        return self

    def current(self, matters) -> dict | None:
        """The catalogue's levels, asked of `matters` when the kept ones are stale; the
        last known if it does not answer."""
        if self.levels is None or time.monotonic() >= self.fresh_until:
            try:
                self.levels = matters.levels()
            except Exception:  # noqa: BLE001 - the last known levels serve meanwhile
                log.warning("matters did not give the catalogue's levels; keeping the last")
            self.fresh_until = time.monotonic() + self.keep_seconds
        return self.levels
