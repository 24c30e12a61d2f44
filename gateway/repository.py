from sqlalchemy.orm import Session

from chassis.crypto import FieldCipher
from gateway.auth import PARTNER_SECRET
from gateway.models import Partner


def partner(session: Session, app_id: str) -> Partner | None:
    return session.get(Partner, app_id)


def save_partner(session: Session, settings, app_id: str, secret: str,
                 kiosk_institution: str | None = None) -> None:
    cipher = FieldCipher(settings.data_keys, settings.blind_index_key)
    session.merge(Partner(app_id=app_id, secret_sealed=cipher.seal(secret, PARTNER_SECRET),
                          active=True, kiosk_institution=kiosk_institution))
