"""What identity's answers look like: personal data masked, moments in UTC."""

from chassis.crypto import mask_email, mask_phone
from contracts.time import iso_utc
from services.identity.domain.citizens import mask_name
from services.identity.domain.id_numbers import mask as mask_id_number
from services.identity.models import EMAIL, ID_NUMBER, NAME, PHONE


def citizen_view(cipher, citizen, phone: str | None = None) -> dict:
    """The masked profile; `phone` saves a decryption when the caller has it."""
    return {
        "citizen_id": citizen.id,
        "partner_user_id": citizen.partner_user_id,
        "phone": mask_phone(phone or cipher.open(citizen.phone_sealed, PHONE)),
        "name": (mask_name(cipher.open(citizen.name_sealed, NAME))
                 if citizen.name_sealed else None),
        "id_number": (mask_id_number(cipher.open(citizen.id_number_sealed, ID_NUMBER))
                      if citizen.id_number_sealed else None),
        "email": (mask_email(cipher.open(citizen.email_sealed, EMAIL))
                  if citizen.email_sealed else None),
        "locale": citizen.locale,
        "assurance_level": citizen.assurance_level,
        "created_at": iso_utc(citizen.created_at),
    }


def consent_view(consent) -> dict:
    return {"consent_id": consent.id, "attributes": consent.attributes.split(","),
            "purpose": consent.purpose, "granted_at": iso_utc(consent.granted_at),
            "revoked_at": iso_utc(consent.revoked_at) if consent.revoked_at else None}


def face_view(verification, complete_url: str | None = None) -> dict:
    view = {"verification_id": verification.id, "status": verification.status,
            "expires_at": iso_utc(verification.expires_at)}
    if complete_url is not None:
        view["sandbox_complete_url"] = complete_url
    return view


def access_log_view(entries, chain_intact: bool) -> dict:
    """Newest first."""
    return {"items": [{"reader": e.reader, "attributes": e.attributes.split(","),
                       "purpose": e.purpose, "read_at": iso_utc(e.read_at), "hash": e.hash}
                      for e in reversed(entries)],
            "chain_intact": chain_intact}
