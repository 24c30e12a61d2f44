"""The five processes CityHub runs, by name. Strings, so nothing is imported early."""

from importlib import import_module

SERVICE_CLASSES = {
    "identity": "services.identity.service:IdentityService",
    "payments": "services.payments.service:PaymentsService",
    "appointments": "services.appointments.service:AppointmentsService",
    "notify": "services.notify.service:NotifyService",
    "gateway": "gateway.service:GatewayService",
}


def service_class(name: str):
    module, _, cls = SERVICE_CLASSES[name].partition(":")
    return getattr(import_module(module), cls)
