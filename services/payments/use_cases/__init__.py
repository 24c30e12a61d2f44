"""Payments' operations, each taking the unit of work, the adapters and `now` it needs:
bills (lookup, linked accounts, the daily refresh), ordering (an order and its trade
at the provider), settlement (what the provider says, applied once), and upkeep (the
janitor, agency write-offs, refunds)."""
