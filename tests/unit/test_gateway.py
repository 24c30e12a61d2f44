"""The gateway's handlers and error shape, with the services behind it replaced."""

import json
import random
from unittest.mock import Mock

import eventlet
import pytest
from cachetools import TTLCache
from nameko.exceptions import RemoteError
from nameko.testing.services import worker_factory
from openapi_spec_validator import validate
from werkzeug.exceptions import MethodNotAllowed
from werkzeug.exceptions import NotFound as RouteNotFound

from chassis.crypto import FieldCipher, transit
from chassis.settings import DEV_DATA_KEY
from contracts.errors import Conflict, Forbidden, InvalidInput, NotFound, UpstreamTimeout
from gateway import openapi, schemas
from gateway.assertions import Assertions
from gateway.directory import CitizenDirectory
from gateway.entrypoint import parse
from gateway.errors import invalid_input, response_for
from gateway.hold_lines import HoldLines
from gateway.schemas import NotificationsQuery
from gateway.service import GatewayService


def register(gateway, body: dict | bytes, partner_id: str = "acme"):
    """What the register route does with a request: its body model, then its handler."""
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    (route,) = GatewayService.register_citizen.nameko_entrypoints
    return gateway.register_citizen(Mock(), partner_id,
                                    body=parse(route.body.model_validate_json, data))


def error_of(response):
    return response.status_code, json.loads(response.get_data())["error"]


CIPHER = FieldCipher(DEV_DATA_KEY, "unused")
FIRST_PAGE = NotificationsQuery()


@pytest.fixture
def gateway():
    directory = CitizenDirectory()
    directory.setup()
    return worker_factory(GatewayService, directory=directory, cipher=CIPHER)


def test_registering_a_new_citizen_answers_201_and_an_existing_one_200(gateway):
    citizen = {"citizen_id": "c-1", "assurance_level": 0}
    gateway.identity.register_citizen.side_effect = [citizen | {"created": True},
                                                     citizen | {"created": False}]
    body = {"partner_user_id": "u1", "phone": "+8613812345678", "locale": "en"}
    assert register(gateway, body) == (201, citizen)
    assert register(gateway, body) == (200, citizen)
    partner, user, sealed_phone, locale = gateway.identity.register_citizen.call_args.args
    assert (partner, user, locale) == ("acme", "u1", "en")
    assert "8613812345678" not in sealed_phone  # it crosses the broker sealed
    assert CIPHER.open(sealed_phone, transit("phone")) == "+8613812345678"


@pytest.mark.parametrize("body, code, field", [
    ({"partner_user_id": "u1", "phone": "+8613812345678", "locale": "en", "admin": True},
     "unknown_field", "admin"),
    ({"partner_user_id": 7, "phone": "+8613812345678", "locale": "en"},
     "validation_error", "partner_user_id"),
    ({"phone": "+8613812345678", "locale": "en"}, "missing_field", "partner_user_id"),
    ({"partner_user_id": "u1", "phone": "+8613812345678", "locale": "de"},
     "validation_error", "locale"),
    (b"{not json", "invalid_json", None),
])
def test_a_bad_body_is_refused_with_a_code_and_field_and_reaches_no_service(
        gateway, body, code, field):
    with pytest.raises(Exception) as raised:
        register(gateway, body)
    assert (raised.value.code, raised.value.field) == (code, field)
    gateway.identity.register_citizen.assert_not_called()


def test_a_bad_phone_is_refused_without_the_number_appearing_in_the_error(gateway):
    body = {"partner_user_id": "u1", "phone": "13812345678", "locale": "en"}
    with pytest.raises(InvalidInput) as raised:
        register(gateway, body)
    assert "13812345678" not in str(raised.value)


def test_another_partners_citizen_is_not_found_when_reading_the_inbox(gateway):
    gateway.identity.get_citizen.side_effect = NotFound("no such citizen", "citizen_id",
                                                        "citizen_not_found")
    with pytest.raises(NotFound):
        gateway.list_notifications(Mock(), "other-partner", "c-1", query=FIRST_PAGE)
    gateway.notify.list_notifications.assert_not_called()


def test_the_inbox_of_a_citizen_the_partner_registered_needs_no_identity_call(gateway):
    gateway.identity.register_citizen.return_value = {"citizen_id": "c-1", "created": True}
    register(gateway, {"partner_user_id": "u1", "phone": "+8613812345678", "locale": "en"})
    page = {"items": [], "unread_count": 0, "next_cursor": None}
    gateway.notify.list_notifications.return_value = page
    assert gateway.list_notifications(Mock(), "acme", "c-1", query=FIRST_PAGE) == (200, page)
    gateway.identity.get_citizen.assert_not_called()


@pytest.mark.parametrize("exc, status, code", [
    (NotFound("no such citizen", "citizen_id", "citizen_not_found"), 404, "citizen_not_found"),
    (UpstreamTimeout("identity did not answer"), 504, "upstream_timeout"),
    (RouteNotFound(), 404, "route_not_found"),
    (MethodNotAllowed(), 405, "method_not_allowed"),
    (RemoteError("KeyError", "secret internals"), 502, "upstream_error"),
    (RuntimeError("secret internals"), 500, "internal_error"),
])
def test_every_failure_becomes_the_one_error_shape(exc, status, code):
    got_status, error = error_of(response_for(exc, "req-1"))
    assert (got_status, error["code"], error["request_id"]) == (status, code, "req-1")
    assert set(error) == {"code", "message", "field", "request_id"}
    assert "secret internals" not in error["message"]


def document() -> dict:
    from gateway.service import GatewayService

    return openapi.document(GatewayService)


def test_the_openapi_document_is_valid_openapi_3_1():
    validate(document())


def test_the_openapi_request_schema_is_the_one_that_validates_requests():
    schema = document()["components"]["schemas"]["RegisterCitizen"]
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == {"partner_user_id", "phone", "locale"}


def test_every_route_partners_call_is_in_the_document_and_no_other():
    from gateway.entrypoint import ApiRoute
    from gateway.service import GatewayService

    # Every route the service has, its own and those of the route classes mixed in.
    every = [entrypoint for name in dir(GatewayService)
             for entrypoint in getattr(getattr(GatewayService, name), "nameko_entrypoints", ())
             if isinstance(entrypoint, ApiRoute)]
    served = {(route.method.lower(), openapi.openapi_path(route.url))
              for route in every if not route.callback}
    documented = {(method, path) for path, operations in document()["paths"].items()
                  for method in operations}
    assert len(served) >= 20  # control: the routes were found
    assert documented == served
    # Outside systems' callbacks are served but are not the partners' API.
    assert ("post", "/callbacks/sms") not in documented
    assert any(route.url == "/callbacks/sms" for route in every)
    for expected in [("get", "/healthz"), ("get", "/readyz"),
                     ("get", "/v1/.well-known/jwks.json")]:
        assert expected in documented


def test_query_parameters_and_repeat_registrations_are_documented():
    paths = document()["paths"]
    attributes = {p["name"]: p for p in paths["/v1/citizens/{citizen_id}/attributes"]["get"][
        "parameters"]}
    assert attributes["purpose"]["required"] and attributes["attributes"]["required"]
    kind = next(p for p in paths["/v1/institutions"]["get"]["parameters"] if p["name"] == "kind")
    assert kind["schema"]["enum"] == ["hospital", "service_hall"] and not kind["required"]
    assert {"200", "201"} <= set(paths["/v1/citizens"]["post"]["responses"])


@pytest.mark.parametrize("model, rule, value", [
    ("RealName", "name", "张3"), ("RealName", "id_number", "11010519491231002"),
    ("PayFee", "reference", "ab"), ("PayBill", "amount_cents", 10_000_001),
])
def test_every_rule_the_services_enforce_is_stated_in_the_document(model, rule, value):
    from gateway import schemas

    prop = document()["components"]["schemas"][model]["properties"][rule]
    assert "pattern" in str(prop) or "maximum" in str(prop)
    with pytest.raises(ValueError):
        getattr(schemas, model).model_validate({rule: value}, strict=False)


def test_a_whole_number_written_with_a_fraction_is_an_integer():
    from gateway import schemas

    order = schemas.CreatePayment.model_validate_json(
        b'{"fee_code": "traffic-fine", "amount_cents": 56085.0, "reference": "ABCD-1"}')
    assert order.root.amount_cents == 56085
    with pytest.raises(ValueError):
        schemas.CreatePayment.model_validate_json(
            b'{"fee_code": "traffic-fine", "amount_cents": 56085.5, "reference": "ABCD-1"}')


def test_a_lockout_tells_the_partner_when_to_retry():
    from contracts.errors import TooManyAttempts

    response = response_for(TooManyAttempts("locked", retry_after=120), "req-1")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "120"
    assert json.loads(response.get_data())["error"]["code"] == "too_many_attempts"


def test_a_refused_field_of_a_body_with_two_shapes_is_named_without_the_shape():
    from pydantic import ValidationError

    from gateway import schemas

    with pytest.raises(ValidationError) as refused:
        schemas.CreatePayment.model_validate_json(
            b'{"bill_id": "' + b"b" * 36 + b'", "fee_code": "traffic-fine"}')
    error = invalid_input(refused.value)
    assert (error.code, error.field) == ("unknown_field", "fee_code")


@pytest.mark.parametrize("body, field", [
    (b'{"fee_code": "hospital-registration", "amount_cents": 1e300}', "amount_cents"),
    (b'{"fee_code": "hospital-registration", "reference": "x"}', "reference"),
    (b'{"bill_id": "short"}', "bill_id"),
])
def test_a_body_with_two_shapes_is_told_what_is_wrong_with_the_shape_it_nearly_is(body,
                                                                                   field):
    with pytest.raises(InvalidInput) as refused:
        parse(schemas.CreatePayment.model_validate_json, body)
    assert (refused.value.code, refused.value.field) == ("validation_error", field)


class Identity:
    """Identity's assertion RPC, counting the tokens it signs."""

    def __init__(self):
        self.signed = 0

    def issue_assertion(self, partner_id, citizen_id, audience):
        self.signed += 1
        return {"token": f"{partner_id}/{citizen_id}/{'+'.join(audience)}/{self.signed}"}


@pytest.fixture
def assertions():
    kept = Assertions()
    kept.kept = TTLCache(maxsize=10, ttl=150)
    return kept


def test_one_assertion_serves_a_citizens_hold_booking_and_payment(assertions):
    identity, seen = Identity(), []
    for _ in range(3):
        assertions.on_behalf(identity, "acme", "c1", seen.append)
    assert identity.signed == 1
    assert seen == ["acme/c1/appointments+payments+matters/1"] * 3


def test_another_partner_is_never_lent_a_kept_assertion(assertions):
    identity, seen = Identity(), []
    assertions.on_behalf(identity, "acme", "c1", seen.append)
    assertions.on_behalf(identity, "other", "c1", seen.append)
    assertions.on_behalf(identity, "acme", "c2", seen.append)
    assert [token.split("/")[-1] for token in seen] == ["1", "2", "3"]


def test_a_kept_assertion_found_too_low_is_replaced_by_a_fresh_one_and_the_call_made_again(
        assertions):
    identity, seen = Identity(), []
    assertions.on_behalf(identity, "acme", "c1", seen.append)

    def refuses_the_old_token(token):
        seen.append(token)
        if token.endswith("/1"):  # the citizen has proven more since
            raise Forbidden("too low", code="assurance_level_too_low")
        return "held"

    assert assertions.on_behalf(identity, "acme", "c1", refuses_the_old_token) == "held"
    assert [token.split("/")[-1] for token in seen[1:]] == ["1", "2"]
    assertions.on_behalf(identity, "acme", "c1", seen.append)
    assert seen[-1].endswith("/2")  # the fresh one is kept


def test_a_fresh_assertion_found_too_low_or_another_refusal_is_not_asked_again(assertions):
    identity = Identity()

    def refuses(token):
        raise Forbidden("no", code="assurance_level_too_low")

    with pytest.raises(Forbidden):
        assertions.on_behalf(identity, "acme", "c1", refuses)
    assert identity.signed == 1  # positive control: the first ask did reach identity

    def suspended(token):
        raise Forbidden("suspended", code="booking_suspended")

    with pytest.raises(Forbidden):
        assertions.on_behalf(identity, "acme", "c1", suspended)
    assert identity.signed == 1


class Appointments:
    """appointments' hold: places, then `fully_booked`."""

    def __init__(self, places: int):
        self.places, self.asked = places, 0

    def hold(self):
        self.asked += 1
        if self.places == 0:
            raise Conflict("every place of this slot is taken", field="slot_id",
                           code="fully_booked")
        self.places -= 1
        return {"hold_id": f"h{self.asked}"}


def sent(hold_lines, slot_id, hold):
    """An ask sent on as soon as its turn comes."""
    return hold_lines.hold(slot_id, lambda turn: turn(hold))


@pytest.fixture
def hold_lines():
    lines, now = HoldLines(), [0.0]
    lines.setup()
    lines.full = TTLCache(maxsize=10, ttl=1.0, timer=lambda: now[0])
    lines.now = now
    return lines


def test_a_slot_answered_full_is_refused_by_the_gateway_itself_for_a_second(hold_lines):
    appointments = Appointments(places=1)
    assert hold_lines.hold("s1", lambda turn: turn(appointments.hold)) == {"hold_id": "h1"}
    for _ in range(3):
        with pytest.raises(Conflict) as refused:
            hold_lines.hold("s1", lambda turn: turn(appointments.hold))
        assert (refused.value.code, refused.value.field) == ("fully_booked", "slot_id")
    with pytest.raises(Conflict):
        hold_lines.refuse_if_full("s1")
    assert appointments.asked == 2  # the first refusal came from appointments, no other
    hold_lines.now[0] = 1.5
    appointments.places = 1  # a place freed
    assert hold_lines.hold("s1", lambda turn: turn(appointments.hold)) == {"hold_id": "h3"}


def test_only_a_full_slot_is_remembered_not_another_refusal_or_another_slot(hold_lines):
    def too_many():
        raise Conflict("three already", field="slot_id", code="too_many_at_hospitals")

    with pytest.raises(Conflict):
        hold_lines.hold("s1", lambda turn: turn(too_many))
    assert sent(hold_lines, "s1", Appointments(places=1).hold) == {"hold_id": "h1"}
    with pytest.raises(Conflict):
        hold_lines.hold("s2", lambda turn: turn(Appointments(places=0).hold))
    assert sent(hold_lines, "s3", Appointments(places=1).hold) == {"hold_id": "h1"}


def places_by_order_of_asking(send) -> list[int]:
    """Thirty asks for a slot of ten places, made in order 0..29, each taking a
    different time to get its assertion and to reach the database: who got a place.
    `send(hold)` is how the gateway sends an ask's `hold()` on."""
    places, got = [10], []

    def ask(n):
        def hold():
            eventlet.sleep(random.random() / 100)  # on its way to the database
            if places[0] == 0:
                raise Conflict("every place is taken", field="slot_id", code="fully_booked")
            places[0] -= 1
            got.append(n)

        try:
            send(hold)
        except Conflict:
            pass

    pool = eventlet.GreenPool()
    for n in range(30):
        pool.spawn(ask, n)
        eventlet.sleep(0)  # the next one comes a moment later
    pool.waitall()
    return sorted(got)


def with_assertion(then):
    eventlet.sleep(random.random() / 100)  # identity's assertion first
    return then()


def test_the_places_of_a_slot_go_to_those_who_asked_first(hold_lines):
    random.seed(7)
    assert places_by_order_of_asking(lambda hold: hold_lines.hold(
        "s1", lambda turn: with_assertion(lambda: turn(hold)))) == list(range(10))
    assert hold_lines.lines == {}  # the line is gone once nobody is in it
    # Positive control: sent without the line, the same asks are served out of order.
    random.seed(7)
    assert places_by_order_of_asking(lambda hold: with_assertion(hold)) != list(range(10))


def test_an_ask_stuck_getting_its_assertion_does_not_hold_up_the_line_behind_it(
        hold_lines, monkeypatch):
    monkeypatch.setattr("gateway.hold_lines.WAIT_FOR_AHEAD_SECONDS", 0.05)
    appointments, answered = Appointments(places=5), []

    def stuck(turn):
        eventlet.sleep(0.5)  # identity slow for this one
        return turn(appointments.hold)

    def answer(ask):
        answered.append(hold_lines.hold("s1", ask)["hold_id"])

    first = eventlet.spawn(answer, stuck)
    eventlet.sleep(0)
    second = eventlet.spawn(answer, lambda turn: turn(appointments.hold))
    second.wait()
    assert answered == ["h1"]  # the second was answered while the first still waited
    first.wait()
    assert answered == ["h1", "h2"]
