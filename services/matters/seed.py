"""`cityhub seed` for matters: the service catalogue from catalogue.yaml and the
working-day calendar from holidays.yaml."""

from datetime import timedelta
from pathlib import Path

import yaml
from sqlalchemy.orm import Session

from services.matters import repository
from services.matters.domain.catalogue import problems
from services.matters.domain.working_days import correction_problem

CATALOGUE = Path(__file__).with_name("catalogue.yaml")
HOLIDAYS = Path(__file__).with_name("holidays.yaml")


def load(path: Path = CATALOGUE) -> list[dict]:
    """The catalogue file's entries; ValueError naming every problem if any has one."""
    entries = yaml.safe_load(path.read_text(encoding="utf-8"))
    found = [problem for entry in entries for problem in problems(entry)]
    codes = [entry["code"] for entry in entries]
    found += [f"{code}: listed twice" for code in sorted({c for c in codes
                                                           if codes.count(c) > 1})]
    booked = [entry["books"] for entry in entries if entry.get("books")]
    found += [f"{kind}: booked by two services" for kind in sorted({k for k in booked
                                                                    if booked.count(k) > 1})]
    if found:
        raise ValueError(f"{path.name}: " + "; ".join(found))
    return entries


def row(position: int, entry: dict) -> dict:
    fee = entry["fee"] or {"code": None, "amount_cents": None}
    return {"code": entry["code"], "position": position, "category": entry["category"],
            "agency": entry["agency"], "required_assurance_level": entry["level"],
            "delivery": entry["delivery"], "application": entry.get("application", False),
            "fee_code": fee["code"],
            "fee_amount_cents": fee["amount_cents"], "charges_fee": entry["fee"] is not None,
            "sla_working_days": entry["sla_days"], "name_zh": entry["name"]["zh-CN"],
            "name_en": entry["name"]["en"], "summary_zh": entry["summary"]["zh-CN"],
            "summary_en": entry["summary"]["en"], "documents": entry["documents"],
            "books": entry.get("books")}


def notice_days(path: Path = HOLIDAYS) -> list[dict]:
    """The calendar file's days, one row each; ValueError naming every day that the
    weekday rule already gets right."""
    rows = []
    for year in yaml.safe_load(path.read_text(encoding="utf-8")).values():
        for span in year["days_off"]:
            day = span["from"]
            while day <= span["to"]:
                rows.append({"day": day, "working": False, "name": span["name"],
                             "set_by": "notice"})
                day += timedelta(days=1)
        rows += [{"day": d["day"], "working": True, "name": d["name"], "set_by": "notice"}
                 for d in year["days_worked"]]
    found = [p for r in rows if (p := correction_problem(r["day"], r["working"]))]
    if found:
        raise ValueError(f"{path.name}: " + "; ".join(found))
    return rows


def seed(session: Session, path: Path = CATALOGUE, holidays: Path = HOLIDAYS) -> int:
    """Load the catalogue, and the calendar's days ops have not set; running it twice
    changes nothing. How many services the catalogue holds."""
    entries = load(path)
    repository.replace_catalogue(session, [row(n, e) for n, e in enumerate(entries)])
    repository.add_notice_days(session, notice_days(holidays))
    return len(entries)
