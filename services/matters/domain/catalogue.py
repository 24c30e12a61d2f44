"""The city's service catalogue: what each service is, and finding one.

A citizen looks for "户籍证明" or "residence permit", not for a code. Search is over
the names, summaries and codes in both languages, every word of the query somewhere
in the entry (Chinese is written without spaces, so a Chinese query is one word and
matches as a substring); entries whose name holds every word come first. The whole
catalogue is a few dozen entries, read in one query, so this is plain Python rather
than a search engine.
"""

from contracts.errors import InvalidInput, NotFound

LANGUAGES = ("zh-CN", "en")
CATEGORIES = {
    "traffic": {"zh-CN": "交通出行", "en": "Traffic and vehicles"},
    "utilities": {"zh-CN": "水电燃气", "en": "Water, power and gas"},
    "social_insurance": {"zh-CN": "社会保险", "en": "Social insurance"},
    "housing_fund": {"zh-CN": "住房公积金", "en": "Housing fund"},
    "medical": {"zh-CN": "医疗健康", "en": "Health care"},
    "household": {"zh-CN": "户籍身份", "en": "Household registration and identity"},
    "residence": {"zh-CN": "居住证", "en": "Residence permits"},
    "entry_exit": {"zh-CN": "出入境", "en": "Travel documents"},
    "property": {"zh-CN": "不动产", "en": "Property"},
    "tax": {"zh-CN": "税务", "en": "Tax"},
    "civil_affairs": {"zh-CN": "民政服务", "en": "Civil affairs"},
    "employment": {"zh-CN": "就业创业", "en": "Work"},
    "business": {"zh-CN": "企业开办", "en": "Starting a business"},
    "education": {"zh-CN": "教育", "en": "Education"},
}
DELIVERIES = ("fully_online", "by_appointment", "one_trip")
BOOKS = ("hospital", "service_hall")  # the kinds of institution appointments keeps
LEVELS = (1, 2, 3)
MAX_QUERY = 100


def problems(entry: dict) -> list[str]:
    """What is wrong with one entry of catalogue.yaml; [] when nothing is."""
    found = []
    code = entry.get("code")
    if not isinstance(code, str) or not code or code != code.lower() or " " in code:
        found.append(f"{code!r}: a code is lower-case words joined by '-'")
    if entry.get("category") not in CATEGORIES:
        found.append(f"{code}: unknown category {entry.get('category')!r}")
    if entry.get("delivery") not in DELIVERIES:
        found.append(f"{code}: unknown delivery {entry.get('delivery')!r}")
    if entry.get("level") not in LEVELS:
        found.append(f"{code}: level must be one of {LEVELS}")
    if not isinstance(entry.get("sla_days"), int) or entry["sla_days"] < 0:
        found.append(f"{code}: sla_days must be a whole number of working days")
    if entry.get("application", False) not in (True, False):
        found.append(f"{code}: application is true or false")
    if entry.get("books") not in (None, *BOOKS):
        found.append(f"{code}: books one of {BOOKS}")
    if not entry.get("agency"):
        found.append(f"{code}: no agency")
    fee = entry.get("fee")
    if fee is not None and (not isinstance(fee, dict) or set(fee) != {"code", "amount_cents"}
                            or (fee["code"] is None and fee["amount_cents"] is None)):
        found.append(f"{code}: a fee is {{code, amount_cents}}, at least one of them set")
    for field in ("name", "summary"):
        if not _in_both_languages(entry.get(field)):
            found.append(f"{code}: {field} needs zh-CN and en")
    if not all(_in_both_languages(d) for d in entry.get("documents") or []):
        found.append(f"{code}: every document needs zh-CN and en")
    return found


def _in_both_languages(text) -> bool:
    return isinstance(text, dict) and all(isinstance(text.get(lang), str) and text[lang]
                                          for lang in LANGUAGES)


def check_query(q: str | None, category: str | None) -> list[str]:
    """The query's words (casefolded); a bad query is refused, naming its field."""
    if category is not None and category not in CATEGORIES:
        raise InvalidInput(f"category must be one of: {', '.join(CATEGORIES)}",
                           field="category", code="unknown_category")
    if q is not None and len(q) > MAX_QUERY:
        raise InvalidInput(f"q is at most {MAX_QUERY} characters", field="q")
    return (q or "").casefold().split()


def search(entries: list, words: list[str], category: str | None) -> list:
    """The entries of the category (any, if None) that hold every word: those whose
    name holds them all first, then in catalogue order."""
    found = []
    for position, entry in enumerate(entries):
        if category is not None and entry.category != category:
            continue
        names = f"{entry.name_zh} {entry.name_en}".casefold()
        text = f"{names} {entry.summary_zh} {entry.summary_en} {entry.code}".casefold()
        if all(word in text for word in words):
            found.append((not all(word in names for word in words), position, entry))
    return [entry for _, _, entry in sorted(found, key=lambda f: f[:2])]


def not_found(code: str) -> NotFound:
    return NotFound("no service with this code in the catalogue", field="code",
                    code="service_not_found")
