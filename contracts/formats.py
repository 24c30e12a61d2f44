"""The shapes of values that cross the API, spelled once.

The gateway's request models (the OpenAPI document) and the services' own rules
use these same patterns, so what the document promises is what the services
accept. ASCII digits only: in both Python's and pydantic's regular expressions
`\\d` also matches other scripts' digits.
"""

import re
from datetime import date

PHONE = r"^\+[1-9][0-9]{7,14}$"  # E.164
PARTNER_USER_ID = r"^[A-Za-z0-9_.:@-]{1,128}$"
LOCALES = ("zh-CN", "en")
# What a notification is about; partners choose webhook deliveries by these.
NOTIFICATION_CATEGORIES = ("account", "security", "payment", "appointment", "matter")
# A person's name as the registry holds it: 1-64 characters, no digits, no control
# characters, no space at either end.
NAME = r"^[^\s0-9\x00-\x1f\x7f](?:[^0-9\x00-\x1f\x7f]{0,62}[^\s0-9\x00-\x1f\x7f])?$"
# The shape of a resident identity card number; its birth date and check character
# are identity's rules (services/identity/domain/id_numbers.py).
ID_NUMBER = r"^[0-9]{17}[0-9Xx]$"
PURPOSE = r"^[a-z][a-z0-9_.-]{2,63}$"
AUDIENCE = r"^[a-z][a-z0-9_.-]{0,63}$"
PHONE_CODE = r"^[0-9]{6}$"
# An address a mail server would take: a local part, @, a domain with a dot (at most
# 254 characters in all, as SMTP allows: checked beside the pattern, which pydantic's
# regex engine cannot bound with a look-ahead). Whether it exists, the code proves.
EMAIL = r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9-]{1,63}(\.[A-Za-z0-9-]{1,63})+$"
EMAIL_MAX = 254
# The bill, account or ticket number a payment settles.
REFERENCE = r"^[A-Za-z0-9-]{4,64}$"
MAX_AMOUNT_CENTS = 10_000_000
# The city days a question may name: far enough either way for any real matter, near
# enough that a day after the last is still a date (9999-12-31 + 1 day is an error).
FIRST_CITY_DAY, LAST_CITY_DAY = date(2000, 1, 1), date(2099, 12, 31)
# A slot listing covers at most this many city days.
LONGEST_LISTING_DAYS = 31
# Request headers a partner may send (docs/api.md): the request id it chose, the key
# that makes an order idempotent, the last notification a live stream got.
REQUEST_ID = r"^[A-Za-z0-9._:-]{8,128}$"
IDEMPOTENCY_KEY = r"^[A-Za-z0-9_.:-]{8,128}$"
NOTIFICATION_ID = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
# An absolute http(s) URL with a host and no user or password (https only, and no
# private address, in production: services/notify/domain/webhooks.py).
WEBHOOK_URL = r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[^\s]*)?$"


def matches(pattern: str, value) -> bool:
    return isinstance(value, str) and re.match(pattern, value) is not None
