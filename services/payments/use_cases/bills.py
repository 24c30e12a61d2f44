"""Bills come from the agencies that issue them: looked up by number, or fetched
daily for the accounts a citizen linked. The amount is always the agency's."""

import re
import uuid
from datetime import datetime

from contracts.errors import Forbidden, InvalidInput, NotFound, ServiceUnavailable
from contracts.events import BillIssued
from contracts.time import city_day_start, iso_utc
from services.payments import repository
from services.payments.adapters import AgencyRefused, AgencyUnavailable
from services.payments.models import LinkedAccount
from services.payments.views import bill_view

NUMBER = re.compile(r"^[0-9A-Za-z-]{4,64}$")
# Plates carry a province character (粤A12345), so accounts allow CJK letters.
ACCOUNT = re.compile(r"^[0-9A-Za-z\u4e00-\u9fff-]{4,32}$")


def billed_fee(connection, fee_code: str):
    fee = repository.fee(connection, fee_code)
    if fee is None:
        raise NotFound("no such fee in the catalogue", field="fee_code", code="fee_not_found")
    if fee.amount_cents is not None:
        raise InvalidInput(f"{fee.code} has a fixed amount and no bills: order it by "
                           "fee_code", field="fee_code", code="fee_not_billed")
    return fee


def lookup(uow, agencies, citizen_id: str, fee_code: str, bill_number: str,
           now: datetime) -> dict:
    """The agency's bill, remembered as one this citizen found."""
    if not isinstance(bill_number, str) or not NUMBER.match(bill_number):
        raise InvalidInput("bill_number must be 4-64 letters, digits or -",
                           field="bill_number")
    with uow.core_read() as connection:
        fee = billed_fee(connection, fee_code)
    answer = _ask(agencies.bill, fee.agency, bill_number)
    if answer is None:
        raise NotFound("the agency has no such bill", field="bill_number",
                       code="bill_not_found")
    with uow.core_transaction() as connection:
        account = answer.get("account")
        if account and _linked_by_others_only(connection, citizen_id, fee.code, account):
            raise Forbidden("this bill's account is linked by its holder: link it to "
                            "see its bills", field="bill_number", code="account_not_linked")
        bill = store(connection, fee, answer, now)
        repository.found_bill(connection, citizen_id, bill.id, now)
        return bill_view(bill)


def refreshed(uow, agencies, bill, now: datetime) -> None:
    """Ask the agency again for a bill (its late fee may have grown, or it was paid)."""
    answer = _ask(agencies.bill, bill.agency, bill.bill_number)
    with uow.core_transaction() as connection:
        if answer is None:
            repository.expire_bill(connection, bill.id, now)
            return
        store(connection, repository.fee(connection, bill.fee_code), answer, now)


def store(connection, fee, answer: dict, now: datetime):
    """The bill as the agency holds it now, stored; a bill our books say is paid stays
    paid (repository.save_bill)."""
    return repository.save_bill(connection, {
        "id": str(uuid.uuid4()), "fee_code": fee.code, "agency": fee.agency,
        "bill_number": answer["bill_number"], "account": answer.get("account"),
        "amount_cents": int(answer["amount_cents"]),
        "late_fee_cents": int(answer.get("late_fee_cents") or 0),
        "due_date": datetime.fromisoformat(answer["due_date"]).date(),
        "payee": str(answer["payee"])[:200], "status": answer["status"], "fetched_at": now})


def _linked_by_others_only(connection, citizen_id: str, fee_code: str, account: str) -> bool:
    holders = repository.account_holders(connection, fee_code, account)
    return bool(holders) and citizen_id not in holders


def _ask(call, *args):
    try:
        return call(*args)
    except AgencyUnavailable:
        raise ServiceUnavailable("the agency that issues this bill is not answering; try "
                                 "again later", code="agency_unavailable") from None


# -- linked accounts --------------------------------------------------------------------

def link(uow, agencies, citizen_id: str, fee_code: str, account: str,
         now: datetime) -> tuple[dict, bool]:
    """Link an account the agency agrees is the citizen's; (view, newly linked)."""
    if not isinstance(account, str) or not ACCOUNT.match(account):
        raise InvalidInput("account must be 4-32 letters, digits or -", field="account")
    with uow.read() as session:
        fee = billed_fee(session, fee_code)
        if repository.linked(session, citizen_id, fee.code, account):
            return _account_view(fee.code, account), False
    try:
        _ask(agencies.account, fee.agency, account)
    except AgencyRefused as refused:
        if refused.reason == "holder_mismatch":
            raise Forbidden("the agency says this account is not the citizen's",
                            field="account", code="account_holder_mismatch") from None
        raise NotFound("the agency has no such account", field="account",
                       code="account_not_found") from None
    with uow.transaction() as session:
        # The insert says who linked it: twin requests all asked the agency, one links.
        linked = repository.link(session.connection(), citizen_id, fee.code, account, now)
    return _account_view(fee.code, account), linked


def unlink(uow, citizen_id: str, fee_code: str, account: str) -> None:
    with uow.transaction() as session:
        linked = session.get(LinkedAccount, (citizen_id, fee_code, account))
        if linked is None:
            raise NotFound("no such linked account", field="account",
                           code="account_not_found")
        session.delete(linked)


def accounts(uow, citizen_id: str) -> list[dict]:
    with uow.read() as session:
        return [_account_view(a.fee_code, a.account, a.refreshed_at)
                for a in repository.linked_accounts(session, citizen_id)]


def _account_view(fee_code: str, account: str, refreshed_at=None) -> dict:
    return {"fee_code": fee_code, "account": account,
            "refreshed_at": iso_utc(refreshed_at) if refreshed_at else None}


def refresh(uow, agencies, now: datetime, after: list | None, limit: int) -> dict:
    """Fetch new bills for the next `limit` linked accounts (after the cursor `after`)
    not refreshed this city day; each bill new to a citizen is a `bill.issued` event
    (notify tells them). An account whose agency did not answer is left for the next
    run; `next` is the cursor to go on from, None at the end."""
    today = city_day_start(now)
    with uow.read() as session:
        due = repository.accounts_to_refresh(session, today, after, limit)
        left = repository.accounts_left_to_refresh(session, today, after)
    done = failed = issued = 0
    for linked in due:
        with uow.read() as session:
            fee = repository.fee(session, linked.fee_code)
        try:
            answers = agencies.account_bills(fee.agency, linked.account)
        except (AgencyUnavailable, AgencyRefused):
            failed += 1
            continue
        with uow.transaction() as session:
            for answer in answers:
                bill = store(session.connection(), fee, answer, now)
                if (repository.found_bill(session.connection(), linked.citizen_id, bill.id, now)
                        and bill.status == "payable"):
                    issued += 1
                    uow.publish(BillIssued(bill_id=bill.id, citizen_id=linked.citizen_id,
                                           fee_code=fee.code,
                                           amount_cents=bill.amount_cents + bill.late_fee_cents,
                                           due_date=bill.due_date.isoformat()))
            row = session.get(LinkedAccount, (linked.citizen_id, linked.fee_code,
                                              linked.account))
            if row is not None:
                row.refreshed_at = now
        done += 1
    last = due[-1] if len(due) == limit else None
    return {"refreshed": done, "failed": failed, "issued": issued, "left": left - done,
            "next": [last.citizen_id, last.fee_code, last.account] if last else None}


def bills_due(uow, citizen_id: str) -> list[dict]:
    with uow.read() as session:
        return [bill_view(b) for b in repository.bills_due(session, citizen_id)]

