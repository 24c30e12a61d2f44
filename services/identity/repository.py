from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from services.identity.models import Citizen


def citizen_of_partner(session: Session, partner_id: str, citizen_id: str) -> Citizen | None:
    citizen = session.get(Citizen, citizen_id)
    if citizen is None or citizen.partner_id != partner_id:
        return None
    return citizen


def citizen_by_partner_user(session: Session, partner_id: str,
                            partner_user_id: str) -> Citizen | None:
    return session.scalar(select(Citizen).where(Citizen.partner_id == partner_id,
                                                Citizen.partner_user_id == partner_user_id))


def add_citizen(session: Session, citizen: Citizen) -> None:
    """A Core insert of one constant statement: on the registration hot path the
    ORM flush, or building a new statement per call, costs more than the row."""
    session.connection().execute(insert(Citizen.__table__), [{
        "id": citizen.id, "partner_id": citizen.partner_id,
        "partner_user_id": citizen.partner_user_id, "phone_sealed": citizen.phone_sealed,
        "phone_index": citizen.phone_index, "locale": citizen.locale,
        "assurance_level": citizen.assurance_level, "created_at": citizen.created_at}])
