"""What matters answers, as the gateway passes it on."""

from contracts.time import iso_utc
from services.matters.domain.catalogue import CATEGORIES


def catalogue_service_view(entry) -> dict:
    return {
        "code": entry.code,
        "category": {"code": entry.category, "name": CATEGORIES[entry.category]},
        "agency": entry.agency,
        "required_assurance_level": entry.required_assurance_level,
        "delivery": entry.delivery,
        "application": entry.application,
        "fee": ({"fee_code": entry.fee_code, "amount_cents": entry.fee_amount_cents}
                if entry.charges_fee else None),
        "sla_working_days": entry.sla_working_days,
        "name": {"zh-CN": entry.name_zh, "en": entry.name_en},
        "summary": {"zh-CN": entry.summary_zh, "en": entry.summary_en},
        "documents": entry.documents,
    }


def matter_view(matter, workflow, steps) -> dict:
    """A matter as its citizen sees it, with whose move it is and its timeline."""
    state = workflow.states[matter.state]
    return {
        "tracking_number": matter.tracking_number,
        "kind": matter.kind,
        "service_code": matter.service_code,
        "state": matter.state,
        "waiting_for": None if state.final else state.owner,
        "due_at": iso_utc(matter.due_at) if matter.due_at else None,
        "corrections": matter.corrections,
        "opened_at": iso_utc(matter.opened_at),
        "closed_at": iso_utc(matter.closed_at) if matter.closed_at else None,
        "timeline": [{"at": iso_utc(s.at), "action": s.action, "by": s.by,
                      "from": s.from_state, "to": s.to_state, "detail": s.detail}
                     for s in steps],
    }


def open_view(matter, workflow) -> dict:
    """An open matter as the citizen's overview lists it."""
    return {"tracking_number": matter.tracking_number, "kind": matter.kind,
            "service_code": matter.service_code, "state": matter.state,
            "waiting_for": workflow.states[matter.state].owner,
            "due_at": iso_utc(matter.due_at) if matter.due_at else None,
            "opened_at": iso_utc(matter.opened_at)}


def progress_view(matter, workflow, service, steps) -> dict:
    """What the public progress query answers: where the matter stands and its steps,
    nothing of who filed it or what they attached."""
    state = workflow.states[matter.state]
    return {
        "tracking_number": matter.tracking_number,
        "service": {"code": service.code,
                    "name": {"zh-CN": service.name_zh, "en": service.name_en}},
        "state": matter.state,
        "waiting_for": None if state.final else state.owner,
        "due_at": iso_utc(matter.due_at) if matter.due_at else None,
        "opened_at": iso_utc(matter.opened_at),
        "closed_at": iso_utc(matter.closed_at) if matter.closed_at else None,
        "timeline": [{"at": iso_utc(s.at), "action": s.action, "by": s.by,
                      "from": s.from_state, "to": s.to_state} for s in steps],
    }
