"""Mini-program subscription messages: a partner whose push channel is a
mini-program (WeChat, Alipay) may push a template to a citizen only with the
citizen's consent to that template.

- one-time: each acceptance allows one message (a credit, spent by the push);
- long-term: allowed until withdrawn, but only for government, medical and
  transport services (here: payments, appointments and matters).

Without a credit the push is not sent: a critical message still reaches the citizen
by text (its text says why), any other stays in the inbox only.
"""

from contracts.errors import InvalidInput

ONE_TIME, LONG_TERM = "one_time", "long_term"
KINDS = (ONE_TIME, LONG_TERM)
LONG_TERM_CATEGORIES = ("payment", "appointment", "matter")
NO_CREDIT_REASON = "no subscription for the partner's push: sent by text instead"


def check_acceptance(kind, template) -> str:
    if kind not in KINDS:
        raise InvalidInput(f"kind must be {' or '.join(KINDS)}", field="kind")
    if kind == LONG_TERM and template.category not in LONG_TERM_CATEGORIES:
        raise InvalidInput(f"long-term subscriptions are only for "
                           f"{', '.join(LONG_TERM_CATEGORIES)} messages, not "
                           f"{template.category}", field="kind",
                           code="long_term_not_allowed")
    return kind
