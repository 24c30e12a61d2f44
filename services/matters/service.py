"""Matters' entrypoints: the city's service catalogue. Rules in domain/, queries in
repository.py."""

from chassis.db import Database
from chassis.metrics import Instrumentation
from chassis.rpc import rpc
from services.matters import repository
from services.matters.domain import catalogue
from services.matters.views import catalogue_service_view


class MattersService:
    name = "matters"

    db = Database()
    instrumentation = Instrumentation()

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
