"""Identity's use cases: each takes the unit of work, the adapters and `now` it needs,
so `tests/service_layer` runs them with in-memory fakes.

phone_confirmation   level 0 -> 1, a texted code
real_name            level 1 -> 2, the population registry, the lockout
faces                level 2 -> 3, face and liveness with the provider
access               consents, reads of verified attributes, the access log
"""
