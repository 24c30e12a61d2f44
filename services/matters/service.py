"""Matters' entrypoints: the city's service catalogue, and the applications citizens
follow by tracking number. Rules in domain/, steps in use_cases/, queries in
repository.py."""

from chassis.assertions import AssertionVerifier
from chassis.db import Database
from chassis.metrics import Instrumentation
from chassis.rpc import rpc
from chassis.timestamps import Clock
from services.matters import repository
from services.matters.domain import catalogue
from services.matters.use_cases import applying
from services.matters.views import catalogue_service_view


class MattersService:
    name = "matters"

    db = Database()
    assertions = AssertionVerifier()
    instrumentation = Instrumentation()
    clock = Clock()

    @rpc
    def ping(self):
        return "pong"

    @rpc
    def search_services(self, q=None, category=None):
        """The catalogue's services holding every word of `q`, in `category`."""
        words = catalogue.check_query(q, category)
        with self.db.read() as session:
            return [catalogue_service_view(s) for s in catalogue.search(
                repository.catalogue(session), words, category)]

    @rpc
    def get_service(self, code):
        with self.db.read() as session:
            found = repository.catalogue_service(session, code)
            if found is None:
                raise catalogue.not_found(code)
            return catalogue_service_view(found)

    @rpc
    def apply(self, citizen_id, partner_id, assertion, service_code, documents):
        level = self.assertions.level_of(assertion, citizen_id, audience=self.name)
        return applying.apply(self.db, citizen_id, partner_id, level, service_code,
                              documents, self.clock())

    @rpc
    def citizen_acts(self, citizen_id, tracking_number, action, documents=None):
        """The citizen resubmits or withdraws their own application."""
        return applying.act(self.db, tracking_number, "citizen", action, self.clock(),
                            documents=documents, citizen_id=citizen_id)

    @rpc
    def list_matters(self, citizen_id):
        return applying.of_citizen(self.db, citizen_id)

    @rpc
    def get_matter(self, citizen_id, tracking_number):
        return applying.timeline(self.db, tracking_number, citizen_id)
