from sqlalchemy import select
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
