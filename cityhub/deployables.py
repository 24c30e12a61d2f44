"""The processes CityHub runs, in one place: read by the CLI, the runner and the tests.

Classes and seed functions are named by strings, so nothing is imported until a
command needs it (`cityhub seed` does not load the gateway's web server).
"""

from dataclasses import dataclass
from importlib import import_module


@dataclass(frozen=True)
class Deployable:
    name: str
    service: str  # "module:Class", the Nameko service
    package: str  # the package whose migrations/ and models.py are this deployable's
    metrics_port: int  # where its /metrics listens (plus the settings' offset)
    seed: str | None = None  # "module:function(session)" for its demo reference data

    def service_class(self):
        return _attribute(self.service)

    def seed_function(self):
        return _attribute(self.seed) if self.seed else None


def _attribute(path: str):
    module, _, name = path.partition(":")
    return getattr(import_module(module), name)


# In start order: the gateway last, once the services it calls are there.
DEPLOYABLES = {d.name: d for d in (
    Deployable("identity", "services.identity.service:IdentityService", "services.identity",
               9101),
    Deployable("payments", "services.payments.service:PaymentsService", "services.payments",
               9102, seed="services.payments.seed:seed"),
    Deployable("appointments", "services.appointments.service:AppointmentsService",
               "services.appointments", 9103, seed="services.appointments.seed:seed"),
    Deployable("notify", "services.notify.service:NotifyService", "services.notify", 9104,
               seed="services.notify.seed:seed"),
    Deployable("matters", "services.matters.service:MattersService", "services.matters", 9105,
               seed="services.matters.seed:seed"),
    Deployable("gateway", "gateway.service:GatewayService", "gateway", 9100),
)}
