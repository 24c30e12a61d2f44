"""What matters answers, as the gateway passes it on."""

from services.matters.domain.catalogue import CATEGORIES


def catalogue_service_view(entry) -> dict:
    return {
        "code": entry.code,
        "category": {"code": entry.category, "name": CATEGORIES[entry.category]},
        "agency": entry.agency,
        "required_assurance_level": entry.required_assurance_level,
        "delivery": entry.delivery,
        "fee": ({"fee_code": entry.fee_code, "amount_cents": entry.fee_amount_cents}
                if entry.charges_fee else None),
        "sla_working_days": entry.sla_working_days,
        "name": {"zh-CN": entry.name_zh, "en": entry.name_en},
        "summary": {"zh-CN": entry.summary_zh, "en": entry.summary_en},
        "documents": entry.documents,
    }
