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


# How each step reads on a timeline, in the citizen's language.
STEP_WORDS = {
    "apply": ("提交申请", "Application submitted"),
    "accept": ("部门已受理", "Accepted by the agency"),
    "request_corrections": ("部门一次性告知需补正：{items}",
                            "The agency asked, at once, for: {items}"),
    "resubmit": ("已补正并重新提交", "Corrections sent"),
    "approve": ("审批通过", "Approved"),
    "reject": ("未予批准", "Refused"),
    "withdraw": ("申请人已撤回", "Withdrawn by the applicant"),
    "lapse": ("补正期限已过，办理终止", "Lapsed: the corrections did not come in time"),
    "collect": ("证件已领取", "Collected"),
    "order": ("已下单，待支付", "Ordered, waiting for payment"),
    "pay": ("已支付", "Paid"),
    "confirm": ("收款单位已确认", "Confirmed by the agency"),
    "fail": ("支付未成功", "Payment failed"),
    "expire": ("订单已过期", "Order expired"),
    "book": ("预约成功", "Visit booked"),
    "reschedule": ("已改约", "Visit moved"),
    "check_in": ("已签到", "Checked in"),
    "cancel": ("已取消", "Cancelled"),
    "miss": ("未按时到达", "Missed"),
    "begin": ("开始人脸识别", "Face check begun"),
    "pass": ("人脸识别通过", "Face check passed"),
    "fail_check": ("人脸识别未通过", "Face check not passed"),
    "time_out": ("人脸识别已超时", "Face check timed out"),
}


def says(step, locale: str) -> str:
    """The step as the citizen reads it (zh-CN unless `locale` is en)."""
    words = STEP_WORDS.get(step.action, (step.action, step.action))[locale == "en"]
    items = (step.detail or {}).get("items") or []
    return words.format(items=("、" if locale != "en" else ", ").join(items))


def matter_view(matter, workflow, steps, locale: str = "zh-CN") -> dict:
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
                      "from": s.from_state, "to": s.to_state, "says": says(s, locale),
                      "detail": s.detail}
                     for s in steps],
    }


def open_view(matter, workflow) -> dict:
    """An open matter as the citizen's overview lists it."""
    return {"tracking_number": matter.tracking_number, "kind": matter.kind,
            "service_code": matter.service_code, "state": matter.state,
            "waiting_for": workflow.states[matter.state].owner,
            "due_at": iso_utc(matter.due_at) if matter.due_at else None,
            "opened_at": iso_utc(matter.opened_at)}


def progress_view(matter, workflow, service, steps, locale: str = "zh-CN") -> dict:
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
                      "from": s.from_state, "to": s.to_state, "says": says(s, locale)}
                     for s in steps],
    }
