"""Templates: versioned files, rendered in the citizen's language, never with a hole."""

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

from chassis.migrations import upgrade
from contracts.events import (
    AppointmentBooked,
    AppointmentCancelled,
    AppointmentCheckedIn,
    AppointmentNoshow,
    AppointmentReminder,
    AppointmentRescheduled,
    BillIssued,
    CitizenRegistered,
    CitizenVerificationFailed,
    CitizenVerified,
    MatterMoved,
    MatterOpened,
    PaymentAgencyConfirmed,
    PaymentExpired,
    PaymentFailed,
    PaymentRefunded,
    PaymentSucceeded,
    WaitlistOffered,
)
from services.notify.domain.inbox import inbox_message
from services.notify.domain.templates import Template, TemplateError
from services.notify.domain.triggers import TRIGGERS, what_to_tell
from services.notify.seed import TEMPLATE_DIR, seed, template_files

TEMPLATES = {t.id: t for t in template_files()}
NOW = datetime(2026, 11, 25, 8, 30, tzinfo=UTC)


def test_every_template_file_is_a_valid_template_named_by_its_folder_and_version():
    assert {"welcome", "level_reached", "real_name_locked", "phone_code"} <= set(TEMPLATES)


def test_a_chinese_speaking_citizen_is_welcomed_in_chinese():
    message = inbox_message(TEMPLATES["welcome"], {}, None, "c-1", "zh-CN", "e-1", NOW)
    assert (message.title, message.locale) == ("欢迎使用城市服务", "zh-CN")
    assert (message.template_id, message.template_version, message.category) == (
        "welcome", 1, "account")


def test_an_english_speaking_citizen_is_welcomed_in_english():
    message = inbox_message(TEMPLATES["welcome"], {}, None, "c-1", "en", "e-1", NOW)
    assert message.title == "Welcome to City Services"


def test_a_citizen_with_an_unsupported_locale_is_written_to_in_chinese():
    assert inbox_message(TEMPLATES["welcome"], {}, None, "c-1", "fr", "e-1", NOW).locale == "zh-CN"


def test_placeholders_are_filled_with_the_values_given():
    parts = TEMPLATES["level_reached"].render("inbox", "en", {"level": 2})
    assert parts["body"] == "Your identity is now verified to level 2."


def test_a_missing_placeholder_value_is_an_error_never_a_message_with_a_hole():
    with pytest.raises(TemplateError, match="needs level"):
        TEMPLATES["level_reached"].render("inbox", "en", {})
    with pytest.raises(TemplateError, match="needs code"):
        TEMPLATES["phone_code"].render("sms", "zh-CN", {})


@pytest.mark.parametrize("change, complaint", [
    (lambda t: t["channels"]["inbox"]["title"].pop("en"), "zh-CN and en"),
    (lambda t: t["channels"]["inbox"]["body"].update(en="Level {level} {extra}"),
     "different placeholders"),
    (lambda t: t.update(category="gossip"), "unknown category"),
    (lambda t: t["channels"].update(pigeon={}), "channels must be"),
])
def test_a_broken_template_is_refused_when_it_is_loaded(change, complaint):
    data = yaml.safe_load((TEMPLATE_DIR / "level_reached" / "1.yaml").read_text())
    Template.from_dict(data)  # control: the file as it is loads
    change(data)
    with pytest.raises(TemplateError, match=complaint):
        Template.from_dict(data)


def test_every_event_a_citizen_hears_about_maps_to_a_template_that_exists():
    examples = [
        CitizenRegistered(citizen_id="c", partner_id="p", locale="en"),
        CitizenVerified(citizen_id="c", partner_id="p", level=2, locale="en"),
        CitizenVerificationFailed(citizen_id="c", partner_id="p", check="real_name",
                                  reason="identity_mismatch", locked=True, locale="en"),
    ]
    paid = {"payment_id": "p-1", "citizen_id": "c", "fee_code": "traffic-fine",
            "amount_cents": 26050}
    payments = [PaymentSucceeded(**paid), PaymentFailed(**paid, reason="declined"),
                PaymentExpired(**paid), PaymentAgencyConfirmed(**paid),
                PaymentRefunded(**paid, refund_id="r", refunded_cents=5, reason="ops")]
    bill = BillIssued(bill_id="b-1", citizen_id="c", fee_code="water-bill", amount_cents=7000,
                      due_date="2026-12-26")
    visit = {"appointment_id": "a-1", "citizen_id": "c", "institution_id": "hall-tianhe",
             "department_id": "hall-tianhe.household", "slot_id": "s-1",
             "start": "2026-12-02T01:30:00.000000Z"}
    appointments = [AppointmentBooked(**visit),
                    AppointmentCancelled(**visit, reason="cancelled_by_citizen"),
                    AppointmentCheckedIn(**visit, queue_number="H001"),
                    AppointmentNoshow(**visit),
                    AppointmentReminder(**visit, kind="evening_before"),
                    AppointmentRescheduled(**visit, from_slot_id="s-0",
                                           from_start="2026-12-01T01:30:00.000000Z")]
    offer = WaitlistOffered(waitlist_id="w-1", citizen_id="c", institution_id="i",
                            department_id="d", slot_id="s-1",
                            start="2026-12-02T01:30:00.000000Z")
    matter = {"matter_id": "m-1", "tracking_number": "GZ-20261126-000001",
              "citizen_id": "c", "service_code": "residence-permit", "kind": "application",
              "final": False, "due_at": "2026-12-03T16:00:00.000000Z"}
    matters = [MatterOpened(**matter, action="apply", by="citizen", from_state=None,
                            to_state="submitted"),
               MatterMoved(**matter, action="request_corrections", by="agency",
                           from_state="submitted", to_state="awaiting_corrections",
                           items=["photo"])]
    assert {type(e) for e in examples + payments + [bill] + appointments + [offer]
            + matters} == set(TRIGGERS)
    assert what_to_tell(offer).action == {"type": "slot", "id": "s-1"}
    for event in examples:
        tell = what_to_tell(event)
        TEMPLATES[tell.template_id].render("inbox", "en", tell.values)
        assert tell.action == {"type": "profile", "id": "c"}
    for event in payments:
        tell = what_to_tell(event)
        TEMPLATES[tell.template_id].render("inbox", "zh-CN", tell.values)
        assert tell.action == {"type": "payment", "id": "p-1"}
    assert what_to_tell(bill).action == {"type": "bill", "id": "b-1"}
    for event in appointments:
        tell = what_to_tell(event)
        TEMPLATES[tell.template_id].render("inbox", "en", tell.values)
        assert tell.action == {"type": "appointment", "id": "a-1"}
    for event in matters:
        tell = what_to_tell(event)
        TEMPLATES[tell.template_id].render("inbox", "zh-CN", tell.values)
        assert tell.action == {"type": "matter", "id": "GZ-20261126-000001"}


def test_an_agency_sending_an_application_back_is_told_with_its_last_city_day():
    told = what_to_tell(MatterMoved(
        matter_id="m", tracking_number="GZ-20261126-000001", citizen_id="c",
        service_code="residence-permit", kind="application", action="request_corrections",
        by="agency", from_state="in_review", to_state="awaiting_corrections", final=False,
        due_at="2026-12-10T16:00:00.000000Z", items=["photo", "proof-of-address"]))
    body = TEMPLATES[told.template_id].render("inbox", "en", told.values)["body"]
    assert "2 corrections" in body and "by 2026-12-10" in body


def test_a_payment_followed_as_a_matter_is_not_told_twice():
    opened = {"matter_id": "m", "tracking_number": "GZ-20261126-000002", "citizen_id": "c",
              "service_code": "traffic-fine", "final": False, "due_at": None,
              "action": "order", "by": "citizen", "from_state": None,
              "to_state": "awaiting_payment"}
    assert what_to_tell(MatterOpened(**opened, kind="payment")) is None
    assert what_to_tell(MatterOpened(**opened, kind="application")) is not None  # control


def test_the_citizens_own_moves_are_not_told_back_to_them():
    moved = {"matter_id": "m", "tracking_number": "GZ-20261126-000001", "citizen_id": "c",
             "service_code": "residence-permit", "kind": "application", "final": False,
             "due_at": None}
    assert what_to_tell(MatterMoved(**moved, action="resubmit", by="citizen",
                                    from_state="awaiting_corrections",
                                    to_state="in_review")) is None
    # control: the same state reached by the agency's move is told
    assert what_to_tell(MatterMoved(**moved, action="accept", by="agency",
                                    from_state="submitted", to_state="in_review")) is not None


def test_an_appointment_is_told_at_the_citys_time():
    told = what_to_tell(AppointmentBooked(
        appointment_id="a", citizen_id="c", institution_id="i", department_id="d",
        slot_id="s", start="2026-12-02T01:30:00.000000Z"))
    body = TEMPLATES[told.template_id].render("inbox", "en", told.values)["body"]
    assert "2026-12-02 09:30" in body


def test_amounts_are_told_in_yuan_with_two_decimals():
    told = what_to_tell(PaymentSucceeded(payment_id="p", citizen_id="c", fee_code="f",
                                         amount_cents=26005))
    body = TEMPLATES[told.template_id].render("inbox", "en", told.values)["body"]
    assert "¥260.05" in body
    refund = what_to_tell(PaymentRefunded(payment_id="p", citizen_id="c", fee_code="f",
                                          amount_cents=26005, refund_id="r", refunded_cents=7,
                                          reason="ops"))
    assert "¥0.07" in TEMPLATES[refund.template_id].render("sms", "en", refund.values)["body"]


def test_a_failure_that_locks_nothing_tells_the_citizen_nothing():
    assert what_to_tell(CitizenVerificationFailed(
        citizen_id="c", partner_id="p", check="real_name", reason="identity_mismatch",
        locked=False, locale="en")) is None


@pytest.fixture
def notify_db(tmp_path):
    url = f"sqlite:///{tmp_path / 'notify.db'}"
    upgrade("services.notify", url)
    engine = create_engine(url)
    yield sessionmaker(bind=engine)
    engine.dispose()


def test_seeding_twice_changes_nothing(notify_db):
    for _ in range(2):
        with notify_db.begin() as session:
            assert seed(session) == len(template_files())


def test_a_released_version_that_was_edited_is_refused(notify_db, tmp_path):
    folder = tmp_path / "templates"
    shutil.copytree(TEMPLATE_DIR, folder)
    with notify_db.begin() as session:
        seed(session, folder)
    edited = folder / "welcome" / "1.yaml"
    edited.write_text(edited.read_text().replace("Welcome to City", "Hello from City"))
    with pytest.raises(TemplateError, match="add version 2 instead"), \
            notify_db.begin() as session:
        seed(session, folder)
    # The way to change a text: the next version, kept beside the first.
    (folder / "welcome" / "1.yaml").write_text((TEMPLATE_DIR / "welcome" / "1.yaml")
                                                .read_text())
    second = yaml.safe_load(edited.read_text())
    second["version"] = 2
    second["channels"]["inbox"]["title"]["en"] = "Hello from City Services"
    Path(folder / "welcome" / "2.yaml").write_text(yaml.safe_dump(second, allow_unicode=True))
    with notify_db.begin() as session:
        seed(session, folder)
